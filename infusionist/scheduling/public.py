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
from infusionist.patients.models import Patient
from infusionist.readiness.gates import infusion_readiness
from infusionist.scheduling import selectors
from infusionist.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentType
from infusionist.treatment import selectors as treatment_selectors

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

    def holds(self, value: str) -> bool:
        """Whether ``value`` (an ISO start) is one of this day's times."""
        return any(c.value == value for c in self.choices)


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


def open_day(days: list[SlotDay], chosen: str) -> dt.date | None:
    """The day a page shows unfolded: the one holding the chosen time, else the first."""
    return next((d.day for d in days if d.holds(chosen)), days[0].day if days else None)


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


# ---- the patient portal ------------------------------------------------------------------

#: Why a patient may not book a type online yet (codes the portal says in words).
NO_PLAN = "no_plan"


@dataclass(frozen=True)
class PortalOption:
    """A type the portal offers: bookable now, or the reasons (codes) it is not."""

    appointment_type: AppointmentType
    reasons: tuple[str, ...]

    @property
    def bookable(self) -> bool:
        return not self.reasons


def portal_booking_options(*, patient: Patient) -> list[PortalOption]:
    """The clinic's ``portal_bookable`` types for ``patient``, each bookable or not and why.

    Eligible: a signed treatment plan (the current version), and for ketamine and esketamine
    sessions the infusion readiness checks (``readiness.gates.infusion_readiness``: reason
    codes ``questionnaire_safety``, ``eligibility``, ``consent``). Reason ``no_plan`` when no
    plan is signed. Queries: types (1), plan (1), readiness only when a dosing type is offered.
    """
    types = [
        t
        for t in selectors.appointment_types_for(organization=patient.organization)
        if t.portal_bookable
    ]
    if not types:
        return []
    plan = treatment_selectors.current_plan_version(patient=patient)
    readiness = None
    options = []
    for kind in sorted(types, key=lambda t: (t.name, t.pk)):
        reasons: list[str] = [] if plan is not None else [NO_PLAN]
        if kind.kind in selectors.DOSING_KINDS:
            readiness = readiness or infusion_readiness(patient=patient)
            reasons += [check.code for check in readiness.blocking]
        options.append(PortalOption(kind, tuple(reasons)))
    return options


def portal_option_get(*, patient: Patient, type_id: int) -> PortalOption | None:
    """The portal option of one type by id, or None (another clinic's or not offered: 404)."""
    return next(
        (o for o in portal_booking_options(patient=patient) if o.appointment_type.pk == type_id),
        None,
    )


def upcoming_for_patient(*, patient: Patient, now: dt.datetime | None = None) -> list[Appointment]:
    """The patient's active appointments from now on, soonest first (one query)."""
    now = now or timezone.now()
    return list(
        selectors.appointments_between(
            organization=patient.organization,
            start=now,
            end=now + dt.timedelta(days=400),
            patient_id=patient.pk,
        ).filter(status__in=ACTIVE_STATUSES)
    )


def own_appointment(*, patient: Patient, appointment_id: int) -> Appointment | None:
    """One of the patient's own appointments by id, or None (404 for anyone else's)."""
    found = selectors.appointment_get(
        organization=patient.organization, appointment_id=appointment_id
    )
    return found if found is not None and found.patient_id == patient.pk else None
