"""The waitlist: patients waiting for a time, offered a freed slot by message until it expires.

Flow (docs/decisions/0027-public-booking-waitlist-offers-and-the-closed-loop.md):

1. Staff add a patient (type, location, a window of dates, the weekdays that suit):
   :func:`waitlist_entry_add`.
2. When an appointment is cancelled, :func:`waitlist_offer_freed_slot` (queued after the
   cancellation commits: :data:`offer_freed_slot_task`) offers its time to the first matching
   waiting patient — first come, first served by ``created_at`` — for whom the time is still
   open by ``available_slots``. The patient gets an email and a text message with a secret
   link (``/waitlist/offer/<token>/``; only its SHA-256 is stored).
3. The patient accepts (:func:`waitlist_offer_accept`: books it with ``source="waitlist"``, or
   says plainly it was taken meanwhile) or declines (:func:`waitlist_offer_decline`).
4. An offer expires after the clinic's ``waitlist_offer_minutes``, judged when the link is
   opened and by the sweep :func:`waitlist_expire_offers`; on expiry or decline the next
   waiting patient is offered the same time.

Every step is audited (object type ``waitlist_entry`` or ``waitlist_offer``).

Wiring (the lead's ``services.appointment_cancel``, inside its transaction, after the audit)::

    transaction.on_commit(
        lambda: waitlist.offer_freed_slot_task.enqueue(appointment_id=appointment.pk)
    )

with ``from infusionist.scheduling import waitlist`` at the top of services.py. The sweep
``expire_offers_task`` runs every few minutes on the worker (or cron:
``waitlist_expire_offers()``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django_tasks import task

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Location, Organization
from infusionist.measurements.sms import send_sms
from infusionist.patients.models import Patient
from infusionist.scheduling import selectors
from infusionist.scheduling import services as booking
from infusionist.scheduling.models import (
    Appointment,
    AppointmentType,
    WaitlistEntry,
    WaitlistOffer,
)

# ``services`` is read as a module (``booking.appointment_book``), never by its names, so
# ``services.appointment_cancel`` may import this module at its top to queue the offer.
logger = logging.getLogger(__name__)

#: How far ahead a waiting window may reach, in days.
WAITLIST_MAX_WINDOW_DAYS = 180


class WaitlistError(Exception):
    """A waitlist step that cannot be taken; ``code`` names why, ``message`` says it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def token_digest(token: str) -> str:
    """The SHA-256 of an offer link's secret, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _audit_entry(
    entry: WaitlistEntry, *, action: str, by: Any, context: AuditContext, detail: dict[str, Any]
) -> None:
    audit_record(
        action=action,
        actor=by if getattr(by, "pk", None) else None,
        context=context,
        organization=entry.organization,
        object_type=AuditEvent.ObjectType.WAITLIST_ENTRY,
        object_id=entry.pk,
        patient=entry.patient,
        detail=detail,
    )


def _audit_offer(
    offer: WaitlistOffer,
    *,
    action: str,
    context: AuditContext,
    detail: dict[str, Any],
    outcome: str = AuditEvent.Outcome.ALLOWED,
) -> None:
    entry = offer.entry
    audit_record(
        action=action,
        context=context,
        organization=entry.organization,
        object_type=AuditEvent.ObjectType.WAITLIST_OFFER,
        object_id=offer.pk,
        patient=entry.patient,
        outcome=outcome,
        detail={"entry": entry.pk, "status": offer.status, **detail},
    )


def _entry_values(entry: WaitlistEntry) -> dict[str, Any]:
    return {
        "type": entry.appointment_type.name,
        "location": entry.location.name if entry.location else "",
        "from": entry.earliest_on.isoformat(),
        "until": entry.latest_on.isoformat(),
        "weekdays": list(entry.weekdays),
        "note": entry.note,
        "status": entry.status,
    }


# ---- entries -----------------------------------------------------------------------------


def waitlist_entry_add(
    *,
    organization: Organization,
    patient: Patient,
    appointment_type: AppointmentType,
    location: Location | None,
    earliest_on: dt.date,
    latest_on: dt.date,
    weekdays: list[int] | tuple[int, ...] = (),
    note: str = "",
    by: Any,
    context: AuditContext = NO_REQUEST,
    today: dt.date | None = None,
) -> WaitlistEntry:
    """Put ``patient`` on the waitlist for ``appointment_type`` between two dates (inclusive).

    ``weekdays``: 0 = Monday … 6 = Sunday; empty means any day. Raises :class:`WaitlistError`
    (``organization``, ``window``, ``weekdays``, ``note``) for a patient, type or location of
    another clinic, a window that ends before it starts, lies in the past or reaches more than
    :data:`WAITLIST_MAX_WINDOW_DAYS` ahead, or a weekday outside 0–6.
    """
    today = today or timezone.localdate(timezone.now(), location.tzinfo if location else None)
    for record in (patient, appointment_type, location):
        if record is not None and record.organization_id != organization.pk:
            raise WaitlistError("organization", "That is not one of the clinic's records.")
    if latest_on < earliest_on:
        raise WaitlistError("window", "The last day must be on or after the first day.")
    if latest_on < today:
        raise WaitlistError("window", "The window is in the past; choose dates from today on.")
    if (latest_on - today).days > WAITLIST_MAX_WINDOW_DAYS:
        raise WaitlistError(
            "window", f"Keep the window within {WAITLIST_MAX_WINDOW_DAYS} days from today."
        )
    days = sorted({int(d) for d in weekdays})
    if any(d < 0 or d > 6 for d in days):
        raise WaitlistError("weekdays", "Choose weekdays from Monday to Sunday.")
    if len(note) > 300:
        raise WaitlistError("note", "Keep the note under 300 characters.")
    with transaction.atomic():
        entry = WaitlistEntry(
            organization=organization,
            patient=patient,
            appointment_type=appointment_type,
            location=location,
            earliest_on=max(earliest_on, today),
            latest_on=latest_on,
            weekdays=days,
            note=note.strip(),
            created_by=by if getattr(by, "pk", None) else None,
        )
        entry.full_clean()
        entry.save()
        _audit_entry(
            entry,
            action=AuditEvent.Action.CREATE,
            by=by,
            context=context,
            detail={"after": _entry_values(entry)},
        )
    return entry


def waitlist_entry_remove(
    *, entry: WaitlistEntry, by: Any, context: AuditContext = NO_REQUEST
) -> WaitlistEntry:
    """Take an entry off the waitlist; an open offer of it is withdrawn. Idempotent."""
    with transaction.atomic():
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status == WaitlistEntry.Status.REMOVED:
            return locked
        before = _entry_values(entry)
        entry.status = WaitlistEntry.Status.REMOVED
        entry.save(update_fields=["status"])
        WaitlistOffer.objects.filter(entry=entry, status=WaitlistOffer.Status.OPEN).update(
            status=WaitlistOffer.Status.WITHDRAWN, answered_at=timezone.now()
        )
        _audit_entry(
            entry,
            action=AuditEvent.Action.UPDATE,
            by=by,
            context=context,
            detail={"before": before, "after": _entry_values(entry)},
        )
    return entry


def waitlist_entries(*, organization: Organization) -> QuerySet[WaitlistEntry]:
    """The clinic's waiting and offered entries, first come first (one query)."""
    return (
        WaitlistEntry.objects.filter(
            organization=organization,
            status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
        )
        .select_related("patient", "appointment_type", "location")
        .order_by("created_at", "id")
    )


