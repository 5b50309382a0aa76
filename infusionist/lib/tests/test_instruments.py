"""Definitions, registry, LOINC codes, languages, validation and properties of instruments."""

from __future__ import annotations

import ast
import pathlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusionist.lib import instruments
from infusionist.lib.instruments import (
    Instrument,
    InvalidAnswers,
    InvalidParameters,
    UnknownInstrument,
    definition_as_dict,
    get,
    score,
)

PACKAGE_DIR = pathlib.Path(instruments.__file__).parent

EXPECTED_CODES = {
    "phq9",
    "phq2",
    "gad7",
    "qids_sr16",
    "pcl5",
    "cssrs_screener",
    "madrs",
    "cadss",
    "ybocs",
    "bpi_short",
    "pain_nrs",
    "moaas",
    "aldrete",
}

# Instruments with no conditional items and a total: every item can be answered independently.
SUMMED_CODES = sorted(
    inst.code
    for inst in instruments.all_instruments()
    if inst.total_range is not None
    and not inst.answer_groups
    and all(item.enable_when is None for item in inst.items)
)


def lowest_answers(instrument: Instrument) -> dict[str, object]:
    """Return the lowest answer to every required item."""
    return {item.link_id: min(item.allowed_values) for item in instrument.items if item.required}


# --- registry and definitions -------------------------------------------------------------------


def test_registry_holds_every_instrument_once() -> None:
    codes = [inst.code for inst in instruments.all_instruments()]
    assert set(codes) == EXPECTED_CODES
    assert len(codes) == len(set(codes))


def test_get_returns_the_definition_by_code() -> None:
    assert get("phq9").title.startswith("Patient Health Questionnaire-9")


def test_get_names_known_codes_for_an_unknown_code() -> None:
    with pytest.raises(UnknownInstrument, match="phq9"):
        get("phq10")


def test_package_imports_no_django() -> None:
    for path in PACKAGE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "django" for name in names), path


@pytest.mark.parametrize("instrument", instruments.all_instruments(), ids=lambda i: i.code)
def test_every_instrument_is_documented_and_sourced(instrument: Instrument) -> None:
    assert instrument.licence_note
    assert instrument.version
    assert "en" in instrument.languages
    assert instrument.items
    for parameter in instrument.parameters:
        assert parameter.sources, parameter.name
        assert any(f"[{key}]" in parameter.description for key in parameter.sources)


@pytest.mark.parametrize("instrument", instruments.all_instruments(), ids=lambda i: i.code)
def test_bands_cover_the_whole_total_range(instrument: Instrument) -> None:
    if not instrument.severity_bands or instrument.band_on is not None:
        return
    assert instrument.total_range is not None
    assert instrument.severity_bands[0].min_score == instrument.total_range[0]
    assert instrument.severity_bands[-1].max_score == instrument.total_range[1]


def test_definitions_are_immutable() -> None:
    phq9 = get("phq9")
    with pytest.raises(AttributeError):
        phq9.code = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        phq9.items[0].text["en"] = "changed"  # type: ignore[index]


def test_definitions_are_hashable() -> None:
    assert len({get("phq9"), get("phq9"), get("gad7")}) == 2


# --- LOINC codes, exactly as docs/clinical-reference.md §4 [61][62] -----------------------------


def test_phq9_loinc_codes_match_the_reference() -> None:
    phq9 = get("phq9")
    assert phq9.loinc_panel == "44249-1"
    assert phq9.loinc_total == "44261-6"
    item_codes = [item.loinc_code for item in phq9.items if item.scored]
    assert item_codes == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]


def test_phq9_item9_is_44260_8_and_never_the_total() -> None:
    phq9 = get("phq9")
    assert phq9.item("q9").loinc_code == "44260-8"
    assert phq9.loinc_total != "44260-8"


def test_phq9_answer_codes_match_the_reference() -> None:
    for item in get("phq9").items[:9]:
        assert [(o.value, o.loinc_answer_code) for o in item.options] == [
            (0, "LA6568-5"),
            (1, "LA6569-3"),
            (2, "LA6570-1"),
            (3, "LA6571-9"),
        ]


