"""Hand-computed scores, band edges, flags and flow rules of each instrument."""

from __future__ import annotations

import pytest

from infusionist.lib.instruments import InvalidAnswers, get, score


def numbered(prefix: str, *values: int) -> dict[str, object]:
    """Return {prefix1: values[0], prefix2: values[1], ...}."""
    return {f"{prefix}{n}": value for n, value in enumerate(values, start=1)}


def filled(item_count: int, item_max: int, total: int, prefix: str = "q") -> dict[str, object]:
    """Return answers reaching ``total`` by filling items to ``item_max`` from the first one.

    For example filled(9, 3, 10) is 3, 3, 3, 1, 0, 0, 0, 0, 0.
    """
    values = []
    remaining = total
    for _ in range(item_count):
        value = min(item_max, remaining)
        values.append(value)
        remaining -= value
    assert remaining == 0, "total is out of reach"
    return numbered(prefix, *values)


# --- PHQ-9 [51] ---------------------------------------------------------------------------------

PHQ9_EDGES = [
    # (answers to items 1-9, total, band)
    ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "none"),
    ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "none"),
    ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "mild"),
    ((1, 1, 1, 1, 1, 1, 1, 1, 1), 9, "mild"),
    ((2, 1, 1, 1, 1, 1, 1, 1, 1), 10, "moderate"),
    ((2, 2, 2, 2, 2, 2, 2, 0, 0), 14, "moderate"),
    ((3, 2, 2, 2, 2, 2, 2, 0, 0), 15, "moderately_severe"),
    ((3, 3, 3, 3, 3, 2, 2, 0, 0), 19, "moderately_severe"),
    ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "severe"),
    ((3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "severe"),
]


@pytest.mark.parametrize(("values", "total", "band"), PHQ9_EDGES)
def test_phq9_band_edges(values: tuple[int, ...], total: int, band: str) -> None:
    result = score("phq9", numbered("q", *values))
    assert result.total == total
    assert result.severity is not None and result.severity.code == band
    assert result.complete is True
    assert result.instrument == "phq9"


def test_phq9_difficulty_answer_does_not_change_the_total() -> None:
    answers = numbered("q", 1, 1, 1, 1, 1, 0, 0, 0, 0)
    assert score("phq9", {**answers, "difficulty": 3}).total == 5


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item9_at_or_above_1_raises_suicidality(item9: int, flagged: bool) -> None:
    result = score("phq9", numbered("q", 0, 0, 0, 0, 0, 0, 0, 0, item9))
    assert ("suicidality" in result.flags) is flagged


def test_phq9_item9_threshold_is_a_parameter() -> None:
    answers = numbered("q", 0, 0, 0, 0, 0, 0, 0, 0, 1)
    result = score("phq9", answers, params={"item9_alert_at_least": 2})
    assert "suicidality" not in result.flags
    assert result.params["item9_alert_at_least"] == 2
    assert get("phq9").parameter("item9_alert_at_least").default == 1


def test_phq9_positive_screen_at_10() -> None:
    assert "positive_screen" not in score("phq9", filled(9, 3, 9)).flags
    assert "positive_screen" in score("phq9", filled(9, 3, 10)).flags


def test_phq9_major_depressive_syndrome() -> None:
    # Items 1, 3, 4, 5 at 2 and item 9 at 1: five symptoms including item 1.
    result = score("phq9", numbered("q", 2, 0, 2, 2, 2, 0, 0, 0, 1))
    assert "major_depressive_syndrome" in result.flags
    assert "other_depressive_syndrome" not in result.flags


def test_phq9_major_syndrome_counts_item9_only_at_1_or_more() -> None:
    # Four symptoms at 2 plus item 9 at 0: only four, so "other", not "major".
    result = score("phq9", numbered("q", 2, 2, 2, 2, 1, 1, 1, 1, 0))
    assert "other_depressive_syndrome" in result.flags
    assert "major_depressive_syndrome" not in result.flags


def test_phq9_syndrome_needs_item1_or_item2() -> None:
    # Seven symptoms at 3, but items 1 and 2 are at 1: no syndrome at all.
    result = score("phq9", numbered("q", 1, 1, 3, 3, 3, 3, 3, 3, 3))
    assert result.total == 23
    assert not {"major_depressive_syndrome", "other_depressive_syndrome"} & set(result.flags)