def waitlist_entry_get(*, organization: Organization, entry_id: int) -> WaitlistEntry | None:
    """One of the clinic's entries by id, or None (404)."""
    return (
        WaitlistEntry.objects.filter(organization=organization, pk=entry_id)
        .select_related("patient", "appointment_type", "location", "organization")
        .first()
    )


# ---- offers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FreedSlot:
    """A time that opened: what was cancelled, where and when."""

    organization: Organization
    appointment_type: AppointmentType
    location: Location
    service_starts_at: dt.datetime


def _matching_entries(slot: FreedSlot) -> list[WaitlistEntry]:
    """Waiting entries the freed time suits, first come first (one query)."""
    local = slot.service_starts_at.astimezone(slot.location.tzinfo)
    already = WaitlistOffer.objects.filter(
        location=slot.location, service_starts_at=slot.service_starts_at
    ).values("entry_id")
    rows = (
        WaitlistEntry.objects.filter(
            organization=slot.organization,
            appointment_type=slot.appointment_type,
            status=WaitlistEntry.Status.WAITING,
            earliest_on__lte=local.date(),
            latest_on__gte=local.date(),
        )
        .exclude(pk__in=already)
        .select_related("patient", "appointment_type", "location", "organization")
        .order_by("created_at", "id")
    )
    return [
        e
        for e in rows
        if (e.location_id is None or e.location_id == slot.location.pk)
        and (not e.weekdays or local.weekday() in e.weekdays)
    ]


def _open_for(slot: FreedSlot, patient_id: int, now: dt.datetime) -> Any:
    """The kernel's fit of the freed time for this patient, or None."""
    fits = selectors.available_slots(
        organization=slot.organization,
        appointment_type=slot.appointment_type,
        location=slot.location,
        start=slot.service_starts_at,
        end=slot.service_starts_at + dt.timedelta(minutes=1),
        patient_id=patient_id,
        limit=1,
        for_patient=True,
        now=now,
    )
    return next((f for f in fits if f.service_start == slot.service_starts_at), None)


