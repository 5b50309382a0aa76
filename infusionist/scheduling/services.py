"""Writes for scheduling: book, move, cancel, mark, and book a series.

Every booking decision is :func:`infusionist.lib.scheduling.fit_slot` over the rows
:func:`infusionist.scheduling.selectors.booking_context` loads, taken inside a transaction
that first locks the location's row, so two bookings at one location are decided one after
the other (on SQLite the IMMEDIATE transaction mode serializes writers). On PostgreSQL the
exclusion constraints of migration 0002 are the last line: a collision the checks could
not see (the same patient booked at two locations at once) fails there and comes back as
:class:`SlotTaken`, never as a server error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from infusionist.accounts.roles import Role, can
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Chair, Closure, Location, Organization
from infusionist.consultations.models import Consultation
from infusionist.consultations.services import consultation_cancel, consultation_schedule
from infusionist.lib import scheduling as kernel
from infusionist.measurements.services import measurement_infusion_planned
from infusionist.patients.models import Patient
from infusionist.scheduling import selectors
from infusionist.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentSeries,
    AppointmentType,
)

#: Called with an appointment's id once its cancellation commits. The waitlist registers
#: here (``SchedulingConfig.ready``), so this module need not import it.
AFTER_CANCEL: list[Callable[[int], object]] = []

#: Called inside the transaction that marks an appointment (arrived, in the chair, completed,
#: did not attend), with the appointment, its new status, the acting user, the audit context
#: and the time. The chart registers here (``InfusionsConfig.ready``): an infusion patient
#: marked arrived is checked in on the chart in the same transaction.
AFTER_MARK: list[Callable[..., object]] = []

#: PostgreSQL exclusion constraints and what each protects (migration 0002).
EXCLUSION_SUBJECTS = {
    "appointment_no_chair_overlap": "chair",
    "appointment_no_staff_overlap": "staff",
    "appointment_no_patient_overlap": "patient",
}

TAKEN_MESSAGES = {
    "chair": "That time was just taken: the chair is no longer free. Choose another time.",
    "staff": "That time was just taken: the staff member is no longer free. Choose another time.",
    "patient": "The patient already has an appointment at that time.",
}


class BookingError(Exception):
    """A booking that cannot be made; ``code`` names the rule, ``message`` says it in words."""

    status = 422

    def __init__(self, code: str, message: str, *, subject: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subject = subject


class SlotTaken(BookingError):
    """The chair, the staff member or the patient is taken at that time (HTTP 409)."""

    status = 409


class BookingRuleBroken(BookingError):
    """The booking breaks a rule (outside hours, spacing, …) (HTTP 422)."""


def _raise_for(problems: list[kernel.Problem] | tuple[kernel.Problem, ...]) -> None:
    first = problems[0]
    if first.conflict:
        message = TAKEN_MESSAGES.get(first.subject, first.message)
        if first.subject == "staff" and "ratio" in first.message:
            message = first.message
        raise SlotTaken(first.rule, message, subject=first.subject)
    raise BookingRuleBroken(first.rule, first.message)


#: SQLSTATE of a PostgreSQL deadlock. Two bookings that collide on an exclusion constraint
#: at two locations (each holding its own location's lock) may deadlock while the database
#: checks the constraint; one is aborted, and for the user it is the same as the time just
#: being taken.
DEADLOCK_SQLSTATE = "40P01"

TAKEN_GENERIC = "That time was just taken by another booking. Choose another time."


def _is_deadlock(error: OperationalError) -> bool:
    cause = error.__cause__
    return (
        getattr(cause, "sqlstate", None) == DEADLOCK_SQLSTATE
        or getattr(cause, "pgcode", None) == DEADLOCK_SQLSTATE
        or "deadlock detected" in str(error)
    )


def _exclusion_subject(error: IntegrityError) -> str | None:
    text = str(error)
    cause = error.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    for constraint, subject in EXCLUSION_SUBJECTS.items():
        if name == constraint or constraint in text:
            return subject
    return None


def _values(appointment: Appointment) -> dict[str, Any]:
    return {
        "type": appointment.appointment_type.name,
        "location": appointment.location.name,
        "starts": appointment.service_starts_at.astimezone(appointment.location.tzinfo).isoformat(),
        "ends": appointment.service_ends_at.astimezone(appointment.location.tzinfo).isoformat(),
        "chair": appointment.chair.name if appointment.chair else "",
        "staff": appointment.staff.full_name if appointment.staff else "",
        "status": appointment.get_status_display(),
    }


def _audit(
    *,
    action: str,
    appointment: Appointment,
    by: Any,
    context: AuditContext,
    detail: dict[str, Any],
) -> None:
    audit_record(
        action=action,
        actor=by,
        context=context,
        organization=appointment.organization,
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient=appointment.patient,
        detail=detail,
    )


def new_link_token() -> tuple[str, str]:
    """A fresh secret for an appointment's confirm and cancel links: (token, its SHA-256)."""
    token = secrets.token_urlsafe(24)
    return token, hashlib.sha256(token.encode()).hexdigest()


