"""Eligibility for ketamine or esketamine treatment: contraindications, treatment
resistance and medication flags, framework-free.

Facts follow docs/clinical-reference.md §2; source keys in square brackets resolve in
:mod:`infusionist.lib.sources`, ``[?]`` marks a rule no published source supports.

Shapes:

- :class:`IntakeFacts` is everything the rules read, as plain values (no Django). The intake
  packet builds it (``intake.selectors``), the API builds it from a JSON body.
- :class:`EligibilityLimits` holds the per-clinic thresholds, defaults documented and sourced.
- :func:`evaluate` returns an :class:`EligibilityResult`: one :class:`RuleCheck` per rule
  (fired or not, so the physician's checklist shows every rule with its basis and the inputs
  it read), the diazepam-equivalent daily dose (mg/day) and whether treatment resistance is
  met.
- Bad facts raise :class:`InvalidFacts` naming the field (the API maps it to 422).

Severities: ``stop`` for a label contraindication or an "avoid" of the guidelines (treatment
does not go ahead until the fact changes); ``override`` for a relative contraindication or
caution (goes ahead only with a physician's recorded reason); ``info`` for what the plan
must take into account. The rules, in checklist order (rule code, severity, sources):

Hard stops
  ``ketamine_hypersensitivity`` [22][19]; ``aneurysmal_vascular_disease``,
  ``arteriovenous_malformation``, ``intracerebral_haemorrhage`` (the esketamine label's
  contraindications [19][28]; for racemic ketamine by any route, conditions in which a rise
  in blood pressure is a serious hazard [22]); ``hypertension_uncontrolled`` [22][27];
  ``cardiac_disease_unstable`` [21][22]; ``liver_disease_severe`` (avoid [21], liver injury
  [22]); ``psychosis_active`` [21][25][31]; ``pregnancy`` [29][21];
  ``theophylline_or_aminophylline`` (seizures, do not combine [22]).
Physician override with a reason
  ``blood_pressure_above_limit`` (above the clinic's 140/90 mmHg by default [27]);
  ``treatment_resistance_not_met`` (fewer than 2 adequate failed trials in the current
  episode [25]); ``benzodiazepine_load_above_limit`` (above 8 mg/day diazepam-equivalent
  [32][33], Ashton's equivalents [104], or a benzodiazepine without a daily dose: the load is
  unknown); ``opioid_antagonist`` (naltrexone [34]); ``maoi`` [27][36];
  ``opioid_or_cns_depressant`` [22]; ``age_below_minimum`` (18 by default [18][19]);
  ``breastfeeding`` [29][21]; ``liver_disease_moderate`` [21][22];
  ``raised_intracranial_pressure``, ``raised_intraocular_pressure`` [21];
  ``psychosis_history`` [25][13]; ``mania_history`` [13][31]; ``substance_use_active``
  [21][13]; ``dementia``, ``traumatic_brain_injury_symptomatic`` [25];
  ``hyperthyroidism_uncontrolled`` [?]; ``bipolar_without_mood_stabilizer`` [13][25].
Information
  ``hypertension`` [13][27]; ``cardiac_disease`` (ECG [21]); ``seizure_disorder`` [?][22];
  ``thyroid_disease`` [?]; ``bladder_symptoms`` [22][68]; ``ptsd`` (calming plan, PCL-5
  baseline [13][55]); ``substance_use_history`` [13]; ``prior_ketamine_or_esketamine``
  [?][22]; ``stimulant`` [27][36]; ``lamotrigine`` [35]; ``cyp_inducer`` and
  ``cyp_inhibitor`` [37][105]; ``unclassified_medication`` (names the kernel could not
  classify, for the physician to review).

Medication names are matched case-insensitively to generic names, with brand names mapped
(:mod:`infusionist.lib.medications`) and a trailing strength or release form ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from infusionist.lib.medications import (
    CYP_INDUCERS,
    CYP_INHIBITORS,
    DIAZEPAM_10_MG_EQUIVALENT_MG,
    LAMOTRIGINE,
    MAOIS,
    METHYLXANTHINES,
    OPIOID_ANTAGONISTS,
    OPIOIDS,
    OTHER_CNS_DEPRESSANTS,
    STIMULANTS,
    clean_name,
    diazepam_equivalent_mg_per_day,
    generic_names,
)

__all__ = [
    "CONDITIONS",
    "ROUTES",
    "SEVERITIES",
    "TRIAL_RESPONSES",
    "AntidepressantTrial",
    "EligibilityLimits",
    "EligibilityResult",
    "IntakeFacts",
    "InvalidFacts",
    "Medication",
    "RuleCheck",
    "Severity",
    "BenzodiazepineDose",
    "benzodiazepine_doses",
    "benzodiazepine_load_mg_per_day",
    "evaluate",
    "failed_adequate_trials",
    "validate",
]

#: ``stop``: a hard stop, treatment may not go ahead; ``override``: may go ahead only when a
#: physician overrides the rule with a reason; ``info``: shown to the physician, no action.
Severity = Literal["stop", "override", "info"]
SEVERITIES: tuple[Severity, ...] = ("stop", "override", "info")

#: The planned route (as in :data:`infusionist.lib.dosing.ROUTE_DRUGS`): IV and IM racemic
#: ketamine, intranasal esketamine.
ROUTES: tuple[str, ...] = ("iv", "im", "intranasal")

#: Condition codes the intake asks about and the rules read, with the plain words staff see.
#: ``*_history`` means ever; the others mean now (current or active).
CONDITIONS: dict[str, str] = {
    "ketamine_hypersensitivity": "Allergy or hypersensitivity to ketamine or esketamine",
    "aneurysmal_vascular_disease": "Aneurysm (aorta, brain or other arteries)",
    "arteriovenous_malformation": "Arteriovenous malformation (AVM)",
    "intracerebral_haemorrhage_history": "Bleeding in the brain (intracerebral haemorrhage), ever",
    "hypertension": "High blood pressure (hypertension)",
    "hypertension_uncontrolled": "High blood pressure that is not controlled",
    "cardiac_disease": "Heart disease (coronary disease, heart failure, arrhythmia)",
    "cardiac_disease_unstable": "Heart disease that is not controlled or recently worse",
    "liver_disease_moderate": "Liver disease, moderate",
    "liver_disease_severe": "Liver disease, severe (cirrhosis, liver failure)",
    "raised_intracranial_pressure": "Raised pressure in the head (intracranial pressure)",
    "raised_intraocular_pressure": "Raised eye pressure (glaucoma)",
    "thyroid_disease": "Thyroid disease",
    "hyperthyroidism_uncontrolled": "Overactive thyroid that is not controlled",
    "seizure_disorder": "Seizures or epilepsy",
    "bladder_symptoms": "Bladder or urinary symptoms (pain, urgency, frequency, blood)",
    "psychosis_active": "Psychosis now (hallucinations, delusions)",
    "psychosis_history": "Psychosis, ever",
    "mania_history": "Mania or hypomania, ever",
    "bipolar_disorder": "Bipolar disorder",
    "bipolar_on_mood_stabilizer": "Bipolar disorder, taking a mood stabilizer",
    "ptsd": "Post-traumatic stress disorder (PTSD)",
    "substance_use_active": "Substance use disorder, active",
    "substance_use_history": "Substance use disorder, in the past",
    "dementia": "Dementia",
    "traumatic_brain_injury_symptomatic": "Brain injury with symptoms now",
    "pregnancy_not_ruled_out": "Pregnancy not ruled out (the patient was not sure or did not say)",
    "prior_ketamine_or_esketamine": "Ketamine or esketamine treatment before",
}

#: How a patient responded to an antidepressant trial.
TRIAL_RESPONSES: tuple[str, ...] = ("none", "partial", "remission", "unknown")


class InvalidFacts(ValueError):
    """The facts cannot be evaluated; ``field`` names the offending input (dotted path, e.g.
    ``medications.2.daily_dose_mg``) and ``message`` says why in plain words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Medication:
    """One current medication: generic ``name`` (case-insensitive; brand names the kernel
    knows are mapped to it), ``daily_dose_mg`` (total milligrams a day, None when unknown)."""

    name: str
    daily_dose_mg: float | None = None