def test_phq9_difficulty_item_is_optional_unscored_and_coded() -> None:
    difficulty = get("phq9").item("difficulty")
    assert difficulty.loinc_code == "69722-7"
    assert not difficulty.required
    assert not difficulty.scored
    assert [(o.value, o.loinc_answer_code, o.label["en"]) for o in difficulty.options] == [
        (0, "LA6572-7", "Not difficult at all"),
        (1, "LA6573-5", "Somewhat difficult"),
        (2, "LA6575-0", "Very difficult"),
        (3, "LA6574-3", "Extremely difficult"),
    ]


def test_phq2_uses_phq9_items_1_and_2_and_its_own_total_code() -> None:
    phq2 = get("phq2")
    assert [item.loinc_code for item in phq2.items] == ["44250-9", "44255-8"]
    assert phq2.loinc_total == "55758-7"


def test_gad7_loinc_codes_match_the_reference() -> None:
    gad7 = get("gad7")
    assert gad7.loinc_panel == "69737-5"
    assert gad7.loinc_total == "70274-6"
    assert [item.loinc_code for item in gad7.items if item.scored] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]


def test_gad7_item6_is_irritable_and_item7_is_afraid() -> None:
    gad7 = get("gad7")
    assert gad7.item("q6").loinc_code == "69689-8"
    assert "irritable" in gad7.item("q6").text["en"]
    assert gad7.item("q7").loinc_code == "69736-7"
    assert "afraid" in gad7.item("q7").text["en"]


def test_gad7_zero_anchor_is_not_at_all() -> None:
    for item in get("gad7").items[:7]:
        assert item.option(0).label["en"] == "Not at all"


# --- languages and licences ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_phq9_and_gad7_ship_english_and_spanish(code: str) -> None:
    instrument = get(code)
    assert set(instrument.languages) == {"en", "es"}
    assert instrument.instructions["es"]
    for item in instrument.items:
        assert item.text["en"] and item.text["es"], item.link_id
        for option in item.options:
            assert option.label["en"] and option.label["es"]


def test_phq9_item9_spanish_wording() -> None:
    assert get("phq9").item("q9").text["es"] == (
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
    )


def test_spanish_frequency_labels() -> None:
    labels = [option.label["es"] for option in get("phq9").item("q1").options]
    assert labels == [
        "Ningún día",
        "Varios días",
        "Más de la mitad de los días",
        "Casi todos los días",
    ]


@pytest.mark.parametrize(
    "code", ["cssrs_screener", "madrs", "cadss", "ybocs", "bpi_short", "qids_sr16"]
)
def test_licensed_instruments_ship_names_but_no_item_text(code: str) -> None:
    instrument = get(code)
    for item in instrument.items:
        assert item.name
        assert dict(item.text) == {}


def test_cssrs_licence_note_names_clario() -> None:
    assert "Clario" in get("cssrs_screener").licence_note
    assert get("cssrs_screener").administration == "clinician"


def test_cadss_items_are_named_generically() -> None:
    names = [item.name for item in get("cadss").items]
    assert names[0] == "CADSS item 1"
    assert names[-1] == "CADSS item 23"
    assert len(names) == 23


def test_pcl5_ships_full_english_text() -> None:
    pcl5 = get("pcl5")
    assert len(pcl5.items) == 20
    assert pcl5.item("q1").text["en"].startswith("Repeated, disturbing, and unwanted memories")
    assert [o.label["en"] for o in pcl5.item("q1").options] == [
        "Not at all",
        "A little bit",
        "Moderately",
        "Quite a bit",
        "Extremely",
    ]


def test_moaas_levels_follow_the_reference() -> None:
    labels = {o.value: o.label["en"] for o in get("moaas").item("level").options}
    assert "readily" in labels[5] and "normal tone" in labels[5]
    assert "Lethargic" in labels[4]
    assert "loudly" in labels[3]
    assert "prodding" in labels[2]
    assert "trapezius" in labels[1]
    assert labels[0].startswith("0 – No response")


# --- serialiser ---------------------------------------------------------------------------------


