from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusionist.lib.exposure import (
    exposure_summary,
    frequency_findings,
    frequency_rule_findings,
    peak_exposure,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_trailing_windows_count_doses_inside_and_exclude_the_window_start() -> None:
    doses = [(day(0), 35.0), (day(2), 35.0), (day(5), 35.0), (day(7), 35.0), (day(40), 52.5)]
    summary = exposure_summary(doses, at=day(7))
    # (day 0, day 7]: day 0 is exactly 7 days earlier, so it is outside.
    assert summary.window(7).sessions == 3 and summary.total_mg_7_days == 105.0
    assert summary.window(30).sessions == 4 and summary.total_mg_30_days == 140.0
    assert summary.total_mg_365_days == 140.0
    later = exposure_summary(doses)
    assert later.at == day(40) and later.window(7).total_mg == 52.5
    assert later.window(365).sessions == 5 and later.total_mg_365_days == pytest.approx(192.5)


def test_empty_history_has_zero_exposure() -> None:
    summary = exposure_summary([])
    assert summary.at is None and summary.total_mg_30_days == 0 and summary.window(7).sessions == 0


def test_peak_exposure_finds_the_busiest_week() -> None:
    doses = [(day(d), 35.0) for d in (0, 2, 5, 7, 9, 12)]
    peaks = peak_exposure(doses)
    assert (peaks[7].sessions, peaks[7].total_mg) == (3, 105.0)
    assert (peaks[30].sessions, peaks[365].total_mg) == (6, 210.0)


@pytest.mark.parametrize(
    ("doses", "message"),
    [
        ([(dt.datetime(2026, 1, 1), 1.0)], "aware datetime"),
        ([(T0, float("nan"))], "finite"),
        ([(T0, -5.0)], "negative"),
        ([(T0, "35")], "finite number"),
    ],
)
def test_bad_doses_are_refused_with_a_message(doses, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        exposure_summary(doses)


def test_frequency_checks_flag_short_gaps_and_crowded_weeks() -> None:
    thrice_weekly = [day(d) for d in (0, 2, 5, 7, 9, 12)]
    assert frequency_findings(thrice_weekly, min_interval_h=24, max_sessions_per_7_days=3) == []
    crowded = [day(d) for d in (0, 0.5, 1, 2)]
    found = frequency_findings(crowded, min_interval_h=24, max_sessions_per_7_days=3)
    codes = [f.code for f in found]
    assert codes.count("interval_below_minimum") == 2
    assert codes.count("too_many_sessions_in_7_days") == 1
    assert "12 h apart; the protocol minimum is 24 h" in found[0].message


# --- one summarised finding per rule (issue 8, item 10) --------------------------------


def test_seven_a_week_against_three_is_one_finding_not_seventeen() -> None:
    from infusionist.lib.regimens import planned_session_offsets_days

    daily = [day(d) for d in planned_session_offsets_days(20, 7)]
    each = frequency_findings(daily, min_interval_h=24, max_sessions_per_7_days=3)
    assert len(each) == 17
    found = frequency_rule_findings(daily, min_interval_h=24, max_sessions_per_7_days=3)
    assert [f.code for f in found] == ["too_many_sessions_in_7_days"]
    summary = found[0]
    assert (summary.breaches, summary.worst, summary.limit) == (17, 7.0, 3.0)
    assert summary.first_at == day(3)
    assert "Up to 7 planned sessions fall in 7 days; the protocol allows at most 3" in (
        summary.message
    )
    assert "17 of the 20 sessions break the limit, the first on Mar 5, 2026" in summary.message


def test_each_broken_rule_is_summarised_once() -> None:
    crowded = [day(d) for d in (0, 0.5, 1, 2, 30)]
    found = frequency_rule_findings(
        crowded, min_interval_h=24, max_sessions_per_7_days=3, course_max_days=21
    )
    assert [f.code for f in found] == [
        "interval_below_minimum",
        "too_many_sessions_in_7_days",
        "course_longer_than_limit",
    ]
    interval, week, course = found
    assert interval.breaches == 2 and interval.worst == pytest.approx(12)
    assert "2 of the 4 gaps" in interval.message and "shortest 12 h" in interval.message
    assert (week.breaches, week.worst) == (1, 4.0)
    assert (course.breaches, course.worst, course.limit) == (1, 30.0, 21.0)
    assert "span 30 days; the protocol keeps them within 21" in course.message


def test_a_schedule_within_every_limit_has_no_findings() -> None:
    thrice_weekly = [day(d) for d in (0, 2, 5, 7, 9, 12)]
    assert (
        frequency_rule_findings(
            thrice_weekly, min_interval_h=24, max_sessions_per_7_days=3, course_max_days=21
        )
        == []
    )


@given(
    st.lists(st.integers(0, 60 * 24), min_size=1, max_size=40),
    st.integers(0, 72),
    st.integers(1, 7),
)
def test_summaries_match_the_detailed_findings(hours, min_interval_h, most_per_week) -> None:
    times = [T0 + dt.timedelta(hours=h) for h in hours]
    each = frequency_findings(
        times, min_interval_h=min_interval_h, max_sessions_per_7_days=most_per_week
    )
    found = frequency_rule_findings(
        times, min_interval_h=min_interval_h, max_sessions_per_7_days=most_per_week
    )
    codes = [f.code for f in found]
    assert len(codes) == len(set(codes)) <= 2
    assert set(codes) == {f.code for f in each}
    for summary in found:
        assert summary.breaches == sum(1 for f in each if f.code == summary.code)