@dataclass(frozen=True)
class AntidepressantTrial:
    """One antidepressant (or augmentation) trial: drug, daily dose in mg, duration in weeks,
    whether the prescriber judged dose and duration adequate (None = unknown), the
    response (:data:`TRIAL_RESPONSES`) and whether it was in the current episode."""

    drug: str
    daily_dose_mg: float | None = None
    duration_weeks: float | None = None
    adequate: bool | None = None
    response: str = "unknown"
    current_episode: bool = True


@dataclass(frozen=True)
class IntakeFacts:
    """Everything the eligibility rules read. ``conditions``: codes from :data:`CONDITIONS`;
    blood pressure in mmHg (None = not measured); ``pregnant``/``breastfeeding`` None = not
    asked or not applicable; ``planned_route`` from :data:`ROUTES`; ``age_years`` None =
    unknown."""

    conditions: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    antidepressant_trials: tuple[AntidepressantTrial, ...] = ()
    planned_route: str = "iv"
    age_years: int | None = None


@dataclass(frozen=True)
class EligibilityLimits:
    """Per-clinic thresholds; the defaults are the documented, sourced values.

    - ``max_benzodiazepine_diazepam_mg_per_day``: 8 mg/day diazepam-equivalent separated
      non-responders (sensitivity 80%, specificity 85%, n=47) [32].
    - ``min_failed_adequate_trials``: treatment resistance is no adequate response to at
      least 2 antidepressants of adequate dose and duration in the current episode [25].
    - ``max_systolic_mmhg`` / ``max_diastolic_mmhg``: 140/90, the esketamine label's general
      guide for a pre-dose blood pressure at which to weigh delaying treatment [27].
    - ``min_age_years``: 18; esketamine is indicated for adults, and its safety and
      effectiveness below 18 are not established [18][19] (the dosing settings' minimum age).
    """

    max_benzodiazepine_diazepam_mg_per_day: float = 8.0
    min_failed_adequate_trials: int = 2
    max_systolic_mmhg: int = 140
    max_diastolic_mmhg: int = 90
    #: At or above either, a hard stop: treatment does not go ahead until the pressure is
    #: treated. Systolic 180: the hypertension guideline calls readings above 180/120 severe
    #: [43], and the ketamine label contraindicates ketamine where a significant rise is a
    #: serious hazard [22]. Diastolic 110: no published source sets it [?]; a trial withdrew
    #: a patient at 180/115 [10], so the default stops below that.
    stop_systolic_mmhg: int = 180
    stop_diastolic_mmhg: int = 110
    min_age_years: int = 18


@dataclass(frozen=True)
class RuleCheck:
    """One rule as the physician's checklist shows it: ``code`` (stable, snake_case),
    ``title`` (what the rule checks), ``severity``, ``fired`` (whether it applies to this
    patient), ``reason`` (plain words: why it fired, or what was checked), ``source_keys``
    (e.g. ``("22", "27")``) and ``inputs`` (the facts it read, JSON-able values)."""

    code: str
    title: str
    severity: Severity
    fired: bool
    reason: str
    source_keys: tuple[str, ...]
    inputs: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EligibilityResult:
    """``checks``: every rule, in checklist order; ``findings``: the fired ones;
    ``diazepam_equivalent_mg_per_day``: the summed benzodiazepine load (0.0 when none);
    ``treatment_resistant``: at least ``min_failed_adequate_trials`` adequate failed trials
    in the current episode (``failed_adequate_trials`` counts them)."""

    checks: tuple[RuleCheck, ...]
    diazepam_equivalent_mg_per_day: float
    treatment_resistant: bool
    failed_adequate_trials: int

    @property
    def findings(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.checks if c.fired)

    @property
    def hard_stops(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.findings if c.severity == "stop")

    @property
    def needs_override(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.findings if c.severity == "override")


# --- Bounds of facts that can be evaluated ------------------------------------------------
# Sanity bounds, not clinical thresholds: a value outside them is a typing or unit mistake.