def offer_url(token: str) -> str:
    """The absolute address of an offer link."""
    return settings.SITE_URL.rstrip("/") + reverse("waitlist_offer:offer", args=[token])


def _send_offer(offer: WaitlistOffer, token: str) -> list[str]:
    """Email and text the patient the offer in their language; return the channels used."""
    patient = offer.entry.patient
    tz = offer.location.tzinfo
    local = offer.service_starts_at.astimezone(tz)
    until = offer.expires_at.astimezone(tz)
    used: list[str] = []
    with translation.override(patient.preferred_language or "en"):
        body = _(
            "%(clinic)s: an appointment time has opened for you on %(day)s at %(time)s. "
            "To take it, open %(url)s before %(until)s. If it does not suit you, you stay "
            "on the waiting list."
        ) % {
            "clinic": offer.entry.organization.name,
            "day": date_format(local.date(), "DATE_FORMAT"),
            "time": time_format(local.time(), "TIME_FORMAT"),
            "url": offer_url(token),
            "until": time_format(until.time(), "TIME_FORMAT"),
        }
        subject = _("An earlier appointment time is open")
    if patient.phone:
        try:
            send_sms(to=patient.phone, body=body)
            used.append("sms")
        except Exception:  # a failed text must not lose the offer; the email may still go
            logger.exception("Waitlist offer %s: the text message failed", offer.pk)
    if patient.email:
        try:
            send_mail(subject, body, None, [patient.email], fail_silently=False)
            used.append("email")
        except Exception:
            logger.exception("Waitlist offer %s: the email failed", offer.pk)
    return used


def _offer_next(
    slot: FreedSlot, *, now: dt.datetime, context: AuditContext
) -> WaitlistOffer | None:
    """Offer ``slot`` to the first matching waiting patient it is still open for."""
    if slot.service_starts_at <= now:
        return None
    minutes = selectors.scheduling_settings_for(
        organization=slot.organization
    ).waitlist_offer_minutes
    for entry in _matching_entries(slot):
        fit = _open_for(slot, entry.patient_id, now)
        if fit is None:
            continue
        token = secrets.token_urlsafe(24)
        with transaction.atomic():
            locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
            if locked.status != WaitlistEntry.Status.WAITING:
                continue
            offer = WaitlistOffer.objects.create(
                entry=entry,
                location=slot.location,
                chair_id=fit.chair_id,
                staff_id=fit.staff_id,
                service_starts_at=slot.service_starts_at,
                expires_at=now + dt.timedelta(minutes=minutes),
                token_sha256=token_digest(token),
                created_at=now,
            )
            entry.status = WaitlistEntry.Status.OFFERED
            entry.save(update_fields=["status"])
            _audit_offer(
                offer,
                action=AuditEvent.Action.CREATE,
                context=context,
                detail={
                    "starts": slot.service_starts_at.astimezone(slot.location.tzinfo).isoformat(),
                    "expires": offer.expires_at.isoformat(),
                },
            )
        channels = _send_offer(offer, token)
        _audit_offer(
            offer,
            action=AuditEvent.Action.UPDATE,
            context=context,
            detail={"step": "sent", "channels": channels},
        )
        offer.link_token = token  # type: ignore[attr-defined]  # for this call only
        return offer
    return None


def waitlist_offer_freed_slot(
    appointment_id: int, *, now: dt.datetime | None = None, context: AuditContext = NO_REQUEST
) -> WaitlistOffer | None:
    """Offer a cancelled appointment's time to the first matching waiting patient.

    Returns the offer made, or None (the appointment is not cancelled, is in the past, or no
    waiting patient matches and has the time open). Safe to run twice: a patient is never
    offered the same time twice.
    """
    now = now or timezone.now()
    appointment = (
        Appointment.objects.filter(pk=appointment_id)
        .select_related("organization", "appointment_type", "location")
        .first()
    )
    if appointment is None or appointment.status != Appointment.Status.CANCELLED:
        return None
    slot = FreedSlot(
        appointment.organization,
        appointment.appointment_type,
        appointment.location,
        appointment.service_starts_at,
    )
    return _offer_next(slot, now=now, context=context)


@task()
def offer_freed_slot_task(appointment_id: int) -> int | None:
    """Background: offer a cancelled appointment's time (see :func:`waitlist_offer_freed_slot`)."""
    offer = waitlist_offer_freed_slot(appointment_id)
    return offer.pk if offer else None


@task()
def expire_offers_task() -> int:
    """Background sweep: expire overdue offers and offer their times on."""
    return waitlist_expire_offers()


def _slot_of(offer: WaitlistOffer) -> FreedSlot:
    entry = offer.entry
    return FreedSlot(
        entry.organization, entry.appointment_type, offer.location, offer.service_starts_at
    )


