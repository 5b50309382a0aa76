"""The demo clinic's scheduling: booking rules, the eight appointment types, weekly shifts.

Seeded after the treatment protocols (the infusion types take their minutes from them) and
the consultations; idempotent: a type, a shift or the settings a person already changed in
the demo is left alone. Everything is written through ``scheduling.configuration``, so the
demo keeps the same rules as the pages (the esketamine session's two hours of observation,
the Spravato REMS [46][47]; only the free consultation is bookable from the website).
"""

from __future__ import annotations

from typing import Any

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import BusinessHours, Location, Organization
from infusionist.scheduling import configuration
from infusionist.scheduling.models import AppointmentType, StaffShift
from infusionist.treatment.models import Protocol

#: The demo's appointment types, by key: kind, names, minutes, chair, staff and who books.
DEMO_TYPES: list[dict[str, Any]] = [
    {
        "key": "free-consultation",
        "kind": AppointmentType.Kind.FREE_CONSULTATION,
        "name": "Free consultation call",
        "name_es": "Llamada de consulta gratuita",
        "service_min": 15,
        "staff_role": AppointmentType.StaffRole.FRONT_DESK,
        "public_bookable": True,
    },
    {
        "key": "telehealth-consult",
        "kind": AppointmentType.Kind.TELEHEALTH_CONSULT,
        "name": "Physician telehealth consultation",
        "name_es": "Consulta médica por telemedicina",
        "service_min": 30,
        "staff_role": AppointmentType.StaffRole.PHYSICIAN,
    },
    {
        "key": "intake-evaluation",
        "kind": AppointmentType.Kind.INTAKE_EVALUATION,
        "name": "Intake and evaluation",
        "name_es": "Admisión y evaluación",
        "service_min": 60,
        "staff_role": AppointmentType.StaffRole.PRESCRIBER,
    },
    {
        "key": "ketamine-infusion",
        "kind": AppointmentType.Kind.KETAMINE_INFUSION,
        "name": "Ketamine infusion",
        "name_es": "Infusión de ketamina",
        "protocol_key": "depression-iv-induction",
        "chair_capability": "iv_infusion",
        "staff_role": AppointmentType.StaffRole.NURSE,
        # Monitored chair time: the nurse watches several chairs, up to the location's ratio.
        "staff_exclusive": False,
        "needs_physician_available": True,
        "portal_bookable": True,
    },
    {
        "key": "esketamine-session",
        "kind": AppointmentType.Kind.ESKETAMINE_SESSION,
        "name": "Esketamine session",
        "name_es": "Sesión de esketamina",
        "protocol_key": "esketamine-induction",
        # Dosing: up to three devices, five minutes apart, before the observation [18].
        "service_min": 15,
        "chair_capability": "intranasal",
        "staff_role": AppointmentType.StaffRole.NURSE,
        "staff_exclusive": False,
        "needs_physician_available": True,
    },
    {
        "key": "iv-nutrient-drip",
        "kind": AppointmentType.Kind.IV_DRIP,
        "name": "IV nutrient drip",
        "name_es": "Goteo intravenoso de nutrientes",
        "service_min": 45,
        "chair_capability": "nutrient_drip",
        "staff_role": AppointmentType.StaffRole.NURSE,
        "staff_exclusive": False,
    },
    {
        "key": "mobile-visit",
        "kind": AppointmentType.Kind.MOBILE_VISIT,
        "name": "Mobile IV visit",
        "name_es": "Visita a domicilio con goteo",
        "service_min": 60,
        "travel_buffer_min": 30,
        "chair_capability": "mobile_kit",
        "staff_role": AppointmentType.StaffRole.NURSE,
    },
    {
        "key": "follow-up",
        "kind": AppointmentType.Kind.FOLLOW_UP,
        "name": "Follow-up visit",
        "name_es": "Visita de seguimiento",
        "service_min": 20,
        "staff_role": AppointmentType.StaffRole.PRESCRIBER,
        "portal_bookable": True,
    },
]
#: The demo staff who take appointments; each works the primary location's opening hours.
SHIFT_ROLES = (Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN)


def seed_scheduling(*, organization: Organization, staff: dict[str, User]) -> dict[str, Any]:
    """Seed the booking rules, the appointment types and the staff's weekly shifts.

    Returns {"types": {key: AppointmentType}, "shifts": number of shifts made}. A type
    whose protocol is missing is skipped (the demo always has the default protocols).
    """
    admin = staff[Role.CLINIC_ADMIN]
    configuration.scheduling_settings_get(organization=organization)
    protocols = {p.key: p for p in Protocol.objects.filter(organization=organization)}
    existing = {t.key: t for t in AppointmentType.objects.filter(organization=organization)}
    types: dict[str, AppointmentType] = {}
    for spec in DEMO_TYPES:
        values = dict(spec)
        key = values.pop("key")
        if key in existing:
            types[key] = existing[key]
            continue
        protocol_key = values.pop("protocol_key", None)
        if protocol_key is not None:
            if protocol_key not in protocols:
                continue
            values["protocol"] = protocols[protocol_key]
        types[key] = configuration.appointment_type_save(
            organization=organization, actor=admin, data=values, key=key
        )
    return {"types": types, "shifts": _seed_shifts(organization, staff, admin)}


def _seed_shifts(organization: Organization, staff: dict[str, User], admin: User) -> int:
    location = Location.objects.filter(organization=organization, is_primary=True).first()
    if location is None:
        return 0
    hours = list(BusinessHours.objects.filter(location=location).order_by("weekday", "opens_at"))
    made = 0
    for role in SHIFT_ROLES:
        member = staff.get(role)
        if member is None or StaffShift.objects.filter(staff=member).exists():
            continue
        for block in hours:
            configuration.staff_shift_save(
                actor=admin,
                staff=member,
                data={
                    "location": location,
                    "weekday": block.weekday,
                    "starts_at": block.opens_at,
                    "ends_at": block.closes_at,
                },
            )
            made += 1
    return made