def test_definition_as_dict_lists_items_in_order_with_codes_and_labels() -> None:
    data = definition_as_dict(get("phq9"))
    assert data["code"] == "phq9"
    assert data["loinc_total"] == "44261-6"
    assert [item["link_id"] for item in data["items"]] == [
        *(f"q{n}" for n in range(1, 10)),
        "difficulty",
    ]
    item9 = data["items"][8]
    assert item9["loinc"] == "44260-8"
    assert item9["text"].startswith("Thoughts that you would be better off dead")
    assert item9["options"][0] == {
        "value": 0,
        "label": "Not at all",
        "loinc_answer_code": "LA6568-5",
    }


def test_definition_as_dict_serves_spanish_on_request() -> None:
    data = definition_as_dict(get("gad7"), lang="es")
    assert data["lang"] == "es"
    assert data["items"][0]["text"].startswith("Se ha sentido nervioso(a)")
    assert data["items"][0]["options"][3]["label"] == "Casi todos los días"


def test_definition_as_dict_falls_back_to_english() -> None:
    data = definition_as_dict(get("pcl5"), lang="es")
    assert data["lang"] == "en"
    assert data["items"][0]["text"].startswith("Repeated")


def test_definition_as_dict_exposes_the_cssrs_flow() -> None:
    items = {item["link_id"]: item for item in definition_as_dict(get("cssrs_screener"))["items"]}
    assert items["q3"]["enable_when"] == {"link_id": "q2", "value": 1}
    assert items["q6b"]["enable_when"] == {"link_id": "q6", "value": 1}
    assert items["q1"]["text"] == ""


def test_result_as_dict_is_plain_data() -> None:
    result = score("pcl5", {f"q{n}": 2 for n in range(1, 21)})
    data = instruments.result_as_dict(result)
    assert data["total"] == 40
    assert data["subscores"]["cluster_d"] == 14
    assert data["flags"] == ["probable_ptsd", "provisional_ptsd_diagnosis"]
    assert data["params"] == {"probable_ptsd_min_total": 33}


# --- invalid input: each error names the item ---------------------------------------------------


def phq9_answers(*values: object) -> dict[str, object]:
    return {f"q{n}": value for n, value in enumerate(values, start=1)}


def test_missing_required_item_is_named() -> None:
    answers = phq9_answers(1, 1, 1, 1, 1, 1, 1, 1)
    with pytest.raises(InvalidAnswers, match="q9: required") as caught:
        score("phq9", answers)
    assert set(caught.value.errors) == {"q9"}


def test_out_of_range_value_is_named_with_allowed_values() -> None:
    with pytest.raises(InvalidAnswers, match=r"q3: 4 is out of range; choose one of 0, 1, 2, 3"):
        score("phq9", phq9_answers(0, 0, 4, 0, 0, 0, 0, 0, 0))


def test_negative_value_is_refused() -> None:
    with pytest.raises(InvalidAnswers, match="q1: -1 is out of range"):
        score("phq9", phq9_answers(-1, 0, 0, 0, 0, 0, 0, 0, 0))


def test_bool_is_not_an_int() -> None:
    with pytest.raises(InvalidAnswers, match="q2: expected a whole number, got bool True"):
        score("phq9", phq9_answers(0, True, 0, 0, 0, 0, 0, 0, 0))


def test_numeric_string_is_refused() -> None:
    with pytest.raises(InvalidAnswers, match="q5: expected a whole number, got str '2'"):
        score("phq9", phq9_answers(0, 0, 0, 0, "2", 0, 0, 0, 0))


def test_float_is_refused() -> None:
    with pytest.raises(InvalidAnswers, match="q1: expected a whole number, got float"):
        score("gad7", {"q1": 1.0, **{f"q{n}": 0 for n in range(2, 8)}})


def test_unknown_item_is_named() -> None:
    answers = {**phq9_answers(0, 0, 0, 0, 0, 0, 0, 0, 0), "q10": 1}
    with pytest.raises(InvalidAnswers, match="q10: unknown item") as caught:
        score("phq9", answers)
    assert set(caught.value.errors) == {"q10"}


def test_every_bad_item_is_reported_at_once() -> None:
    answers = {"q1": "3", "q2": 7, "q3": False, "bogus": 1}
    with pytest.raises(InvalidAnswers) as caught:
        score("phq9", answers)
    assert set(caught.value.errors) == {"q1", "q2", "q3", "bogus", *(f"q{n}" for n in range(4, 10))}
    for link_id in ("q1", "q2", "q3", "bogus"):
        assert f"{link_id}: " in str(caught.value)


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(TypeError):
        score("phq9", [0] * 9)  # type: ignore[arg-type]


