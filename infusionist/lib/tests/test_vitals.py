"""Vital-sign plausibility and alert rules, each at its edge and one unit before it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from infusionist.lib import sources
from infusionist.lib.vitals import (
    ALERT_SOURCES,
    PLAUSIBLE,
    AlertLimits,
    Reading,
    alerts_for,
    baseline_within,
    bp_within_baseline,
    cleaned_values,
    field_value,
    next_vitals_due,
    plausibility_errors,
    recheck_needed,
)

T0 = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
LIMITS = AlertLimits()


def at(minutes: float, **values: int) -> Reading:
    return Reading(T0 + dt.timedelta(minutes=minutes), **values)  # type: ignore[arg-type]


def bp(minutes: float, systolic: int, diastolic: int) -> Reading:
    return at(minutes, systolic_mmhg=systolic, diastolic_mmhg=diastolic)


def rules(reading: Reading, *history: Reading, limits: AlertLimits = LIMITS) -> list[str]:
    return [a.rule for a in alerts_for(reading, history, limits)]


# ---- plausibility -----------------------------------------------------------------------------

BP_OK = {"systolic_mmhg": 120, "diastolic_mmhg": 80}


@pytest.mark.parametrize("name", list(PLAUSIBLE))
def test_each_range_edge_is_plausible_and_one_beyond_is_not(name: str) -> None:
    low, high = PLAUSIBLE[name]
    base = dict(BP_OK) if name not in BP_OK else {}
    partner = {"systolic_mmhg": "diastolic_mmhg", "diastolic_mmhg": "systolic_mmhg"}.get(name)
    for value, ok in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
        values: dict[str, object] = {**base, name: value}
        if partner == "diastolic_mmhg":
            values[partner] = 20 if value > 20 else None  # a diastolic below any systolic
        elif partner == "systolic_mmhg":
            values[partner] = 260 if value < 260 else None
        errors = plausibility_errors(values)
        assert (name not in errors) is ok, (name, value, errors)
        if not ok:
            assert f"between {low} and {high}" in errors[name]


def test_systolic_edges_named_with_unit_and_range() -> None:
    assert plausibility_errors({"systolic_mmhg": 49, "diastolic_mmhg": 30}) == {
        "systolic_mmhg": "Systolic blood pressure (mmHg) must be between 50 and 260."
    }
    assert plausibility_errors({"systolic_mmhg": 50, "diastolic_mmhg": 30}) == {}
    assert plausibility_errors({"systolic_mmhg": 260, "diastolic_mmhg": 100}) == {}
    assert "systolic_mmhg" in plausibility_errors({"systolic_mmhg": 261, "diastolic_mmhg": 100})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("abc", "whole number"),
        ("12a", "whole number"),
        ("72.5", "without decimals"),
        ("72,5", "without decimals"),
        (72.5, "without decimals"),
        (Decimal("72.1"), "without decimals"),
        (float("nan"), "whole number"),
        (float("inf"), "between 20 and 250"),
        (True, "whole number"),
        ([72], "whole number"),
        ("-72", "between 20 and 250"),
        (-72, "between 20 and 250"),
        ("99999999999999999999999", "between 20 and 250"),
        (10**30, "between 20 and 250"),
    ],
)
def test_unreadable_or_impossible_heart_rates_are_named(value: object, words: str) -> None:
    errors = plausibility_errors({"heart_rate_per_min": value})
    assert (
        words in errors["heart_rate_per_min"]
        and "Heart rate (/min)" in errors["heart_rate_per_min"]
    )


def test_whole_numbers_as_typed_and_integral_floats_are_read() -> None:
    assert cleaned_values({"heart_rate_per_min": " 72 ", "spo2_pct": 97.0, "x": "ignored"}) == {
        "systolic_mmhg": None,
        "diastolic_mmhg": None,
        "heart_rate_per_min": 72,
        "spo2_pct": 97,
        "respiratory_rate_per_min": None,
    }


def test_blood_pressure_needs_both_numbers() -> None:
    assert plausibility_errors({"systolic_mmhg": 120}) == {
        "diastolic_mmhg": "Blood pressure needs both numbers: give the diastolic (mmHg) too."
    }
    assert set(plausibility_errors({"diastolic_mmhg": "80", "systolic_mmhg": ""})) == {
        "systolic_mmhg"
    }
    # A bad systolic still counts as given: the diastolic is not asked for twice.
    assert set(plausibility_errors({"systolic_mmhg": "x", "diastolic_mmhg": 80})) == {
        "systolic_mmhg"
    }


def test_diastolic_must_be_below_systolic() -> None:
    assert (
        "below the systolic"
        in plausibility_errors({"systolic_mmhg": 80, "diastolic_mmhg": 80})["diastolic_mmhg"]
    )
    assert plausibility_errors({"systolic_mmhg": 81, "diastolic_mmhg": 80}) == {}
    assert (
        "swapped"
        in plausibility_errors({"systolic_mmhg": 80, "diastolic_mmhg": 120})["diastolic_mmhg"]
    )


def test_at_least_one_vital_is_needed() -> None:
    assert set(plausibility_errors({})) == {""}
    assert set(plausibility_errors({name: "" for name in PLAUSIBLE})) == {""}
    assert plausibility_errors({"spo2_pct": 97}) == {}


def test_cleaned_values_raises_with_the_message() -> None:
    with pytest.raises(ValueError, match="SpO2"):
        cleaned_values({"spo2_pct": 101})


def test_a_reading_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        Reading(measured_at=dt.datetime(2026, 12, 7, 9, 0))  # noqa: DTZ001


# ---- blood pressure: hold and severe ----------------------------------------------------------


def test_one_reading_at_the_hold_limit_asks_for_a_repeat_and_raises_nothing() -> None:
    first = bp(0, 185, 115)
    assert rules(first) == []
    assert recheck_needed(first, LIMITS) == (
        "Blood pressure 185/115 mmHg is at or above 180/110 mmHg: repeat it in 5 minutes."
    )
    assert recheck_needed(bp(0, 179, 109), LIMITS) is None
    assert recheck_needed(bp(0, 180, 90), LIMITS) is not None
    assert recheck_needed(bp(0, 150, 110), LIMITS) is not None
    assert recheck_needed(at(0, heart_rate_per_min=130), LIMITS) is None


def test_just_under_the_hold_limit_twice_raises_nothing() -> None:
    assert rules(bp(5, 179, 109), bp(0, 179, 109)) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [((180, 109), (180, 110)), ((179, 110), (180, 109)), ((185, 115), (185, 115))],
)
def test_two_readings_at_the_hold_limit_five_minutes_apart_alert(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    alerts = alerts_for(bp(5, *second), [bp(0, *first)], LIMITS)
    assert [a.rule for a in alerts] == ["bp_hold"]
    alert = alerts[0]
    assert alert.threshold == (
        "systolic ≥ 180 mmHg or diastolic ≥ 110 mmHg on two readings 5–20 min apart"
    )
    assert alert.source_keys == "[10][42] [?]"
    assert alert.inputs["minutes_apart"] == "5"
    assert alert.inputs["earlier_systolic_mmhg"] == str(first[0])


def test_an_earlier_reading_under_the_limit_does_not_confirm() -> None:
    assert rules(bp(5, 185, 115), bp(0, 179, 109)) == []
    assert rules(bp(5, 179, 109), bp(0, 185, 115)) == []


@pytest.mark.parametrize(
    ("minutes_apart", "fires"),
    [(4, False), (4.99, False), (5, True), (12, True), (20, True), (20.01, False), (21, False)],
)
def test_the_repeat_counts_only_within_its_window(minutes_apart: float, fires: bool) -> None:
    assert (rules(bp(minutes_apart, 185, 115), bp(0, 185, 115)) == ["bp_hold"]) is fires


def test_any_earlier_reading_in_the_window_confirms() -> None:
    history = [bp(0, 185, 115), bp(9, 150, 90), bp(13, 185, 115)]
    assert rules(bp(16, 185, 115), *history) == ["bp_hold"]  # 16 min after the first
    # Later readings in the history are ignored.
    assert rules(bp(0, 185, 115), bp(5, 185, 115)) == []


def test_the_hold_window_is_a_clinic_setting() -> None:
    limits = AlertLimits(hold_systolic_mmhg=160, hold_confirm_min=10, hold_confirm_within_min=15)
    assert rules(bp(9, 160, 80), bp(0, 160, 80), limits=limits) == []
    assert rules(bp(10, 160, 80), bp(0, 160, 80), limits=limits) == ["bp_hold"]
    assert rules(bp(16, 160, 80), bp(0, 160, 80), limits=limits) == []


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [(199, 119, []), (200, 90, ["bp_severe"]), (170, 120, ["bp_severe"]), (170, 119, [])],
)
def test_a_severe_reading_alerts_at_once(
    systolic: int, diastolic: int, expected: list[str]
) -> None:
    assert rules(bp(0, systolic, diastolic)) == expected


def test_severe_replaces_hold_and_carries_its_sources() -> None:
    alerts = alerts_for(bp(5, 200, 120), [bp(0, 185, 115)], LIMITS)
    assert [a.rule for a in alerts] == ["bp_severe"]
    assert alerts[0].threshold == "systolic ≥ 200 mmHg or diastolic ≥ 120 mmHg, at once"
    assert alerts[0].source_keys == "[43][42] [?]"
    assert alerts[0].inputs == {"systolic_mmhg": "200", "diastolic_mmhg": "120"}
    assert "200/120 mmHg" in alerts[0].message


# ---- SpO2, heart rate, respiratory rate ------------------------------------------------------


def test_spo2_below_the_limit_alerts() -> None:
    assert rules(at(0, spo2_pct=92)) == []
    alerts = alerts_for(at(0, spo2_pct=91), [], LIMITS)
    assert [a.rule for a in alerts] == ["spo2_low"]
    assert alerts[0].threshold == "SpO2 < 92%" and alerts[0].source_keys == "[50]"
    assert "room air" in alerts[0].message
    assert (
        "on oxygen" in alerts_for(Reading(T0, spo2_pct=88, on_oxygen=True), [], LIMITS)[0].message
    )


def test_heart_rate_high_must_be_sustained() -> None:
    assert rules(at(0, heart_rate_per_min=121)) == []
    assert rules(at(5, heart_rate_per_min=121), at(0, heart_rate_per_min=120)) == []
    assert rules(at(4, heart_rate_per_min=121), at(0, heart_rate_per_min=121)) == []
    assert rules(at(5, heart_rate_per_min=121), at(0, heart_rate_per_min=121)) == [
        "heart_rate_high"
    ]


def test_a_dip_in_between_breaks_the_run() -> None:
    history = [at(0, heart_rate_per_min=130), at(3, heart_rate_per_min=110)]
    assert rules(at(6, heart_rate_per_min=130), *history) == []
    history = [at(0, heart_rate_per_min=130), at(3, heart_rate_per_min=125)]
    alert = alerts_for(at(6, heart_rate_per_min=130), history, LIMITS)[0]
    assert alert.rule == "heart_rate_high" and alert.inputs["minutes_above"] == "6"
    assert alert.threshold == "heart rate > 120/min for at least 5 min"


def test_a_reading_without_heart_rate_neither_breaks_nor_confirms() -> None:
    history = [at(0, heart_rate_per_min=130), bp(3, 120, 80)]
    assert rules(at(6, heart_rate_per_min=130), *history) == ["heart_rate_high"]
    assert rules(at(6, heart_rate_per_min=130), bp(0, 120, 80)) == []


def test_zero_sustained_minutes_means_one_reading() -> None:
    limits = AlertLimits(heart_rate_sustained_min=0)
    assert rules(at(0, heart_rate_per_min=121), limits=limits) == ["heart_rate_high"]
    assert rules(at(0, heart_rate_per_min=120), limits=limits) == []
    assert alerts_for(at(0, heart_rate_per_min=121), [], limits)[0].threshold == (
        "heart rate > 120/min"
    )


def test_heart_rate_low_and_respiratory_rate_low() -> None:
    assert rules(at(0, heart_rate_per_min=45)) == []
    assert rules(at(0, heart_rate_per_min=44)) == ["heart_rate_low"]
    assert rules(at(0, respiratory_rate_per_min=8)) == []
    assert rules(at(0, respiratory_rate_per_min=7)) == ["respiratory_rate_low"]


def test_several_rules_fire_together_in_order() -> None:
    reading = at(
        0,
        systolic_mmhg=210,
        diastolic_mmhg=100,
        spo2_pct=85,
        heart_rate_per_min=40,
        respiratory_rate_per_min=6,
    )
    assert rules(reading) == ["bp_severe", "spo2_low", "heart_rate_low", "respiratory_rate_low"]


def test_every_alert_source_resolves() -> None:
    for keys in ALERT_SOURCES.values():
        for key in sources.keys_in(keys):
            if key != sources.UNSOURCED:
                assert not sources.get(key).withdrawn


def test_limits_read_from_an_object_with_the_same_names() -> None:
    class Settings:
        def __getattr__(self, name: str) -> int:
            return 7

    assert AlertLimits.from_object(Settings()).hold_systolic_mmhg == 7


# ---- discharge, pre-dose and cadence ----------------------------------------------------------


def test_bp_within_baseline_at_its_edges() -> None:
    base = bp(0, 120, 80)
    assert bp_within_baseline(base, bp(60, 144, 96), 20)  # exactly +20%
    assert bp_within_baseline(base, bp(60, 96, 64), 20)  # exactly −20%
    assert not bp_within_baseline(base, bp(60, 145, 80), 20)
    assert not bp_within_baseline(base, bp(60, 120, 97), 20)
    assert not bp_within_baseline(base, bp(60, 95, 80), 20)
    assert not bp_within_baseline(base, at(60, heart_rate_per_min=70), 20)
    assert not bp_within_baseline(at(0, spo2_pct=98), bp(60, 120, 80), 20)


def test_baseline_within_the_pre_dose_limit() -> None:
    assert baseline_within(bp(0, 140, 90), 140, 90)
    assert not baseline_within(bp(0, 141, 90), 140, 90)
    assert not baseline_within(bp(0, 140, 91), 140, 90)
    assert not baseline_within(at(0, heart_rate_per_min=70), 140, 90)


def test_next_vitals_due() -> None:
    start = T0
    assert next_vitals_due(None, 10, start) == T0 + dt.timedelta(minutes=10)
    last = T0 + dt.timedelta(minutes=7)
    assert next_vitals_due(last, 10, start) == T0 + dt.timedelta(minutes=17)
    # A baseline taken before the start does not count.
    assert next_vitals_due(T0 - dt.timedelta(minutes=20), 15, start) == T0 + dt.timedelta(
        minutes=15
    )
    with pytest.raises(ValueError, match="interval"):
        next_vitals_due(None, 0, start)
    with pytest.raises(ValueError, match="aware"):
        next_vitals_due(None, 10, dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_one_field_at_a_time() -> None:
    assert field_value("spo2_pct", "97") == 97
    assert field_value("spo2_pct", None) is None
    with pytest.raises(ValueError, match=r"SpO2 \(%\) must be between 50 and 100"):
        field_value("spo2_pct", 49)
    with pytest.raises(ValueError, match="whole number"):
        field_value("spo2_pct", "ninety")
