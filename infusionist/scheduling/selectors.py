"""Reads for scheduling: settings, appointment minutes, open slots, the calendar's rows.

The arithmetic is :mod:`infusionist.lib.scheduling`; this module turns the clinic's rows
(hours, closures, chairs, staffing ratio, shifts, time off, active appointments) into its
plain values with a fixed number of queries whatever the number of appointments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import (
    BusinessHours,
    Chair,
    Closure,
    Location,
    LocationStaffing,
    Organization,
)
from infusionist.lib import scheduling as kernel
from infusionist.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentType,
    SchedulingSettings,
    StaffShift,
    StaffTimeOff,
)

#: Kinds that give a ketamine or esketamine dose: their minutes come from the protocol and
#: the protocol's spacing rules apply between a patient's sessions.
DOSING_KINDS = frozenset(
    {AppointmentType.Kind.KETAMINE_INFUSION, AppointmentType.Kind.ESKETAMINE_SESSION}
)
#: Kinds that use a treatment chair and its preparation and turnover minutes.
CHAIR_KINDS = DOSING_KINDS | {AppointmentType.Kind.IV_DRIP}

#: Esketamine: observe at least 2 hours after dosing (Spravato REMS [46][47]).
ESKETAMINE_MIN_OBSERVATION_MIN = 120

#: Which user roles may take an appointment booked "with" each staff role.
STAFF_ROLE_USERS: dict[str, frozenset[str]] = {
    AppointmentType.StaffRole.FRONT_DESK: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    AppointmentType.StaffRole.NURSE: frozenset({Role.NURSE, Role.PROVIDER}),
    AppointmentType.StaffRole.PRESCRIBER: frozenset({Role.PROVIDER, Role.PHYSICIAN}),
    AppointmentType.StaffRole.PHYSICIAN: frozenset({Role.PHYSICIAN}),
}

#: Only bookings within this many hours of a range can overlap it (the longest appointment).
_LONGEST_APPOINTMENT = dt.timedelta(hours=24)

Slot = kernel.Fit


def scheduling_settings_for(*, organization: Organization | int) -> SchedulingSettings:
    """The organization's booking rules (created with the defaults on first use)."""
    org_id = organization if isinstance(organization, int) else organization.pk
    found = SchedulingSettings.objects.filter(organization_id=org_id).first()
    if found is not None:
        return found
    obj, _ = SchedulingSettings.objects.get_or_create(
        organization_id=org_id,
        defaults={"reminder_offsets_h": list(SchedulingSettings.DEFAULT_REMINDER_OFFSETS_H)},
    )
    return obj


def appointment_minutes(
    *, appointment_type: AppointmentType, settings: SchedulingSettings
) -> kernel.Minutes:
    """How long an appointment of this type holds the patient, chair and staff (minutes).

    Infusions and esketamine sessions: chair preparation (clinic setting) + the protocol's
    treatment minutes (``duration_min``; intranasal has none, so the type's length) + the
    protocol's observation (esketamine at least 120 min, [46][47]) + chair turnover. IV
    drips: preparation + the type's length + its observation + turnover. Mobile visits: the
    type's length and observation, with its travel before and after. Others: the type's
    length.

    Raises ValueError when an infusion type has no protocol.
    """
    kind = appointment_type.kind
    if kind in DOSING_KINDS:
        protocol = appointment_type.protocol
        if protocol is None:
            raise ValueError(f"The appointment type {appointment_type.name!r} needs a protocol.")
        treatment = protocol.duration_min or appointment_type.service_min
        observation = protocol.observation_min
        if kind == AppointmentType.Kind.ESKETAMINE_SESSION:
            observation = max(observation, ESKETAMINE_MIN_OBSERVATION_MIN)
        return kernel.Minutes(
            prep_min=settings.chair_prep_min,
            treatment_min=int(treatment),
            observation_min=int(observation),
            turnover_min=settings.chair_turnover_min,
        )
    if kind in CHAIR_KINDS or appointment_type.chair_capability:
        return kernel.Minutes(
            prep_min=settings.chair_prep_min,
            treatment_min=appointment_type.service_min,
            observation_min=appointment_type.observation_min,
            turnover_min=settings.chair_turnover_min,
            travel_min=appointment_type.travel_buffer_min,
        )
    return kernel.Minutes(
        treatment_min=appointment_type.service_min,
        observation_min=appointment_type.observation_min,
        travel_min=appointment_type.travel_buffer_min,
    )