def waitlist_offer_by_token(token: str) -> WaitlistOffer | None:
    """The offer a link's secret opens, or None (one query)."""
    if not token or len(token) > 100:
        return None
    return (
        WaitlistOffer.objects.filter(token_sha256=token_digest(token))
        .select_related(
            "entry",
            "entry__patient",
            "entry__organization",
            "entry__appointment_type",
            "location",
            "appointment",
        )
        .first()
    )


def _close(
    offer: WaitlistOffer,
    *,
    status: str,
    entry_status: str,
    now: dt.datetime,
    context: AuditContext,
    detail: dict[str, Any] | None = None,
) -> None:
    offer.status = status
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at", "appointment"])
    WaitlistEntry.objects.filter(pk=offer.entry_id).exclude(
        status=WaitlistEntry.Status.REMOVED
    ).update(status=entry_status)
    offer.entry.status = entry_status
    _audit_offer(offer, action=AuditEvent.Action.UPDATE, context=context, detail=detail or {})


def waitlist_offer_expire_if_due(
    offer: WaitlistOffer, *, now: dt.datetime | None = None, context: AuditContext = NO_REQUEST
) -> bool:
    """Expire an open offer whose time is up and offer the time on; True when it expired."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.status != WaitlistOffer.Status.OPEN or locked.expires_at > now:
            return False
        _close(
            offer,
            status=WaitlistOffer.Status.EXPIRED,
            entry_status=WaitlistEntry.Status.WAITING,
            now=now,
            context=context,
        )
    _offer_next(_slot_of(offer), now=now, context=context)
    return True


def waitlist_expire_offers(*, now: dt.datetime | None = None) -> int:
    """Expire every open offer whose time is up, offering each time on; return how many."""
    now = now or timezone.now()
    due = WaitlistOffer.objects.filter(
        status=WaitlistOffer.Status.OPEN, expires_at__lte=now
    ).select_related(
        "entry", "entry__patient", "entry__organization", "entry__appointment_type", "location"
    )
    return sum(1 for offer in list(due) if waitlist_offer_expire_if_due(offer, now=now))


def waitlist_offer_decline(
    *, offer: WaitlistOffer, now: dt.datetime | None = None, context: AuditContext = NO_REQUEST
) -> WaitlistOffer:
    """The patient says no: the offer closes, they keep waiting, the next patient is offered.

    Raises :class:`WaitlistError` (``expired``, ``closed``) for an offer no longer open.
    """
    now = now or timezone.now()
    if waitlist_offer_expire_if_due(offer, now=now, context=context):
        raise WaitlistError("expired", "This offer has expired.")
    with transaction.atomic():
        locked = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.status != WaitlistOffer.Status.OPEN:
            raise WaitlistError("closed", "This offer has already been answered.")
        _close(
            offer,
            status=WaitlistOffer.Status.DECLINED,
            entry_status=WaitlistEntry.Status.WAITING,
            now=now,
            context=context,
        )
    _offer_next(_slot_of(offer), now=now, context=context)
    return offer


def waitlist_offer_accept(
    *, offer: WaitlistOffer, now: dt.datetime | None = None, context: AuditContext = NO_REQUEST
) -> Appointment:
    """The patient takes the time: book it for them (``source="waitlist"``).

    Raises :class:`WaitlistError`: ``expired`` or ``closed`` for an offer no longer open;
    ``taken`` when the time was booked by someone else meanwhile (the offer is withdrawn and
    the patient keeps waiting).
    """
    now = now or timezone.now()
    if waitlist_offer_expire_if_due(offer, now=now, context=context):
        raise WaitlistError("expired", "This offer has expired.")
    entry = offer.entry
    with transaction.atomic():
        locked = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.status != WaitlistOffer.Status.OPEN:
            raise WaitlistError("closed", "This offer has already been answered.")
        try:
            appointment = booking.appointment_book(
                organization=entry.organization,
                appointment_type=entry.appointment_type,
                location=offer.location,
                service_starts_at=offer.service_starts_at,
                patient=entry.patient,
                source=Appointment.Source.WAITLIST,
                context=context,
                now=now,
            )
        except booking.BookingError as error:
            _close(
                offer,
                status=WaitlistOffer.Status.WITHDRAWN,
                entry_status=WaitlistEntry.Status.WAITING,
                now=now,
                context=context,
                detail={"reason": error.code},
            )
            taken = WaitlistError("taken", "That time was taken meanwhile.")
            taken.__cause__ = error
        else:
            offer.appointment = appointment
            _close(
                offer,
                status=WaitlistOffer.Status.ACCEPTED,
                entry_status=WaitlistEntry.Status.BOOKED,
                now=now,
                context=context,
                detail={"appointment": appointment.pk},
            )
            return appointment
    raise taken
