"""The staff calendar's layout: lanes (chairs or staff), appointment blocks and bands.

Plain arithmetic over rows already loaded (no queries): the views hand in the location's
appointments, chairs, shifts, time off and opening hours, and the templates draw what
comes back. Times are read in the location's zone; a block's position is minutes from the
top of the day's grid times :data:`PX_PER_MIN`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from infusionist.scheduling.models import Appointment

#: Vertical scale of the day grid: 2 px a minute (a 15-minute call is 30 px tall).
PX_PER_MIN = 2
#: The grid shown when nothing is open, on shift or booked (local hours).
DEFAULT_DAY = (8, 18)

STATUS_PILL = {
    Appointment.Status.BOOKED: "pill-muted",
    Appointment.Status.CONFIRMED: "pill-ok",
    Appointment.Status.ARRIVED: "pill-warn",
    Appointment.Status.IN_PROGRESS: "pill-warn",
    Appointment.Status.COMPLETED: "pill-ok",
    Appointment.Status.NO_SHOW: "pill-danger",
    Appointment.Status.CANCELLED: "pill-muted",
}


def hhmm(instant: dt.datetime, tz: dt.tzinfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def who(appointment: Appointment) -> tuple[str, bool]:
    """The name shown for an appointment and whether it is a website lead (no record yet)."""
    if appointment.patient_id is not None and appointment.patient is not None:
        return appointment.patient.display_name, False
    return appointment.contact_name, True


def series_position(appointment: Appointment) -> str:
    """ "3 of 6" for a series session, else ""."""
    if appointment.series_id is None or appointment.series_index is None:
        return ""
    total = appointment.series.session_count if appointment.series else 0
    return _("%(index)s of %(total)s") % {"index": appointment.series_index, "total": total}


@dataclass
class Chip:
    """One appointment as the calendar shows it."""

    appointment: Appointment
    time_range: str
    held_range: str
    type_name: str
    name: str
    is_lead: bool
    status: str
    status_label: str
    pill: str
    series: str
    # Day grid placement (patient time, and the chair/staff-held time behind it).
    top: int = 0
    height: int = 0
    held_top: int = 0
    held_height: int = 0
    col: int = 0
    cols: int = 1

    @property
    def left_pct(self) -> float:
        return round(100 * self.col / self.cols, 2)

    @property
    def width_pct(self) -> float:
        return round(100 / self.cols, 2)


def chip(appointment: Appointment, tz: dt.tzinfo) -> Chip:
    name, lead = who(appointment)
    return Chip(
        appointment=appointment,
        time_range=(
            f"{hhmm(appointment.service_starts_at, tz)}–{hhmm(appointment.service_ends_at, tz)}"
        ),
        held_range=f"{hhmm(appointment.starts_at, tz)}–{hhmm(appointment.ends_at, tz)}",
        type_name=appointment.appointment_type.name,
        name=name,
        is_lead=lead,
        status=appointment.status,
        status_label=appointment.get_status_display(),
        pill=STATUS_PILL.get(Appointment.Status(appointment.status), "pill-muted"),
        series=series_position(appointment),
    )


@dataclass
class Band:
    """A background stretch of a lane: shift hours, time off."""

    kind: str
    label: str
    top: int
    height: int


@dataclass
class Lane:
    key: str
    title: str
    subtitle: str = ""
    chips: list[Chip] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    # Week view: one list of chips and one note (shift hours, time off) per day.
    days: list[list[Chip]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[tuple[str, list[Chip]]]:
        """Week view: (note, chips) for each day."""
        return list(zip(self.notes, self.days, strict=True))


@dataclass
class DayGrid:
    day: dt.date
    lanes: list[Lane]
    hours: list[tuple[str, int]]
    height: int


@dataclass
class WeekTable:
    days: list[dt.date]
    lanes: list[Lane]


def _minutes(instant: dt.datetime, day: dt.date, tz: dt.tzinfo) -> int:
    """Minutes from ``day``'s local midnight to ``instant`` (clamped to the day)."""
    local = instant.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute


