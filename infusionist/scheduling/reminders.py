"""Appointment reminders: when each is due, what it says, and sending it once.

A clinic reminds patients at its offsets (``SchedulingSettings.reminder_offsets()``, by default
72, 24 and 2 hours) before the time the patient is expected (``service_starts_at``), by e-mail
(with an .ics file) and by text message, to whichever addresses the appointment has. Offsets
are elapsed hours, so a 24 h reminder before a 9:00 visit on the morning after a
daylight-saving change goes at 8:00 or 10:00 local time the day before, 24 real hours ahead.

Rules (docs/decisions/0031):

- Only booked or confirmed appointments are reminded; a cancelled one never is.
- A reminder whose time had already passed when the appointment got its start (booked, or
  last moved) is never sent: booked 3 hours ahead, the patient gets the 2 h reminder only.
- When several offsets are due at once (a worker was stopped), only the nearest is sent; the
  earlier ones are not sent late.
- Each reminder is a ``ReminderDelivery`` row, unique per appointment, offset, channel and
  start, claimed before the message goes: two workers send it once, and a moved appointment
  is reminded again for its new start.

The confirm and cancel links carry a secret derived from the appointment with the server's
key (``appointment_link_token``): every reminder of an appointment carries the same links;
only the SHA-256 of the secret is stored (``Appointment.link_token_sha256``), to find the
appointment from the link.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.profile import message_text_fill
from infusionist.contact import phone_display
from infusionist.measurements.sms import send_sms
from infusionist.scheduling import ics, services
from infusionist.scheduling.models import (
    Appointment,
    AppointmentEvent,
    AppointmentType,
    ReminderDelivery,
    SchedulingSettings,
)

logger = logging.getLogger(__name__)

#: Appointments in these states are reminded (arrived or in the chair need no reminder).
REMINDED_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)
#: The AppointmentEvent kinds that give an appointment a new start.
START_SET_EVENT_KINDS = ("moved",)
LINK_SALT = "infusionist.scheduling.appointment-link"
KINDS = AppointmentType.Kind


# ---- when ---------------------------------------------------------------------------------


def reminder_due_at(*, service_starts_at: dt.datetime, offset_h: int) -> dt.datetime:
    """Return when the ``offset_h``-hour reminder of a visit starting then is due.

    Elapsed hours on aware datetimes (UTC arithmetic): a daylight-saving change between the
    two does not move it. Raises ValueError for a naive datetime.
    """
    if timezone.is_naive(service_starts_at):
        raise ValueError("service_starts_at must be an aware datetime.")
    # In UTC: Python subtracts wall-clock time between datetimes of one zone, which would
    # put the reminder 23 or 25 real hours ahead across a change.
    return service_starts_at.astimezone(dt.UTC) - dt.timedelta(hours=offset_h)


def reminder_offset_due(
    *,
    service_starts_at: dt.datetime,
    start_set_at: dt.datetime,
    offsets_h: list[int],
    now: dt.datetime,
) -> int | None:
    """Return the offset (hours) whose reminder should go now, or None.

    ``start_set_at`` is when the appointment got this start (booked or last moved); an offset
    whose time had passed by then is never due. Of the offsets due and not in the past of the
    visit, the nearest to the visit (the smallest) is returned, so a late sweep does not send
    a stale 72 h reminder after the 24 h one's time.
    """
    if now >= service_starts_at:
        return None
    due = [
        offset_h
        for offset_h in offsets_h
        if start_set_at
        <= reminder_due_at(service_starts_at=service_starts_at, offset_h=offset_h)
        <= now
    ]
    return min(due) if due else None


# ---- links --------------------------------------------------------------------------------


def token_sha256(token: str) -> str:
    """Return the hex SHA-256 of a link or feed secret (what the database stores)."""
    return hashlib.sha256(token.encode()).hexdigest()


def appointment_link_token(appointment: Appointment) -> str:
    """Return the secret of an appointment's confirm and cancel links (43 URL-safe characters).

    Derived from SECRET_KEY, the appointment's id and creation time, so every reminder of the
    appointment carries the same links; rotating SECRET_KEY retires them.
    """
    digest = salted_hmac(
        LINK_SALT,
        f"{appointment.pk}:{appointment.created_at.isoformat()}",
        algorithm="sha256",
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def appointment_link_token_ensure(appointment: Appointment) -> str:
    """Return the appointment's link secret, storing its SHA-256 first if it is not stored."""
    token = appointment_link_token(appointment)
    digest = token_sha256(token)
    if appointment.link_token_sha256 != digest:
        Appointment.objects.filter(pk=appointment.pk).update(link_token_sha256=digest)
        appointment.link_token_sha256 = digest
    return token


