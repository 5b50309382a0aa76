"""A staff member's secret iCalendar feed of their own appointments (docs/decisions/0031).

The feed URL holds a random secret shown once when it is made; only its SHA-256 is stored
(``CalendarFeed.token_sha256``), one feed per staff member. Making a new one replaces the old
secret at once. Each event names the kind of visit, the patient's initials and the chair:
enough to plan a day from a phone, little enough for a calendar kept by a consumer service.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.access import require
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.scheduling import ics
from infusionist.scheduling.models import ACTIVE_STATUSES, Appointment, CalendarFeed
from infusionist.scheduling.reminders import token_sha256

#: The feed shows appointments from this many days back to this many days ahead.
FEED_DAYS_BACK = 7
FEED_DAYS_AHEAD = 90
FEED_CAPABILITY = "schedule.view"


def feed_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("calendar_feed:ics", args=[token])


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    """Return the user's feed, or None when they have none."""
    return CalendarFeed.objects.filter(staff=user).first()


@transaction.atomic
def calendar_feed_rotate(*, actor: User, context: AuditContext = NO_REQUEST) -> str:
    """Make the actor's feed secret (replacing any earlier one) and return it.

    Raises PermissionDenied when the actor may not see the schedule. Audited.
    """
    require(actor, FEED_CAPABILITY)
    token = secrets.token_urlsafe(32)
    existing = CalendarFeed.objects.select_for_update().filter(staff=actor).first()
    if existing is None:
        feed = CalendarFeed.objects.create(staff=actor, token_sha256=token_sha256(token))
    else:
        existing.token_sha256 = token_sha256(token)
        existing.created_at = timezone.now()
        existing.save(update_fields=["token_sha256", "created_at"])
        feed = existing
    audit_record(
        action=AuditEvent.Action.UPDATE if existing else AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.CALENDAR_FEED,
        object_id=feed.pk,
        detail={"secret": "replaced" if existing else "created"},
    )
    return token


@transaction.atomic
def calendar_feed_remove(*, actor: User, context: AuditContext = NO_REQUEST) -> bool:
    """Turn the actor's feed off; return False when they had none. Audited."""
    require(actor, FEED_CAPABILITY)
    feed = CalendarFeed.objects.filter(staff=actor).first()
    if feed is None:
        return False
    feed_id = feed.pk
    feed.delete()
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.CALENDAR_FEED,
        object_id=feed_id,
    )
    return True


def calendar_feed_for_token(*, token: str) -> CalendarFeed | None:
    """Return the feed of a secret, if its owner is still an active staff member."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("staff__organization")
        .filter(token_sha256=token_sha256(token))
        .first()
    )
    if feed is None or not feed.staff.is_active or feed.staff.organization_id is None:
        return None
    return feed


def initials(name: str) -> str:
    """Return "J. D." for "Jane Doe": the first letter of each word, at most three."""
    letters = [word[0].upper() for word in name.split() if word and word[0].isalpha()]
    return " ".join(f"{letter}." for letter in letters[:3])


def _person(appointment: Appointment) -> str:
    patient = appointment.patient
    return initials(patient.display_name if patient is not None else appointment.contact_name)


def staff_feed_ics(*, feed: CalendarFeed, now: dt.datetime | None = None) -> tuple[bytes, int]:
    """Return the feed's calendar and how many appointments it holds.

    The owner's active appointments, from a week back to 90 days on.
    One query for the appointments with their type, location, chair and patient. Each event
    runs over the chair time (preparation to turnover); its description says when the
    patient is expected.
    """
    now = now or timezone.now()
    staff = feed.staff
    if staff.organization_id is None:
        return ics.staff_feed_calendar(name="", events=[]), 0
    appointments = (
        Appointment.objects.filter(
            organization_id=staff.organization_id,
            staff=staff,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=now - dt.timedelta(days=FEED_DAYS_BACK),
            starts_at__lt=now + dt.timedelta(days=FEED_DAYS_AHEAD),
        )
        .select_related("appointment_type", "location", "chair", "patient")
        .order_by("starts_at", "id")
    )
    events = []
    for appointment in appointments:
        parts = [appointment.appointment_type.name, _person(appointment)]
        if appointment.chair is not None:
            parts.append(appointment.chair.name)
        tz = appointment.location.tzinfo
        expected = timezone.localtime(appointment.service_starts_at, tz)
        leaves = timezone.localtime(appointment.service_ends_at, tz)
        description = f"Patient expected {expected:%H:%M}, treatment ends {leaves:%H:%M}."
        events.append((appointment, " — ".join(p for p in parts if p), description))
    clinic = staff.organization.name if staff.organization is not None else ""
    name = f"{clinic}: {staff.full_name or staff.email}"
    return ics.staff_feed_calendar(name=name, events=events), len(events)