def _spacing_check(
    *,
    appointment_type: AppointmentType,
    patient: Patient | None,
    service_start: dt.datetime,
    tz: dt.tzinfo,
    exclude_appointment_id: int | None = None,
) -> None:
    if patient is None or appointment_type.kind not in selectors.DOSING_KINDS:
        return
    protocol = appointment_type.protocol
    if protocol is None:
        return
    starts = selectors.patient_dosing_starts(
        patient_id=patient.pk, exclude_appointment_id=exclude_appointment_id
    )
    # Only neighbours within the protocol's windows matter.
    problems = kernel.spacing_problems(
        [*starts, service_start],
        min_interval_h=protocol.min_interval_h or None,
        max_per_7_days=protocol.max_sessions_per_7_days or None,
        tz=tz,
    )
    if problems:
        raise BookingRuleBroken(problems[0].rule, problems[0].message)


#: Nothing is booked further ahead than this, even by staff (a mistyped year is refused).
STAFF_HORIZON_DAYS = 366


def _check_start(service_start: dt.datetime, *, now: dt.datetime) -> None:
    if timezone.is_naive(service_start):
        raise BookingRuleBroken("time_zone", "Give the time with its time zone.")
    if service_start < now:
        raise BookingRuleBroken("in_the_past", "That time has already passed.")
    if service_start > now + dt.timedelta(days=STAFF_HORIZON_DAYS):
        raise BookingRuleBroken(
            "beyond_horizon",
            f"That is more than {STAFF_HORIZON_DAYS} days ahead: check the year.",
        )


def _decide(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    service_start: dt.datetime,
    patient: Patient | None,
    chair: Chair | None,
    staff: Any,
    ignore_appointment_id: int | None = None,
    for_patient: bool = False,
    now: dt.datetime,
) -> tuple[kernel.Fit, selectors.BookingContext]:
    if appointment_type.organization_id != organization.pk or not appointment_type.is_active:
        raise BookingRuleBroken("appointment_type", "That appointment type is not offered.")
    if location.organization_id != organization.pk:
        raise BookingRuleBroken("location", "That location is not one of the clinic's.")
    context = selectors.booking_context(
        organization=organization,
        appointment_type=appointment_type,
        location=location,
        start=service_start,
        end=service_start + dt.timedelta(days=1),
        patient_id=patient.pk if patient else None,
        chair=chair,
        staff_id=staff.pk if staff is not None else None,
        ignore_appointment_id=ignore_appointment_id,
    )
    if context.rule_problems:
        _raise_for(context.rule_problems)
    if for_patient:
        settings = context.settings
        if service_start < now + dt.timedelta(hours=settings.min_notice_h):
            raise BookingRuleBroken(
                "min_notice",
                f"Appointments can be booked online at least {settings.min_notice_h} hours"
                " ahead. Please call the clinic for a sooner time.",
            )
        if service_start > now + dt.timedelta(days=settings.booking_horizon_days):
            raise BookingRuleBroken(
                "beyond_horizon",
                f"Appointments can be booked up to {settings.booking_horizon_days} days ahead.",
            )
    result = kernel.fit_slot(context.request, service_start, context.bookings, context.tz)
    if not isinstance(result, kernel.Fit):
        _raise_for(_name_closures(result, location, service_start))
        raise AssertionError("unreachable")
    return result, context