def appointment_types_for(
    *, organization: Organization, active_only: bool = True
) -> QuerySet[AppointmentType]:
    """The organization's appointment types with their protocols (one query)."""
    qs = AppointmentType.objects.filter(organization=organization).select_related("protocol")
    return qs.filter(is_active=True) if active_only else qs


def appointment_type_get(
    *, organization: Organization, type_id: int | None = None, key: str | None = None
) -> AppointmentType | None:
    """One of the organization's appointment types by id or key, or None."""
    qs = appointment_types_for(organization=organization, active_only=False)
    if type_id is not None:
        return qs.filter(pk=type_id).first()
    if key is not None:
        return qs.filter(key=key).first()
    return None


def _days(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> list[dt.date]:
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class BookingContext:
    """Everything the arithmetic needs for one type at one location over a time range."""

    request: kernel.SlotRequest
    bookings: tuple[kernel.Booking, ...]
    tz: dt.tzinfo
    settings: SchedulingSettings
    minutes: kernel.Minutes
    rule_problems: tuple[kernel.Problem, ...] = ()


def booking_context(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    start: dt.datetime,
    end: dt.datetime,
    patient_id: int | None = None,
    chair: Chair | None = None,
    staff_id: int | None = None,
    ignore_appointment_id: int | None = None,
    settings: SchedulingSettings | None = None,
) -> BookingContext:
    """Load the rows a booking decision over ``[start, end)`` needs (eight queries at most).

    A named ``chair`` or ``staff_id`` restricts the choice to it; a chair of another
    location or not equipped for the type, or a staff member who cannot take the type,
    comes back as a rule problem (``chair_location``, ``chair_capability``,
    ``staff_role``).
    """
    settings = settings or scheduling_settings_for(organization=organization)
    minutes = appointment_minutes(appointment_type=appointment_type, settings=settings)
    tz = location.tzinfo
    days = _days(start, end, tz)
    problems: list[kernel.Problem] = []

    # Opening hours minus closures.
    hours = list(BusinessHours.objects.filter(location=location))
    closures = list(
        Closure.objects.filter(location=location, ends_on__gte=days[0], starts_on__lte=days[-1])
    )
    open_windows: list[kernel.Interval] = []
    for day in days:
        if any(c.starts_on <= day <= c.ends_on for c in closures):
            continue
        blocks = [(h.opens_at, h.closes_at) for h in hours if h.weekday == day.weekday()]
        open_windows.extend(kernel.local_windows(day, blocks, tz))

    # Chairs equipped for the type.
    chair_ids: tuple[int, ...] = ()
    capability = appointment_type.chair_capability
    needs_chair = bool(capability)
    if needs_chair:
        chairs = [
            c
            for c in Chair.objects.filter(
                room__location=location, is_active=True, room__is_active=True
            ).order_by("room__name", "name", "id")
            if capability in (c.capabilities or [])
        ]
        chair_ids = tuple(c.pk for c in chairs)
        if chair is not None:
            if chair.pk in chair_ids:
                chair_ids = (chair.pk,)
            else:
                room_location = Chair.objects.filter(pk=chair.pk).values_list(
                    "room__location_id", flat=True
                )
                same_place = location.pk in list(room_location)
                problems.append(
                    kernel.Problem(
                        "chair_capability" if same_place else "chair_location",
                        f"{chair.name} is not equipped for {appointment_type.name}."
                        if same_place
                        else f"{chair.name} is not at {location.name}.",
                    )
                )
                chair_ids = ()

    staffing = LocationStaffing.objects.filter(location=location).first()
    chairs_per_nurse = staffing.chairs_per_nurse if staffing else 2
    on_call = bool(
        staffing
        and staffing.physician_availability == LocationStaffing.PhysicianAvailability.ON_CALL
    )

    # Shifts of whoever may take the type, and of physicians when one must be available.
    roles = set(STAFF_ROLE_USERS[appointment_type.staff_role])
    if appointment_type.needs_physician_available:
        roles.add(Role.PHYSICIAN)
    shift_rows = list(
        StaffShift.objects.filter(
            organization=organization,
            staff__is_active=True,
            staff__organization=organization,
            staff__role__in=roles,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=days[-1]))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=days[0]))
        .values(
            "staff_id",
            "staff__role",
            "location_id",
            "weekday",
            "starts_at",
            "ends_at",
            "valid_from",
            "valid_until",
        )
        .order_by("staff_id", "weekday", "starts_at")
    )
    staff_ids = sorted({r["staff_id"] for r in shift_rows})
    time_off: dict[int, list[kernel.Interval]] = {}
    if staff_ids:
        for off in StaffTimeOff.objects.filter(
            staff_id__in=staff_ids,
            ends_at__gt=start - _LONGEST_APPOINTMENT,
            starts_at__lt=end + _LONGEST_APPOINTMENT,
        ):
            time_off.setdefault(off.staff_id, []).append(
                kernel.Interval(off.starts_at, off.ends_at)
            )

    def windows(rows: Iterable[Any], staff: int) -> list[kernel.Interval]:
        found: list[kernel.Interval] = []
        for day in days:
            for r in rows:
                if r["weekday"] != day.weekday():
                    continue
                if r["valid_from"] is not None and day < r["valid_from"]:
                    continue
                if r["valid_until"] is not None and day > r["valid_until"]:
                    continue
                found.extend(kernel.local_windows(day, [(r["starts_at"], r["ends_at"])], tz))
        return kernel.subtract(found, time_off.get(staff, []))

    takers = STAFF_ROLE_USERS[appointment_type.staff_role]
    members: list[kernel.StaffMember] = []
    physician_windows: list[kernel.Interval] = []
    for sid in staff_ids:
        rows = [r for r in shift_rows if r["staff_id"] == sid]
        role = rows[0]["staff__role"]
        here = [r for r in rows if r["location_id"] == location.pk]
        if role in takers and here:
            members.append(kernel.StaffMember(sid, tuple(windows(here, sid))))
        if appointment_type.needs_physician_available and role == Role.PHYSICIAN:
            physician_windows.extend(windows(rows if on_call else here, sid))
    if staff_id is not None:
        named = [m for m in members if m.staff_id == staff_id]
        if not named:
            problems.append(
                kernel.Problem(
                    "staff_role",
                    "That staff member cannot take this appointment here (their role, or no"
                    " shift at this location).",
                )
            )
        members = named

    # Active appointments that could overlap: this location's, the candidate staff's
    # anywhere, and the patient's anywhere.
    around = Q(starts_at__lt=end + _LONGEST_APPOINTMENT, ends_at__gt=start - _LONGEST_APPOINTMENT)
    who = Q(location=location)
    if staff_ids:
        who |= Q(staff_id__in=staff_ids)
    if patient_id is not None:
        who |= Q(patient_id=patient_id)
    appointment_rows = (
        Appointment.objects.filter(organization=organization, status__in=ACTIVE_STATUSES)
        .filter(around)
        .filter(who)
        .values_list(
            "pk",
            "starts_at",
            "ends_at",
            "service_starts_at",
            "service_ends_at",
            "chair_id",
            "staff_id",
            "staff_exclusive",
            "patient_id",
        )
    )
    bookings = tuple(
        kernel.Booking(
            kernel.Interval(s, e),
            kernel.Interval(ss, se),
            chair_id,
            sid,
            exclusive,
            pid,
            ref=pk,
        )
        for pk, s, e, ss, se, chair_id, sid, exclusive, pid in appointment_rows
    )
    request = kernel.SlotRequest(
        minutes=minutes,
        open_windows=tuple(kernel.merge(open_windows)),
        chair_ids=chair_ids,
        needs_chair=needs_chair,
        staff=tuple(members),
        needs_staff=True,
        staff_exclusive=appointment_type.staff_exclusive,
        chairs_per_nurse=chairs_per_nurse,
        needs_physician=appointment_type.needs_physician_available,
        physician_windows=tuple(kernel.merge(physician_windows)),
        patient_id=patient_id,
        ignore_ref=ignore_appointment_id,
    )
    return BookingContext(request, bookings, tz, settings, minutes, tuple(problems))