def appointment_for_link(*, token: str) -> Appointment | None:
    """Return the appointment a confirm or cancel link names, or None for an unknown secret."""
    if not token or len(token) > 100:
        return None
    return (
        Appointment.objects.select_related(
            "organization", "location", "appointment_type", "patient"
        )
        .filter(link_token_sha256=token_sha256(token))
        .first()
    )


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def confirm_url(token: str) -> str:
    return _absolute(reverse("appointment_link:confirm", args=[token]))


def cancel_url(token: str) -> str:
    return _absolute(reverse("appointment_link:cancel", args=[token]))


# ---- what it says -------------------------------------------------------------------------


@dataclass(frozen=True)
class FastingWindow:
    """How long before the visit to stop eating and drinking."""

    no_food_h: int
    no_drink_min: int


#: Esketamine: no food for 2 hours and no drink for 30 minutes before the dose [19].
ESKETAMINE_FASTING = FastingWindow(no_food_h=2, no_drink_min=30)
#: IV ketamine at these doses has no published fasting rule [?]; the esketamine label's window
#: [19] is used as a conservative default until a clinic setting exists.
KETAMINE_INFUSION_FASTING = FastingWindow(no_food_h=2, no_drink_min=30)
#: Kinds whose patient leaves sedated: a responsible adult takes them home [22][40], and no
#: driving until the next day after restful sleep [18][19].
NEEDS_ESCORT = {KINDS.KETAMINE_INFUSION, KINDS.ESKETAMINE_SESSION}
FASTING: dict[str, FastingWindow] = {
    KINDS.KETAMINE_INFUSION: KETAMINE_INFUSION_FASTING,
    KINDS.ESKETAMINE_SESSION: ESKETAMINE_FASTING,
}
#: Kinds after which the patient brings their current list of medicines (interactions [22]).
BRING_MEDICATION_LIST = {
    KINDS.KETAMINE_INFUSION,
    KINDS.ESKETAMINE_SESSION,
    KINDS.IV_DRIP,
    KINDS.MOBILE_VISIT,
    KINDS.INTAKE_EVALUATION,
}


def appointment_language(appointment: Appointment) -> str:
    """Return "es" or "en": the patient's preferred language, else the website lead's."""
    patient = appointment.patient
    lang = patient.preferred_language if patient is not None else appointment.contact_language
    return "es" if lang == "es" else "en"


def type_name(appointment_type: AppointmentType, lang: str) -> str:
    if lang == "es" and appointment_type.name_es:
        return appointment_type.name_es
    return appointment_type.name


def when_text(moment: dt.datetime, tz: dt.tzinfo, lang: str) -> str:
    """Return "Monday, March 15, 2027 at 9:00 AM EDT" in the visit's zone and ``lang``."""
    local = timezone.localtime(moment, tz)
    with translation.override(lang):
        if lang == "es":
            day = formats.date_format(local, r"l j \d\e F \d\e Y")
            time = formats.date_format(local, "H:i")
            return _("%(day)s at %(time)s %(zone)s") % {
                "day": day,
                "time": time,
                "zone": local.tzname(),
            }
        day = formats.date_format(local, "l, F j, Y")
        time = formats.date_format(local, "g:i A")
        return _("%(day)s at %(time)s %(zone)s") % {
            "day": day,
            "time": time,
            "zone": local.tzname(),
        }


