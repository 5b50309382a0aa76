"""Booking arithmetic, framework-free: open windows, who and what is free, series spacing.

Every datetime here is aware; callers pass UTC or any zone and get the same instants back.
Local wall-clock inputs (opening hours, shifts, a series' time of day) are turned into
instants per day with :func:`local_instant`, so they keep their local time across a
daylight-saving change. Ranges are half-open ``[start, end)``: back-to-back bookings do not
overlap.

An appointment's shape (:class:`Minutes`): the patient is present for preparation +
treatment + observation (``patient_min``); the chair and an exclusive staff member are held
``lead_min`` before that (travel to a mobile visit) and ``tail_min`` after it (chair
turnover, travel back). For a ketamine infusion the treatment minutes are the protocol's
infusion length (40–60 min is usual, §1 of the clinical reference) and the observation
the protocol's (30–120 min); esketamine needs ≥ 120 min of observation (Spravato REMS
[46][47]). Nurse monitoring is not exclusive: one nurse may watch up to the location's
``chairs_per_nurse`` chairs at once (no published source sets this ratio [?]).

Series spacing (:func:`spacing_problems`) applies a protocol's minimum interval between
sessions, its maximum sessions in any 7 days and its course length limit (§1; e.g. six
infusions within 21 days, [1][2]).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Booking",
    "Fit",
    "Interval",
    "Minutes",
    "Problem",
    "SeriesSession",
    "SlotRequest",
    "StaffMember",
    "candidate_starts",
    "fit_slot",
    "find_slots",
    "local_instant",
    "local_windows",
    "merge",
    "propose_series",
    "series_targets",
    "spacing_problems",
    "subtract",
]

UTC = dt.UTC


def _require_aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span of time ``[start, end)`` between two aware datetimes."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end < self.start:
            raise ValueError(f"Interval ends before it starts: {self.start} – {self.end}")

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of intervals; touching intervals join."""
    out: list[Interval] = []
    for iv in sorted(intervals):
        if iv.end <= iv.start:
            continue
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def subtract(intervals: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """The parts of ``intervals`` not covered by ``remove`` (both unions), sorted."""
    result: list[Interval] = []
    cuts = merge(remove)
    for iv in merge(intervals):
        start = iv.start
        for cut in cuts:
            if cut.end <= start or cut.start >= iv.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
            if start >= iv.end:
                break
        if start < iv.end:
            result.append(Interval(start, iv.end))
    return result


def local_instant(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant a wall clock in ``tz`` shows ``at`` on ``day``, in UTC.

    A time skipped by a spring-forward change (02:30 on that day in most US zones) is moved
    forward by the gap, as a wall clock would show it; an ambiguous autumn time is the first
    of the two (``fold=0``).
    """
    return dt.datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


def local_windows(
    day: dt.date, blocks: Sequence[tuple[dt.time, dt.time]], tz: dt.tzinfo
) -> list[Interval]:
    """Opening blocks of one local day (e.g. business hours) as instants."""
    return merge(
        Interval(local_instant(day, start, tz), local_instant(day, end, tz))
        for start, end in blocks
        if end > start
    )


def candidate_starts(
    window: Interval, step_min: int, tz: dt.tzinfo, not_before: dt.datetime | None = None
) -> list[dt.datetime]:
    """Start times within ``window`` on a local grid of ``step_min`` minutes.

    The grid is anchored at local midnight of the window's first day, so the offered times
    read 09:00, 09:15, … in the location's zone whatever the UTC offset of the day.
    """
    if step_min <= 0:
        raise ValueError("step_min must be positive")
    local_start = window.start.astimezone(tz)
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes_in = (local_start - midnight).total_seconds() / 60
    first = int(-(-minutes_in // step_min)) * step_min  # ceiling to the grid
    starts: list[dt.datetime] = []
    wall = midnight.replace(tzinfo=None) + dt.timedelta(minutes=first)
    while True:
        instant = wall.replace(tzinfo=tz).astimezone(UTC)
        if instant >= window.end:
            break
        if (
            instant >= window.start
            and (not_before is None or instant >= not_before)
            and (not starts or instant > starts[-1])
        ):
            starts.append(instant)
        wall += dt.timedelta(minutes=step_min)
    return starts


@dataclass(frozen=True)
class Minutes:
    """How long an appointment holds the patient, the chair and the staff member (minutes)."""

    prep_min: int = 0
    treatment_min: int = 0
    observation_min: int = 0
    turnover_min: int = 0
    travel_min: int = 0

    def __post_init__(self) -> None:
        for name in ("prep_min", "treatment_min", "observation_min", "turnover_min", "travel_min"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of minutes ≥ 0, got {value!r}")
        if self.patient_min <= 0:
            raise ValueError("An appointment must last at least one minute.")

    @property
    def patient_min(self) -> int:
        """Minutes the patient is there: preparation + treatment + observation."""
        return self.prep_min + self.treatment_min + self.observation_min

    @property
    def lead_min(self) -> int:
        """Minutes the chair and staff are held before the patient's start (travel)."""
        return self.travel_min

    @property
    def tail_min(self) -> int:
        """Minutes held after the patient leaves (turnover, travel back)."""
        return self.turnover_min + self.travel_min

    @property
    def chair_min(self) -> int:
        """Total minutes of occupancy."""
        return self.lead_min + self.patient_min + self.tail_min

    def shape(self, service_start: dt.datetime) -> tuple[Interval, Interval]:
        """(occupancy, patient time) of an appointment whose patient starts at ``service_start``."""
        patient = Interval(service_start, service_start + dt.timedelta(minutes=self.patient_min))
        occupancy = Interval(
            service_start - dt.timedelta(minutes=self.lead_min),
            patient.end + dt.timedelta(minutes=self.tail_min),
        )
        return occupancy, patient


@dataclass(frozen=True)
class Booking:
    """An existing active appointment, as the arithmetic sees it."""

    occupancy: Interval
    patient_time: Interval
    chair_id: int | None = None
    staff_id: int | None = None
    staff_exclusive: bool = True
    patient_id: int | None = None
    ref: int | None = None  # the appointment's id, to ignore itself when moving


@dataclass(frozen=True)
class StaffMember:
    """A staff member who may take the appointment, with when they work (shifts − time off)."""

    staff_id: int
    windows: tuple[Interval, ...]


@dataclass(frozen=True)
class Problem:
    """Why a start time does not work: a rule key, whether it is a conflict (409) and words."""

    rule: str
    message: str
    conflict: bool = False
    subject: str = ""  # "chair", "staff" or "patient" for conflicts


@dataclass(frozen=True)
class Fit:
    """A start time that works, with the chair and staff member it would take."""

    service_start: dt.datetime
    occupancy: Interval
    patient_time: Interval
    chair_id: int | None
    staff_id: int | None


@dataclass(frozen=True)
class SlotRequest:
    """Everything :func:`fit_slot` needs besides the existing bookings.

    ``open_windows``: opening hours minus closures (the patient's time must fit in one).
    ``chair_ids``: chairs that may be used, in preference order; empty with
    ``needs_chair=False`` for calls. ``staff``: who may take it, in preference order.
    ``physician_windows``: when a physician is available (on site or on call), needed only
    with ``needs_physician``. ``chairs_per_nurse``: the monitoring limit for non-exclusive
    staff. ``patient_id``: whose appointment (None for a website lead).
    """

    minutes: Minutes
    open_windows: tuple[Interval, ...]
    chair_ids: tuple[int, ...] = ()
    needs_chair: bool = False
    staff: tuple[StaffMember, ...] = ()
    needs_staff: bool = True
    staff_exclusive: bool = True
    chairs_per_nurse: int = 2
    needs_physician: bool = False
    physician_windows: tuple[Interval, ...] = ()
    patient_id: int | None = None
    ignore_ref: int | None = None


class _Lane:
    """One chair's, staff member's or patient's bookings, sorted by start, for bisecting."""

    __slots__ = ("bookings", "longest", "starts")

    def __init__(self) -> None:
        self.bookings: list[Booking] = []
        self.starts: list[dt.datetime] = []
        self.longest = dt.timedelta(0)

    def add(self, booking: Booking) -> None:
        at = bisect.bisect_right(self.starts, booking.occupancy.start)
        self.starts.insert(at, booking.occupancy.start)
        self.bookings.insert(at, booking)
        self.longest = max(self.longest, booking.occupancy.end - booking.occupancy.start)

    def overlapping(self, span: Interval, *, patient: bool = False) -> list[Booking]:
        # Only bookings starting before span.end and no longer than the longest one
        # before span.start can overlap: two bisections bound the scan.
        lo = bisect.bisect_left(self.starts, span.start - self.longest)
        hi = bisect.bisect_left(self.starts, span.end)
        out = []
        for b in self.bookings[lo:hi]:
            other = b.patient_time if patient else b.occupancy
            if other.overlaps(span):
                out.append(b)
        return out


_EMPTY_LANE = _Lane()


class _Index:
    """Existing bookings indexed by chair, staff and patient for fast overlap queries."""

    def __init__(self, bookings: Iterable[Booking], ignore_ref: int | None) -> None:
        self.by_chair: dict[int, _Lane] = {}
        self.by_staff: dict[int, _Lane] = {}
        self.by_patient: dict[int, _Lane] = {}
        self.ignore_ref = ignore_ref
        for b in sorted(bookings, key=lambda b: b.occupancy.start):
            self.add(b)

    def add(self, b: Booking) -> None:
        if self.ignore_ref is not None and b.ref == self.ignore_ref:
            return
        if b.chair_id is not None:
            self.by_chair.setdefault(b.chair_id, _Lane()).add(b)
        if b.staff_id is not None:
            self.by_staff.setdefault(b.staff_id, _Lane()).add(b)
        if b.patient_id is not None:
            self.by_patient.setdefault(b.patient_id, _Lane()).add(b)

    def chair(self, chair_id: int) -> _Lane:
        return self.by_chair.get(chair_id, _EMPTY_LANE)

    def staff(self, staff_id: int) -> _Lane:
        return self.by_staff.get(staff_id, _EMPTY_LANE)

    def patient(self, patient_id: int) -> _Lane:
        return self.by_patient.get(patient_id, _EMPTY_LANE)


def _max_concurrent(bookings: Sequence[Booking], span: Interval) -> int:
    """The largest number of ``bookings`` overlapping at any instant within ``span``."""
    events: list[tuple[dt.datetime, int]] = []
    for b in bookings:
        start = max(b.occupancy.start, span.start)
        end = min(b.occupancy.end, span.end)
        if start < end:
            events.append((start, 1))
            events.append((end, -1))
    events.sort(key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, delta in events:
        level += delta
        peak = max(peak, level)
    return peak


def _fmt(instant: dt.datetime, tz: dt.tzinfo | None) -> str:
    return instant.astimezone(tz or UTC).strftime("%H:%M")


def fit_slot(
    request: SlotRequest,
    service_start: dt.datetime,
    bookings: Iterable[Booking] | _Index,
    tz: dt.tzinfo | None = None,
) -> Fit | list[Problem]:
    """Whether an appointment can start at ``service_start``: a :class:`Fit` or the problems.

    Checks, in order: opening hours and closures (rule ``outside_hours``), the patient's own
    appointments (conflict, subject ``patient``), a physician's availability
    (``no_physician``), a free chair (conflict ``chair``; ``no_chair`` when none is
    equipped), a staff member on shift (``no_staff_on_shift``) and free — exclusive staff
    have no other booking; monitoring staff have no exclusive booking and fewer than
    ``chairs_per_nurse`` monitored ones at every instant (conflict ``staff``).
    """
    _require_aware("service_start", service_start)
    index = bookings if isinstance(bookings, _Index) else _Index(bookings, request.ignore_ref)
    occupancy, patient_time = request.minutes.shape(service_start)
    problems: list[Problem] = []
    if not any(w.contains(patient_time) for w in request.open_windows):
        return [
            Problem(
                "outside_hours",
                f"{_fmt(patient_time.start, tz)}–{_fmt(patient_time.end, tz)} is not within"
                " the location's opening hours (or the location is closed that day).",
            )
        ]
    if request.patient_id is not None:
        clash = index.patient(request.patient_id).overlapping(patient_time, patient=True)
        if clash:
            problems.append(
                Problem(
                    "patient_busy",
                    "The patient already has an appointment at "
                    f"{_fmt(clash[0].patient_time.start, tz)}.",
                    conflict=True,
                    subject="patient",
                )
            )
            return problems
    if request.needs_physician and not any(
        w.contains(patient_time) for w in request.physician_windows
    ):
        return [
            Problem(
                "no_physician",
                "No physician is on shift (on site or on call, as the location's staffing rule"
                " says) for the whole appointment.",
            )
        ]
    chair_id: int | None = None
    if request.needs_chair:
        if not request.chair_ids:
            return [Problem("no_chair", "No chair at this location is equipped for this.")]
        for candidate in request.chair_ids:
            if not index.chair(candidate).overlapping(occupancy):
                chair_id = candidate
                break
        if chair_id is None:
            return [
                Problem(
                    "chair_busy",
                    "No chair is free at that time.",
                    conflict=True,
                    subject="chair",
                )
            ]
    staff_id: int | None = None
    if request.needs_staff:
        on_shift = [m for m in request.staff if any(w.contains(occupancy) for w in m.windows)]
        if not on_shift:
            return [
                Problem(
                    "no_staff_on_shift",
                    "Nobody who can take this appointment is on shift for the whole of it.",
                )
            ]
        for member in on_shift:
            theirs = index.staff(member.staff_id).overlapping(occupancy)
            if request.staff_exclusive:
                if theirs:
                    continue
            else:
                if any(b.staff_exclusive for b in theirs):
                    continue
                if _max_concurrent(theirs, occupancy) >= request.chairs_per_nurse:
                    continue
            staff_id = member.staff_id
            break
        if staff_id is None:
            chairs = (
                "1 chair"
                if request.chairs_per_nurse == 1
                else (f"{request.chairs_per_nurse} chairs")
            )
            message = (
                "Everyone who can take this appointment is busy at that time."
                if request.staff_exclusive
                else f"Every nurse on shift already monitors {chairs} at that time (the"
                " location's ratio)."
            )
            return [Problem("staff_busy", message, conflict=True, subject="staff")]
    return Fit(service_start, occupancy, patient_time, chair_id, staff_id)


def find_slots(
    request: SlotRequest,
    bookings: Iterable[Booking] | _Index,
    start: dt.datetime,
    end: dt.datetime,
    step_min: int,
    tz: dt.tzinfo,
    limit: int | None = None,
    not_before: dt.datetime | None = None,
) -> list[Fit]:
    """Every start time on the local ``step_min`` grid in ``[start, end)`` that fits.

    Shape: a list of :class:`Fit` in time order (one per start time: the first free chair
    and staff member in preference order), at most ``limit``.
    """
    _require_aware("start", start)
    _require_aware("end", end)
    index = bookings if isinstance(bookings, _Index) else _Index(bookings, request.ignore_ref)
    span = Interval(start, max(start, end))
    fits: list[Fit] = []
    patient_min = dt.timedelta(minutes=request.minutes.patient_min)
    for window in request.open_windows:
        if not window.overlaps(span):
            continue
        clipped = Interval(max(window.start, span.start), min(window.end, span.end))
        latest = window.end - patient_min
        for instant in candidate_starts(clipped, step_min, tz, not_before):
            if instant > latest:
                break
            result = fit_slot(request, instant, index, tz)
            if isinstance(result, Fit):
                fits.append(result)
                if limit is not None and len(fits) >= limit:
                    return fits
    return fits


def spacing_problems(
    starts: Sequence[dt.datetime],
    *,
    min_interval_h: int | None = None,
    max_per_7_days: int | None = None,
    course_max_days: int | None = None,
    tz: dt.tzinfo | None = None,
) -> list[Problem]:
    """The protocol's spacing rules a set of session starts breaks (empty when none).

    ``min_interval_h``: hours between consecutive sessions' starts (rule ``min_interval``);
    ``max_per_7_days``: sessions on any 7 consecutive calendar days (``max_per_7_days``);
    ``course_max_days``: first to last session day at most this many days apart
    (``course_length``). Calendar days are read in ``tz`` (default: each datetime's own
    zone), so a Monday/Wednesday/Friday series keeps 3 sessions a week across a
    daylight-saving change.
    """
    ordered = sorted(starts)
    problems: list[Problem] = []

    def day_of(instant: dt.datetime) -> dt.date:
        return (instant.astimezone(tz) if tz else instant).date()

    if min_interval_h:
        for a, b in zip(ordered, ordered[1:], strict=False):
            gap_h = (b - a).total_seconds() / 3600
            if gap_h < min_interval_h:
                problems.append(
                    Problem(
                        "min_interval",
                        f"Sessions on {day_of(a):%Y-%m-%d} and {day_of(b):%Y-%m-%d} are"
                        f" {gap_h:.0f} h apart; the protocol asks for at least"
                        f" {min_interval_h} h.",
                    )
                )
                break
    days = sorted(day_of(s) for s in ordered)
    if max_per_7_days:
        for i, first in enumerate(days):
            inside = bisect.bisect_left(days, first + dt.timedelta(days=7)) - i
            if inside > max_per_7_days:
                problems.append(
                    Problem(
                        "max_per_7_days",
                        f"{inside} sessions fall within the 7 days from {first:%Y-%m-%d}; the"
                        f" protocol allows at most {max_per_7_days}.",
                    )
                )
                break
    if course_max_days and len(days) > 1:
        span_days = (days[-1] - days[0]).days
        if span_days > course_max_days:
            problems.append(
                Problem(
                    "course_length",
                    f"The sessions span {span_days} days; the protocol keeps a course"
                    f" within {course_max_days} days.",
                )
            )
    return problems


def series_targets(first_day: dt.date, weekdays: Sequence[int], count: int) -> list[dt.date]:
    """The first ``count`` days from ``first_day`` on the given weekdays (0 = Monday)."""
    days = sorted({int(d) for d in weekdays})
    if not days or any(d < 0 or d > 6 for d in days):
        raise ValueError("Choose at least one weekday (0 = Monday … 6 = Sunday).")
    if count < 1:
        raise ValueError("A series has at least one session.")
    out: list[dt.date] = []
    day = first_day
    while len(out) < count:
        if day.weekday() in days:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class SeriesSession:
    """One session of a proposed series: the wanted time, the fit found, and alternatives."""

    index: int
    wanted: dt.datetime
    fit: Fit | None
    problems: tuple[Problem, ...] = ()
    alternatives: tuple[Fit, ...] = field(default_factory=tuple)


def propose_series(
    targets: Sequence[dt.date],
    local_time: dt.time,
    tz: dt.tzinfo,
    request_for_day: Callable[[dt.date], SlotRequest],
    bookings: Sequence[Booking],
    step_min: int,
    *,
    min_interval_h: int | None = None,
    max_per_7_days: int | None = None,
    alternatives: int = 3,
    search_days: int = 3,
    existing_starts: Sequence[dt.datetime] = (),
    not_before: dt.datetime | None = None,
) -> list[SeriesSession]:
    """Fit each target day at ``local_time``; where it does not fit, offer the nearest others.

    Sessions are placed in order; each placed one counts as a booking for the next, so the
    series never collides with itself. A missing slot gets up to ``alternatives`` fits,
    nearest in time first: other times that day, then days up to ``search_days`` either
    side, keeping ``min_interval_h`` from the sessions before and after and at most
    ``max_per_7_days`` sessions in any 7 days (``existing_starts``: the patient's sessions
    already booked, which count for both). Nothing before ``not_before`` is offered. The
    caller books only what the clinician confirms.
    """
    index = _Index(bookings, None)
    placed_starts: list[dt.datetime] = []
    sessions: list[SeriesSession] = []
    wanted_starts = [local_instant(day, local_time, tz) for day in targets]

    def spacing_ok(candidate: dt.datetime, index: int) -> bool:
        others = [*existing_starts, *placed_starts, *wanted_starts[index + 1 : index + 2]]
        return not spacing_problems(
            [*others, candidate],
            min_interval_h=min_interval_h,
            max_per_7_days=max_per_7_days,
            tz=tz,
        )

    for i, day in enumerate(targets):
        wanted = wanted_starts[i]
        request = request_for_day(day)
        too_early = not_before is not None and wanted < not_before
        result = (
            [Problem("in_the_past", "That time has already passed.")]
            if too_early
            else fit_slot(request, wanted, index, tz)
        )
        if isinstance(result, Fit) and spacing_ok(wanted, i):
            fit: Fit | None = result
            problems: tuple[Problem, ...] = ()
            options: tuple[Fit, ...] = ()
        else:
            fit = None
            problems = (
                tuple(result)
                if not isinstance(result, Fit)
                else tuple(
                    spacing_problems(
                        [*existing_starts, *placed_starts, wanted],
                        min_interval_h=min_interval_h,
                        max_per_7_days=max_per_7_days,
                        tz=tz,
                    )
                )
            )
            found: list[Fit] = []

            def distance(f: Fit, wanted: dt.datetime = wanted) -> float:
                return abs((f.service_start - wanted).total_seconds())

            # Days nearest first (0, −1, +1, −2, …); stop once the alternatives found are
            # nearer than anything a farther day could offer.
            for distance_days in range(search_days + 1):
                if len(found) >= alternatives and distance(found[alternatives - 1]) <= (
                    (distance_days - 1) * 86400
                ):
                    break
                for offset in {-distance_days, distance_days}:
                    other_day = day + dt.timedelta(days=offset)
                    other_request = request if offset == 0 else request_for_day(other_day)
                    day_start = local_instant(other_day, dt.time(0), tz)
                    day_end = local_instant(other_day + dt.timedelta(days=1), dt.time(0), tz)
                    for candidate in find_slots(
                        other_request,
                        index,
                        day_start,
                        day_end,
                        step_min,
                        tz,
                        not_before=not_before,
                    ):
                        if spacing_ok(candidate.service_start, i):
                            found.append(candidate)
                found.sort(key=distance)
            options = tuple(found[:alternatives])
        sessions.append(SeriesSession(i, wanted, fit, problems, options))
        if fit is not None:
            index.add(
                Booking(
                    fit.occupancy,
                    fit.patient_time,
                    fit.chair_id,
                    fit.staff_id,
                    request.staff_exclusive,
                    request.patient_id,
                )
            )
            placed_starts.append(fit.service_start)
    return sessions
