"""The scheduling section of the staff Today page: the clinic's day, for each role what it acts on.

``today_section(user=, now=)`` returns, for the user's organization and today in each
location's own time zone: the appointments by chair and time, who is expected and who has
arrived, who is late, and the next free chair for a ketamine infusion. The Today page
(``today/views.py``) composes it with the other apps' sections; this module never imports
the page.

Who sees what (``ScheduleToday.show_*``): the front desk acts on arrivals, late patients
and the next free chair; nurses and providers on the chairs; physicians on their own
appointments and the chair time that needs a physician available; the clinic admin sees
everything. The questionnaire and booster rows come from other sections (a clean place is
left in the template: ``today/today.html``).

Queries: a fixed number whatever the number of appointments (locations, appointments,
chairs, the infusion type, and the booking engine's reads for each location's next free
chair).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role, can
from infusionist.clinics.models import Chair, Location, Organization
from infusionist.lib.scheduling import local_instant
from infusionist.patients.models import Patient
from infusionist.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType
from infusionist.scheduling.selectors import available_slots
from infusionist.scheduling.services import ARRIVE_EARLIEST_BEFORE

#: A patient not arrived this many minutes after their start is listed as late. An
#: operational choice of the Today page (no published source [?]); the model keeps no
#: per-clinic setting for it, so the grace is the same in every clinic.
LATE_AFTER_MIN = 10
#: Kinds held by phone or video: listed as calls, never as arrivals.
REMOTE_KINDS = frozenset(
    {AppointmentType.Kind.FREE_CONSULTATION, AppointmentType.Kind.TELEHEALTH_CONSULT}
)

#: Statuses of a patient who is expected and has not arrived yet.
EXPECTED_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)
#: Statuses of a patient who is in the clinic.
HERE_STATUSES = (Appointment.Status.ARRIVED, Appointment.Status.IN_PROGRESS)


@dataclass(frozen=True)
class LateRow:
    appointment: Appointment
    minutes_late: int


@dataclass(frozen=True)
class ChairRow:
    """One chair of a location and its appointments today, in time order."""

    chair: Chair
    appointments: list[Appointment]


@dataclass(frozen=True)
class NextFreeChair:
    """The first free chair for the infusion type from now, at one location (or none today)."""

    appointment_type: AppointmentType
    service_starts_at: dt.datetime | None
    chair: Chair | None
    chair_min: int


@dataclass
class LocationDay:
    """One location's day: its zone, chairs, arrivals, late patients, next free chair."""

    location: Location
    day: dt.date
    chair_rows: list[ChairRow] = field(default_factory=list)
    #: Appointments that hold no chair (calls, consultations, visits in an office).
    without_chair: list[Appointment] = field(default_factory=list)
    expected: list[Appointment] = field(default_factory=list)
    here: list[Appointment] = field(default_factory=list)
    late: list[LateRow] = field(default_factory=list)
    #: Phone calls and video visits: nobody arrives for them, so they are not arrivals.
    calls: list[Appointment] = field(default_factory=list)
    next_free: NextFreeChair | None = None

    @property
    def appointment_count(self) -> int:
        return sum(len(r.appointments) for r in self.chair_rows) + len(self.without_chair)


@dataclass
class ScheduleToday:
    """The scheduling section of Today for one user (empty lists for what they do not see)."""

    show_chairs: bool
    show_arrivals: bool
    show_mine: bool
    locations: list[LocationDay]
    #: The user's own appointments today (a physician's or provider's consultations).
    mine: list[Appointment]
    #: Chair time today that needs a physician available (for physicians).
    needs_physician: list[Appointment]
    late_after_min: int = LATE_AFTER_MIN
    #: Patients starting before this instant may be marked arrived (services.mark_problem).
    arrive_before: dt.datetime | None = None

    @property
    def shown(self) -> bool:
        return self.show_chairs or self.show_arrivals or self.show_mine

    def patients(self) -> list[Patient]:
        """Every patient the section lists to this user (for the audit of the page)."""
        seen: dict[int, Patient] = {}
        rows: list[Appointment] = [*self.mine, *self.needs_physician]
        for day in self.locations:
            if self.show_chairs:
                for row in day.chair_rows:
                    rows.extend(row.appointments)
                rows.extend(day.without_chair)
            if self.show_arrivals:
                rows.extend(day.expected)
                rows.extend(day.here)
                rows.extend(day.calls)
                rows.extend(late.appointment for late in day.late)
        for appointment in rows:
            if appointment.patient is not None:
                seen.setdefault(appointment.patient.pk, appointment.patient)
        return list(seen.values())


