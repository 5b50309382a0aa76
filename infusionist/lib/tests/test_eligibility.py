"""The eligibility kernel: every rule fires and stays clear, benzodiazepine conversion worked
examples, treatment-resistance counting, bad facts named by field, and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infusionist.lib import sources
from infusionist.lib.eligibility import (
    CONDITIONS,
    ROUTES,
    SEVERITIES,
    TRIAL_RESPONSES,
    AntidepressantTrial,
    EligibilityLimits,
    IntakeFacts,
    InvalidFacts,
    Medication,
    benzodiazepine_load_mg_per_day,
    evaluate,
)
from infusionist.lib.medications import DIAZEPAM_10_MG_EQUIVALENT_MG, generic_names

FAILED = (
    AntidepressantTrial("sertraline", 150, 8, adequate=True, response="none"),
    AntidepressantTrial("venlafaxine", 225, 8, adequate=True, response="partial"),
)
#: A patient every rule passes: two adequate failed trials, normal blood pressure, an adult.
CLEAR = IntakeFacts(
    antidepressant_trials=FAILED,
    systolic_mmhg=120,
    diastolic_mmhg=80,
    pregnant=False,
    breastfeeding=False,
    age_years=40,
)


def check(facts: IntakeFacts, code: str, limits: EligibilityLimits | None = None):
    result = evaluate(facts, limits)
    matches = [c for c in result.checks if c.code == code]
    assert len(matches) == 1, code
    return matches[0]


def with_(**changes: object) -> IntakeFacts:
    return IntakeFacts(**{**CLEAR.__dict__, **changes})


def meds(*items: tuple[str, float | None] | str) -> tuple[Medication, ...]:
    return tuple(Medication(i) if isinstance(i, str) else Medication(*i) for i in items)


def test_a_clear_patient_has_no_findings_and_every_check_says_what_it_read() -> None:
    result = evaluate(CLEAR)
    assert result.findings == ()
    assert result.treatment_resistant and result.failed_adequate_trials == 2
    assert result.diazepam_equivalent_mg_per_day == 0.0
    for c in result.checks:
        assert c.reason and c.title and c.source_keys and c.severity in SEVERITIES


def test_checks_come_in_checklist_order_stops_then_overrides_then_information() -> None:
    severities = [c.severity for c in evaluate(CLEAR).checks]
    assert severities == sorted(severities, key=SEVERITIES.index)
    codes = [c.code for c in evaluate(CLEAR).checks]
    assert len(codes) == len(set(codes))


# --- Each condition rule fires with its condition, and only then ---------------------------

CONDITION_RULES = [
    ("ketamine_hypersensitivity", "ketamine_hypersensitivity", "stop"),
    ("aneurysmal_vascular_disease", "aneurysmal_vascular_disease", "stop"),
    ("arteriovenous_malformation", "arteriovenous_malformation", "stop"),
    ("intracerebral_haemorrhage_history", "intracerebral_haemorrhage", "stop"),
    ("hypertension_uncontrolled", "hypertension_uncontrolled", "stop"),
    ("cardiac_disease_unstable", "cardiac_disease_unstable", "stop"),
    ("liver_disease_severe", "liver_disease_severe", "stop"),
    ("psychosis_active", "psychosis_active", "stop"),
    ("liver_disease_moderate", "liver_disease_moderate", "override"),
    ("raised_intracranial_pressure", "raised_intracranial_pressure", "override"),
    ("raised_intraocular_pressure", "raised_intraocular_pressure", "override"),
    ("psychosis_history", "psychosis_history", "override"),
    ("mania_history", "mania_history", "override"),
    ("substance_use_active", "substance_use_active", "override"),
    ("dementia", "dementia", "override"),
    ("traumatic_brain_injury_symptomatic", "traumatic_brain_injury_symptomatic", "override"),
    ("hyperthyroidism_uncontrolled", "hyperthyroidism_uncontrolled", "override"),
    ("bipolar_disorder", "bipolar_without_mood_stabilizer", "override"),
    ("hypertension", "hypertension", "info"),
    ("cardiac_disease", "cardiac_disease", "info"),
    ("seizure_disorder", "seizure_disorder", "info"),
    ("thyroid_disease", "thyroid_disease", "info"),
    ("bladder_symptoms", "bladder_symptoms", "info"),
    ("ptsd", "ptsd", "info"),
    ("substance_use_history", "substance_use_history", "info"),
    ("prior_ketamine_or_esketamine", "prior_ketamine_or_esketamine", "info"),
    ("pregnancy_not_ruled_out", "pregnancy_not_ruled_out", "override"),
]


@pytest.mark.parametrize(("condition", "code", "severity"), CONDITION_RULES)
def test_each_condition_rule_fires_with_its_condition(condition, code, severity) -> None:
    fired = check(with_(conditions=frozenset({condition})), code)
    assert fired.fired and fired.severity == severity
    assert fired.inputs[condition] is True
    clear = check(CLEAR, code)
    assert not clear.fired and clear.reason != fired.reason


def test_every_condition_code_is_read_by_some_rule() -> None:
    read = {condition for condition, _, _ in CONDITION_RULES} | {"bipolar_on_mood_stabilizer"}
    assert read == set(CONDITIONS)


@pytest.mark.parametrize("route", ROUTES)
def test_vascular_contraindications_stop_treatment_by_every_route(route) -> None:
    facts = with_(conditions=frozenset({"arteriovenous_malformation"}), planned_route=route)
    rule = check(facts, "arteriovenous_malformation")
    assert rule.fired and rule.severity == "stop"
    assert "esketamine label" in rule.reason
    assert ("ketamine label" in rule.reason.replace("esketamine label", "")) is (
        route != "intranasal"
    )


def test_a_mood_stabiliser_clears_the_bipolar_rule() -> None:
    facts = with_(conditions=frozenset({"bipolar_disorder", "bipolar_on_mood_stabilizer"}))
    rule = check(facts, "bipolar_without_mood_stabilizer")
    assert not rule.fired and "with a mood stabiliser" in rule.reason


def test_pregnancy_stops_and_breastfeeding_needs_an_override() -> None:
    assert check(with_(pregnant=True), "pregnancy").severity == "stop"
    assert check(with_(pregnant=True), "pregnancy").fired
    assert not check(with_(pregnant=None), "pregnancy").fired
    assert "not asked" in check(with_(pregnant=None), "pregnancy").reason
    feeding = check(with_(breastfeeding=True), "breastfeeding")
    assert feeding.fired and feeding.severity == "override"
    assert not check(CLEAR, "breastfeeding").fired


def test_age_below_the_clinics_minimum_needs_an_override() -> None:
    assert check(with_(age_years=17), "age_below_minimum").fired
    assert not check(with_(age_years=18), "age_below_minimum").fired
    assert not check(with_(age_years=None), "age_below_minimum").fired
    limits = EligibilityLimits(min_age_years=21)
    assert check(with_(age_years=19), "age_below_minimum", limits).fired


# --- Blood pressure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "fired"),
    [(140, 90, False), (141, 80, True), (130, 91, True), (120, 80, False), (None, None, False)],
)
def test_blood_pressure_above_the_limit_needs_an_override(systolic, diastolic, fired) -> None:
    rule = check(
        with_(systolic_mmhg=systolic, diastolic_mmhg=diastolic), "blood_pressure_above_limit"
    )
    assert rule.fired is fired and rule.severity == "override"
    assert rule.inputs["max_systolic_mmhg"] == 140


def test_the_blood_pressure_limit_is_the_clinics() -> None:
    limits = EligibilityLimits(max_systolic_mmhg=160, max_diastolic_mmhg=100)
    rule = check(with_(systolic_mmhg=150, diastolic_mmhg=95), "blood_pressure_above_limit", limits)
    assert not rule.fired and "160/100 mmHg" in rule.reason


# --- Benzodiazepines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("medications", "load"),
    [
        (meds(("lorazepam", 2.0)), 20.0),  # 1 mg twice a day
        (meds(("alprazolam", 0.75)), 15.0),  # 0.25 mg three times a day
        (meds(("alprazolam", 0.375)), 7.5),
        (meds(("clonazepam", 1.0)), 20.0),
        (meds(("chlordiazepoxide", 25.0)), 10.0),
        (meds(("oxazepam", 30.0)), 15.0),
        (meds(("temazepam", 10.0)), 5.0),
        (meds(("diazepam", 8.0)), 8.0),
        (meds(("lorazepam", 0.5), ("clonazepam", 0.25)), 10.0),  # 5 + 5
        (meds(("Xanax 0.5 mg", 1.0), ("ATIVAN", 1.0)), 30.0),  # brands, any case
        (meds(("sertraline", 100.0)), 0.0),
    ],
)
def test_diazepam_equivalent_worked_examples(medications, load) -> None:
    result = evaluate(with_(medications=medications))
    assert result.diazepam_equivalent_mg_per_day == pytest.approx(load)


def test_a_load_above_the_limit_fires_and_exactly_the_limit_does_not() -> None:
    above = check(with_(medications=meds(("lorazepam", 2.0))), "benzodiazepine_load_above_limit")
    assert above.fired and above.severity == "override"
    assert "20 mg/day diazepam-equivalent" in above.reason and "8 mg/day" in above.reason
    at = check(with_(medications=meds(("diazepam", 8.0))), "benzodiazepine_load_above_limit")
    assert not at.fired
    under = check(with_(medications=meds(("alprazolam", 0.375))), "benzodiazepine_load_above_limit")
    assert not under.fired and "7.5 mg/day" in under.reason
    assert not check(CLEAR, "benzodiazepine_load_above_limit").fired


def test_two_benzodiazepines_are_summed_against_the_limit() -> None:
    facts = with_(medications=meds(("diazepam", 5.0), ("lorazepam", 0.5)))
    rule = check(facts, "benzodiazepine_load_above_limit")
    assert rule.fired and rule.inputs["diazepam_equivalent_mg_per_day"] == 10.0
    assert len(rule.inputs["benzodiazepines"]) == 2


def test_the_benzodiazepine_limit_is_the_clinics() -> None:
    limits = EligibilityLimits(max_benzodiazepine_diazepam_mg_per_day=25)
    assert not check(
        with_(medications=meds(("lorazepam", 2.0))), "benzodiazepine_load_above_limit", limits
    ).fired


def test_a_benzodiazepine_without_a_daily_dose_makes_the_load_unknown() -> None:
    rule = check(with_(medications=meds("clonazepam")), "benzodiazepine_load_above_limit")
    assert rule.fired and rule.severity == "override"
    assert "load is unknown" in rule.reason and "clonazepam" in rule.reason


def test_every_benzodiazepine_in_the_table_converts_its_own_equivalent_to_10_mg() -> None:
    for generic, equivalent_mg in DIAZEPAM_10_MG_EQUIVALENT_MG.items():
        load = benzodiazepine_load_mg_per_day(meds((generic, equivalent_mg)))
        assert load == pytest.approx(10.0), generic


# --- Treatment resistance ----------------------------------------------------------------------


def trial(drug: str, **kw: object) -> AntidepressantTrial:
    return AntidepressantTrial(drug, **{"adequate": True, "response": "none", **kw})


@pytest.mark.parametrize(
    ("trials", "count", "met"),
    [
        ((), 0, False),
        ((trial("sertraline"),), 1, False),
        ((trial("sertraline"), trial("bupropion", response="partial")), 2, True),
        ((trial("sertraline"), trial("bupropion"), trial("mirtazapine")), 3, True),
    ],
)
def test_treatment_resistance_counts_adequate_failed_trials(trials, count, met) -> None:
    result = evaluate(with_(antidepressant_trials=trials))
    assert result.failed_adequate_trials == count and result.treatment_resistant is met
    rule = check(with_(antidepressant_trials=trials), "treatment_resistance_not_met")
    assert rule.fired is (not met)
    assert f"{count or 'no'} adequate failed trial" in rule.reason


def test_trials_that_do_not_count_are_named_with_the_reason() -> None:
    trials = (
        trial("sertraline"),
        trial("citalopram", adequate=False),
        trial("fluoxetine", adequate=None),
        trial("paroxetine", current_episode=False),
        trial("escitalopram", response="remission"),
        trial("duloxetine", response="unknown"),
        trial("Zoloft"),  # sertraline again
    )
    result = evaluate(with_(antidepressant_trials=trials))
    assert result.failed_adequate_trials == 1 and not result.treatment_resistant
    rule = check(with_(antidepressant_trials=trials), "treatment_resistance_not_met")
    assert rule.fired and rule.severity == "override"
    for words in (
        "citalopram (dose or duration not adequate)",
        "fluoxetine (adequacy of dose and duration unknown)",
        "paroxetine (in an earlier episode)",
        "escitalopram (led to remission)",
        "duloxetine (response unknown)",
        "Zoloft (same drug as a trial already counted)",
        "1 adequate failed trial in the current episode (sertraline)",
        "record why treatment may go ahead",
    ):
        assert words in rule.reason, words
    assert rule.inputs["counted"] == ["sertraline"]
    assert len(rule.inputs["not_counted"]) == 6


def test_the_number_of_trials_is_the_clinics() -> None:
    limits = EligibilityLimits(min_failed_adequate_trials=3)
    result = evaluate(CLEAR, limits)
    assert not result.treatment_resistant and "at least 3" in result.needs_override[0].reason


# --- Medication flags --------------------------------------------------------------------------

MEDICATION_RULES = [
    ("theophylline_or_aminophylline", "theophylline", "stop"),
    ("theophylline_or_aminophylline", "Aminophylline", "stop"),
    ("opioid_antagonist", "naltrexone", "override"),
    ("opioid_antagonist", "Vivitrol", "override"),
    ("maoi", "phenelzine", "override"),
    ("maoi", "Parnate 10 mg", "override"),
    ("opioid_or_cns_depressant", "oxycodone", "override"),
    ("opioid_or_cns_depressant", "Suboxone", "override"),
    ("opioid_or_cns_depressant", "zolpidem", "override"),
    ("opioid_or_cns_depressant", "Lyrica", "override"),
    ("stimulant", "Adderall XR 20 mg", "info"),
    ("stimulant", "methylphenidate", "info"),
    ("lamotrigine", "Lamictal", "info"),
    ("cyp_inducer", "carbamazepine", "info"),
    ("cyp_inducer", "St. John's Wort", "info"),
    ("cyp_inhibitor", "clarithromycin", "info"),
    ("cyp_inhibitor", "Plavix", "info"),
]


@pytest.mark.parametrize(("code", "name", "severity"), MEDICATION_RULES)
def test_each_medication_rule_fires_with_its_drug(code, name, severity) -> None:
    rule = check(with_(medications=meds(name)), code)
    assert (
        rule.fired and rule.severity == severity and rule.inputs["flagged by this rule"] != "none"
    )
    assert not check(with_(medications=meds("sertraline")), code).fired
    assert not check(with_(medications=meds(name)), "unclassified_medication").fired


def test_unknown_medications_are_listed_for_the_physician() -> None:
    rule = check(
        with_(medications=meds("sertraline", "Frobnicol 5 mg", "zz-herbal")),
        "unclassified_medication",
    )
    assert rule.fired and rule.severity == "info"
    assert rule.inputs["not recognised"] == ["Frobnicol 5 mg", "zz-herbal"]
    assert "Frobnicol 5 mg and zz-herbal" in rule.reason
    assert not check(with_(medications=meds("sertraline")), "unclassified_medication").fired


@pytest.mark.parametrize(
    ("name", "generics"),
    [
        ("Xanax 0.5 mg", ("alprazolam",)),
        ("XANAX XR", ("alprazolam",)),
        ("  klonopin ", ("clonazepam",)),
        ("Percocet 5/325", ("oxycodone", "acetaminophen")),
        ("buprenorphine/naloxone", ("buprenorphine", "naloxone")),
        ("lorazepam (Ativan)", ("lorazepam",)),
        ("Bupropion XL 300 mg", ("bupropion",)),
        ("sodium oxybate", ("sodium oxybate",)),
        ("something unheard of", ()),
        ("", ()),
    ],
)
def test_brand_names_map_to_generic_names(name, generics) -> None:
    assert generic_names(name) == generics


# --- Bad facts name their field ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (IntakeFacts(conditions=frozenset({"gout"})), "conditions"),
        (IntakeFacts(planned_route="oral"), "planned_route"),
        (
            IntakeFacts(antidepressant_trials=(trial("x", response="great"),)),
            "antidepressant_trials.0.response",
        ),
        (IntakeFacts(medications=meds("a", ("lorazepam", -1))), "medications.1.daily_dose_mg"),
        (IntakeFacts(medications=meds(("lorazepam", 1e7))), "medications.0.daily_dose_mg"),
        (IntakeFacts(medications=meds(("lorazepam", math.nan))), "medications.0.daily_dose_mg"),
        (IntakeFacts(medications=meds(" ")), "medications.0.name"),
        (
            IntakeFacts(antidepressant_trials=(trial("x", daily_dose_mg=-5),)),
            "antidepressant_trials.0.daily_dose_mg",
        ),
        (
            IntakeFacts(antidepressant_trials=(trial("x", duration_weeks=-1),)),
            "antidepressant_trials.0.duration_weeks",
        ),
        (IntakeFacts(antidepressant_trials=(trial(""),)), "antidepressant_trials.0.drug"),
        (IntakeFacts(systolic_mmhg=301), "systolic_mmhg"),
        (IntakeFacts(systolic_mmhg=39), "systolic_mmhg"),
        (IntakeFacts(diastolic_mmhg=20), "diastolic_mmhg"),
        (IntakeFacts(systolic_mmhg=80, diastolic_mmhg=120), "diastolic_mmhg"),
        (IntakeFacts(systolic_mmhg=90, diastolic_mmhg=90), "diastolic_mmhg"),
        (IntakeFacts(age_years=131), "age_years"),
        (IntakeFacts(age_years=-1), "age_years"),
    ],
)
def test_facts_that_cannot_be_evaluated_name_the_field(facts, field) -> None:
    with pytest.raises(InvalidFacts) as error:
        evaluate(facts)
    assert error.value.field == field and error.value.message


def test_the_edges_of_the_ranges_are_accepted() -> None:
    evaluate(IntakeFacts(systolic_mmhg=300, diastolic_mmhg=40, age_years=130))
    evaluate(IntakeFacts(age_years=0, medications=meds(("lorazepam", 0.0))))


# --- Properties -------------------------------------------------------------------------------

benzo_names = st.sampled_from(sorted(DIAZEPAM_10_MG_EQUIVALENT_MG))
doses = st.floats(min_value=0, max_value=500, allow_nan=False)
any_name = st.sampled_from(
    ["lorazepam", "Xanax 1 mg", "oxycodone", "naltrexone", "Nardil", "theophylline",
     "Lamictal", "rifampin", "ketoconazole", "sertraline", "Mystery tonic", "clonazepam"]
)  # fmt: skip


@given(st.lists(st.tuples(benzo_names, doses), max_size=6), benzo_names, doses)
@settings(max_examples=150, deadline=None)
def test_the_diazepam_load_is_additive_and_monotone(pairs, name, extra) -> None:
    base = meds(*pairs)
    load = benzodiazepine_load_mg_per_day(base)
    added = benzodiazepine_load_mg_per_day((*base, Medication(name, extra)))
    alone = benzodiazepine_load_mg_per_day((Medication(name, extra),))
    assert added == pytest.approx(load + alone, abs=1e-5)
    assert added >= load - 1e-9
    more = benzodiazepine_load_mg_per_day((*base, Medication(name, extra + 1)))
    assert more > added


facts_strategy = st.builds(
    IntakeFacts,
    conditions=st.frozensets(st.sampled_from(sorted(CONDITIONS))),
    medications=st.lists(
        st.builds(
            Medication,
            any_name | st.text(min_size=1, max_size=60).filter(str.strip),
            st.none() | st.floats(0, 10_000, allow_nan=False),
        ),
        max_size=5,
    ).map(tuple),
    systolic_mmhg=st.none() | st.integers(121, 300),
    diastolic_mmhg=st.none() | st.integers(40, 120),
    pregnant=st.none() | st.booleans(),
    breastfeeding=st.none() | st.booleans(),
    antidepressant_trials=st.lists(
        st.builds(
            AntidepressantTrial,
            st.sampled_from(["sertraline", "bupropion", "Zoloft", "lithium", "unknown pill"]),
            st.none() | st.floats(0, 1000, allow_nan=False),
            st.none() | st.floats(0, 520, allow_nan=False),
            st.none() | st.booleans(),
            st.sampled_from(TRIAL_RESPONSES),
            st.booleans(),
        ),
        max_size=5,
    ).map(tuple),
    planned_route=st.sampled_from(ROUTES),
    age_years=st.none() | st.integers(0, 130),
)


@given(facts_strategy)
@settings(max_examples=200, deadline=None)
def test_evaluate_never_raises_on_valid_facts_and_every_key_resolves(facts) -> None:
    result = evaluate(facts)
    assert result.findings == tuple(c for c in result.checks if c.fired)
    assert len(result.checks) == len(evaluate(CLEAR).checks)
    for c in result.checks:
        for key in c.source_keys:
            assert key == sources.UNSOURCED or not sources.get(key).withdrawn, (c.code, key)
        assert c.reason.strip()
    assert result.treatment_resistant is (result.failed_adequate_trials >= 2)


def test_every_rule_has_a_case_that_fires_in_these_tests() -> None:
    tested = {code for _, code, _ in CONDITION_RULES} | {code for code, _, _ in MEDICATION_RULES}
    tested |= {
        "pregnancy",
        "breastfeeding",
        "age_below_minimum",
        "blood_pressure_above_limit",
        "blood_pressure_severe",
        "benzodiazepine_load_above_limit",
        "treatment_resistance_not_met",
        "unclassified_medication",
    }
    assert {c.code for c in evaluate(CLEAR).checks} == tested


# --- review of issue 10 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "severe"),
    [(190, 115, True), (180, 100, True), (150, 110, True), (179, 109, False), (152, 94, False)],
)
def test_a_severe_blood_pressure_is_a_hard_stop_not_an_override(systolic, diastolic, severe):
    facts = with_(systolic_mmhg=systolic, diastolic_mmhg=diastolic)
    rule = check(facts, "blood_pressure_severe")
    assert rule.fired is severe and rule.severity == "stop"
    assert check(facts, "blood_pressure_above_limit").fired  # above 140/90 either way
    if severe:
        assert "no override" in rule.reason


def test_the_severe_level_is_the_clinics() -> None:
    from infusionist.lib.eligibility import EligibilityLimits

    facts = with_(systolic_mmhg=170, diastolic_mmhg=95)
    assert not check(facts, "blood_pressure_severe").fired
    strict = EligibilityLimits(stop_systolic_mmhg=170)
    assert next(
        c for c in evaluate(facts, strict).checks if c.code == "blood_pressure_severe"
    ).fired


def test_pregnancy_not_ruled_out_needs_a_reason_but_an_answer_clears_it() -> None:
    unsure = with_(conditions=frozenset({"pregnancy_not_ruled_out"}), pregnant=None)
    assert check(unsure, "pregnancy_not_ruled_out").fired
    assert not check(with_(pregnant=False), "pregnancy_not_ruled_out").fired


def test_medication_rules_show_every_medication_they_read() -> None:
    facts = with_(medications=(Medication("alprazolam", 1.0), Medication("sertraline", 100.0)))
    rule = check(facts, "opioid_antagonist")
    assert not rule.fired
    assert rule.inputs["medications listed"] == ["alprazolam 1 mg/day", "sertraline 100 mg/day"]
    assert check(CLEAR, "opioid_antagonist").inputs["medications listed"] == "none listed"