#: Blood pressure a cuff can read, mmHg (both systolic and diastolic).
BP_RANGE_MMHG: tuple[int, int] = (40, 300)
#: Age in whole years.
AGE_RANGE_YEARS: tuple[int, int] = (0, 130)
#: The largest daily dose of any medication the kernel accepts, mg/day (10 g: above any
#: drug on an intake list; a larger number is a unit mistake).
MAX_DAILY_DOSE_MG = 10_000.0
#: The longest antidepressant trial accepted, weeks (20 years).
MAX_TRIAL_WEEKS = 1_040.0
#: The longest drug name accepted, characters.
MAX_NAME_CHARS = 200


# --- Benzodiazepine load ----------------------------------------------------------------------


@dataclass(frozen=True)
class BenzodiazepineDose:
    """One benzodiazepine on the list: ``name`` as entered, ``generic`` name, ``daily_dose_mg``
    (None when unknown) and ``diazepam_equivalent_mg_per_day`` (None when unknown)."""

    name: str
    generic: str
    daily_dose_mg: float | None
    diazepam_equivalent_mg_per_day: float | None


def benzodiazepine_doses(medications: tuple[Medication, ...]) -> tuple[BenzodiazepineDose, ...]:
    """Return each benzodiazepine in ``medications`` with its diazepam-equivalent dose."""
    doses: list[BenzodiazepineDose] = []
    for medication in medications:
        for generic in generic_names(medication.name):
            if generic not in DIAZEPAM_10_MG_EQUIVALENT_MG:
                continue
            daily = medication.daily_dose_mg
            equivalent = None if daily is None else diazepam_equivalent_mg_per_day(generic, daily)
            doses.append(BenzodiazepineDose(medication.name, generic, daily, equivalent))
    return tuple(doses)


def benzodiazepine_load_mg_per_day(medications: tuple[Medication, ...]) -> float:
    """Return the summed diazepam-equivalent load, mg/day (0.0 when none; doses without a
    daily dose count 0 here and are reported by the benzodiazepine rule)."""
    total = sum(d.diazepam_equivalent_mg_per_day or 0.0 for d in benzodiazepine_doses(medications))
    return round(total, 6)


# --- Treatment resistance ---------------------------------------------------------------------


def _trial_exclusion(trial: AntidepressantTrial) -> str | None:
    """Return why ``trial`` does not count as an adequate failed trial, or None when it does."""
    if not trial.current_episode:
        return "in an earlier episode"
    if trial.adequate is None:
        return "adequacy of dose and duration unknown"
    if not trial.adequate:
        return "dose or duration not adequate"
    if trial.response == "remission":
        return "led to remission"
    if trial.response == "unknown":
        return "response unknown"
    return None


