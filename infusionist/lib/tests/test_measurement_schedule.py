"""The questionnaire schedule engine: cases and properties."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infusionist.lib.measurement_schedule import (
    CADENCE_EPOCH,
    MIN_INTERVAL_DAYS_DEFAULTS,
    Cadence,
    Reason,
    answered_recently,
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


# ---- clinic-local times, the plan's start and the minimum interval ---------------------------

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def _cadence_items(items):
    return [i for i in items if i.reason in Reason.CADENCE]


def test_nothing_is_due_before_the_plan_starts() -> None:
    starts_on = dt.date(2026, 3, 14)
    for now in (
        dt.datetime(2026, 3, 10, 15, 0, tzinfo=UTC),  # days before
        dt.datetime(2026, 3, 14, 8, 59, tzinfo=LA),  # the first session day, before 09:00
        # 16:00 local the day before: the old grid's "midnight UTC taken as a date".
        dt.datetime(2026, 3, 13, 17, 0, tzinfo=LA),
    ):
        assert (
            due_assignments(
                phase="induction",
                last_infusion_at=None,
                next_infusion_at=None,
                now=now,
                plan_starts_on=starts_on,
                tz=LA,
            )
            == []
        )


def test_the_first_check_in_opens_on_the_first_session_day_at_the_clinic_hour() -> None:
    starts_on = dt.date(2026, 3, 14)
    (item,) = due_assignments(
        phase="induction",
        last_infusion_at=None,
        next_infusion_at=None,
        now=dt.datetime(2026, 3, 14, 9, 0, tzinfo=LA),
        plan_starts_on=starts_on,
        tz=LA,
    )
    assert item.available_at == dt.datetime(2026, 3, 14, 9, 0, tzinfo=LA)
    assert item.available_at.astimezone(LA).date() == starts_on
    assert item.due_at == item.available_at + 48 * H


def test_clinic_hour_is_a_setting() -> None:
    (item,) = due_assignments(
        phase="maintenance",
        last_infusion_at=None,
        next_infusion_at=None,
        now=dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        plan_starts_on=dt.date(2026, 4, 30),
        tz=NY,
        cadence=Cadence(checkin_local_hour=7),
    )
    assert item.available_at.astimezone(NY) == dt.datetime(2026, 4, 30, 7, 0, tzinfo=NY)


def test_plan_start_cadence_keeps_the_local_hour_across_dst() -> None:
    # First session Monday March 2, 2026 (PST); the US clock changes on March 8.
    items = due_assignments(
        phase="induction",
        last_infusion_at=None,
        next_infusion_at=None,
        now=dt.datetime(2026, 3, 10, 12, 0, tzinfo=LA),
        plan_starts_on=dt.date(2026, 3, 2),
        tz=LA,
    )
    (item,) = _cadence_items(items)
    local = item.available_at.astimezone(LA)
    assert (local.date(), local.hour, local.minute) == (dt.date(2026, 3, 9), 9, 0)
    assert item.available_at.hour == 16  # 09:00 PDT is 16:00 UTC (17:00 UTC in winter)


def test_infusion_cadence_keeps_the_local_time_across_dst() -> None:
    infusion = dt.datetime(2026, 3, 2, 10, 0, tzinfo=NY)  # EST
    (item,) = due_assignments(
        phase="induction",
        last_infusion_at=infusion,
        next_infusion_at=None,
        now=dt.datetime(2026, 3, 9, 11, 0, tzinfo=NY),  # EDT
        tz=NY,
    )
    assert item.available_at.astimezone(NY).replace(tzinfo=None) == dt.datetime(2026, 3, 9, 10)
    # One hour before the local time: not yet.
    assert (
        _cadence_items(
            due_assignments(
                phase="induction",
                last_infusion_at=infusion,
                next_infusion_at=None,
                now=dt.datetime(2026, 3, 9, 9, 59, tzinfo=NY),
                tz=NY,
            )
        )
        == []
    )


def test_infusion_cadence_in_autumn_keeps_the_local_time() -> None:
    infusion = dt.datetime(2026, 10, 26, 18, 30, tzinfo=LA)  # PDT
    (item,) = due_assignments(
        phase="maintenance",
        last_infusion_at=infusion,
        next_infusion_at=None,
        now=dt.datetime(2026, 11, 12, 8, 0, tzinfo=LA),  # PST
        tz=LA,
    )
    assert item.available_at.astimezone(LA).replace(tzinfo=None) == dt.datetime(2026, 11, 9, 18, 30)


def test_an_infusion_before_the_plan_start_gives_no_cadence_before_it() -> None:
    items = due_assignments(
        phase="maintenance",
        last_infusion_at=dt.datetime(2026, 2, 1, 10, 0, tzinfo=LA),
        next_infusion_at=None,
        now=dt.datetime(2026, 3, 1, 10, 0, tzinfo=LA),
        plan_starts_on=dt.date(2026, 3, 5),
        tz=LA,
    )
    assert _cadence_items(items) == []


def test_a_plan_that_started_weeks_ago_gives_the_current_check_in_only() -> None:
    (item,) = due_assignments(
        phase="induction",
        last_infusion_at=None,
        next_infusion_at=None,
        now=dt.datetime(2026, 6, 25, 12, 0, tzinfo=LA),
        plan_starts_on=dt.date(2026, 6, 1),
        tz=LA,
    )
    assert item.available_at.astimezone(LA) == dt.datetime(2026, 6, 22, 9, 0, tzinfo=LA)


def test_bad_clinic_hour_is_refused() -> None:
    with pytest.raises(ValueError, match="checkin_local_hour"):
        Cadence(checkin_local_hour=24)


@pytest.mark.parametrize(
    ("available", "due", "completed", "days", "moot"),
    [
        (NOW, NOW + 48 * H, None, 14, False),  # never completed
        (NOW, NOW + 48 * H, NOW - 5 * 60 * dt.timedelta(seconds=1), 14, True),  # minutes ago
        (NOW, NOW + 48 * H, NOW + H, 0, True),  # answered after it opened
        (NOW, NOW + 48 * H, NOW - 11 * D, 14, True),  # due 13 days after it: within 14
        (NOW, NOW + 48 * H, NOW - 12 * D, 14, False),  # due 14 days after it
        (NOW, NOW + 48 * H, NOW - 3 * D, 0, False),  # the clinic asks as often as it likes
        (NOW, NOW + 48 * H, NOW - 3 * D, 7, True),
    ],
)
def test_answered_recently(available, due, completed, days, moot) -> None:
    assert (
        answered_recently(
            available_at=available,
            due_at=due,
            last_completed_at=completed,
            min_interval_days=days,
        )
        is moot
    )


def test_minimum_interval_defaults_follow_each_recall_period() -> None:
    assert MIN_INTERVAL_DAYS_DEFAULTS["phq9"] == 14  # "over the last 2 weeks" [51]
    assert MIN_INTERVAL_DAYS_DEFAULTS["gad7"] == 14
    assert MIN_INTERVAL_DAYS_DEFAULTS["qids_sr16"] == 7
    with pytest.raises(ValueError):
        answered_recently(available_at=NOW, due_at=NOW, last_completed_at=NOW, min_interval_days=-1)


@settings(max_examples=300, deadline=None)
@given(
    phase=st.sampled_from(["induction", "maintenance"]),
    now=moments,
    start_offset=st.integers(-120, 30),
    since_last=st.none() | offsets,
    zone=st.sampled_from([LA, NY, zoneinfo.ZoneInfo("Europe/London"), UTC]),
    hour=st.integers(0, 23),
)
def test_clinic_local_cadence_properties(phase, now, start_offset, since_last, zone, hour) -> None:
    starts_on = now.astimezone(zone).date() + dt.timedelta(days=start_offset)
    cadence = Cadence(checkin_local_hour=hour)
    last = None if since_last is None else now - since_last
    items = due_assignments(
        phase=phase,
        last_infusion_at=last,
        next_infusion_at=None,
        now=now,
        cadence=cadence,
        plan_starts_on=starts_on,
        tz=zone,
    )
    starts_at = dt.datetime.combine(starts_on, dt.time(hour), tzinfo=zone)
    for item in _cadence_items(items):
        assert starts_at <= item.available_at <= now
        local = item.available_at.astimezone(zone)
        if last is None:
            # Counted from the first session day, at the clinic hour, in whole local days.
            assert (local.date() - starts_on).days % cadence.interval(phase).days == 0
            assert local.hour in (hour, hour + 1)  # +1 only inside a spring-forward gap
        else:
            last_local = last.astimezone(zone)
            assert (local.date() - last_local.date()).days % cadence.interval(phase).days == 0
            assert local.date() > last_local.date()