def where_text(appointment: Appointment) -> str:
    """Return where the visit happens, in the active language."""
    kind = appointment.appointment_type.kind
    if kind == KINDS.FREE_CONSULTATION:
        return _("By phone: the clinic will call you.")
    if kind == KINDS.TELEHEALTH_CONSULT:
        return _("By video: the clinic will send you the link.")
    if kind == KINDS.MOBILE_VISIT and appointment.visit_address:
        return _("At your address: %(address)s") % {"address": appointment.visit_address}
    location = appointment.location
    return f"{location.name}, {location.address}"


def instructions(kind: str) -> list[str]:
    """Return the pre-visit instructions of an appointment kind, in the active language."""
    lines: list[str] = []
    fasting = FASTING.get(kind)
    if fasting is not None:
        lines.append(
            _(
                "Do not eat for %(food_h)s hours and do not drink anything for %(drink_min)s "
                "minutes before your appointment, unless the clinic told you otherwise."
            )
            % {"food_h": fasting.no_food_h, "drink_min": fasting.no_drink_min}
        )
    if kind in NEEDS_ESCORT:
        lines.append(
            _(
                "Arrange for an adult to take you home. Do not drive until the next day, "
                "after a night's sleep."
            )
        )
    if kind in BRING_MEDICATION_LIST:
        lines.append(_("Bring a list of every medicine and supplement you take, with the doses."))
    return lines


@dataclass(frozen=True)
class ReminderMessage:
    """One reminder: the e-mail's subject and body, the text message, the .ics file."""

    subject: str
    body: str
    sms: str
    ics: bytes


def reminder_message(*, appointment: Appointment, token: str) -> ReminderMessage:
    """Return the reminder of ``appointment`` in its patient's language.

    The e-mail names the clinic, the kind of visit, when (in the location's zone) and where,
    the instructions and the confirm and cancel links; the text message leaves out the kind
    of visit (a phone left on a table says nothing about the treatment). No clinical detail
    beyond what the patient needs to come.
    """
    lang = appointment_language(appointment)
    organization = appointment.organization
    tz = appointment.location.tzinfo
    with translation.override(lang):
        clinic = organization.name
        when = when_text(appointment.service_starts_at, tz, lang)
        kind_name = type_name(appointment.appointment_type, lang)
        where = where_text(appointment)
        steps = instructions(appointment.appointment_type.kind)
        subject = _("Reminder: your appointment at %(clinic)s, %(when)s") % {
            "clinic": clinic,
            "when": when,
        }
        phone = phone_display(appointment.location.phone or organization.contact_phone or "")
        greeting = message_text_fill(
            organization.profile_text("message_greeting", lang), clinic=clinic, phone=phone
        )
        # The clinic's sign-off is written for questionnaire messages ("we read every
        # answer"); a reminder ends with the clinic's name and phone instead.
        signoff = f"{clinic} · {phone}" if phone else clinic
        lines = [
            *([greeting, ""] if greeting else []),
            _("This is a reminder of your appointment at %(clinic)s.") % {"clinic": clinic},
            "",
            _("What: %(kind)s") % {"kind": kind_name},
            _("When: %(when)s") % {"when": when},
            _("Where: %(where)s") % {"where": where},
        ]
        if steps:
            lines += ["", _("Before you come:"), *[f"- {step}" for step in steps]]
        lines += [
            "",
            _("Confirm that you will come: %(url)s") % {"url": confirm_url(token)},
            _("Cancel if you cannot come: %(url)s") % {"url": cancel_url(token)},
        ]
        if phone:
            lines.append(_("Questions? Call the clinic at %(phone)s.") % {"phone": phone})
        lines += [
            "",
            _("The attached calendar file adds the appointment to your calendar."),
            *(["", signoff] if signoff else []),
        ]
        sms_parts = [
            _("%(clinic)s: reminder of your appointment on %(when)s.")
            % {"clinic": clinic, "when": when},
            where,
            *steps,
            _("Confirm: %(url)s") % {"url": confirm_url(token)},
            _("Cancel: %(url)s") % {"url": cancel_url(token)},
        ]
        calendar = ics.appointment_calendar(
            appointment=appointment,
            summary=f"{kind_name} — {clinic}",
            description="\n".join([*steps, "", confirm_url(token), cancel_url(token)]).strip(),
        )
    return ReminderMessage(
        subject=subject, body="\n".join(lines), sms="\n".join(sms_parts), ics=calendar
    )