def failed_adequate_trials(
    trials: tuple[AntidepressantTrial, ...],
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Return (drugs counted, (drug, why not counted) pairs) for treatment resistance.

    A trial counts when it is in the current episode, judged adequate in dose and duration,
    and the response was none or partial [25]. Each drug counts once: resistance is to at
    least two antidepressants [25], so a second trial of the same drug is listed as not
    counted.
    """
    counted: list[str] = []
    skipped: list[tuple[str, str]] = []
    for trial in trials:
        label = trial.drug.strip()
        why = _trial_exclusion(trial)
        key = "+".join(generic_names(label)) or clean_name(label)
        if why is None and key in {"+".join(generic_names(c)) or clean_name(c) for c in counted}:
            why = "same drug as a trial already counted"
        if why is None:
            counted.append(label)
        else:
            skipped.append((label, why))
    return tuple(counted), tuple(skipped)


# --- Validation -------------------------------------------------------------------------------


def _finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))


def _check_number(
    path: str, value: float | None, *, low: float, high: float, unit: str, strict_low: bool = False
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise InvalidFacts(path, f"Give a number in {unit}.")
    if value < low or (strict_low and value == low) or value > high:
        raise InvalidFacts(path, f"{value:g} {unit} is outside {low:g}–{high:g} {unit}.")


def validate(facts: IntakeFacts) -> None:
    """Raise :class:`InvalidFacts` naming the first field of ``facts`` that cannot be evaluated.

    Refused: a condition code not in :data:`CONDITIONS`; a route not in :data:`ROUTES`; a
    trial response not in :data:`TRIAL_RESPONSES`; a blank drug name; a negative or absurd
    dose (above :data:`MAX_DAILY_DOSE_MG` mg/day) or trial length (above
    :data:`MAX_TRIAL_WEEKS` weeks); a blood pressure outside :data:`BP_RANGE_MMHG` or a
    diastolic at or above the systolic; an age outside :data:`AGE_RANGE_YEARS`.
    """
    for code in sorted(facts.conditions):
        if code not in CONDITIONS:
            raise InvalidFacts("conditions", f"Unknown condition code {code!r}.")
    if facts.planned_route not in ROUTES:
        raise InvalidFacts(
            "planned_route",
            f"Unknown route {facts.planned_route!r}; use one of {', '.join(ROUTES)}.",
        )
    for i, medication in enumerate(facts.medications):
        if not medication.name.strip():
            raise InvalidFacts(f"medications.{i}.name", "Give the medication's name.")
        if len(medication.name) > MAX_NAME_CHARS:
            raise InvalidFacts(f"medications.{i}.name", f"Use at most {MAX_NAME_CHARS} characters.")
        _check_number(
            f"medications.{i}.daily_dose_mg",
            medication.daily_dose_mg,
            low=0,
            high=MAX_DAILY_DOSE_MG,
            unit="mg/day",
        )
    for i, trial in enumerate(facts.antidepressant_trials):
        if not trial.drug.strip():
            raise InvalidFacts(f"antidepressant_trials.{i}.drug", "Give the drug's name.")
        if len(trial.drug) > MAX_NAME_CHARS:
            raise InvalidFacts(
                f"antidepressant_trials.{i}.drug", f"Use at most {MAX_NAME_CHARS} characters."
            )
        _check_number(
            f"antidepressant_trials.{i}.daily_dose_mg",
            trial.daily_dose_mg,
            low=0,
            high=MAX_DAILY_DOSE_MG,
            unit="mg/day",
        )
        _check_number(
            f"antidepressant_trials.{i}.duration_weeks",
            trial.duration_weeks,
            low=0,
            high=MAX_TRIAL_WEEKS,
            unit="weeks",
        )
        if trial.response not in TRIAL_RESPONSES:
            raise InvalidFacts(
                f"antidepressant_trials.{i}.response",
                f"Unknown response {trial.response!r}; use one of {', '.join(TRIAL_RESPONSES)}.",
            )
    low, high = BP_RANGE_MMHG
    _check_number("systolic_mmhg", facts.systolic_mmhg, low=low, high=high, unit="mmHg")
    _check_number("diastolic_mmhg", facts.diastolic_mmhg, low=low, high=high, unit="mmHg")
    if (
        facts.systolic_mmhg is not None
        and facts.diastolic_mmhg is not None
        and facts.diastolic_mmhg >= facts.systolic_mmhg
    ):
        raise InvalidFacts(
            "diastolic_mmhg",
            f"The diastolic pressure ({facts.diastolic_mmhg} mmHg) must be below the systolic "
            f"({facts.systolic_mmhg} mmHg); check that they are not swapped.",
        )
    _check_number(
        "age_years", facts.age_years, low=AGE_RANGE_YEARS[0], high=AGE_RANGE_YEARS[1], unit="years"
    )


# --- Rules ------------------------------------------------------------------------------------

_SEVERITY_ORDER: dict[str, int] = {severity: i for i, severity in enumerate(SEVERITIES)}
_ROUTE_WORDS: dict[str, str] = {
    "iv": "IV racemic ketamine",
    "im": "intramuscular racemic ketamine",
    "intranasal": "intranasal esketamine",
}


def _fmt(value: float) -> str:
    """Return ``value`` without trailing zeros: 20.0 → "20", 7.5 → "7.5"."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _names(values: list[str] | tuple[str, ...]) -> str:
    values = list(values)
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


class _Context:
    """The facts, the limits and what several rules share (medications classified once)."""

    def __init__(self, facts: IntakeFacts, limits: EligibilityLimits) -> None:
        self.facts = facts
        self.limits = limits
        self.route = _ROUTE_WORDS[facts.planned_route]
        self.classified: list[tuple[str, tuple[str, ...]]] = [
            (m.name.strip(), generic_names(m.name)) for m in facts.medications
        ]

    def has(self, code: str) -> bool:
        return code in self.facts.conditions

    def taking(self, group: frozenset[str] | dict[str, str]) -> list[tuple[str, str]]:
        """Return (name as entered, generic) for each medication in ``group``."""
        return [
            (name, generic)
            for name, generics in self.classified
            for generic in generics
            if generic in group
        ]


def _label(name: str, generic: str, note: str = "") -> str:
    """Return "clonazepam (as “Klonopin 0.5 mg”)": the generic name and what was typed."""
    parts = ([] if name.strip().lower() == generic else [f"as “{name.strip()}”"]) + (
        [note] if note else []
    )
    return f"{generic} ({'; '.join(parts)})" if parts else generic


def _sentence(text: str) -> str:
    """Return ``text`` with its first letter in capitals."""
    return text[:1].upper() + text[1:]


def _condition_rule(
    ctx: _Context,
    *,
    code: str,
    condition: str,
    severity: Severity,
    keys: tuple[str, ...],
    fired_reason: str,
    clear_reason: str,
    title: str | None = None,
) -> RuleCheck:
    fired = ctx.has(condition)
    return RuleCheck(
        code=code,
        title=title or CONDITIONS[condition],
        severity=severity,
        fired=fired,
        reason=fired_reason if fired else clear_reason,
        source_keys=keys,
        inputs={condition: fired, "planned_route": ctx.facts.planned_route},
    )


def _hypersensitivity(ctx: _Context) -> RuleCheck:
    return _condition_rule(
        ctx,
        code="ketamine_hypersensitivity",
        condition="ketamine_hypersensitivity",
        severity="stop",
        keys=("22", "19"),
        fired_reason="An allergy or hypersensitivity to ketamine or esketamine is reported; "
        "both labels contraindicate the drug.",
        clear_reason="No allergy or hypersensitivity to ketamine or esketamine is reported.",
    )


def _vascular(ctx: _Context, condition: str, code: str, what: str, absent: str) -> RuleCheck:
    # The esketamine label contraindicates these [19][28]; for racemic ketamine they are the
    # conditions "where a marked rise in blood pressure would be a serious hazard" of the
    # Ketalar label [22], so they stop treatment by every route.
    basis = (
        "The esketamine label contraindicates it."
        if ctx.facts.planned_route == "intranasal"
        else "The esketamine label contraindicates it, and the ketamine label contraindicates "
        "racemic ketamine wherever a rise in blood pressure would be a serious hazard."
    )
    return _condition_rule(
        ctx,
        code=code,
        condition=condition,
        severity="stop",
        keys=("19", "28", "22"),
        fired_reason=f"{what} is reported: ketamine and esketamine raise blood pressure. {basis}",
        clear_reason=absent,
    )


def _hypertension_uncontrolled(ctx: _Context) -> RuleCheck:
    return _condition_rule(
        ctx,
        code="hypertension_uncontrolled",
        condition="hypertension_uncontrolled",
        severity="stop",
        keys=("22", "27"),
        fired_reason="Uncontrolled high blood pressure is reported: ketamine raises blood "
        "pressure, and the ketamine label contraindicates it where a rise would be a serious "
        "hazard. Control the blood pressure first, then update the intake.",
        clear_reason="Uncontrolled high blood pressure is not reported.",
    )


def _cardiac_unstable(ctx: _Context) -> RuleCheck:
    return _condition_rule(
        ctx,
        code="cardiac_disease_unstable",
        condition="cardiac_disease_unstable",
        severity="stop",
        keys=("21", "22"),
        fired_reason="Heart disease that is not controlled or recently worse is reported: "
        "poorly controlled cardiovascular disease is a contraindication in the pain guideline, "
        "and the ketamine label contraindicates it where a blood-pressure rise would be a "
        "serious hazard. Stabilise it first, then update the intake.",
        clear_reason="No uncontrolled or recently worse heart disease is reported.",
    )


def _liver_severe(ctx: _Context) -> RuleCheck:
    return _condition_rule(
        ctx,
        code="liver_disease_severe",
        condition="liver_disease_severe",
        severity="stop",
        keys=("21", "22"),
        fired_reason="Severe liver disease is reported: the pain guideline says to avoid "
        "ketamine in severe liver disease, and the label warns of drug-induced liver injury.",
        clear_reason="Severe liver disease is not reported.",
    )


def _psychosis_active(ctx: _Context) -> RuleCheck:
    return _condition_rule(
        ctx,
        code="psychosis_active",
        condition="psychosis_active",
        severity="stop",
        keys=("21", "25", "31"),
        fired_reason="Current psychosis is reported: active psychosis is a relative "
        "contraindication in the pain guideline and an exclusion of clinics and trials; "
        "ketamine can worsen it.",
        clear_reason="No current psychosis is reported.",
    )


def _pregnancy(ctx: _Context) -> RuleCheck:
    pregnant = ctx.facts.pregnant
    if pregnant is None:
        reason = "Pregnancy was not asked or does not apply."
    elif pregnant:
        reason = (
            "The patient is pregnant: esketamine is not for use in pregnancy, and the pain "
            "guideline lists pregnancy as a relative contraindication to ketamine; an "
            "elective treatment does not go ahead."
        )
    else:
        reason = "The patient is not pregnant."
    return RuleCheck(
        code="pregnancy",
        title="Pregnancy",
        severity="stop",
        fired=bool(pregnant),
        reason=reason,
        source_keys=("29", "21"),
        inputs={"pregnant": pregnant, "planned_route": ctx.facts.planned_route},
    )


def _medication_inputs(
    ctx: _Context, names: list[str], *, found_as: str = "flagged by this rule"
) -> dict[str, object]:
    """Return what a medication rule read: every medication on the list (so "none flagged"
    is never mistaken for "takes none") and those this rule found."""
    listed = [
        f"{m.name} {m.daily_dose_mg:g} mg/day" if m.daily_dose_mg is not None else m.name
        for m in ctx.facts.medications
    ]
    return {"medications listed": listed or "none listed", found_as: names or "none"}


def _theophylline(ctx: _Context) -> RuleCheck:
    found = ctx.taking(METHYLXANTHINES)
    names = [_label(n, g) for n, g in found]
    return RuleCheck(
        code="theophylline_or_aminophylline",
        title="Theophylline or aminophylline",
        severity="stop",
        fired=bool(found),
        reason=(
            f"{_sentence(_names(names))} with ketamine can lower the seizure threshold: the "
            "ketamine label says not to combine them. Stop or replace it with the prescriber first."
            if found
            else "No theophylline or aminophylline on the medication list."
        ),
        source_keys=("22",),
        inputs=_medication_inputs(ctx, names),
    )


def _blood_pressure(ctx: _Context) -> RuleCheck:
    sys_mmhg, dia_mmhg = ctx.facts.systolic_mmhg, ctx.facts.diastolic_mmhg
    max_sys, max_dia = ctx.limits.max_systolic_mmhg, ctx.limits.max_diastolic_mmhg
    limit = f"{max_sys}/{max_dia} mmHg"
    above = (sys_mmhg is not None and sys_mmhg > max_sys) or (
        dia_mmhg is not None and dia_mmhg > max_dia
    )
    reading = (
        f"{sys_mmhg if sys_mmhg is not None else '—'}/"
        f"{dia_mmhg if dia_mmhg is not None else '—'} mmHg"
    )
    if sys_mmhg is None and dia_mmhg is None:
        reason = (
            f"No blood pressure reading was given; it is measured before every dose (the "
            f"clinic's limit is {limit})."
        )
    elif above:
        reason = (
            f"The reading {reading} is above the clinic's limit of {limit}: ketamine raises "
            "blood pressure, and the esketamine label advises considering a delay above "
            "140/90. Recheck it, treat if needed, and record why treatment may go ahead."
        )
    else:
        reason = f"The reading {reading} is within the clinic's limit of {limit}."
    return RuleCheck(
        code="blood_pressure_above_limit",
        title="Blood pressure before treatment",
        severity="override",
        fired=above,
        reason=reason,
        source_keys=("27",),
        inputs={
            "systolic_mmhg": sys_mmhg,
            "diastolic_mmhg": dia_mmhg,
            "max_systolic_mmhg": max_sys,
            "max_diastolic_mmhg": max_dia,
        },
    )


def _blood_pressure_severe(ctx: _Context) -> RuleCheck:
    sys_mmhg, dia_mmhg = ctx.facts.systolic_mmhg, ctx.facts.diastolic_mmhg
    stop_sys, stop_dia = ctx.limits.stop_systolic_mmhg, ctx.limits.stop_diastolic_mmhg
    limit = f"{stop_sys}/{stop_dia} mmHg"
    severe = (sys_mmhg is not None and sys_mmhg >= stop_sys) or (
        dia_mmhg is not None and dia_mmhg >= stop_dia
    )
    reading = (
        f"{sys_mmhg if sys_mmhg is not None else '—'}/"
        f"{dia_mmhg if dia_mmhg is not None else '—'} mmHg"
    )
    if sys_mmhg is None and dia_mmhg is None:
        reason = f"No blood pressure reading was given (the clinic stops at {limit} or above)."
    elif severe:
        reason = (
            f"The reading {reading} is at or above {limit}: treat the blood pressure first. "
            "Ketamine raises blood pressure, and the label contraindicates it where a "
            "significant rise is a serious hazard; no override."
        )
    else:
        reason = f"The reading {reading} is below the clinic's stop level of {limit}."
    return RuleCheck(
        code="blood_pressure_severe",
        title="Severe blood pressure",
        severity="stop",
        fired=severe,
        reason=reason,
        source_keys=("43", "22", "10", "?"),
        inputs={
            "systolic (mmHg)": sys_mmhg,
            "diastolic (mmHg)": dia_mmhg,
            "stop at systolic (mmHg)": stop_sys,
            "stop at diastolic (mmHg)": stop_dia,
        },
    )


def _pregnancy_not_ruled_out(ctx: _Context) -> RuleCheck:
    # The intake sets the condition when pregnancy can apply and was left unanswered.
    possible = "pregnancy_not_ruled_out" in ctx.facts.conditions
    return RuleCheck(
        code="pregnancy_not_ruled_out",
        title="Pregnancy not ruled out",
        severity="override",
        fired=possible,
        reason=(
            "The patient could be pregnant and was not sure or did not say: confirm it (for "
            "example with a pregnancy test) before treatment, and record how it was ruled out. "
            "Esketamine is not for use in pregnancy; the pain guideline lists pregnancy as a "
            "relative contraindication."
            if possible
            else "Pregnancy is answered, or the question does not apply."
        ),
        source_keys=("29", "21"),
        inputs={
            "pregnancy_not_ruled_out": "pregnancy_not_ruled_out" in ctx.facts.conditions,
            "pregnant": ctx.facts.pregnant,
        },
    )


def _treatment_resistance(ctx: _Context) -> RuleCheck:
    counted, skipped = failed_adequate_trials(ctx.facts.antidepressant_trials)
    needed = ctx.limits.min_failed_adequate_trials
    met = len(counted) >= needed
    number = str(len(counted)) if counted else "no"
    found = f"{number} adequate failed trial{'s' if len(counted) != 1 else ''} in the " + (
        f"current episode ({_names(counted)})" if counted else "current episode"
    )
    not_counted = (
        " Not counted: " + "; ".join(f"{drug} ({why})" for drug, why in skipped) + "."
        if skipped
        else ""
    )
    if met:
        reason = f"Treatment resistance is met: {found}; at least {needed} needed.{not_counted}"
    else:
        reason = (
            f"Treatment resistance is not met: {found}; at least {needed} are needed (no "
            f"adequate response to {needed} antidepressants of adequate dose and duration). "
            "The evidence for ketamine, and esketamine's approval, are in treatment-resistant "
            f"depression: record why treatment may go ahead.{not_counted}"
        )
    return RuleCheck(
        code="treatment_resistance_not_met",
        title="Treatment-resistant depression",
        severity="override",
        fired=not met,
        reason=reason,
        source_keys=("25",),
        inputs={
            "failed_adequate_trials": len(counted),
            "min_failed_adequate_trials": needed,
            "counted": list(counted),
            "not_counted": [{"drug": drug, "why": why} for drug, why in skipped],
        },
    )


def _benzodiazepines(ctx: _Context) -> RuleCheck:
    doses = benzodiazepine_doses(ctx.facts.medications)
    limit = ctx.limits.max_benzodiazepine_diazepam_mg_per_day
    load = benzodiazepine_load_mg_per_day(ctx.facts.medications)
    unknown = [d for d in doses if d.daily_dose_mg is None]
    above = load > limit
    parts = [
        f"{_label(d.name, d.generic)} {_fmt(d.daily_dose_mg)} mg/day = "
        f"{_fmt(d.diazepam_equivalent_mg_per_day or 0.0)} mg diazepam"
        for d in doses
        if d.daily_dose_mg is not None
    ]
    sums = f" ({'; '.join(parts)})" if parts else ""
    if not doses:
        reason = "No benzodiazepine on the medication list."
    else:
        reason = (
            f"Benzodiazepine load {_fmt(load)} mg/day diazepam-equivalent{sums}; the clinic's "
            f"limit is {_fmt(limit)} mg/day."
        )
        if above:
            reason += (
                " Above it, benzodiazepines have blunted ketamine's antidepressant response: "
                "consider a lower dose and record why treatment may go ahead."
            )
        if unknown:
            reason += (
                f" The load is unknown: no daily dose was given for "
                f"{_names([_label(d.name, d.generic) for d in unknown])}, so it cannot be "
                "converted. Record the daily dose, or record why treatment may go ahead."
            )
    return RuleCheck(
        code="benzodiazepine_load_above_limit",
        title="Benzodiazepine dose (diazepam-equivalent)",
        severity="override",
        fired=above or bool(unknown),
        reason=reason,
        source_keys=("32", "33", "104"),
        inputs={
            "diazepam_equivalent_mg_per_day": load,
            "max_benzodiazepine_diazepam_mg_per_day": limit,
            "benzodiazepines": [
                {
                    "name": d.name,
                    "generic": d.generic,
                    "daily_dose_mg": d.daily_dose_mg,
                    "diazepam_equivalent_mg_per_day": d.diazepam_equivalent_mg_per_day,
                }
                for d in doses
            ],
        },
    )


def _medication_rule(
    ctx: _Context,
    group: frozenset[str] | dict[str, str],
    *,
    code: str,
    title: str,
    severity: Severity,
    keys: tuple[str, ...],
    why: str,
    none: str,
) -> RuleCheck:
    found = ctx.taking(group)
    names = [_label(n, g) for n, g in found]
    details = [_label(n, g, group[g]) for n, g in found] if isinstance(group, dict) else names
    return RuleCheck(
        code=code,
        title=title,
        severity=severity,
        fired=bool(found),
        reason=_sentence(f"{_names(details)}: {why}") if found else none,
        source_keys=keys,
        inputs=_medication_inputs(ctx, names),
    )


def _naltrexone(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        OPIOID_ANTAGONISTS,
        code="opioid_antagonist",
        title="Naltrexone (opioid antagonist)",
        severity="override",
        keys=("34",),
        why="an opioid antagonist; naltrexone taken beforehand blocked ketamine's "
        "antidepressant effect in a trial. Plan with the prescriber, or record why treatment "
        "may go ahead.",
        none="No naltrexone or other opioid antagonist on the medication list.",
    )


def _maoi(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        MAOIS,
        code="maoi",
        title="Monoamine oxidase inhibitor (MAOI)",
        severity="override",
        keys=("27", "36"),
        why="with an MAOI, blood pressure can rise further after the dose; the esketamine "
        "label asks for close blood-pressure monitoring. Record the monitoring plan.",
        none="No MAOI on the medication list.",
    )


def _opioids_cns(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        OPIOIDS | OTHER_CNS_DEPRESSANTS,
        code="opioid_or_cns_depressant",
        title="Opioids and other CNS depressants",
        severity="override",
        keys=("22",),
        why="with ketamine, opioids and other CNS depressants risk profound sedation, "
        "respiratory depression, coma and death. Record the dose plan and the monitoring.",
        none="No opioid or other CNS depressant (besides any benzodiazepine, checked "
        "separately) on the medication list.",
    )


def _min_age(ctx: _Context) -> RuleCheck:
    age = ctx.facts.age_years
    minimum = ctx.limits.min_age_years
    fired = age is not None and age < minimum
    if age is None:
        reason = "The patient's age was not given."
    elif fired:
        reason = (
            f"The patient is {age}, younger than the clinic's minimum of {minimum} years: "
            "esketamine is indicated for adults and its safety below 18 is not established. "
            "Record why treatment may go ahead."
        )
    else:
        reason = f"The patient is {age}, at or above the clinic's minimum of {minimum} years."
    return RuleCheck(
        code="age_below_minimum",
        title="Age",
        severity="override",
        fired=fired,
        reason=reason,
        source_keys=("18", "19"),
        inputs={"age_years": age, "min_age_years": minimum},
    )


def _override_conditions(ctx: _Context) -> list[RuleCheck]:
    breastfeeding = ctx.facts.breastfeeding
    rules: list[RuleCheck] = [
        RuleCheck(
            code="breastfeeding",
            title="Breastfeeding",
            severity="override",
            fired=bool(breastfeeding),
            reason=(
                "The patient is breastfeeding: esketamine is not recommended while breastfeeding. "
                "Record the plan for feeding and why treatment may go ahead."
                if breastfeeding
                else "Breastfeeding was not asked or does not apply."
                if breastfeeding is None
                else "The patient is not breastfeeding."
            ),
            source_keys=("29", "21"),
            inputs={"breastfeeding": breastfeeding},
        )
    ]
    table: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
        (
            "liver_disease_moderate",
            "liver_disease_moderate",
            ("21", "22"),
            "Moderate liver disease is reported: the pain guideline advises care, and the "
            "ketamine label warns of drug-induced liver injury; check liver tests before and "
            "during treatment.",
            "Moderate liver disease is not reported.",
        ),
        (
            "raised_intracranial_pressure",
            "raised_intracranial_pressure",
            ("21",),
            "Raised intracranial pressure is reported: a relative contraindication in the pain "
            "guideline. Record why treatment may go ahead.",
            "Raised intracranial pressure is not reported.",
        ),
        (
            "raised_intraocular_pressure",
            "raised_intraocular_pressure",
            ("21",),
            "Raised intraocular pressure (glaucoma) is reported: a relative contraindication in "
            "the pain guideline. Record why treatment may go ahead.",
            "Raised intraocular pressure is not reported.",
        ),
        (
            "psychosis_history",
            "psychosis_history",
            ("25", "13"),
            "Psychosis in the past is reported: clinics exclude or screen for psychotic "
            "disorders, and ketamine can bring back psychotic symptoms. Record why treatment "
            "may go ahead.",
            "No psychosis in the past is reported.",
        ),
        (
            "mania_history",
            "mania_history",
            ("13", "31"),
            "Mania or hypomania in the past is reported: trials exclude it and ketamine may "
            "provoke it. Record why treatment may go ahead.",
            "No mania or hypomania in the past is reported.",
        ),
        (
            "substance_use_active",
            "substance_use_active",
            ("21", "13"),
            "Active substance use disorder is reported: a relative contraindication in the pain "
            "guideline (ketamine can be misused). Record why treatment may go ahead.",
            "No active substance use disorder is reported.",
        ),
        (
            "dementia",
            "dementia",
            ("25",),
            "Dementia is reported: a clinic's exclusion, as ketamine's dissociation and "
            "confusion weigh more. Record why treatment may go ahead.",
            "Dementia is not reported.",
        ),
        (
            "traumatic_brain_injury_symptomatic",
            "traumatic_brain_injury_symptomatic",
            ("25",),
            "A brain injury with symptoms now is reported: a clinic's exclusion. Record why "
            "treatment may go ahead.",
            "No brain injury with symptoms now is reported.",
        ),
        (
            "hyperthyroidism_uncontrolled",
            "hyperthyroidism_uncontrolled",
            ("?",),
            "An overactive thyroid that is not controlled is reported: no published source "
            "sets a rule, but it adds to ketamine's rise in heart rate and blood pressure. "
            "Record why treatment may go ahead.",
            "An uncontrolled overactive thyroid is not reported.",
        ),
    )
    for code, condition, keys, fired_reason, clear_reason in table:
        rules.append(
            _condition_rule(
                ctx,
                code=code,
                condition=condition,
                severity="override",
                keys=keys,
                fired_reason=fired_reason,
                clear_reason=clear_reason,
            )
        )
    bipolar = ctx.has("bipolar_disorder") or ctx.has("bipolar_on_mood_stabilizer")
    stabilised = ctx.has("bipolar_on_mood_stabilizer")
    rules.append(
        RuleCheck(
            code="bipolar_without_mood_stabilizer",
            title="Bipolar disorder without a mood stabiliser",
            severity="override",
            fired=bipolar and not stabilised,
            reason=(
                "Bipolar disorder is reported without a mood stabiliser: clinics expect one "
                "before ketamine, which may provoke mania. Record why treatment may go ahead."
                if bipolar and not stabilised
                else "Bipolar disorder is reported, with a mood stabiliser."
                if stabilised
                else "Bipolar disorder is not reported."
            ),
            source_keys=("13", "25"),
            inputs={
                "bipolar_disorder": ctx.has("bipolar_disorder"),
                "bipolar_on_mood_stabilizer": stabilised,
            },
        )
    )
    return rules