def test_phq9_other_syndrome_needs_at_least_two_symptoms() -> None:
    assert (
        "other_depressive_syndrome"
        not in score("phq9", numbered("q", 2, 1, 1, 1, 1, 1, 1, 1, 0)).flags
    )
    assert (
        "other_depressive_syndrome" in score("phq9", numbered("q", 2, 2, 1, 1, 1, 1, 1, 1, 0)).flags
    )


# --- PHQ-2 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("q1", "q2", "positive"), [(1, 1, False), (2, 1, True), (3, 3, True)])
def test_phq2_positive_screen_at_3(q1: int, q2: int, positive: bool) -> None:
    result = score("phq2", {"q1": q1, "q2": q2})
    assert result.total == q1 + q2
    assert ("positive_screen" in result.flags) is positive


def test_phq2_refuses_phq9_item9() -> None:
    with pytest.raises(InvalidAnswers, match="q9: unknown item"):
        score("phq2", {"q1": 0, "q2": 0, "q9": 1})


# --- GAD-7 [51] ---------------------------------------------------------------------------------

GAD7_EDGES = [
    ((0, 0, 0, 0, 0, 0, 0), 0, "minimal"),
    ((1, 1, 1, 1, 0, 0, 0), 4, "minimal"),
    ((1, 1, 1, 1, 1, 0, 0), 5, "mild"),
    ((2, 2, 2, 1, 1, 1, 0), 9, "mild"),
    ((2, 2, 2, 1, 1, 1, 1), 10, "moderate"),
    ((2, 2, 2, 2, 2, 2, 2), 14, "moderate"),
    ((3, 2, 2, 2, 2, 2, 2), 15, "severe"),
    ((3, 3, 3, 3, 3, 3, 3), 21, "severe"),
]


@pytest.mark.parametrize(("values", "total", "band"), GAD7_EDGES)
def test_gad7_band_edges(values: tuple[int, ...], total: int, band: str) -> None:
    result = score("gad7", numbered("q", *values))
    assert result.total == total
    assert result.severity is not None and result.severity.code == band


def test_gad7_positive_screen_at_10() -> None:
    assert "positive_screen" not in score("gad7", filled(7, 3, 9)).flags
    assert "positive_screen" in score("gad7", filled(7, 3, 10)).flags


# --- QIDS-SR16 [52] -----------------------------------------------------------------------------


def test_qids_uses_domain_maxima_not_the_sum() -> None:
    answers = numbered("q", 3, 2, 1, 0, 2, 1, 0, 3, 0, 1, 1, 0, 2, 2, 1, 3)
    result = score("qids_sr16", answers)
    # sleep max(3,2,1,0)=3 + sad 2 + weight max(1,0,3,0)=3 + 1+1+0+2+2 + psychomotor max(1,3)=3
    assert result.total == 17
    assert sum(v for v in answers.values() if isinstance(v, int)) == 22
    assert dict(result.subscores) == {"sleep": 3, "appetite_weight": 3, "psychomotor": 3}
    assert result.severity is not None and result.severity.code == "severe"


def test_qids_maximum_is_27_even_with_all_items_at_3() -> None:
    result = score("qids_sr16", numbered("q", *([3] * 16)))
    assert result.total == 27
    assert result.severity is not None and result.severity.code == "very_severe"


def qids_with_total(total: int) -> dict[str, object]:
    """Return QIDS answers whose domain-max total is ``total``: nine domains filled in order."""
    domain_values = []
    remaining = total
    for _ in range(9):
        value = min(3, remaining)
        domain_values.append(value)
        remaining -= value
    sleep, sad, weight, conc, view, death, interest, energy, psychomotor = domain_values
    return {
        "q1": sleep,
        "q2": 0,
        "q3": 0,
        "q4": 0,
        "q5": sad,
        "q6": weight,
        "q8": 0,
        "q10": conc,
        "q11": view,
        "q12": death,
        "q13": interest,
        "q14": energy,
        "q15": psychomotor,
        "q16": 0,
    }


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (5, "none"),
        (6, "mild"),
        (10, "mild"),
        (11, "moderate"),
        (15, "moderate"),
        (16, "severe"),
        (20, "severe"),
        (21, "very_severe"),
        (27, "very_severe"),
    ],
)
def test_qids_band_edges(total: int, band: str) -> None:
    result = score("qids_sr16", qids_with_total(total))
    assert result.total == total
    assert result.severity is not None and result.severity.code == band