# ---- sending ------------------------------------------------------------------------------


def _email_of(appointment: Appointment) -> str:
    patient = appointment.patient
    return patient.email if patient is not None else appointment.contact_email


def _phone_of(appointment: Appointment) -> str:
    patient = appointment.patient
    return patient.phone if patient is not None else appointment.contact_phone


def _channels(appointment: Appointment) -> list[str]:
    channels: list[str] = []
    if _email_of(appointment):
        channels.append(ReminderDelivery.Channel.EMAIL)
    if _phone_of(appointment):
        channels.append(ReminderDelivery.Channel.SMS)
    return channels


def _send(*, appointment: Appointment, channel: str, message: ReminderMessage) -> None:
    if channel == ReminderDelivery.Channel.SMS:
        send_sms(to=_phone_of(appointment), body=message.sms)
        return
    email = EmailMessage(message.subject, message.body, None, [_email_of(appointment)])
    email.attach("appointment.ics", message.ics, "text/calendar; charset=utf-8; method=PUBLISH")
    email.send(fail_silently=False)


def appointment_reminder_send(
    *, appointment: Appointment, offset_h: int, now: dt.datetime | None = None
) -> int:
    """Send the ``offset_h`` reminder of one appointment on each channel it has; return how many.

    Each channel's ``ReminderDelivery`` is claimed in the transaction that sends: if another
    worker holds it, that channel is skipped; if the sending fails, the claim rolls back and a
    later sweep tries again. Each send adds an AppointmentEvent and an audit event.
    """
    now = now or timezone.now()
    token = appointment_link_token_ensure(appointment)
    message = reminder_message(appointment=appointment, token=token)
    sent = 0
    for channel in _channels(appointment):
        try:
            with transaction.atomic():
                ReminderDelivery.objects.create(
                    appointment=appointment,
                    offset_h=offset_h,
                    channel=channel,
                    for_starts_at=appointment.service_starts_at,
                    sent_at=now,
                )
                _send(appointment=appointment, channel=channel, message=message)
                detail = {"reminder_offset_h": offset_h, "channel": channel}
                AppointmentEvent.objects.create(
                    appointment=appointment, kind="reminder_sent", detail=detail, at=now
                )
                audit_record(
                    action=AuditEvent.Action.UPDATE,
                    object_type=AuditEvent.ObjectType.APPOINTMENT,
                    organization=appointment.organization,
                    object_id=appointment.pk,
                    patient=appointment.patient,
                    detail={"sent": "reminder", **detail},
                )
        except IntegrityError:
            continue  # another worker sent this one
        except Exception as exc:
            # One failing mailbox or carrier must not stop the others. Log the error type
            # only: mail and SMS errors often quote the address.
            logger.error(  # noqa: TRY400
                "Reminder of appointment %s by %s failed: %s",
                appointment.pk,
                channel,
                type(exc).__name__,
            )
            continue
        sent += 1
    return sent


def _offsets_by_organization() -> dict[int, list[int]]:
    return {row.organization_id: row.reminder_offsets() for row in SchedulingSettings.objects.all()}


def reminder_candidates(*, now: dt.datetime, horizon_h: int) -> QuerySet[Appointment]:
    """Booked or confirmed appointments starting within ``horizon_h`` hours after ``now``.

    Each is annotated with ``start_set_at``: its last move, else its creation.
    """
    last_move = (
        AppointmentEvent.objects.filter(appointment=OuterRef("pk"), kind__in=START_SET_EVENT_KINDS)
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Appointment.objects.filter(
            status__in=REMINDED_STATUSES,
            service_starts_at__gt=now,
            service_starts_at__lte=now + dt.timedelta(hours=horizon_h),
        )
        .select_related("organization", "location", "appointment_type", "patient")
        .prefetch_related("reminders")
        .annotate(last_moved_at=Subquery(last_move))
        .order_by("service_starts_at", "id")
    )