def _pack(chips: list[Chip]) -> None:
    """Give overlapping chips side-by-side columns (greedy, per cluster)."""
    ordered = sorted(chips, key=lambda c: (c.held_top, c.top))
    cluster: list[Chip] = []
    cluster_end = -1
    ends: list[int] = []

    def close() -> None:
        for c in cluster:
            c.cols = max(len(ends), 1)

    for c in ordered:
        start, end = min(c.held_top, c.top), max(c.held_top + c.held_height, c.top + c.height)
        if cluster and start >= cluster_end:
            close()
            cluster, ends = [], []
        for i, last in enumerate(ends):
            if last <= start:
                c.col, ends[i] = i, end
                break
        else:
            c.col = len(ends)
            ends.append(end)
        cluster.append(c)
        cluster_end = max(cluster_end, end)
    close()


def _shift_applies(shift: Any, day: dt.date) -> bool:
    if shift.weekday != day.weekday():
        return False
    if shift.valid_from is not None and day < shift.valid_from:
        return False
    return not (shift.valid_until is not None and day > shift.valid_until)


def _lanes(
    by: str,
    appointments: Sequence[Appointment],
    chairs: Sequence[Any],
    shifts: Sequence[Any],
    days: Sequence[dt.date],
) -> tuple[list[Lane], dict[int | None, Lane]]:
    """The lanes and which lane each appointment goes to (by chair id or staff id)."""
    lanes: list[Lane] = []
    index: dict[int | None, Lane] = {}
    if by == "staff":
        for shift in shifts:
            if shift.staff_id in index or not any(_shift_applies(shift, d) for d in days):
                continue
            lane = Lane(
                key=f"staff-{shift.staff_id}",
                title=shift.staff.display_name,
                subtitle=shift.staff.get_role_display(),
            )
            index[shift.staff_id] = lane
            lanes.append(lane)
        for a in appointments:
            if a.staff_id is not None and a.staff_id not in index:
                lane = Lane(
                    key=f"staff-{a.staff_id}",
                    title=a.staff.display_name if a.staff else "",
                    subtitle=_("not on shift here"),
                )
                index[a.staff_id] = lane
                lanes.append(lane)
        if any(a.staff_id is None for a in appointments):
            index[None] = Lane(key="staff-none", title=_("No staff member"))
            lanes.append(index[None])
        return lanes, index
    for chair in chairs:
        lane = Lane(key=f"chair-{chair.pk}", title=chair.name, subtitle=chair.room.name)
        index[chair.pk] = lane
        lanes.append(lane)
    for a in appointments:
        if a.chair_id is not None and a.chair_id not in index:
            lane = Lane(
                key=f"chair-{a.chair_id}",
                title=a.chair.name if a.chair else "",
                subtitle=a.chair.room.name if a.chair else "",
            )
            index[a.chair_id] = lane
            lanes.append(lane)
    index[None] = Lane(
        key="chair-none", title=_("No chair"), subtitle=_("calls, consultations, visits")
    )
    lanes.append(index[None])
    return lanes, index


def _key(by: str, appointment: Appointment) -> int | None:
    return appointment.staff_id if by == "staff" else appointment.chair_id