def test_invalid_difficulty_answer_is_named_even_though_optional() -> None:
    with pytest.raises(InvalidAnswers, match="difficulty: 5 is out of range"):
        score("phq9", {**phq9_answers(0, 0, 0, 0, 0, 0, 0, 0, 0), "difficulty": 5})


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(InvalidParameters, match="cutoff: unknown parameter"):
        score("pcl5", {f"q{n}": 0 for n in range(1, 21)}, params={"cutoff": 30})


def test_out_of_range_parameter_is_named() -> None:
    with pytest.raises(InvalidParameters, match="discharge_min_total: 11 is out of range"):
        score("aldrete", lowest_answers(get("aldrete")), params={"discharge_min_total": 11})


def test_bool_parameter_is_refused() -> None:
    with pytest.raises(InvalidParameters, match="item9_alert_at_least: expected a whole number"):
        score(
            "phq9", phq9_answers(0, 0, 0, 0, 0, 0, 0, 0, 0), params={"item9_alert_at_least": True}
        )


# --- partial answers ----------------------------------------------------------------------------


def test_partial_phq9_is_never_scored_as_complete() -> None:
    result = score("phq9", phq9_answers(3, 3, 3, 3, 3, 3, 3, 3), allow_partial=True)
    assert result.complete is False
    assert result.total is None
    assert result.severity is None


def test_partial_phq9_still_raises_suicidality_from_item9() -> None:
    result = score("phq9", {"q9": 1}, allow_partial=True)
    assert result.complete is False
    assert result.flags == ("suicidality",)


def test_partial_answers_are_still_validated() -> None:
    with pytest.raises(InvalidAnswers, match="q9: 9 is out of range"):
        score("phq9", {"q9": 9}, allow_partial=True)


def test_none_means_not_answered() -> None:
    answers = {**phq9_answers(0, 0, 0, 0, 0, 0, 0, 0, 0), "difficulty": None}
    assert score("phq9", answers).complete is True
    with pytest.raises(InvalidAnswers, match="q9: required"):
        score("phq9", {**answers, "q9": None})


@pytest.mark.parametrize(
    ("code", "answers", "expected"),
    [
        ("phq9", {"q1": 3, "q2": 3, "q9": 2}, ("suicidality",)),
        ("phq9", {"q9": 1, "q3": 7, "q99": 1, "q4": "2"}, ("suicidality",)),
        ("phq9", {"q9": True, "q1": 3}, ()),  # a bool is not an answer
        ("phq9", {"q9": "2"}, ()),  # nor is a numeric string
        ("phq9", {"q9": 4}, ()),  # out of range: not a valid answer
        ("phq9", {"q9": 0, "q1": 3}, ()),
        ("qids_sr16", {"q12": 1, "q1": 9}, ("suicidality",)),
        ("qids_sr16", {"q12": 0}, ()),
        ("cssrs_screener", {"q1": 1, "q2": 1, "q4": 1}, ("imminent", "suicidality")),
        ("cssrs_screener", {"q6": 1, "q6b": 1, "q1": 5}, ("imminent", "suicidality")),
        # Yes to intent although Q2 is no (the flow skips Q4): risk is never hidden.
        ("cssrs_screener", {"q2": 0, "q4": 1}, ("imminent", "suicidality")),
        ("cssrs_screener", {"q1": 1}, ("positive",)),
        ("gad7", {"q1": 3}, ()),  # no crisis item
        ("phq9", ["q9"], ()),  # not a mapping
    ],
)
def test_safety_flags_come_from_the_valid_answers_alone(code, answers, expected) -> None:
    assert instruments.safety_flags(code, answers) == expected


def test_safety_flags_apply_the_clinic_thresholds() -> None:
    assert instruments.safety_flags("phq9", {"q9": 1}, params={"item9_alert_at_least": 2}) == ()
    assert instruments.safety_flags(
        "cssrs_screener", {"q1": 1}, params={"alert_at_least_risk_level": 1}
    ) == ("positive", "suicidality")
    with pytest.raises(InvalidParameters):
        instruments.safety_flags("phq9", {"q9": 1}, params={"item9_alert_at_least": 9})