def _day_bounds(location: Location, now: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The location's local date and the instants its day starts and ends (DST-aware)."""
    tz = location.tzinfo
    day = now.astimezone(tz).date()
    start = local_instant(day, dt.time(0), tz)
    end = local_instant(day + dt.timedelta(days=1), dt.time(0), tz)
    return day, start, end


def today_section(*, user: User, now: dt.datetime | None = None) -> ScheduleToday:
    """Return the scheduling section of Today for ``user`` at ``now``.

    Shape: :class:`ScheduleToday`, one :class:`LocationDay` per location of the user's
    organization (primary first), each with its chairs (every active chair, appointments in
    time order), the appointments without a chair, who is expected (booked or confirmed,
    not late), who is here (arrived or in the chair), who is late (expected and more than
    :data:`LATE_AFTER_MIN` minutes past their start) and the next free chair for the first
    active ketamine infusion type from now until the end of the local day (None without
    such a type). Cancelled, completed and missed appointments are left out. A user without
    ``schedule.view`` gets an empty section.
    """
    now = now or timezone.now()
    role = user.role
    show_chairs = role in (Role.NURSE, Role.PROVIDER, Role.CLINIC_ADMIN)
    show_arrivals = role in (Role.FRONT_DESK, Role.CLINIC_ADMIN)
    show_mine = role in (Role.PROVIDER, Role.PHYSICIAN)
    empty = ScheduleToday(False, False, False, [], [], [])
    organization = user.organization
    if organization is None or not can(user, "schedule.view"):
        return empty
    locations = list(
        Location.objects.filter(organization=organization).order_by("-is_primary", "name", "id")
    )
    if not locations:
        return ScheduleToday(show_chairs, show_arrivals, show_mine, [], [], [])
    bounds = {loc.pk: _day_bounds(loc, now) for loc in locations}
    earliest = min(start for _day, start, _end in bounds.values())
    latest = max(end for _day, _start, end in bounds.values())
    appointments = list(
        Appointment.objects.filter(
            organization=organization,
            status__in=ACTIVE_STATUSES,
            service_starts_at__lt=latest,
            service_ends_at__gt=earliest,
        )
        .select_related(
            "appointment_type", "patient", "chair", "chair__room", "staff", "series", "location"
        )
        .order_by("service_starts_at", "id")
    )
    chairs = list(
        Chair.objects.filter(
            room__location__organization=organization, is_active=True, room__is_active=True
        )
        .select_related("room")
        .order_by("room__name", "name", "id")
    )
    days: list[LocationDay] = []
    late_after = dt.timedelta(minutes=LATE_AFTER_MIN)
    for location in locations:
        day, start, end = bounds[location.pk]
        here_today = [
            a
            for a in appointments
            if a.location_id == location.pk
            and a.service_starts_at < end
            and a.service_ends_at > start
        ]
        by_chair: dict[int, list[Appointment]] = {}
        entry = LocationDay(location=location, day=day)
        for appointment in here_today:
            if appointment.chair_id is None:
                entry.without_chair.append(appointment)
            else:
                by_chair.setdefault(appointment.chair_id, []).append(appointment)
            if appointment.appointment_type.kind in REMOTE_KINDS:
                entry.calls.append(appointment)
            elif appointment.status in HERE_STATUSES:
                entry.here.append(appointment)
            elif appointment.service_starts_at + late_after < now:
                minutes = int((now - appointment.service_starts_at).total_seconds() // 60)
                entry.late.append(LateRow(appointment, minutes))
            else:
                entry.expected.append(appointment)
        entry.chair_rows = [
            ChairRow(chair, by_chair.get(chair.pk, []))
            for chair in chairs
            if chair.room.location_id == location.pk
        ]
        days.append(entry)
    if show_chairs or show_arrivals:
        _next_free_chairs(organization=organization, days=days, now=now, bounds=bounds)
    mine = [a for a in appointments if a.staff_id == user.pk] if show_mine else []
    needs_physician = (
        [a for a in appointments if a.appointment_type.needs_physician_available]
        if role == Role.PHYSICIAN
        else []
    )
    return ScheduleToday(
        show_chairs,
        show_arrivals,
        show_mine,
        days,
        mine,
        needs_physician,
        arrive_before=now + ARRIVE_EARLIEST_BEFORE,
    )


def _next_free_chairs(
    *,
    organization: Organization,
    days: list[LocationDay],
    now: dt.datetime,
    bounds: dict[int, tuple[dt.date, dt.datetime, dt.datetime]],
) -> None:
    """Fill each location's next free chair for the clinic's ketamine infusion type."""
    infusion = (
        AppointmentType.objects.filter(
            organization=organization,
            kind=AppointmentType.Kind.KETAMINE_INFUSION,
            is_active=True,
            protocol__isnull=False,
        )
        .select_related("protocol")
        .order_by("name", "id")
        .first()
    )
    if infusion is None:
        return
    chairs = {row.chair.pk: row.chair for day in days for row in day.chair_rows}
    for entry in days:
        _day, _start, end = bounds[entry.location.pk]
        if not any(
            infusion.chair_capability in (row.chair.capabilities or []) for row in entry.chair_rows
        ):
            continue
        slots = available_slots(
            organization=organization,
            appointment_type=infusion,
            location=entry.location,
            start=now,
            end=end,
            limit=1,
            now=now,
        )
        slot = slots[0] if slots else None
        entry.next_free = NextFreeChair(
            appointment_type=infusion,
            service_starts_at=slot.service_start if slot else None,
            chair=chairs.get(slot.chair_id) if slot and slot.chair_id else None,
            chair_min=(
                int((slot.occupancy.end - slot.occupancy.start).total_seconds() // 60)
                if slot
                else 0
            ),
        )
