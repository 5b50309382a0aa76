"""The questionnaire schedule engine: cases and properties."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infusionist.lib.measurement_schedule import (
    CADENCE_EPOCH,
    Cadence,
    Reason,
    due_assignments,
)

UTC = dt.UTC
NY = zoneinfo.ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)


def reasons(items) -> list[str]:
    return [item.reason for item in items]


def test_no_plan_and_no_infusions_means_nothing_is_due() -> None:
    assert due_assignments(phase=None, last_infusion_at=None, next_infusion_at=None, now=NOW) == []


def test_evaluation_phase_has_no_cadence() -> None:
    assert (
        due_assignments(phase="evaluation", last_infusion_at=None, next_infusion_at=None, now=NOW)
        == []
    )


def test_pre_infusion_is_sent_ahead_and_due_at_the_infusion() -> None:
    planned = NOW + 5 * D
    (item,) = due_assignments(phase=None, last_infusion_at=None, next_infusion_at=planned, now=NOW)
    assert item.reason == Reason.PRE_INFUSION
    assert item.due_at == planned
    assert item.available_at == planned - 48 * H


def test_a_past_planned_infusion_gets_no_pre_infusion_questionnaire() -> None:
    assert (
        due_assignments(phase=None, last_infusion_at=None, next_infusion_at=NOW - H, now=NOW) == []
    )


def test_next_day_check_in_after_an_infusion() -> None:
    infusion = NOW - 2 * H
    (item,) = due_assignments(phase=None, last_infusion_at=infusion, next_infusion_at=None, now=NOW)
    assert item.reason == Reason.NEXT_DAY
    assert item.available_at == infusion + 24 * H
    assert item.due_at == infusion + 72 * H


def test_next_day_check_in_disappears_once_it_can_no_longer_be_completed() -> None:
    infusion = NOW - 73 * H
    assert (
        due_assignments(phase=None, last_infusion_at=infusion, next_infusion_at=None, now=NOW) == []
    )


def test_weekly_during_induction_counted_from_the_last_infusion() -> None:
    infusion = NOW - 8 * D
    (item,) = due_assignments(
        phase="induction", last_infusion_at=infusion, next_infusion_at=None, now=NOW
    )
    assert item.reason == Reason.INDUCTION
    assert item.available_at == infusion + 7 * D


def test_every_two_weeks_in_maintenance() -> None:
    infusion = NOW - 20 * D
    (item,) = due_assignments(
        phase="maintenance", last_infusion_at=infusion, next_infusion_at=None, now=NOW
    )
    assert item.reason == Reason.MAINTENANCE
    assert item.available_at == infusion + 14 * D
    assert (
        due_assignments(
            phase="maintenance", last_infusion_at=NOW - 10 * D, next_infusion_at=None, now=NOW
        )
        == []
    )


def test_an_infusion_resets_the_cadence() -> None:
    before = due_assignments(
        phase="induction", last_infusion_at=NOW - 9 * D, next_infusion_at=None, now=NOW
    )
    after = due_assignments(
        phase="induction", last_infusion_at=NOW - 3 * D - H, next_infusion_at=None, now=NOW
    )
    assert reasons(before) == [Reason.INDUCTION]
    assert after == []  # next-day window over, next weekly check-in not yet due


def test_cadence_check_in_is_skipped_next_to_a_pre_infusion_one() -> None:
    items = due_assignments(
        phase="induction", last_infusion_at=NOW - 7 * D - H, next_infusion_at=NOW + D, now=NOW
    )
    assert reasons(items) == [Reason.PRE_INFUSION]


def test_without_infusions_the_cadence_follows_a_fixed_grid() -> None:
    a = due_assignments(phase="induction", last_infusion_at=None, next_infusion_at=None, now=NOW)
    b = due_assignments(
        phase="induction", last_infusion_at=None, next_infusion_at=None, now=NOW + 2 * D
    )
    assert a == b
    assert (a[0].available_at - CADENCE_EPOCH) % (7 * D) == dt.timedelta(0)


def test_clinic_cadence_settings_apply() -> None:
    cadence = Cadence(
        induction_interval_days=3, next_day_checkin_hours=12, pre_infusion_lead_hours=6
    )
    (item,) = due_assignments(
        phase="induction",
        last_infusion_at=NOW - 4 * D,
        next_infusion_at=None,
        now=NOW,
        cadence=cadence,
    )
    assert item.available_at == NOW - D


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        due_assignments(
            phase=None, last_infusion_at=None, next_infusion_at=None, now=dt.datetime(2026, 1, 1)
        )  # noqa: DTZ001


def test_unknown_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="phase"):
        due_assignments(phase="relapse", last_infusion_at=None, next_infusion_at=None, now=NOW)


def test_bad_cadence_is_refused() -> None:
    with pytest.raises(ValueError):
        Cadence(induction_interval_days=0)
    with pytest.raises(ValueError):
        Cadence(completion_window_hours=0)


def test_other_time_zones_give_the_same_instants_across_a_dst_change() -> None:
    infusion = NOW - 8 * D  # before the US clock change of March 8, 2026
    utc = due_assignments(
        phase="induction", last_infusion_at=infusion, next_infusion_at=None, now=NOW
    )
    local = due_assignments(
        phase="induction",
        last_infusion_at=infusion.astimezone(NY),
        next_infusion_at=None,
        now=NOW.astimezone(NY),
    )
    assert [(i.reason, i.available_at, i.due_at) for i in utc] == [
        (i.reason, i.available_at, i.due_at) for i in local
    ]


# ---- properties ---------------------------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2024, 6, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(UTC)
)
offsets = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=120))
phases = st.sampled_from([None, "evaluation", "induction", "maintenance"])
cadences = st.builds(
    Cadence,
    induction_interval_days=st.integers(1, 30),
    maintenance_interval_days=st.integers(1, 60),
    next_day_checkin_hours=st.integers(1, 96),
    pre_infusion_lead_hours=st.integers(1, 168),
    completion_window_hours=st.integers(1, 336),
    dedupe_hours=st.integers(0, 168),
)


@settings(max_examples=300, deadline=None)
@given(
    phase=phases,
    now=moments,
    since_last=st.none() | offsets,
    until_next=st.none() | offsets,
    cadence=cadences,
)
def test_schedule_properties(phase, now, since_last, until_next, cadence) -> None:
    last = None if since_last is None else now - since_last
    nxt = None if until_next is None else now + until_next
    items = due_assignments(
        phase=phase, last_infusion_at=last, next_infusion_at=nxt, now=now, cadence=cadence
    )
    # Deterministic: the same inputs give the same occasions (stored rows never duplicate).
    assert items == due_assignments(
        phase=phase, last_infusion_at=last, next_infusion_at=nxt, now=now, cadence=cadence
    )
    assert len(items) == len({i.reason for i in items}) <= 3
    assert items == sorted(items, key=lambda i: (i.available_at, i.reason))
    for item in items:
        assert item.due_at >= item.available_at
        assert item.available_at.utcoffset() is not None
        if item.reason in Reason.CADENCE:
            interval = cadence.interval(phase)
            assert interval is not None
            assert now - interval < item.available_at <= now
            if last is not None:
                # Anchored on the last infusion: the schedule resets with each infusion.
                assert (item.available_at - last) % interval == dt.timedelta(0)
                assert item.available_at >= last + interval
        if item.reason == Reason.PRE_INFUSION:
            assert nxt is not None and item.due_at == nxt > now
        if item.reason == Reason.NEXT_DAY:
            assert last is not None and item.available_at > last and now <= item.due_at
    if phase not in ("induction", "maintenance"):
        assert not any(i.reason in Reason.CADENCE for i in items)


@settings(max_examples=200, deadline=None)
@given(phase=st.sampled_from(["induction", "maintenance"]), now=moments, since=offsets)
def test_the_cadence_occasion_is_stable_within_its_period(phase, now, since) -> None:
    last = now - since
    first = due_assignments(phase=phase, last_infusion_at=last, next_infusion_at=None, now=now)
    later = due_assignments(
        phase=phase, last_infusion_at=last, next_infusion_at=None, now=now + dt.timedelta(hours=1)
    )
    cadence_first = [i for i in first if i.reason in Reason.CADENCE]
    cadence_later = [i for i in later if i.reason in Reason.CADENCE]
    if cadence_first and cadence_later:
        delta = cadence_later[0].available_at - cadence_first[0].available_at
        assert delta in (dt.timedelta(0), Cadence().interval(phase))
