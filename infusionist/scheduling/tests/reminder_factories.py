"""Small builders of appointments for the reminder tests (rows made directly)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from infusionist.clinics.models import Chair, Location, Room
from infusionist.patients.models import Patient
from infusionist.scheduling.models import Appointment, AppointmentType


def appointment_type(
    *, location: Location, kind: str = AppointmentType.Kind.KETAMINE_INFUSION
) -> AppointmentType:
    names = {
        AppointmentType.Kind.KETAMINE_INFUSION: ("Ketamine infusion", "Infusión de ketamina"),
        AppointmentType.Kind.FREE_CONSULTATION: ("Free consultation call", "Llamada de consulta"),
        AppointmentType.Kind.IV_DRIP: ("IV nutrient drip", "Goteo de nutrientes"),
    }
    name, name_es = names.get(kind, (str(kind), ""))
    found, _ = AppointmentType.objects.get_or_create(
        organization=location.organization,
        key=str(kind).replace("_", "-"),
        defaults={"kind": kind, "name": name, "name_es": name_es, "service_min": 60},
    )
    return found


def chair(*, location: Location, name: str = "Chair 1") -> Chair:
    room, _ = Room.objects.get_or_create(location=location, name="Infusion room")
    found, _ = Chair.objects.get_or_create(room=room, name=name)
    return found


def appointment(
    *,
    location: Location,
    service_starts_at: dt.datetime,
    patient: Patient | None = None,
    kind: str = AppointmentType.Kind.KETAMINE_INFUSION,
    created_at: dt.datetime | None = None,
    status: str = Appointment.Status.BOOKED,
    staff: object = None,
    with_chair: bool = True,
    **fields: object,
) -> Appointment:
    """Book directly: 15 min preparation, 60 min service, 60 min observation, 10 turnover."""
    if patient is None and "contact_name" not in fields:
        raise ValueError("Give a patient or a contact_name.")
    return Appointment.objects.create(
        organization=location.organization,
        location=location,
        appointment_type=appointment_type(location=location, kind=kind),
        patient=patient,
        chair=chair(location=location) if with_chair else None,
        staff=staff,
        starts_at=service_starts_at - dt.timedelta(minutes=15),
        ends_at=service_starts_at + dt.timedelta(minutes=130),
        service_starts_at=service_starts_at,
        service_ends_at=service_starts_at + dt.timedelta(minutes=60),
        status=status,
        created_at=created_at or timezone.now() - dt.timedelta(days=10),
        **fields,
    )