def _info_conditions(ctx: _Context) -> list[RuleCheck]:
    table: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
        (
            "hypertension",
            "hypertension",
            ("13", "27"),
            "High blood pressure is reported: the key comorbidity; check it before every dose "
            "and watch it during and after (the blood-pressure rules judge the reading).",
            "High blood pressure is not reported.",
        ),
        (
            "cardiac_disease",
            "cardiac_disease",
            ("21",),
            "Heart disease is reported: get an ECG before treatment and watch blood pressure.",
            "Heart disease is not reported.",
        ),
        (
            "seizure_disorder",
            "seizure_disorder",
            ("?", "22"),
            "Seizures or epilepsy are reported: no published source sets a rule for ketamine "
            "(the label warns only that theophylline with ketamine lowers the seizure "
            "threshold); check the seizure control and the anticonvulsants.",
            "Seizures or epilepsy are not reported.",
        ),
        (
            "thyroid_disease",
            "thyroid_disease",
            ("?",),
            "Thyroid disease is reported: no published source sets a rule; check that it is "
            "treated and stable.",
            "Thyroid disease is not reported.",
        ),
        (
            "bladder_symptoms",
            "bladder_symptoms",
            ("22", "68"),
            "Bladder or urinary symptoms are reported: ketamine can cause bladder pain, "
            "urgency and frequency with repeated use; record them as a baseline and ask again "
            "during treatment.",
            "Bladder or urinary symptoms are not reported.",
        ),
        (
            "ptsd",
            "ptsd",
            ("13", "55"),
            "PTSD is reported: plan calming for dissociation during the infusion, and record a "
            "PCL-5 baseline.",
            "PTSD is not reported.",
        ),
        (
            "substance_use_history",
            "substance_use_history",
            ("13",),
            "Substance use disorder in the past is reported: ask about ketamine misuse and "
            "watch for it.",
            "No past substance use disorder is reported.",
        ),
        (
            "prior_ketamine_or_esketamine",
            "prior_ketamine_or_esketamine",
            ("?", "22"),
            "Earlier ketamine or esketamine treatment is reported: record the response, side "
            "effects and any bladder symptoms from it (no published source sets a rule).",
            "No earlier ketamine or esketamine treatment is reported.",
        ),
    )
    return [
        _condition_rule(
            ctx,
            code=code,
            condition=condition,
            severity="info",
            keys=keys,
            fired_reason=fired_reason,
            clear_reason=clear_reason,
        )
        for code, condition, keys, fired_reason, clear_reason in table
    ]