def test_qids_accepts_one_item_of_each_appetite_and_weight_pair() -> None:
    answers = qids_with_total(6)
    assert "q7" not in answers and "q9" not in answers
    assert score("qids_sr16", answers).complete is True


def test_qids_needs_an_appetite_item() -> None:
    answers = qids_with_total(6)
    del answers["q6"]
    with pytest.raises(InvalidAnswers, match="q6: Answer item 6") as caught:
        score("qids_sr16", answers)
    assert set(caught.value.errors) == {"q6", "q7"}


def test_qids_partial_without_appetite_item_is_incomplete() -> None:
    answers = qids_with_total(6)
    del answers["q6"]
    result = score("qids_sr16", answers, allow_partial=True)
    assert result.complete is False
    assert result.total is None


def test_qids_item12_raises_suicidality() -> None:
    answers = {**qids_with_total(0), "q12": 1}
    assert "suicidality" in score("qids_sr16", answers).flags
    assert "suicidality" not in score("qids_sr16", qids_with_total(0)).flags


# --- PCL-5 [55] ---------------------------------------------------------------------------------


def pcl5(b: list[int], c: list[int], d: list[int], e: list[int]) -> dict[str, object]:
    values = [*b, *c, *d, *e]
    assert len(values) == 20
    return numbered("q", *values)


def test_pcl5_cluster_subscores_and_total() -> None:
    answers = pcl5([1, 2, 3, 4, 0], [4, 1], [0, 1, 2, 3, 4, 0, 1], [2, 2, 2, 2, 2, 2])
    result = score("pcl5", answers)
    assert dict(result.subscores) == {
        "cluster_b": 10,
        "cluster_c": 5,
        "cluster_d": 11,
        "cluster_e": 12,
    }
    assert result.total == 38


def test_pcl5_provisional_diagnosis_at_the_minimum_symptom_pattern() -> None:
    # One B, one C, two D and two E items at 2 ("moderately"): diagnosis, total 12.
    answers = pcl5([2, 0, 0, 0, 0], [2, 0], [2, 2, 0, 0, 0, 0, 0], [2, 2, 0, 0, 0, 0])
    result = score("pcl5", answers)
    assert result.total == 12
    assert result.flags == ("provisional_ptsd_diagnosis",)


@pytest.mark.parametrize(
    "answers",
    [
        pcl5([1, 1, 1, 1, 1], [2, 0], [2, 2, 0, 0, 0, 0, 0], [2, 2, 0, 0, 0, 0]),  # no B at 2
        pcl5([2, 0, 0, 0, 0], [1, 1], [2, 2, 0, 0, 0, 0, 0], [2, 2, 0, 0, 0, 0]),  # no C at 2
        pcl5([2, 0, 0, 0, 0], [2, 0], [4, 1, 1, 1, 1, 1, 1], [2, 2, 0, 0, 0, 0]),  # one D at 2
        pcl5([4, 4, 4, 4, 4], [4, 4], [4, 4, 4, 4, 4, 4, 4], [4, 1, 1, 1, 1, 1]),  # one E at 2
    ],
)
def test_pcl5_no_provisional_diagnosis_when_a_cluster_falls_short(
    answers: dict[str, object],
) -> None:
    assert "provisional_ptsd_diagnosis" not in score("pcl5", answers).flags


@pytest.mark.parametrize(("total", "flagged"), [(32, False), (33, True), (80, True)])
def test_pcl5_probable_ptsd_at_cutoff_33(total: int, flagged: bool) -> None:
    result = score("pcl5", filled(20, 4, total))
    assert result.total == total
    assert ("probable_ptsd" in result.flags) is flagged


def test_pcl5_cutoff_is_a_parameter() -> None:
    result = score("pcl5", filled(20, 4, 31), params={"probable_ptsd_min_total": 31})
    assert "probable_ptsd" in result.flags
    assert get("pcl5").parameter("probable_ptsd_min_total").default == 33


# --- C-SSRS screener [57] -----------------------------------------------------------------------


def cssrs(**answers: int) -> dict[str, object]:
    return dict(answers)


def risk(answers: dict[str, object], **params: int) -> tuple[str | None, tuple[str, ...]]:
    result = score("cssrs_screener", answers, params=params or None)
    return (result.severity.code if result.severity else None), result.flags