def available_slots(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    start: dt.datetime,
    end: dt.datetime,
    patient_id: int | None = None,
    chair: Chair | None = None,
    staff_id: int | None = None,
    limit: int | None = None,
    for_patient: bool = False,
    now: dt.datetime | None = None,
    ignore_appointment_id: int | None = None,
) -> list[Slot]:
    """Open start times of ``appointment_type`` at ``location`` in ``[start, end)``.

    Shape: a list of :class:`infusionist.lib.scheduling.Fit` (``service_start``,
    ``patient_time``, ``occupancy``, ``chair_id``, ``staff_id``), in time order, on the
    clinic's slot grid in the location's local time; never in the past. ``for_patient``
    (website and portal) also keeps the clinic's minimum notice and booking horizon;
    ``ignore_appointment_id`` leaves that appointment out (when moving it). Raises
    ValueError for a naive datetime.
    """
    now = now or timezone.now()
    context = booking_context(
        organization=organization,
        appointment_type=appointment_type,
        location=location,
        start=start,
        end=end,
        patient_id=patient_id,
        chair=chair,
        staff_id=staff_id,
        ignore_appointment_id=ignore_appointment_id,
    )
    if context.rule_problems:
        return []
    not_before = now
    if for_patient:
        not_before = now + dt.timedelta(hours=context.settings.min_notice_h)
        end = min(end, now + dt.timedelta(days=context.settings.booking_horizon_days))
    return kernel.find_slots(
        context.request,
        context.bookings,
        start,
        end,
        context.settings.slot_step_min,
        context.tz,
        limit=limit,
        not_before=not_before,
    )


