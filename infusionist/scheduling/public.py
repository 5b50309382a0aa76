"""Reads for the pages a visitor or a patient books from: the clinic, its bookable type,
open times grouped by day in the location's time zone.

The arithmetic is the lead's :func:`infusionist.scheduling.selectors.available_slots`
(``for_patient=True``: the clinic's minimum notice and booking horizon apply); this module
only finds what to ask it about and arranges the answer for a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from infusionist.clinics.models import Location, Organization
from infusionist.scheduling import selectors
from infusionist.scheduling.models import Appointment, AppointmentType

#: How far ahead the public page looks for open times (the clinic's horizon may be shorter).
LOOK_AHEAD_DAYS = 21
#: Days with open times shown at once; more would be a wall of buttons on a phone.
DAYS_SHOWN = 5
#: Open times read from the kernel at most (enough for the days shown).
SLOT_LIMIT = 240


@dataclass(frozen=True)
class PublicTarget:
    """What the website books: the clinic, its public type and the location of the call."""

    organization: Organization
    appointment_type: AppointmentType
    location: Location


@dataclass(frozen=True)
class SlotChoice:
    """One open time as a page shows it: ``value`` is the ISO 8601 start with its offset."""

    value: str
    starts_at: dt.datetime
    local: dt.datetime


@dataclass(frozen=True)
class SlotDay:
    """The open times of one local day, in order."""

    day: dt.date
    choices: tuple[SlotChoice, ...]


def public_target(*, org_slug: str) -> PublicTarget | None:
    """The clinic with slug ``org_slug``, its public-bookable type and its primary location.

    A free consultation is preferred over any other public type. None when the clinic does
    not exist or books nothing from the website (the page answers 404). Queries: 2.
    """
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None:
        return None
    types = [
        t for t in selectors.appointment_types_for(organization=organization) if t.public_bookable
    ]
    if not types:
        return None
    free = AppointmentType.Kind.FREE_CONSULTATION
    types.sort(key=lambda t: (t.kind != free, t.pk))
    location = organization.primary_location
    if location is None:
        return None
    return PublicTarget(organization, types[0], location)


def slot_days(
    *,
    organization: Organization,
    appointment_type: AppointmentType,
    location: Location,
    patient_id: int | None = None,
    now: dt.datetime | None = None,
    days: int = DAYS_SHOWN,
) -> list[SlotDay]:
    """Open times a patient may book, grouped by local day: the first ``days`` days with any.

    Shape: a list of :class:`SlotDay`; empty when nothing is open within
    :data:`LOOK_AHEAD_DAYS` (or the clinic's booking horizon, if shorter).
    """
    now = now or timezone.now()
    slots = selectors.available_slots(
        organization=organization,
        appointment_type=appointment_type,
        location=location,
        start=now,
        end=now + dt.timedelta(days=LOOK_AHEAD_DAYS),
        patient_id=patient_id,
        limit=SLOT_LIMIT,
        for_patient=True,
        now=now,
    )
    tz = location.tzinfo
    grouped: dict[dt.date, list[SlotChoice]] = {}
    for slot in slots:
        local = slot.service_start.astimezone(tz)
        if local.date() not in grouped and len(grouped) >= days:
            break
        grouped.setdefault(local.date(), []).append(
            SlotChoice(slot.service_start.isoformat(), slot.service_start, local)
        )
    return [SlotDay(day, tuple(choices)) for day, choices in grouped.items()]


def slot_values(days: list[SlotDay]) -> set[str]:
    """The ISO values of every open time shown."""
    return {choice.value for day in days for choice in day.choices}


def website_booking_get(*, organization: Organization, appointment_id: int) -> Appointment | None:
    """A website booking of the clinic by id (the confirmation page reads it from the session)."""
    return (
        Appointment.objects.filter(
            organization=organization, pk=appointment_id, source=Appointment.Source.WEBSITE
        )
        .select_related("appointment_type", "location")
        .first()
    )