def test_cssrs_all_no_is_negative() -> None:
    assert risk(cssrs(q1=0, q2=0, q6=0)) == ("negative", ())


def test_cssrs_wish_to_be_dead_only_is_positive() -> None:
    assert risk(cssrs(q1=1, q2=0, q6=0)) == ("positive", ("positive",))


def test_cssrs_thoughts_with_method_only_is_positive() -> None:
    assert risk(cssrs(q1=1, q2=1, q3=1, q4=0, q5=0, q6=0))[0] == "positive"


@pytest.mark.parametrize(
    "answers",
    [
        cssrs(q1=1, q2=1, q3=0, q4=1, q5=0, q6=0),
        cssrs(q1=1, q2=1, q3=1, q4=0, q5=1, q6=0),
        cssrs(q1=0, q2=0, q6=1, q6b=1),
    ],
    ids=["intent", "intent-with-plan", "behaviour-within-3-months"],
)
def test_cssrs_intent_plan_or_recent_behaviour_is_imminent(answers: dict[str, object]) -> None:
    assert risk(answers) == ("imminent", ("imminent", "suicidality"))


def test_cssrs_behaviour_older_than_3_months_is_positive_not_imminent() -> None:
    assert risk(cssrs(q1=0, q2=0, q6=1, q6b=0)) == ("positive", ("positive",))


def test_cssrs_alert_threshold_can_include_any_positive() -> None:
    level, flags = risk(cssrs(q1=1, q2=0, q6=0), alert_at_least_risk_level=1)
    assert level == "positive"
    assert flags == ("positive", "suicidality")


def test_cssrs_refuses_q3_to_q5_when_q2_is_no() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("cssrs_screener", cssrs(q1=1, q2=0, q3=1, q4=1, q5=0, q6=0))
    assert set(caught.value.errors) == {"q3", "q4", "q5"}
    assert "q4: asked only when q2 is 1" in str(caught.value)


def test_cssrs_requires_q3_to_q5_when_q2_is_yes() -> None:
    with pytest.raises(InvalidAnswers) as caught:
        score("cssrs_screener", cssrs(q1=1, q2=1, q6=0))
    assert set(caught.value.errors) == {"q3", "q4", "q5"}


def test_cssrs_requires_q6b_when_q6_is_yes_and_refuses_it_otherwise() -> None:
    with pytest.raises(InvalidAnswers, match="q6b: required"):
        score("cssrs_screener", cssrs(q1=0, q2=0, q6=1))
    with pytest.raises(InvalidAnswers, match="q6b: asked only when q6 is 1"):
        score("cssrs_screener", cssrs(q1=0, q2=0, q6=0, q6b=0))


def test_cssrs_partial_answers_still_raise_imminent() -> None:
    result = score("cssrs_screener", cssrs(q1=1, q2=1, q5=1), allow_partial=True)
    assert result.complete is False
    assert result.flags == ("imminent", "suicidality")


def test_cssrs_has_no_total() -> None:
    result = score("cssrs_screener", cssrs(q1=0, q2=0, q6=0))
    assert result.total is None
    assert result.subscores["risk_level"] == 0


# --- MADRS [51][54] -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "normal"),
        (6, "normal"),
        (7, "mild"),
        (19, "mild"),
        (20, "moderate"),
        (34, "moderate"),
        (35, "severe"),
        (60, "severe"),
    ],
)
def test_madrs_band_edges(total: int, band: str) -> None:
    result = score("madrs", filled(10, 6, total))
    assert result.total == total
    assert result.severity is not None and result.severity.code == band


def test_madrs_item10_raises_suicidality_at_2() -> None:
    assert "suicidality" not in score("madrs", {**filled(10, 6, 0), "q10": 1}).flags
    assert "suicidality" in score("madrs", {**filled(10, 6, 0), "q10": 2}).flags


def test_madrs_refuses_rating_7() -> None:
    with pytest.raises(InvalidAnswers, match="q1: 7 is out of range; choose one of 0, 1, 2"):
        score("madrs", {**filled(10, 6, 0), "q1": 7})


