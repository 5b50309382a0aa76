"""Booking arithmetic: intervals, local grids across DST, fitting, spacing, series."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infusionist.lib import scheduling as k

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
UTC = dt.UTC


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return k.local_instant(day, dt.time(hour, minute), LA)


MONDAY = dt.date(2027, 3, 8)  # DST begins in the US on Sunday 14 March 2027


def test_interval_arithmetic():
    a = k.Interval(at(MONDAY, 9), at(MONDAY, 12))
    b = k.Interval(at(MONDAY, 10), at(MONDAY, 11))
    assert k.subtract([a], [b]) == [
        k.Interval(at(MONDAY, 9), at(MONDAY, 10)),
        k.Interval(at(MONDAY, 11), at(MONDAY, 12)),
    ]
    assert k.merge([b, a]) == [a]
    # Half-open: back to back does not overlap.
    assert not k.Interval(at(MONDAY, 9), at(MONDAY, 10)).overlaps(
        k.Interval(at(MONDAY, 10), at(MONDAY, 11))
    )
    with pytest.raises(ValueError):
        k.Interval(dt.datetime(2027, 1, 1, 9), dt.datetime(2027, 1, 1, 10))  # naive


minutes_st = st.integers(min_value=0, max_value=24 * 60)


@given(
    st.lists(st.tuples(minutes_st, minutes_st), max_size=6),
    st.lists(st.tuples(minutes_st, minutes_st), max_size=6),
)
def test_subtract_never_keeps_a_removed_minute(keep, remove):
    base = dt.datetime(2027, 1, 4, tzinfo=UTC)

    def iv(pair):
        lo, hi = sorted(pair)
        return k.Interval(base + dt.timedelta(minutes=lo), base + dt.timedelta(minutes=hi))

    kept = k.subtract([iv(p) for p in keep], [iv(p) for p in remove])
    for part in kept:
        assert all(not part.overlaps(iv(r)) for r in remove if iv(r).end > iv(r).start)
        assert any(whole.contains(part) for whole in k.merge(iv(p) for p in keep))


def test_local_grid_keeps_wall_clock_across_spring_forward():
    sunday = dt.date(2027, 3, 14)
    saturday = sunday - dt.timedelta(days=1)
    for day in (saturday, sunday, sunday + dt.timedelta(days=1)):
        window = k.Interval(at(day, 9), at(day, 10))
        starts = k.candidate_starts(window, 15, LA)
        assert [s.astimezone(LA).strftime("%H:%M") for s in starts] == [
            "09:00",
            "09:15",
            "09:30",
            "09:45",
        ]
    # The UTC offset changes (PST −8 → PDT −7), the wall clock does not.
    assert at(saturday, 9).hour == 17 and at(sunday, 9).hour == 16


def test_local_grid_across_fall_back():
    sunday = dt.date(2027, 11, 7)
    window = k.Interval(at(sunday, 0), at(sunday, 3))
    starts = k.candidate_starts(window, 60, LA)
    # 00:00, 01:00 (PDT), 01:00 (PST), 02:00: four distinct instants, in order, none twice.
    assert len(starts) == len(set(starts))
    assert starts == sorted(starts)
    assert starts[0].astimezone(LA).hour == 0


def test_minutes_shape():
    m = k.Minutes(prep_min=15, treatment_min=40, observation_min=60, turnover_min=10)
    assert m.patient_min == 115 and m.chair_min == 125
    occ, patient = m.shape(at(MONDAY, 9))
    assert patient.end == at(MONDAY, 10, 55) and occ.end == at(MONDAY, 11, 5)
    mobile = k.Minutes(treatment_min=60, travel_min=30)
    occ, patient = mobile.shape(at(MONDAY, 10))
    assert occ.start == at(MONDAY, 9, 30) and occ.end == at(MONDAY, 11, 30)
    with pytest.raises(ValueError):
        k.Minutes(treatment_min=-5)
    with pytest.raises(ValueError):
        k.Minutes()


def _request(**changes):
    base = dict(
        minutes=k.Minutes(prep_min=15, treatment_min=40, observation_min=60, turnover_min=10),
        open_windows=(k.Interval(at(MONDAY, 9), at(MONDAY, 17)),),
        chair_ids=(1, 2),
        needs_chair=True,
        staff=(k.StaffMember(10, (k.Interval(at(MONDAY, 8), at(MONDAY, 18)),)),),
        staff_exclusive=False,
        chairs_per_nurse=2,
        patient_id=100,
    )
    base.update(changes)
    return k.SlotRequest(**base)


def _booking(start, chair, staff=10, patient=200, exclusive=False, minutes=125):
    occ = k.Interval(start, start + dt.timedelta(minutes=minutes))
    return k.Booking(occ, occ, chair, staff, exclusive, patient)


def test_fit_takes_first_free_chair_and_respects_hours():
    fit = k.fit_slot(_request(), at(MONDAY, 9), [])
    assert isinstance(fit, k.Fit) and fit.chair_id == 1 and fit.staff_id == 10
    late = k.fit_slot(_request(), at(MONDAY, 15, 30), [])  # ends 17:25 > 17:00
    assert isinstance(late, list) and late[0].rule == "outside_hours"
    edge = k.fit_slot(_request(), at(MONDAY, 15, 5), [])  # patient leaves 17:00 exactly
    assert isinstance(edge, k.Fit)


def test_chair_conflict_and_nurse_ratio():
    busy = [_booking(at(MONDAY, 9), 1)]
    fit = k.fit_slot(_request(), at(MONDAY, 9), busy)
    assert isinstance(fit, k.Fit) and fit.chair_id == 2  # nurse watches 2: second chair ok
    both = [_booking(at(MONDAY, 9), 1), _booking(at(MONDAY, 9), 2, patient=201)]
    res = k.fit_slot(_request(chair_ids=(1, 2, 3)), at(MONDAY, 9), both)
    assert isinstance(res, list) and res[0].subject == "staff" and res[0].conflict
    res = k.fit_slot(_request(), at(MONDAY, 9), both)
    assert isinstance(res, list) and res[0].subject == "chair"
    # Ratio 3: the same nurse may take a third chair.
    ok = k.fit_slot(_request(chair_ids=(1, 2, 3), chairs_per_nurse=3), at(MONDAY, 9), both)
    assert isinstance(ok, k.Fit) and ok.chair_id == 3


def test_exclusive_staff_and_patient_conflicts():
    call = _request(
        minutes=k.Minutes(treatment_min=15), needs_chair=False, chair_ids=(), staff_exclusive=True
    )
    busy = [_booking(at(MONDAY, 9), None, staff=10, exclusive=True, minutes=15)]
    res = k.fit_slot(call, at(MONDAY, 9, 10), busy)
    assert isinstance(res, list) and res[0].subject == "staff"
    assert isinstance(k.fit_slot(call, at(MONDAY, 9, 15), busy), k.Fit)
    mine = [_booking(at(MONDAY, 8, 30), 5, staff=99, patient=100)]
    res = k.fit_slot(_request(), at(MONDAY, 10), mine)
    assert isinstance(res, list) and res[0].subject == "patient"


def test_no_staff_on_shift_and_physician():
    res = k.fit_slot(_request(staff=()), at(MONDAY, 9), [])
    assert isinstance(res, list) and res[0].rule == "no_staff_on_shift"
    res = k.fit_slot(_request(needs_physician=True), at(MONDAY, 9), [])
    assert isinstance(res, list) and res[0].rule == "no_physician"
    ok = k.fit_slot(
        _request(
            needs_physician=True, physician_windows=(k.Interval(at(MONDAY, 8), at(MONDAY, 18)),)
        ),
        at(MONDAY, 9),
        [],
    )
    assert isinstance(ok, k.Fit)


def test_find_slots_grid_and_limit():
    slots = k.find_slots(_request(), [], at(MONDAY, 0), at(MONDAY, 23), 15, LA)
    assert slots[0].service_start == at(MONDAY, 9)
    assert slots[-1].service_start == at(MONDAY, 15, 0)  # 15:15 + 115 min > 17:00
    assert len(k.find_slots(_request(), [], at(MONDAY, 0), at(MONDAY, 23), 15, LA, limit=3)) == 3


def test_spacing_rules():
    starts = [at(MONDAY, 9), at(MONDAY + dt.timedelta(days=1), 8)]
    assert k.spacing_problems(starts, min_interval_h=24)[0].rule == "min_interval"
    assert not k.spacing_problems(
        [at(MONDAY, 9), at(MONDAY + dt.timedelta(days=1), 9)], min_interval_h=24
    )
    daily = [at(MONDAY + dt.timedelta(days=i), 9) for i in range(4)]
    assert k.spacing_problems(daily, max_per_7_days=3)[0].rule == "max_per_7_days"
    spread = [at(MONDAY + dt.timedelta(days=i * 11), 9) for i in range(3)]
    assert k.spacing_problems(spread, course_max_days=21)[0].rule == "course_length"


def test_series_targets():
    days = k.series_targets(MONDAY, [0, 2, 4], 6)
    assert [d.weekday() for d in days] == [0, 2, 4, 0, 2, 4]
    assert (days[-1] - days[0]).days == 11
    with pytest.raises(ValueError):
        k.series_targets(MONDAY, [], 3)


def test_series_across_dst_keeps_local_time_and_offers_alternatives():
    targets = k.series_targets(MONDAY, [0, 2, 4], 6)  # crosses 14 March
    windows = tuple(
        k.Interval(at(d, 9), at(d, 17))
        for d in [MONDAY + dt.timedelta(days=i) for i in range(-3, 20)]
    )
    staff = (
        k.StaffMember(
            10,
            tuple(
                k.Interval(at(d, 8), at(d, 18))
                for d in [MONDAY + dt.timedelta(days=i) for i in range(-3, 20)]
            ),
        ),
    )
    req = _request(open_windows=windows, staff=staff, chair_ids=(1,), chairs_per_nurse=1)
    # Somebody else holds the only chair at 10:00 on the fourth session's day.
    blocked = [_booking(at(targets[3], 9, 30), 1, staff=99, patient=300)]
    sessions = k.propose_series(
        targets, dt.time(10), LA, lambda _d: req, blocked, 15, min_interval_h=24, max_per_7_days=3
    )
    assert [s.fit is not None for s in sessions] == [True, True, True, False, True, True]
    for s in sessions:
        if s.fit:
            assert s.fit.service_start.astimezone(LA).strftime("%H:%M") == "10:00"
    missing = sessions[3]
    assert missing.problems[0].subject == "chair"
    assert missing.alternatives
    nearest = missing.alternatives[0].service_start
    assert abs((nearest - missing.wanted).total_seconds()) <= 4 * 3600