# --- properties ---------------------------------------------------------------------------------


@st.composite
def summed_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, int]]:
    instrument = get(draw(st.sampled_from(SUMMED_CODES)))
    answers = {
        item.link_id: draw(st.sampled_from(item.allowed_values))
        for item in instrument.items
        if item.required
    }
    return instrument, answers


@given(summed_answers())
def test_total_stays_in_range_and_has_a_band(drawn: tuple[Instrument, dict[str, int]]) -> None:
    instrument, answers = drawn
    result = score(instrument, answers)
    assert result.complete
    assert result.total is not None and instrument.total_range is not None
    low, high = instrument.total_range
    assert low <= result.total <= high
    if instrument.severity_bands:
        assert result.severity is not None
        assert result.severity.min_score <= result.total <= result.severity.max_score


@given(summed_answers(), st.data())
def test_total_never_falls_when_one_item_rises(
    drawn: tuple[Instrument, dict[str, int]], data: st.DataObject
) -> None:
    instrument, answers = drawn
    link_id = data.draw(st.sampled_from(sorted(answers)))
    item = instrument.item(link_id)
    higher = data.draw(st.sampled_from([v for v in item.allowed_values if v >= answers[link_id]]))
    before = score(instrument, answers)
    after = score(instrument, {**answers, link_id: higher})
    assert before.total is not None and after.total is not None
    assert after.total >= before.total
    if instrument.severity_bands:
        assert before.severity is not None and after.severity is not None
        assert after.severity.min_score >= before.severity.min_score


QIDS_IDS = [f"q{n}" for n in range(1, 17)]


@given(st.lists(st.integers(0, 3), min_size=16, max_size=16), st.data())
def test_qids_total_in_range_and_monotone(values: list[int], data: st.DataObject) -> None:
    answers = dict(zip(QIDS_IDS, values, strict=True))
    before = score("qids_sr16", answers)
    assert before.total is not None and 0 <= before.total <= 27
    assert before.total <= sum(values)
    link_id = data.draw(st.sampled_from(QIDS_IDS))
    raised = {**answers, link_id: data.draw(st.integers(answers[link_id], 3))}
    after = score("qids_sr16", raised)
    assert after.total is not None and after.total >= before.total


@given(st.lists(st.integers(0, 10), min_size=11, max_size=11))
def test_bpi_interference_is_the_mean_of_seven(values: list[int]) -> None:
    answers = {f"severity{n}": values[n - 1] for n in range(1, 5)}
    answers |= {f"interference{n}": values[n + 3] for n in range(1, 8)}
    result = score("bpi_short", answers)
    mean = result.subscores["interference_mean"]
    assert 0 <= mean <= 10
    assert mean == pytest.approx(sum(values[4:]) / 7)
    assert result.subscores["worst_pain"] == values[0]


PHQ9_ITEM_IDS = [f"q{n}" for n in range(1, 10)]


@given(
    st.dictionaries(st.sampled_from(PHQ9_ITEM_IDS), st.integers(0, 3), max_size=8),
)
def test_any_partial_phq9_is_refused_or_incomplete(answers: dict[str, int]) -> None:
    with pytest.raises(InvalidAnswers, match="required"):
        score("phq9", answers)
    result = score("phq9", answers, allow_partial=True)
    assert result.complete is False
    assert result.total is None and result.severity is None
    assert ("suicidality" in result.flags) is (answers.get("q9", 0) >= 1)


def test_every_instrument_a_patient_may_answer_has_a_spanish_title() -> None:
    from infusionist.lib.instruments import all_instruments

    for instrument in all_instruments():
        if instrument.administration == "self_report" or instrument.crisis_items:
            spanish = instrument.title_in("es")
            assert spanish and spanish != instrument.title, instrument.code
    assert get("phq9").title_in("es") == "Cuestionario sobre la salud del paciente-9 (PHQ-9)"


def test_a_title_without_a_translation_is_the_english_one() -> None:
    assert get("moaas").title_in("es") == get("moaas").title
    assert get("phq9").title_in("fr") == get("phq9").title