def appointments_between(
    *,
    organization: Organization,
    start: dt.datetime,
    end: dt.datetime,
    location: Location | None = None,
    staff_id: int | None = None,
    chair_id: int | None = None,
    patient_id: int | None = None,
    include_cancelled: bool = False,
) -> QuerySet[Appointment]:
    """Appointments whose patient time overlaps ``[start, end)``, in start order (one query)."""
    qs = Appointment.objects.filter(
        organization=organization, service_starts_at__lt=end, service_ends_at__gt=start
    ).select_related("appointment_type", "patient", "chair", "chair__room", "staff", "location")
    if not include_cancelled:
        qs = qs.exclude(status=Appointment.Status.CANCELLED)
    if location is not None:
        qs = qs.filter(location=location)
    if staff_id is not None:
        qs = qs.filter(staff_id=staff_id)
    if chair_id is not None:
        qs = qs.filter(chair_id=chair_id)
    if patient_id is not None:
        qs = qs.filter(patient_id=patient_id)
    return qs.order_by("service_starts_at", "id")


def appointment_get(*, organization: Organization, appointment_id: int) -> Appointment | None:
    """One of the organization's appointments with what its pages show, or None (404)."""
    return (
        Appointment.objects.filter(organization=organization, pk=appointment_id)
        .select_related("appointment_type", "patient", "chair", "chair__room", "staff", "location")
        .first()
    )


def patient_dosing_starts(
    *, patient_id: int, exclude_appointment_id: int | None = None
) -> list[dt.datetime]:
    """The starts of the patient's active infusion and esketamine appointments (one query)."""
    qs = Appointment.objects.filter(
        patient_id=patient_id,
        status__in=[*ACTIVE_STATUSES, Appointment.Status.COMPLETED],
        appointment_type__kind__in=DOSING_KINDS,
    )
    if exclude_appointment_id is not None:
        qs = qs.exclude(pk=exclude_appointment_id)
    return list(qs.values_list("service_starts_at", flat=True))


# --- reads for the staff calendar and appointment pages (added by the calendar pages) ---


def calendar_locations(*, organization: Organization) -> list[Location]:
    """The organization's locations, the primary first (one query)."""
    return list(
        Location.objects.filter(organization=organization).order_by("-is_primary", "name", "id")
    )


@dataclass(frozen=True)
class CalendarResources:
    """What the calendar draws lanes from at one location over some days.

    ``chairs``: active chairs of the location's active rooms (room, then name order);
    ``shifts``: StaffShift rows at the location valid on any of the days, with ``staff``;
    ``time_off``: StaffTimeOff rows of those staff overlapping ``[start, end)`` (aware);
    ``hours``: the location's BusinessHours rows.
    """

    chairs: tuple[Chair, ...]
    shifts: tuple[StaffShift, ...]
    time_off: tuple[StaffTimeOff, ...]
    hours: tuple[BusinessHours, ...]