def appointment_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every reminder that is due; return how many messages went.

    Idempotent and safe beside other workers: run it as often as you like (the worker's
    periodic task every APPOINTMENT_REMINDER_EVERY_MIN minutes, or cron with
    ``send_appointment_reminders``).
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime.")
    offsets = _offsets_by_organization()
    default = SchedulingSettings().reminder_offsets()
    horizon_h = max([*default, *(h for row in offsets.values() for h in row)])
    sent = 0
    for appointment in reminder_candidates(now=now, horizon_h=horizon_h):
        start_set_at = max(
            appointment.created_at,
            getattr(appointment, "last_moved_at", None) or appointment.created_at,
        )
        offset_h = reminder_offset_due(
            service_starts_at=appointment.service_starts_at,
            start_set_at=start_set_at,
            offsets_h=offsets.get(appointment.organization_id, default),
            now=now,
        )
        if offset_h is None:
            continue
        done = {
            delivery.channel
            for delivery in appointment.reminders.all()
            if delivery.offset_h == offset_h
            and delivery.for_starts_at == appointment.service_starts_at
        }
        if set(_channels(appointment)) <= done:
            continue
        sent += appointment_reminder_send(appointment=appointment, offset_h=offset_h, now=now)
    return sent


# ---- the patient's answer from a link ----------------------------------------------------


class LinkRefused(Exception):
    """The link's appointment cannot be confirmed or cancelled now; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def link_problem(appointment: Appointment, *, now: dt.datetime | None = None) -> str:
    """Return why the appointment can no longer be answered from a link, or "" when it can.

    Reasons: "cancelled", "past" (it has started), "closed" (arrived, done or missed).
    """
    now = now or timezone.now()
    if appointment.status == Appointment.Status.CANCELLED:
        return "cancelled"
    if appointment.status not in REMINDED_STATUSES:
        return "closed"
    if appointment.service_starts_at <= now:
        return "past"
    return ""


@transaction.atomic
def appointment_confirm_by_link(
    *, appointment: Appointment, context: AuditContext = NO_REQUEST
) -> bool:
    """Mark the appointment confirmed by the patient; return False when it already was.

    Raises LinkRefused when it is cancelled, past or closed. Adds an AppointmentEvent and an
    audit event (no actor: the patient answered a link).
    """
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    problem = link_problem(locked)
    if problem:
        raise LinkRefused(problem)
    if locked.status == Appointment.Status.CONFIRMED:
        return False
    now = timezone.now()
    Appointment.objects.filter(pk=locked.pk).update(
        status=Appointment.Status.CONFIRMED, updated_at=now
    )
    appointment.status = Appointment.Status.CONFIRMED
    AppointmentEvent.objects.create(
        appointment=locked, kind="confirmed", detail={"source": "patient_link"}, at=now
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        organization=appointment.organization,
        object_id=locked.pk,
        patient=appointment.patient,
        context=context,
        detail={"status": {"old": Appointment.Status.BOOKED, "new": "confirmed"}, "by": "link"},
    )
    return True


def appointment_cancel_by_link(
    *, appointment: Appointment, reason: str, context: AuditContext = NO_REQUEST
) -> Appointment:
    """Cancel the appointment at the patient's request from a reminder's link.

    Raises LinkRefused when it is already cancelled, past or closed; otherwise the booking
    service cancels it (``source="patient"``, no actor): it sets the cancel fields and
    ``late_cancellation``, adds the AppointmentEvent and the audit event, and frees the slot.
    """
    problem = link_problem(appointment)
    if problem:
        raise LinkRefused(problem)
    try:
        return services.appointment_cancel(
            appointment=appointment, by=None, reason=reason, source="patient", context=context
        )
    except services.BookingRuleBroken as exc:
        # Cancelled or started in the meantime (another tab, the front desk).
        appointment.refresh_from_db()
        raise LinkRefused(link_problem(appointment) or "closed") from exc