def _stimulants(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        STIMULANTS,
        code="stimulant",
        title="Psychostimulants",
        severity="info",
        keys=("27", "36"),
        why="with a psychostimulant, blood pressure can rise further after the dose; the "
        "esketamine label asks for close blood-pressure monitoring.",
        none="No psychostimulant on the medication list.",
    )


def _lamotrigine(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        LAMOTRIGINE,
        code="lamotrigine",
        title="Lamotrigine",
        severity="info",
        keys=("35",),
        why="lamotrigine 300 mg taken beforehand changed neither side effects nor response "
        "in a trial; no change is needed.",
        none="No lamotrigine on the medication list.",
    )


def _cyp_inducers(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        CYP_INDUCERS,
        code="cyp_inducer",
        title="CYP3A4 or CYP2B6 inducers",
        severity="info",
        keys=("37", "105"),
        why="enzyme inducers lower ketamine exposure, which may weaken its effect.",
        none="No CYP3A4 or CYP2B6 inducer on the medication list.",
    )


def _cyp_inhibitors(ctx: _Context) -> RuleCheck:
    return _medication_rule(
        ctx,
        CYP_INHIBITORS,
        code="cyp_inhibitor",
        title="CYP3A4 or CYP2B6 inhibitors",
        severity="info",
        keys=("37", "105"),
        why="enzyme inhibitors raise ketamine exposure; watch sedation and dissociation.",
        none="No CYP3A4 or CYP2B6 inhibitor on the medication list.",
    )