def calendar_resources(
    *,
    organization: Organization,
    location: Location,
    first_day: dt.date,
    last_day: dt.date,
    start: dt.datetime,
    end: dt.datetime,
) -> CalendarResources:
    """Chairs, shifts, time off and opening hours for the calendar (four queries at most)."""
    chairs = tuple(
        Chair.objects.filter(room__location=location, is_active=True, room__is_active=True)
        .select_related("room")
        .order_by("room__name", "name", "id")
    )
    shifts = tuple(
        StaffShift.objects.filter(
            organization=organization,
            location=location,
            staff__is_active=True,
            staff__organization=organization,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last_day))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first_day))
        .select_related("staff")
        .order_by("staff__full_name", "staff_id", "weekday", "starts_at")
    )
    staff_ids = {s.staff_id for s in shifts}
    time_off: tuple[StaffTimeOff, ...] = ()
    if staff_ids:
        time_off = tuple(
            StaffTimeOff.objects.filter(
                organization=organization,
                staff_id__in=staff_ids,
                ends_at__gt=start,
                starts_at__lt=end,
            ).order_by("starts_at")
        )
    hours = tuple(BusinessHours.objects.filter(location=location))
    return CalendarResources(chairs, shifts, time_off, hours)


def appointment_history(*, appointment: Appointment) -> list[AppointmentEvent]:
    """The appointment's events (booked, moved, cancelled, reminded …) with who, oldest
    first (one query)."""
    return list(
        AppointmentEvent.objects.filter(appointment=appointment)
        .select_related("by")
        .order_by("at", "id")
    )


def move_slots(
    *,
    appointment: Appointment,
    start: dt.datetime,
    end: dt.datetime,
    chair: Chair | None = None,
    staff_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Open start times in ``[start, end)`` the appointment could move to.

    :func:`available_slots` for its type, location and patient, with the appointment's own
    chair, staff and patient time not counting against it (a move later the same day is
    offered). Shape: a list of :class:`infusionist.lib.scheduling.Fit`; never in the past.
    """
    return available_slots(
        organization=appointment.organization,
        appointment_type=appointment.appointment_type,
        location=appointment.location,
        start=start,
        end=end,
        patient_id=appointment.patient_id,
        chair=chair,
        staff_id=staff_id,
        now=now,
        ignore_appointment_id=appointment.pk,
    )


def patient_appointments_panel(
    *, patient: Any, now: dt.datetime | None = None, limit: int = 10
) -> list[Appointment]:
    """The patient's upcoming appointments (not cancelled, ending after ``now``), soonest
    first, at most ``limit`` (one query)."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            patient=patient, service_ends_at__gt=now, status__in=ACTIVE_STATUSES
        )
        .select_related("appointment_type", "location", "chair", "staff", "series")
        .order_by("service_starts_at", "id")[:limit]
    )


def slot_resource_names(
    *, organization: Organization, chair_ids: Iterable[int], staff_ids: Iterable[int]
) -> dict[str, dict[int, str]]:
    """The names of the chairs and staff members open slots name (two queries at most).

    Shape: ``{"chair": {id: name}, "staff": {id: full name or email}}``; only the
    organization's. Added for the JSON API's availability answer.
    """
    chairs, staff = set(chair_ids), set(staff_ids)
    names: dict[str, dict[int, str]] = {"chair": {}, "staff": {}}
    if chairs:
        names["chair"] = dict(
            Chair.objects.filter(
                room__location__organization=organization, pk__in=chairs
            ).values_list("pk", "name")
        )
    if staff:
        names["staff"] = {
            pk: full_name or email
            for pk, full_name, email in User.objects.filter(
                organization=organization, pk__in=staff
            ).values_list("pk", "full_name", "email")
        }
    return names


def attendance_record(*, patient_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """The patient's attendance over the last 365 days (one query).

    Shape: ``{"completed": int, "no_shows": int, "late_cancellations": int}``, counted over
    appointments that started in the last 365 days (no-show tracking for the front desk).
    """
    now = now or timezone.now()
    return Appointment.objects.filter(
        patient_id=patient_id,
        service_starts_at__gte=now - dt.timedelta(days=365),
        service_starts_at__lt=now,
    ).aggregate(
        completed=Count("pk", filter=Q(status=Appointment.Status.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
        late_cancellations=Count(
            "pk", filter=Q(status=Appointment.Status.CANCELLED, late_cancellation=True)
        ),
    )