def day_grid(
    *,
    day: dt.date,
    tz: dt.tzinfo,
    by: str,
    appointments: Iterable[Appointment],
    chairs: Sequence[Any],
    shifts: Sequence[Any],
    time_off: Sequence[Any],
    hours: Sequence[Any],
) -> DayGrid:
    """Lay one day out: lanes with blocks placed by time, shift and time-off bands."""
    items = list(appointments)
    lanes, index = _lanes(by, items, chairs, shifts, [day])
    chips: list[tuple[Chip, Lane]] = []
    marks: list[int] = []
    for h in hours:
        if h.weekday == day.weekday():
            marks += [h.opens_at.hour * 60 + h.opens_at.minute, h.closes_at.hour * 60]
            marks[-1] += h.closes_at.minute
    day_shifts = [s for s in shifts if _shift_applies(s, day)]
    for s in day_shifts:
        marks += [
            s.starts_at.hour * 60 + s.starts_at.minute,
            s.ends_at.hour * 60 + s.ends_at.minute,
        ]
    for a in items:
        c = chip(a, tz)
        chips.append((c, index[_key(by, a)]))
        marks += [_minutes(a.starts_at, day, tz), _minutes(a.ends_at, day, tz)]
    first = (min(marks) // 60) * 60 if marks else DEFAULT_DAY[0] * 60
    last = -(-max(marks) // 60) * 60 if marks else DEFAULT_DAY[1] * 60
    first, last = min(first, DEFAULT_DAY[0] * 60), max(last, first + 60)

    def y(minutes: int) -> int:
        return (max(first, min(minutes, last)) - first) * PX_PER_MIN

    for c, lane in chips:
        a = c.appointment
        s, e = _minutes(a.service_starts_at, day, tz), _minutes(a.service_ends_at, day, tz)
        hs, he = _minutes(a.starts_at, day, tz), _minutes(a.ends_at, day, tz)
        c.top, c.height = y(s), max(y(e) - y(s), 15 * PX_PER_MIN)
        c.held_top, c.held_height = y(hs), max(y(he) - y(hs), c.height)
        lane.chips.append(c)
    if by == "staff":
        off_by_staff: dict[int, list[Any]] = {}
        for off in time_off:
            off_by_staff.setdefault(off.staff_id, []).append(off)
        for s in day_shifts:
            found = index.get(s.staff_id)
            if found is None:
                continue
            lane = found
            start = s.starts_at.hour * 60 + s.starts_at.minute
            end = s.ends_at.hour * 60 + s.ends_at.minute
            label = f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}"
            lane.bands.append(Band("shift", label, y(start), y(end) - y(start)))
            lane.subtitle = f"{s.staff.get_role_display()} · {label}"
        for staff_id, offs in off_by_staff.items():
            found = index.get(staff_id)
            if found is None:
                continue
            lane = found
            for off in offs:
                start, end = _minutes(off.starts_at, day, tz), _minutes(off.ends_at, day, tz)
                if end <= start:
                    continue
                label = _("Time off: %(reason)s") % {"reason": off.reason}
                lane.bands.append(Band("off", label, y(start), y(end) - y(start)))
    for lane in lanes:
        _pack(lane.chips)
    hour_marks = [(f"{m // 60:02d}:00", y(m)) for m in range(first, last, 60)]
    return DayGrid(day=day, lanes=lanes, hours=hour_marks, height=y(last))


def week_table(
    *,
    days: Sequence[dt.date],
    tz: dt.tzinfo,
    by: str,
    appointments: Iterable[Appointment],
    chairs: Sequence[Any],
    shifts: Sequence[Any],
    time_off: Sequence[Any],
) -> WeekTable:
    """Lay a week out: a row per lane, a cell per day with that day's appointments."""
    items = list(appointments)
    lanes, index = _lanes(by, items, chairs, shifts, days)
    position = {d: i for i, d in enumerate(days)}
    for lane in lanes:
        lane.days = [[] for _d in days]
        lane.notes = ["" for _d in days]
    for a in items:
        i = position.get(a.service_starts_at.astimezone(tz).date())
        if i is not None:
            index[_key(by, a)].days[i].append(chip(a, tz))
    if by == "staff":
        for s in shifts:
            found = index.get(s.staff_id)
            if found is None:
                continue
            lane = found
            for i, d in enumerate(days):
                if _shift_applies(s, d):
                    note = f"{s.starts_at:%H:%M}–{s.ends_at:%H:%M}"
                    lane.notes[i] = f"{lane.notes[i]}, {note}" if lane.notes[i] else note
        for off in time_off:
            found = index.get(off.staff_id)
            if found is None:
                continue
            lane = found
            for i, d in enumerate(days):
                local_start = off.starts_at.astimezone(tz).date()
                local_end = (off.ends_at - dt.timedelta(seconds=1)).astimezone(tz).date()
                if local_start <= d <= local_end:
                    off_note = _("off: %(reason)s") % {"reason": off.reason}
                    lane.notes[i] = f"{lane.notes[i]} · {off_note}" if lane.notes[i] else off_note
    return WeekTable(days=list(days), lanes=lanes)