def _name_closures(
    problems: list[kernel.Problem] | tuple[kernel.Problem, ...],
    location: Location,
    service_start: dt.datetime,
) -> list[kernel.Problem]:
    """Say "closed that day: <reason>" where opening hours failed because of a closure."""
    if not problems or problems[0].rule != "outside_hours":
        return list(problems)
    day = service_start.astimezone(location.tzinfo).date()
    closure = Closure.objects.filter(
        location=location, starts_on__lte=day, ends_on__gte=day
    ).first()
    if closure is None:
        return list(problems)
    return [
        kernel.Problem(
            "closure",
            f"{location.name} is closed on {day:%A} {day.day} {day:%B %Y}: {closure.reason}.",
        ),
        *problems[1:],
    ]


def _consultation_for(
    *, appointment: Appointment, by: Any, context: AuditContext
) -> Consultation | None:
    """A physician telehealth consultation booked for a patient is also the consultation record.

    The consultations app keeps the physician's consultations and eligibility decisions
    (docs/decisions/0025); booking one here schedules it there too (video, with the booked
    physician), so the physician's review list and the calendar agree. Raises
    BookingRuleBroken("physician_credentials") when the physician may not consult
    (credentials lapsed).
    """
    if (
        appointment.appointment_type.kind != AppointmentType.Kind.TELEHEALTH_CONSULT
        or appointment.patient is None
        or appointment.staff is None
        or appointment.staff.role != Role.PHYSICIAN
        or not can(by, "consultations.schedule")
    ):
        return None
    try:
        return consultation_schedule(
            patient=appointment.patient,
            actor=by,
            physician=appointment.staff,
            modality=Consultation.Modality.TELEHEALTH_VIDEO,
            scheduled_at=appointment.service_starts_at,
            context=context,
        )
    except ValidationError as error:
        messages = [m for ms in error.message_dict.values() for m in ms]
        raise BookingRuleBroken("physician_credentials", " ".join(messages)) from error


def _consultation_of(appointment: Appointment) -> Consultation | None:
    ids = [
        e.detail.get("consultation")
        for e in appointment.events.filter(kind="booked")
        if isinstance(e.detail, dict)
    ]
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return None
    return Consultation.objects.filter(pk__in=ids, status=Consultation.Status.SCHEDULED).first()


