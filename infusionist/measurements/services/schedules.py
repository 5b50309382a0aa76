"""Schedules around treatment, the infusion hooks, links and reminders."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.lib import instruments
from infusionist.lib.measurement_schedule import Reason, answered_recently, due_assignments
from infusionist.measurements import selectors
from infusionist.measurements.models import (
    AccessLink,
    Assignment,
    MeasurementProfile,
    MeasurementSettings,
)
from infusionist.measurements.patient_messages import link_message
from infusionist.measurements.services.profiles import measurement_profile_ensure, require_aware
from infusionist.measurements.sms import send_sms
from infusionist.patients.models import Patient

logger = logging.getLogger(__name__)


# ---- schedules ----------------------------------------------------------------------------


@transaction.atomic
def assignments_refresh(
    *, patient: Patient, now: dt.datetime | None = None, tz: dt.tzinfo | None = None
) -> list[Assignment]:
    """Create the questionnaires now due for the patient; return the new ones.

    Uses the profile's treatment phase and plan start (weekly in induction, every two weeks in
    maintenance, none without a signed plan, nothing before the plan's first session date), the
    last recorded and next planned infusion, and the clinic's cadence settings in its time zone
    (``tz``, else the primary location's; lib.measurement_schedule). An instrument completed
    after an occasion opened, or within its minimum interval of it, is not asked again.
    Idempotent.
    """
    now = now or timezone.now()
    require_aware("now", now)
    measurement_settings = selectors.measurement_settings_for(organization=patient.organization)
    profile = measurement_profile_ensure(patient=patient)
    occasions = due_assignments(
        phase=profile.treatment_phase or None,
        last_infusion_at=profile.last_infusion_at,
        next_infusion_at=profile.next_infusion_at,
        now=now,
        cadence=measurement_settings.cadence(),
        plan_starts_on=profile.plan_starts_on,
        tz=tz or selectors.clinic_time_zone(organization=patient.organization),
    )
    codes = measurement_settings.instrument_codes
    last_completed = selectors.last_completions(patient=patient, codes=codes) if occasions else {}
    created: list[Assignment] = []
    for occasion in occasions:
        for code in codes:
            if answered_recently(
                available_at=occasion.available_at,
                due_at=occasion.due_at,
                last_completed_at=last_completed.get(code),
                min_interval_days=measurement_settings.min_interval_days(code),
            ):
                continue
            assignment, was_created = Assignment.objects.get_or_create(
                patient=patient,
                instrument_code=code,
                reason=occasion.reason,
                available_at=occasion.available_at,
                defaults={"organization": patient.organization, "due_at": occasion.due_at},
            )
            if was_created:
                created.append(assignment)
                audit_record(
                    action=AuditEvent.Action.CREATE,
                    organization=patient.organization,
                    object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
                    object_id=assignment.pk,
                    patient=patient,
                    detail={"instrument": code, "reason": occasion.reason},
                )
    return created


def _cancel(
    *,
    qs: QuerySet[Assignment],
    reason: str,
    patient: Patient,
    actor: User | None = None,
    context: AuditContext = NO_REQUEST,
) -> int:
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        return 0
    Assignment.objects.filter(pk__in=ids).update(
        status=Assignment.Status.CANCELLED, cancelled_reason=reason
    )
    AccessLink.objects.filter(assignment_id__in=ids, used_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
        object_id=",".join(str(i) for i in ids)[:64],
        patient=patient,
        detail={"status": "cancelled", "reason": reason, "count": len(ids)},
    )
    return len(ids)


#: Why an open questionnaire was closed without an answer of its own (``cancelled_reason``).
SUPERSEDED_BY_COMPLETION = "superseded by a completed questionnaire"
WITHIN_MIN_INTERVAL = "within the minimum interval of the last one"


@transaction.atomic
def assignments_supersede(
    *,
    patient: Patient,
    instrument_code: str,
    completed_at: dt.datetime,
    keep_id: int | None = None,
    actor: User | None = None,
    context: AuditContext = NO_REQUEST,
) -> int:
    """Close the patient's open requests of an instrument that a completion answers; return count.

    Internal: the responses service calls it when a questionnaire is completed, after checking
    who may write it (``actor`` and ``context`` are recorded with the change). Requests that
    opened at or before the completion (older ones, and newer ones already sent) are answered by
    it; scheduled requests not yet open that would be due within the instrument's minimum
    interval of it would ask again about the same period. Both are cancelled and their links
    stop working. A request staff send after the completion is left alone, as is ``keep_id``
    (the one the completion fulfilled).
    """
    require_aware("completed_at", completed_at)
    measurement_settings = selectors.measurement_settings_for(organization=patient.organization)
    days = measurement_settings.min_interval_days(instrument_code)
    pending = Assignment.objects.filter(
        organization_id=patient.organization_id,
        patient=patient,
        instrument_code=instrument_code,
        status=Assignment.Status.PENDING,
    )
    if keep_id is not None:
        pending = pending.exclude(pk=keep_id)
    closed = _cancel(
        qs=pending.filter(available_at__lte=completed_at),
        reason=SUPERSEDED_BY_COMPLETION,
        patient=patient,
        actor=actor,
        context=context,
    )
    closed += _cancel(
        qs=pending.filter(
            available_at__gt=completed_at,
            due_at__lt=completed_at + dt.timedelta(days=days),
        ).exclude(reason="manual"),
        reason=WITHIN_MIN_INTERVAL,
        patient=patient,
        actor=actor,
        context=context,
    )
    return closed


@transaction.atomic
def measurement_infusion_recorded(
    *, patient: Patient, infusion_at: dt.datetime, now: dt.datetime | None = None
) -> list[Assignment]:
    """Reset the patient's schedule around an infusion that took place; return new assignments.

    Called with plain values by whatever records infusions. Open questionnaires from before the
    infusion are cancelled (the next-day check-in replaces them) and the cadence restarts.
    """
    now = now or timezone.now()
    require_aware("infusion_at", infusion_at)
    profile = measurement_profile_ensure(patient=patient)
    if profile.last_infusion_at is None or infusion_at > profile.last_infusion_at:
        profile.last_infusion_at = infusion_at
    if (
        profile.next_infusion_at is not None
        and profile.next_infusion_at <= infusion_at + dt.timedelta(hours=12)
    ):
        profile.next_infusion_at = None
    profile.updated_at = now
    profile.save(update_fields=["last_infusion_at", "next_infusion_at", "updated_at"])
    _cancel(
        qs=Assignment.objects.filter(
            patient=patient, status=Assignment.Status.PENDING, available_at__lte=infusion_at
        ),
        reason="superseded by infusion",
        patient=patient,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_PROFILE,
        object_id=profile.pk,
        patient=patient,
        detail={"fields": ["last_infusion_at"]},
    )
    return assignments_refresh(patient=patient, now=now)


@transaction.atomic
def measurement_next_day_checkin_assign(
    *, patient: Patient, infusion_at: dt.datetime
) -> list[Assignment]:
    """Assign the next-day check-in after a charted infusion; return the assignments.

    Called with plain values by the chart at discharge. One assignment per instrument the
    clinic sends on schedule, opening ``next_day_checkin_hours`` after the infusion and open
    for ``completion_window_hours`` (the occasion ``assignments_refresh`` would make, so the
    two never duplicate). Unlike a cadence check-in, the instrument's minimum interval does
    not suppress it: the day after a dose is its own occasion (response is measured at 24 hours
    in the trials [1][2]). Idempotent.
    """
    require_aware("infusion_at", infusion_at)
    measurement_settings = selectors.measurement_settings_for(organization=patient.organization)
    cadence = measurement_settings.cadence()
    available_at = (infusion_at + dt.timedelta(hours=cadence.next_day_checkin_hours)).astimezone(
        dt.UTC
    )
    due_at = available_at + dt.timedelta(hours=cadence.completion_window_hours)
    result: list[Assignment] = []
    for code in measurement_settings.instrument_codes:
        assignment, created = Assignment.objects.get_or_create(
            patient=patient,
            instrument_code=code,
            reason=Reason.NEXT_DAY,
            available_at=available_at,
            defaults={"organization": patient.organization, "due_at": due_at},
        )
        result.append(assignment)
        if created:
            audit_record(
                action=AuditEvent.Action.CREATE,
                organization=patient.organization,
                object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
                object_id=assignment.pk,
                patient=patient,
                detail={"instrument": code, "reason": Reason.NEXT_DAY, "after": "infusion"},
            )
    return result


@transaction.atomic
def measurement_infusion_planned(
    *, patient: Patient, planned_at: dt.datetime, now: dt.datetime | None = None
) -> list[Assignment]:
    """Schedule the pre-infusion questionnaire for a planned infusion; return new assignments.

    Called with plain values by whatever books infusions. A pre-infusion questionnaire for an
    earlier plan that has not been sent yet is cancelled.
    """
    now = now or timezone.now()
    require_aware("planned_at", planned_at)
    if planned_at <= now:
        raise ValidationError("A planned infusion must be in the future.")
    profile = measurement_profile_ensure(patient=patient)
    profile.next_infusion_at = planned_at
    profile.updated_at = now
    profile.save(update_fields=["next_infusion_at", "updated_at"])
    _cancel(
        qs=Assignment.objects.filter(
            patient=patient,
            status=Assignment.Status.PENDING,
            reason=Reason.PRE_INFUSION,
            due_at__gt=now,
        ).exclude(due_at=planned_at),
        reason="infusion rescheduled",
        patient=patient,
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_PROFILE,
        object_id=profile.pk,
        patient=patient,
        detail={"fields": ["next_infusion_at"]},
    )
    return assignments_refresh(patient=patient, now=now)


@transaction.atomic
def assignment_create_manual(
    *,
    patient: Patient,
    instrument_code: str,
    actor: User,
    now: dt.datetime | None = None,
    language_confirmed: bool = False,
    context: AuditContext = NO_REQUEST,
) -> Assignment:
    """Ask the patient to complete one instrument now (sent by the next reminder run).

    Only an instrument a patient can answer from its own wording may be sent
    (``Instrument.patient_languages``). One without wording in the patient's preferred
    language needs ``language_confirmed`` (staff saw that the patient will get it in English).

    Raises ``PermissionDenied`` unless the actor may enter measurements for this patient, and
    ValidationError (key ``instrument``) for an instrument that cannot be sent or one not in
    the patient's language without confirmation.
    """
    require(actor, "measurements.enter")
    require_same_organization(actor, patient.organization_id)
    now = now or timezone.now()
    instrument = instruments.get(instrument_code)
    refusal = selectors.send_refusal(instrument)
    if refusal:
        raise ValidationError({"instrument": refusal})
    languages = instrument.patient_languages()
    if patient.preferred_language not in languages and not language_confirmed:
        raise ValidationError(
            {"instrument": selectors.language_warning(instrument, patient.preferred_language)}
        )
    measurement_settings = selectors.measurement_settings_for(organization=patient.organization)
    assignment = Assignment(
        organization=patient.organization,
        patient=patient,
        instrument_code=instrument.code,
        reason="manual",
        available_at=now,
        due_at=now + dt.timedelta(hours=measurement_settings.completion_window_hours),
    )
    assignment.full_clean()
    assignment.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
        object_id=assignment.pk,
        patient=patient,
        detail={
            "instrument": instrument.code,
            "reason": "manual",
            "patient_language": patient.preferred_language,
            "instrument_languages": list(languages),
        },
    )
    return assignment


@transaction.atomic
def assignment_ensure_for_intake(
    *,
    patient: Patient,
    instrument_code: str,
    actor: User,
    now: dt.datetime | None = None,
    context: AuditContext = NO_REQUEST,
) -> Assignment:
    """Return the patient's open request of a baseline questionnaire, made now if none is open.

    The intake packet asks for the baseline PHQ-9, GAD-7 (and PCL-5) before treatment: the
    patient themselves starts them from their intake, or staff who may edit the intake ask
    for them (the reminder run sends them like any request). Reason ``intake``; the answers
    are the same questionnaire pages and scoring as every other request.

    Raises ``PermissionDenied`` for another patient's login, staff without ``intake.edit`` or
    another organization, and ValidationError (key ``instrument``) for an instrument that
    cannot be sent to a patient.
    """
    require_same_organization(actor, patient.organization_id)
    if actor.role == "patient":
        if patient.user_id != actor.pk:
            raise PermissionDenied("Only your own questionnaires.")
    else:
        require(actor, "intake.edit")
    now = now or timezone.now()
    instrument = instruments.get(instrument_code)
    refusal = selectors.send_refusal(instrument)
    if refusal:
        raise ValidationError({"instrument": refusal})
    open_request = (
        Assignment.objects.select_for_update()
        .filter(
            patient=patient,
            instrument_code=instrument.code,
            status=Assignment.Status.PENDING,
            available_at__lte=now,
        )
        .order_by("-available_at", "-id")
        .first()
    )
    if open_request is not None:
        return open_request
    measurement_settings = selectors.measurement_settings_for(organization=patient.organization)
    assignment = Assignment(
        organization=patient.organization,
        patient=patient,
        instrument_code=instrument.code,
        reason="intake",
        available_at=now,
        due_at=now + dt.timedelta(hours=measurement_settings.completion_window_hours),
    )
    assignment.full_clean()
    assignment.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
        object_id=assignment.pk,
        patient=patient,
        detail={"instrument": instrument.code, "reason": "intake"},
    )
    return assignment


# ---- links and reminders ----------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def link_issue(
    *, assignment: Assignment, channel: str, now: dt.datetime | None = None
) -> tuple[AccessLink, str]:
    """Create a fresh single-use link for the assignment and return it with its raw token.

    Only the token's SHA-256 digest is stored; earlier unused links of the assignment stop
    working, so the newest message is always the one that opens.
    """
    now = now or timezone.now()
    AccessLink.objects.filter(
        assignment=assignment, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    link = AccessLink(
        assignment=assignment,
        token_sha256=_token_digest(token),
        channel=channel,
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.MEASUREMENT_LINK_EXPIRY_HOURS),
    )
    link.full_clean()
    link.save(force_insert=True)
    return link, token


def _link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("questionnaire:start", args=[token])


def _channel_for(*, patient: Patient, profile: MeasurementProfile) -> str:
    """Return how to reach the patient: their chosen channel, else whichever they have, else ""."""
    channel = profile.channel
    if channel == MeasurementProfile.Channel.NONE:
        return ""
    if channel == MeasurementProfile.Channel.SMS and patient.phone:
        return channel
    if patient.email:
        return MeasurementProfile.Channel.EMAIL
    return MeasurementProfile.Channel.SMS if patient.phone else ""


def _deliver(*, assignment: Assignment, channel: str, now: dt.datetime) -> None:
    """Send a new link for the assignment by ``channel``."""
    patient = assignment.patient
    _, token = link_issue(assignment=assignment, channel=channel, now=now)
    message = link_message(
        organization=patient.organization,
        language=patient.preferred_language,
        url=_link_url(token),
        reminder=bool(assignment.reminder_count),
    )
    if channel == MeasurementProfile.Channel.SMS:
        send_sms(to=patient.phone, body=message.body)
    else:
        send_mail(message.subject, message.body, None, [patient.email], fail_silently=False)


def assignment_send(
    *,
    assignment: Assignment,
    now: dt.datetime | None = None,
    max_reminders: int = 3,
    reminder_interval_hours: int = 24,
    force: bool = False,
    actor: User | None = None,
    context: AuditContext = NO_REQUEST,
) -> str:
    """Send the first message or the next reminder of one assignment; return the channel used.

    Returns "" when nothing was sent: not yet available, reminders used up, too soon since the
    last message (unless ``force``, for a staff "send now"), no contact details, or another worker
    sent it first. Each send claims the assignment with a conditional UPDATE on its reminder
    state, so concurrent runs send each step once.
    """
    now = now or timezone.now()
    if assignment.status != Assignment.Status.PENDING or assignment.available_at > now:
        return ""
    first = assignment.first_sent_at is None
    if not first:
        if assignment.reminder_count >= max_reminders:
            return ""
        wait = dt.timedelta(hours=reminder_interval_hours)
        if (
            not force
            and assignment.last_sent_at is not None
            and assignment.last_sent_at + wait > now
        ):
            return ""
    channel = _channel_for(
        patient=assignment.patient, profile=measurement_profile_ensure(patient=assignment.patient)
    )
    if not channel:
        return ""
    with transaction.atomic():
        state = Q(pk=assignment.pk, status=Assignment.Status.PENDING)
        state &= Q(reminder_count=assignment.reminder_count)
        state &= Q(first_sent_at__isnull=True) if first else Q(last_sent_at=assignment.last_sent_at)
        claimed = Assignment.objects.filter(state).update(
            first_sent_at=assignment.first_sent_at or now,
            last_sent_at=now,
            reminder_count=F("reminder_count") + (0 if first else 1),
        )
        if not claimed:
            return ""
        assignment.refresh_from_db()
        _deliver(assignment=assignment, channel=channel, now=now)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            context=context,
            organization=assignment.organization,
            object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
            object_id=assignment.pk,
            patient=assignment.patient,
            detail={"sent": channel, "reminder": assignment.reminder_count},
        )
    return channel


def measurement_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send first messages and up to the clinic's maximum of reminders; return how many went.

    At most one message per patient per run: of the patient's open requests, the newest that
    has something to send goes (first message or reminder); the others wait for a later run. An
    older request for a questionnaire that has a newer one open is superseded and never sent
    again. Idempotent and safe beside other workers (see :func:`assignment_send`).
    """
    now = now or timezone.now()
    require_aware("now", now)
    pending = list(
        Assignment.objects.filter(status=Assignment.Status.PENDING, available_at__lte=now)
        .select_related("patient__organization")
        .order_by("patient_id", "-available_at", "id")
    )
    by_patient: dict[int, list[Assignment]] = {}
    for assignment in pending:
        by_patient.setdefault(assignment.patient_id, []).append(assignment)
    settings_by_org: dict[int, MeasurementSettings] = {}
    sent = 0
    for assignments in by_patient.values():
        for assignment in selectors.current_requests(assignments):  # newest first
            measurement_settings = settings_by_org.setdefault(
                assignment.organization_id,
                selectors.measurement_settings_for(organization=assignment.patient.organization),
            )
            try:
                channel = assignment_send(
                    assignment=assignment,
                    now=now,
                    max_reminders=measurement_settings.max_reminders,
                    reminder_interval_hours=measurement_settings.reminder_interval_hours,
                )
            except Exception as exc:
                # One failing mailbox or carrier must not stop the others; the claim rolled
                # back. Log the error type only: mail and SMS errors often quote the address.
                logger.error(  # noqa: TRY400
                    "Sending measurement assignment %s failed: %s",
                    assignment.pk,
                    type(exc).__name__,
                )
                break  # this patient's other requests wait for the next run
            if channel:
                sent += 1
                break  # one message per patient per run
    return sent


def measurement_schedules_refresh(*, now: dt.datetime | None = None) -> int:
    """Refresh the schedule of every patient with a measurement profile.

    Signing a treatment plan gives the patient a profile with the plan's phase. Returns how many
    assignments were created.
    """
    now = now or timezone.now()
    patients = Patient.objects.filter(measurement_profile__isnull=False).select_related(
        "organization"
    )
    zones: dict[int, dt.tzinfo] = {}
    created = 0
    for patient in patients:
        tz = zones.get(patient.organization_id)
        if tz is None:
            tz = zones[patient.organization_id] = selectors.clinic_time_zone(
                organization=patient.organization
            )
        created += len(assignments_refresh(patient=patient, now=now, tz=tz))
    return created