# --- Y-BOCS [51] --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "subclinical"),
        (7, "subclinical"),
        (8, "mild"),
        (15, "mild"),
        (16, "moderate"),
        (23, "moderate"),
        (24, "severe"),
        (31, "severe"),
        (32, "extreme"),
        (40, "extreme"),
    ],
)
def test_ybocs_band_edges(total: int, band: str) -> None:
    result = score("ybocs", filled(10, 4, total))
    assert result.total == total
    assert result.severity is not None and result.severity.code == band


def test_ybocs_obsession_and_compulsion_subscores() -> None:
    result = score("ybocs", numbered("q", 4, 3, 2, 1, 0, 0, 1, 1, 1, 1))
    assert dict(result.subscores) == {"obsessions": 10, "compulsions": 4}
    assert result.total == 14


# --- CADSS [49] ---------------------------------------------------------------------------------


def test_cadss_totals_23_items_up_to_92() -> None:
    assert score("cadss", filled(23, 4, 92)).total == 92
    assert score("cadss", filled(23, 4, 17)).total == 17
    assert score("cadss", filled(23, 4, 0)).severity is None


def test_cadss_refuses_an_observer_item() -> None:
    with pytest.raises(InvalidAnswers, match="q24: unknown item"):
        score("cadss", {**filled(23, 4, 0), "q24": 1})


# --- BPI short form [59][60] --------------------------------------------------------------------


def bpi(worst: int, interference: list[int]) -> dict[str, object]:
    return {
        **numbered("severity", worst, 0, 0, 0),
        **numbered("interference", *interference),
    }


@pytest.mark.parametrize(
    ("worst", "band"),
    [
        (0, None),
        (1, "mild"),
        (4, "mild"),
        (5, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_bpi_worst_pain_band_edges(worst: int, band: str | None) -> None:
    result = score("bpi_short", bpi(worst, [0] * 7))
    assert (result.severity.code if result.severity else None) == band


def test_bpi_reports_severity_items_and_interference_mean() -> None:
    answers = {
        **numbered("severity", 8, 2, 5, 6),
        **numbered("interference", 1, 2, 3, 4, 5, 6, 7),
    }
    result = score("bpi_short", answers)
    assert result.total is None
    assert dict(result.subscores) == {
        "worst_pain": 8,
        "least_pain": 2,
        "average_pain": 5,
        "pain_now": 6,
        "interference_mean": 4.0,
    }


# --- MOAA/S, Aldrete, pain NRS ------------------------------------------------------------------


@pytest.mark.parametrize("level", range(6))
def test_moaas_total_is_the_level(level: int) -> None:
    result = score("moaas", {"level": level})
    assert result.total == level
    assert ("loss_of_consciousness" in result.flags) is (level == 0)


def test_moaas_refuses_6() -> None:
    with pytest.raises(InvalidAnswers, match="level: 6 is out of range"):
        score("moaas", {"level": 6})


def aldrete(*values: int) -> dict[str, object]:
    keys = ("activity", "respiration", "circulation", "consciousness", "spo2")
    return dict(zip(keys, values, strict=True))


@pytest.mark.parametrize(
    ("values", "total", "ready"),
    [
        ((2, 2, 2, 2, 2), 10, True),
        ((2, 2, 2, 1, 2), 9, True),
        ((2, 2, 1, 1, 2), 8, False),
        ((0, 0, 0, 0, 0), 0, False),
    ],
)
def test_aldrete_discharge_ready_at_9(values: tuple[int, ...], total: int, ready: bool) -> None:
    result = score("aldrete", aldrete(*values))
    assert result.total == total
    assert ("discharge_ready" in result.flags) is ready


def test_aldrete_discharge_threshold_is_a_parameter() -> None:
    result = score("aldrete", aldrete(2, 2, 2, 1, 2), params={"discharge_min_total": 10})
    assert "discharge_ready" not in result.flags


def test_aldrete_items_are_0_to_2() -> None:
    with pytest.raises(InvalidAnswers, match="spo2: 3 is out of range; choose one of 0, 1, 2"):
        score("aldrete", {**aldrete(2, 2, 2, 2, 2), "spo2": 3})


@pytest.mark.parametrize("rating", [0, 5, 10])
def test_pain_nrs_total_is_the_rating(rating: int) -> None:
    assert score("pain_nrs", {"intensity": rating}).total == rating


def test_pain_nrs_refuses_11() -> None:
    with pytest.raises(InvalidAnswers, match="intensity: 11 is out of range"):
        score("pain_nrs", {"intensity": 11})