def appointment_book(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    service_starts_at: dt.datetime,
    patient: Patient | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    contact_language: str = "",
    chair: Chair | None = None,
    staff: Any = None,
    by: Any = None,
    source: str = Appointment.Source.STAFF,
    visit_address: str = "",
    note: str = "",
    series: AppointmentSeries | None = None,
    series_index: int | None = None,
    prepaid_sessions: int | None = None,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book one appointment: the patient (or a website lead's contact) at a start time.

    The chair and staff member are the first free ones in order unless named. Returns the
    saved Appointment (its ``link_token`` attribute holds the confirm/cancel secret for
    this call only). Raises :class:`SlotTaken` (409: chair, staff or patient taken) or
    :class:`BookingRuleBroken` (422: ``outside_hours``, ``no_staff_on_shift``,
    ``no_physician``, ``no_chair``, ``chair_capability``, ``min_interval``,
    ``max_per_7_days``, ``in_the_past``, ``min_notice``, ``beyond_horizon``,
    ``visit_address``, ``mobile_prepaid``, ``who``).

    A mobile visit needs the visit address and ``prepaid_sessions`` (the sessions the
    patient has paid for ahead, as the booker read them from the payment records until
    billing is built) at or above the clinic's ``mobile_min_prepaid_sessions``.
    """
    now = now or timezone.now()
    _check_start(service_starts_at, now=now)
    if patient is None and not contact_name.strip():
        raise BookingRuleBroken("who", "Say whom the appointment is for.")
    if patient is not None and patient.organization_id != organization.pk:
        raise BookingRuleBroken("who", "That patient is not one of the clinic's.")
    if appointment_type.kind == AppointmentType.Kind.MOBILE_VISIT:
        if not visit_address.strip():
            raise BookingRuleBroken("visit_address", "A mobile visit needs the visit address.")
        needed = selectors.scheduling_settings_for(
            organization=organization
        ).mobile_min_prepaid_sessions
        if needed and (prepaid_sessions is None or prepaid_sessions < needed):
            have = "none" if not prepaid_sessions else str(prepaid_sessions)
            raise BookingRuleBroken(
                "mobile_prepaid",
                f"A mobile visit needs at least {needed} prepaid sessions (the clinic's rule);"
                f" this patient has {have}.",
            )
    for_patient = source in (Appointment.Source.WEBSITE, Appointment.Source.PORTAL)
    try:
        with transaction.atomic():
            Location.objects.select_for_update().filter(pk=location.pk).first()
            fit, _context = _decide(
                organization=organization,
                appointment_type=appointment_type,
                location=location,
                service_start=service_starts_at,
                patient=patient,
                chair=chair,
                staff=staff,
                for_patient=for_patient,
                now=now,
            )
            _spacing_check(
                appointment_type=appointment_type,
                patient=patient,
                service_start=fit.service_start,
                tz=location.tzinfo,
            )
            token, digest = new_link_token()
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    organization=organization,
                    location=location,
                    appointment_type=appointment_type,
                    patient=patient,
                    contact_name=contact_name.strip(),
                    contact_phone=contact_phone.strip(),
                    contact_email=contact_email.strip(),
                    contact_language=contact_language,
                    chair_id=fit.chair_id,
                    staff_id=fit.staff_id,
                    staff_exclusive=appointment_type.staff_exclusive,
                    starts_at=fit.occupancy.start,
                    ends_at=fit.occupancy.end,
                    service_starts_at=fit.patient_time.start,
                    service_ends_at=fit.patient_time.end,
                    source=source,
                    series=series,
                    series_index=series_index,
                    visit_address=visit_address.strip(),
                    note=note.strip(),
                    link_token_sha256=digest,
                    created_by=by if getattr(by, "pk", None) else None,
                    created_at=now,
                    updated_at=now,
                )
            consultation = _consultation_for(appointment=appointment, by=by, context=context)
            AppointmentEvent.objects.create(
                appointment=appointment,
                kind="booked",
                detail={"source": source}
                | ({"consultation": consultation.pk} if consultation else {})
                | ({"prepaid_sessions": prepaid_sessions} if prepaid_sessions is not None else {}),
                by=by if getattr(by, "pk", None) else None,
            )
            _audit(
                action=AuditEvent.Action.CREATE,
                appointment=appointment,
                by=by,
                context=context,
                detail={"after": _values(appointment), "source": source},
            )
            if patient is not None and appointment_type.kind in selectors.DOSING_KINDS:
                measurement_infusion_planned(patient=patient, planned_at=fit.patient_time.start)
    except IntegrityError as error:
        subject = _exclusion_subject(error)
        if subject is None:
            raise
        raise SlotTaken(f"{subject}_busy", TAKEN_MESSAGES[subject], subject=subject) from error
    except OperationalError as error:
        if not _is_deadlock(error):
            raise
        raise SlotTaken("time_busy", TAKEN_GENERIC, subject="time") from error
    appointment.link_token = token  # type: ignore[attr-defined]
    return appointment


def appointment_move(
    *,
    appointment: Appointment,
    service_starts_at: dt.datetime,
    by: Any,
    chair: Chair | None = None,
    staff: Any = None,
    reason: str = "",
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move an active appointment to another start (and optionally chair or staff member).

    The same checks as booking, ignoring the appointment itself. Raises the same errors,
    and ``BookingRuleBroken("not_active")`` for a cancelled or finished appointment.
    """
    now = now or timezone.now()
    if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED):
        raise BookingRuleBroken(
            "not_active",
            "Only a booked appointment can be moved; this one is"
            f" {appointment.get_status_display().lower()}.",
        )
    _check_start(service_starts_at, now=now)
    before = _values(appointment)
    try:
        with transaction.atomic():
            Location.objects.select_for_update().filter(pk=appointment.location_id).first()
            fit, _context = _decide(
                organization=appointment.organization,
                appointment_type=appointment.appointment_type,
                location=appointment.location,
                service_start=service_starts_at,
                patient=appointment.patient,
                chair=chair,
                staff=staff,
                ignore_appointment_id=appointment.pk,
                now=now,
            )
            _spacing_check(
                appointment_type=appointment.appointment_type,
                patient=appointment.patient,
                service_start=fit.service_start,
                tz=appointment.location.tzinfo,
                exclude_appointment_id=appointment.pk,
            )
            appointment.chair_id = fit.chair_id
            appointment.staff_id = fit.staff_id
            appointment.starts_at = fit.occupancy.start
            appointment.ends_at = fit.occupancy.end
            appointment.service_starts_at = fit.patient_time.start
            appointment.service_ends_at = fit.patient_time.end
            appointment.status = Appointment.Status.BOOKED
            appointment.updated_at = now
            with transaction.atomic():
                appointment.save()
            appointment.refresh_from_db()
            AppointmentEvent.objects.create(
                appointment=appointment,
                kind="moved",
                detail={
                    "from": before["starts"],
                    "to": _values(appointment)["starts"],
                    "reason": reason,
                },
                by=by if getattr(by, "pk", None) else None,
            )
            _audit(
                action=AuditEvent.Action.UPDATE,
                appointment=appointment,
                by=by,
                context=context,
                detail={"before": before, "after": _values(appointment), "reason": reason},
            )
    except IntegrityError as error:
        subject = _exclusion_subject(error)
        if subject is None:
            raise
        raise SlotTaken(f"{subject}_busy", TAKEN_MESSAGES[subject], subject=subject) from error
    except OperationalError as error:
        if not _is_deadlock(error):
            raise
        raise SlotTaken("time_busy", TAKEN_GENERIC, subject="time") from error
    return appointment


def appointment_cancel(
    *,
    appointment: Appointment,
    by: Any,
    reason: str,
    source: str = "staff",
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Appointment:
    """Cancel an active appointment with a reason; flags a late cancellation.

    Late: within the clinic's ``late_cancellation_window_h`` before the start. Raises
    ``BookingRuleBroken("reason")`` without a reason from staff and ``("not_active")`` for
    an appointment that is not active.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if source == "staff" and not reason:
        raise BookingRuleBroken("reason", "Say why the appointment is cancelled.")
    if len(reason) > 300:
        raise BookingRuleBroken("reason", "Keep the reason under 300 characters.")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in ACTIVE_STATUSES:
            raise BookingRuleBroken("not_active", "This appointment is no longer booked.")
        settings = selectors.scheduling_settings_for(organization=appointment.organization_id)
        window = dt.timedelta(hours=settings.late_cancellation_window_h)
        before = _values(appointment)
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.cancelled_by = by if getattr(by, "pk", None) else None
        appointment.cancel_reason = reason or "Cancelled by the patient"
        # Late: inside the window, and booked before the window opened (a visit booked for
        # this afternoon and cancelled a minute later is not a late cancellation).
        appointment.late_cancellation = (
            appointment.service_starts_at - now < window
            and appointment.created_at < appointment.service_starts_at - window
        )
        appointment.updated_at = now
        appointment.save()
        consultation = _consultation_of(appointment)
        if consultation is not None and can(by, "consultations.schedule"):
            consultation_cancel(consultation=consultation, actor=by, context=context)
        AppointmentEvent.objects.create(
            appointment=appointment,
            kind="cancelled",
            detail={
                "reason": appointment.cancel_reason,
                "late": appointment.late_cancellation,
                "source": source,
            },
            by=appointment.cancelled_by,
        )
        _audit(
            action=AuditEvent.Action.UPDATE,
            appointment=appointment,
            by=by,
            context=context,
            detail={
                "before": before,
                "after": _values(appointment),
                "reason": appointment.cancel_reason,
                "late_cancellation": appointment.late_cancellation,
            },
        )
        # The freed time goes to the first matching patient on the waitlist, after commit.
        for hook in AFTER_CANCEL:
            transaction.on_commit(functools.partial(hook, appointment.pk))
    return appointment


#: Which status may follow which when staff mark an appointment.
MARK_TRANSITIONS: dict[str, frozenset[str]] = {
    Appointment.Status.CONFIRMED: frozenset({Appointment.Status.BOOKED}),
    Appointment.Status.ARRIVED: frozenset(
        {Appointment.Status.BOOKED, Appointment.Status.CONFIRMED}
    ),
    Appointment.Status.IN_PROGRESS: frozenset({Appointment.Status.ARRIVED}),
    Appointment.Status.COMPLETED: frozenset(
        {Appointment.Status.ARRIVED, Appointment.Status.IN_PROGRESS}
    ),
    Appointment.Status.NO_SHOW: frozenset(
        {Appointment.Status.BOOKED, Appointment.Status.CONFIRMED}
    ),
}


#: A patient may be marked arrived from this long before the start (early arrivals), and
#: "in the chair" or "completed" only once the start is this close or past. Operational,
#: not clinical: no published source sets them [?].
ARRIVE_EARLIEST_BEFORE = dt.timedelta(hours=2)


def mark_problem(appointment: Appointment, status: str, now: dt.datetime) -> str:
    """Why ``status`` cannot be set now (an empty string when it can).

    Did not attend: only after the start. Arrived, in the chair, completed: not earlier
    than ``ARRIVE_EARLIEST_BEFORE`` before the start (a tap on the wrong row hours ahead is
    refused).
    """
    starts = appointment.service_starts_at
    if status == Appointment.Status.NO_SHOW and now < starts:
        return "An appointment can be marked as not attended only after its start."
    if (
        status
        in (
            Appointment.Status.ARRIVED,
            Appointment.Status.IN_PROGRESS,
            Appointment.Status.COMPLETED,
        )
        and now < starts - ARRIVE_EARLIEST_BEFORE
    ):
        hours = int(ARRIVE_EARLIEST_BEFORE.total_seconds() // 3600)
        label = Appointment.Status(status).label.lower()
        return (
            f"This appointment starts later: it can be marked {label} from {hours} hours"
            " before its start."
        )
    return ""


def appointment_mark(
    *,
    appointment: Appointment,
    status: str,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Appointment:
    """Mark an appointment confirmed, arrived, in the chair, completed or did not attend.

    Raises ``BookingRuleBroken("status")`` for a change that does not follow (a cancelled
    appointment cannot arrive; no-show only once the start has passed).
    """
    now = now or timezone.now()
    allowed_from = MARK_TRANSITIONS.get(status)
    if allowed_from is None:
        raise BookingRuleBroken("status", "That is not a status staff can set.")
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in allowed_from:
            raise BookingRuleBroken(
                "status",
                f"An appointment that is {locked.get_status_display().lower()} cannot be"
                f" marked {Appointment.Status(status).label.lower()}.",
            )
        problem = mark_problem(appointment, status, now)
        if problem:
            raise BookingRuleBroken("status", problem)
        before = _values(appointment)
        appointment.status = status
        if status == Appointment.Status.ARRIVED:
            appointment.arrived_at = now
        appointment.updated_at = now
        appointment.save()
        AppointmentEvent.objects.create(
            appointment=appointment,
            kind=status,
            detail={},
            by=by if getattr(by, "pk", None) else None,
        )
        _audit(
            action=AuditEvent.Action.UPDATE,
            appointment=appointment,
            by=by,
            context=context,
            detail={"before": before, "after": _values(appointment)},
        )
        for hook in AFTER_MARK:
            hook(appointment=appointment, status=status, by=by, context=context, now=now)
    return appointment


@dataclass(frozen=True)
class SeriesProposal:
    """A proposed series: each session's wanted time, the fit found, or alternatives."""

    organization: Organization
    appointment_type: AppointmentType
    location: Location
    patient: Patient
    weekdays: tuple[int, ...]
    local_time: dt.time
    sessions: tuple[kernel.SeriesSession, ...]
    spacing: tuple[kernel.Problem, ...]

    @property
    def complete(self) -> bool:
        return all(s.fit is not None for s in self.sessions)


def series_propose(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    patient: Patient,
    first_day: dt.date,
    weekdays: list[int] | tuple[int, ...],
    local_time: dt.time,
    session_count: int,
    within_days: int | None = None,
) -> SeriesProposal:
    """Propose a series: ``session_count`` sessions on ``weekdays`` at ``local_time``.

    Each session is fitted against availability and the protocol's spacing rules (minimum
    interval, maximum per 7 days); a missing slot comes with the nearest alternatives.
    ``within_days`` (default: the protocol's course length limit) is checked over the
    proposed sessions. Raises ValueError for no weekday or a count below 1.
    """
    targets = kernel.series_targets(first_day, weekdays, session_count)
    tz = location.tzinfo
    start = kernel.local_instant(targets[0] - dt.timedelta(days=4), dt.time(0), tz)
    end = kernel.local_instant(targets[-1] + dt.timedelta(days=5), dt.time(0), tz)
    context = selectors.booking_context(
        organization=organization,
        appointment_type=appointment_type,
        location=location,
        start=start,
        end=end,
        patient_id=patient.pk,
    )
    protocol = appointment_type.protocol
    min_interval = protocol.min_interval_h if protocol else None
    per_week = protocol.max_sessions_per_7_days if protocol else None
    within = within_days or (protocol.course_max_days if protocol else None)
    existing = (
        selectors.patient_dosing_starts(patient_id=patient.pk)
        if appointment_type.kind in selectors.DOSING_KINDS
        else []
    )
    raw_sessions = kernel.propose_series(
        targets,
        local_time,
        tz,
        lambda _day: context.request,
        context.bookings,
        context.settings.slot_step_min,
        min_interval_h=min_interval or None,
        max_per_7_days=per_week or None,
        existing_starts=existing,
        not_before=timezone.now(),
    )
    sessions = [
        dataclasses.replace(
            session, problems=tuple(_name_closures(session.problems, location, session.wanted))
        )
        if session.fit is None
        else session
        for session in raw_sessions
    ]
    placed = [s.fit.service_start for s in sessions if s.fit is not None]
    spacing = kernel.spacing_problems(
        [*existing, *placed],
        min_interval_h=min_interval or None,
        max_per_7_days=per_week or None,
        tz=tz,
    )
    if within and len(placed) > 1:
        spacing += kernel.spacing_problems(placed, course_max_days=within, tz=tz)
    return SeriesProposal(
        organization,
        appointment_type,
        location,
        patient,
        tuple(sorted(set(weekdays))),
        local_time,
        tuple(sessions),
        tuple(spacing),
    )


def series_book(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    patient: Patient,
    service_starts: list[dt.datetime],
    by: Any,
    weekdays: list[int] | tuple[int, ...] = (),
    local_time: dt.time | None = None,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> AppointmentSeries:
    """Book every session of a series, all or nothing.

    ``service_starts``: the starts the clinician confirmed (from a proposal and its
    alternatives). Spacing rules are checked over the whole set first (422 naming the rule);
    then each session is booked as :func:`appointment_book` does, and any failure undoes
    the whole series (raising that session's error, its message naming the session).
    """
    if not service_starts:
        raise BookingRuleBroken("series_empty", "Choose at least one session.")
    ordered = sorted(service_starts)
    protocol = appointment_type.protocol
    if appointment_type.kind in selectors.DOSING_KINDS and protocol is not None:
        problems = kernel.spacing_problems(
            [*selectors.patient_dosing_starts(patient_id=patient.pk), *ordered],
            min_interval_h=protocol.min_interval_h or None,
            max_per_7_days=protocol.max_sessions_per_7_days or None,
            tz=location.tzinfo,
        )
        if protocol.course_max_days and len(ordered) > 1:
            problems += kernel.spacing_problems(
                ordered, course_max_days=protocol.course_max_days, tz=location.tzinfo
            )
        if problems:
            raise BookingRuleBroken(problems[0].rule, problems[0].message)
    tz = location.tzinfo
    with transaction.atomic():
        series = AppointmentSeries.objects.create(
            organization=organization,
            patient=patient,
            appointment_type=appointment_type,
            session_count=len(ordered),
            weekdays=sorted(set(weekdays)) or sorted({s.astimezone(tz).weekday() for s in ordered}),
            local_start_time=local_time or ordered[0].astimezone(tz).time(),
            rules={
                "min_interval_h": protocol.min_interval_h if protocol else None,
                "max_sessions_per_7_days": protocol.max_sessions_per_7_days if protocol else None,
                "course_max_days": protocol.course_max_days if protocol else None,
            },
            created_by=by,
        )
        for i, start in enumerate(ordered, start=1):
            try:
                appointment_book(
                    organization=organization,
                    appointment_type=appointment_type,
                    location=location,
                    service_starts_at=start,
                    patient=patient,
                    by=by,
                    series=series,
                    series_index=i,
                    context=context,
                    now=now,
                )
            except BookingError as error:
                local = start.astimezone(tz)
                raise type(error)(
                    error.code,
                    f"Session {i} ({local:%a %d %b %H:%M}): {error.message}",
                    subject=error.subject,
                ) from error
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            context=context,
            organization=organization,
            object_type=AuditEvent.ObjectType.APPOINTMENT_SERIES,
            object_id=series.pk,
            patient=patient,
            detail={
                "after": {
                    "type": appointment_type.name,
                    "sessions": [s.astimezone(tz).isoformat() for s in ordered],
                }
            },
        )
    return series