def _unclassified(ctx: _Context) -> RuleCheck:
    unknown = [name for name, generics in ctx.classified if not generics]
    return RuleCheck(
        code="unclassified_medication",
        title="Medications the checks do not recognise",
        severity="info",
        fired=bool(unknown),
        reason=(
            f"Not recognised, so not checked for interactions: {_names(unknown)}. The "
            "physician must review them."
            if unknown
            else "Every medication on the list was recognised and checked."
        ),
        source_keys=("22", "37"),
        inputs=_medication_inputs(ctx, unknown, found_as="not recognised"),
    )


def evaluate(facts: IntakeFacts, limits: EligibilityLimits | None = None) -> EligibilityResult:
    """Evaluate every rule against ``facts`` under ``limits`` (default: documented values).

    Returns one :class:`RuleCheck` per rule, hard stops first, then overrides, then
    information (each group in the order of the module's list), with the diazepam-equivalent
    load in mg/day and the treatment-resistance count.

    Raises :class:`InvalidFacts` for facts that cannot be evaluated (see :func:`validate`).
    """
    limits = limits or EligibilityLimits()
    validate(facts)
    ctx = _Context(facts, limits)
    checks: list[RuleCheck] = [
        _hypersensitivity(ctx),
        _vascular(
            ctx,
            "aneurysmal_vascular_disease",
            "aneurysmal_vascular_disease",
            "An aneurysm",
            "No aneurysm is reported.",
        ),
        _vascular(
            ctx,
            "arteriovenous_malformation",
            "arteriovenous_malformation",
            "An arteriovenous malformation",
            "No arteriovenous malformation is reported.",
        ),
        _vascular(
            ctx,
            "intracerebral_haemorrhage_history",
            "intracerebral_haemorrhage",
            "Bleeding in the brain (intracerebral haemorrhage) in the past",
            "No bleeding in the brain (intracerebral haemorrhage) is reported.",
        ),
        _hypertension_uncontrolled(ctx),
        _cardiac_unstable(ctx),
        _liver_severe(ctx),
        _psychosis_active(ctx),
        _pregnancy(ctx),
        _theophylline(ctx),
        _blood_pressure_severe(ctx),
        _blood_pressure(ctx),
        _pregnancy_not_ruled_out(ctx),
        _treatment_resistance(ctx),
        _benzodiazepines(ctx),
        _naltrexone(ctx),
        _maoi(ctx),
        _opioids_cns(ctx),
        _min_age(ctx),
        *_override_conditions(ctx),
        *_info_conditions(ctx),
        _stimulants(ctx),
        _lamotrigine(ctx),
        _cyp_inducers(ctx),
        _cyp_inhibitors(ctx),
        _unclassified(ctx),
    ]
    checks.sort(key=lambda c: _SEVERITY_ORDER[c.severity])  # stable: keeps the list order
    counted, _ = failed_adequate_trials(facts.antidepressant_trials)
    return EligibilityResult(
        checks=tuple(checks),
        diazepam_equivalent_mg_per_day=benzodiazepine_load_mg_per_day(facts.medications),
        treatment_resistant=len(counted) >= limits.min_failed_adequate_trials,
        failed_adequate_trials=len(counted),
    )
