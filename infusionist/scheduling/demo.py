"""The demo clinic's scheduling: booking rules, the eight appointment types, weekly shifts and a
week of appointments (a six-infusion induction series among them).

Seeded after the treatment protocols (the infusion types take their minutes from them) and
the consultations; idempotent: a type, a shift or the settings a person already changed in
the demo is left alone. Everything is written through ``scheduling.configuration``, so the
demo keeps the same rules as the pages (the esketamine session's two hours of observation,
the Spravato REMS [46][47]; only the free consultation is bookable from the website).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import BusinessHours, Location, Organization
from infusionist.lib.scheduling import local_instant, series_targets
from infusionist.patients.models import Patient
from infusionist.scheduling import configuration, services
from infusionist.scheduling.models import Appointment, AppointmentType, StaffShift
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
#: The demo staff who take appointments; each works the primary location's opening hours,
#: except the provider, who works at the second location on Thursdays (mobile visits start
#: there: its mobile kit).
SHIFT_ROLES = (Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN)
PROVIDER_AWAY_WEEKDAY = 3
#: The series: six ketamine infusions, Monday, Wednesday and Friday at 9:00 (the IV induction
#: protocol's six sessions within its course limit).
SERIES_WEEKDAYS = (0, 2, 4)
SERIES_TIME = dt.time(9, 0)
SERIES_SESSIONS = 6
#: A working day's other appointments: (type key, local start, weekdays or None for every day).
DAY_PLAN: list[tuple[str, dt.time, tuple[int, ...] | None]] = [
    ("ketamine-infusion", dt.time(9, 30), None),
    ("esketamine-session", dt.time(10, 0), (1, 3)),
    ("intake-evaluation", dt.time(10, 0), (0, 2)),
    ("free-consultation", dt.time(11, 0), None),
    ("iv-nutrient-drip", dt.time(13, 0), None),
    ("ketamine-infusion", dt.time(13, 30), (0, 1, 2, 4)),
    ("telehealth-consult", dt.time(14, 0), None),
    ("follow-up", dt.time(15, 30), None),
]
MOBILE_TIME = dt.time(10, 0)
MOBILE_ADDRESS = "12 Example Lane, Fairhaven Falls, OR 97401 (fictional)"
#: Fictional website leads who booked a free consultation call (555-01xx is for fiction).
LEADS = [
    ("Jamie Fictional", "+15415550161"),
    ("Avery Example", "+15415550162"),
    ("Quinn Placeholder", "+15415550163"),
    ("Rowan Sample", "+15415550164"),
    ("Sage Demo", "+15415550165"),
]


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
    shifts = _seed_shifts(organization, staff, admin)
    return {
        "types": types,
        "shifts": shifts,
        "appointments": _seed_appointments(organization, staff, types),
    }


def _seed_shifts(organization: Organization, staff: dict[str, User], admin: User) -> int:
    location = Location.objects.filter(organization=organization, is_primary=True).first()
    if location is None:
        return 0
    hours = list(BusinessHours.objects.filter(location=location).order_by("weekday", "opens_at"))
    second = (
        Location.objects.filter(organization=organization, is_primary=False).order_by("id").first()
    )
    made = 0
    for role in SHIFT_ROLES:
        member = staff.get(role)
        if member is None or StaffShift.objects.filter(staff=member).exists():
            continue
        for block in hours:
            away = role == Role.PROVIDER and block.weekday == PROVIDER_AWAY_WEEKDAY and second
            configuration.staff_shift_save(
                actor=admin,
                staff=member,
                data={
                    "location": second if away else location,
                    "weekday": block.weekday,
                    "starts_at": block.opens_at,
                    "ends_at": block.closes_at,
                },
            )
            made += 1
    return made


def _seed_appointments(
    organization: Organization, staff: dict[str, User], types: dict[str, AppointmentType]
) -> int:
    """Book a week of appointments from today, once (nothing when the clinic has any).

    Booked through the booking service as the front desk, as if the day before, so today's
    morning can be filled too; today's appointments that have started are then marked as
    they would be by now (completed, in the chair), except the latest one to start, left
    waiting so Today shows a late patient. Returns the number booked.
    """
    if Appointment.objects.filter(organization=organization).exists():
        return 0
    location = Location.objects.filter(organization=organization, is_primary=True).first()
    second = (
        Location.objects.filter(organization=organization, is_primary=False).order_by("id").first()
    )
    patients = list(Patient.objects.filter(organization=organization).order_by("mrn"))
    if location is None or len(patients) < 12:
        return 0
    tz = location.tzinfo
    now = timezone.now()
    today = now.astimezone(tz).date()
    booked_at = local_instant(today - dt.timedelta(days=1), dt.time(8), tz)
    front_desk = staff[Role.FRONT_DESK]
    booked: list[Appointment] = []
    series_patient, others = patients[0], patients[1:]
    if "ketamine-infusion" in types:
        starts = [
            local_instant(day, SERIES_TIME, tz)
            for day in series_targets(today, SERIES_WEEKDAYS, SERIES_SESSIONS)
        ]
        try:
            series = services.series_book(
                organization=organization,
                appointment_type=types["ketamine-infusion"],
                location=location,
                patient=series_patient,
                service_starts=starts,
                by=front_desk,
                weekdays=SERIES_WEEKDAYS,
                local_time=SERIES_TIME,
                now=booked_at,
            )
        except services.BookingError:
            pass
        else:
            booked.extend(series.appointments.all())
    turn = 0
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        for key, at, weekdays in DAY_PLAN:
            if key not in types or (weekdays is not None and day.weekday() not in weekdays):
                continue
            lead = LEADS[turn % len(LEADS)] if key == "free-consultation" else None
            patient = None if lead else others[turn % len(others)]
            turn += 1
            try:
                booked.append(
                    services.appointment_book(
                        organization=organization,
                        appointment_type=types[key],
                        location=location,
                        service_starts_at=local_instant(day, at, tz),
                        patient=patient,
                        contact_name=lead[0] if lead else "",
                        contact_phone=lead[1] if lead else "",
                        source=(
                            Appointment.Source.STAFF if patient else Appointment.Source.WEBSITE
                        ),
                        by=front_desk if patient else None,
                        now=booked_at,
                    )
                )
            except services.BookingError:
                continue  # closed that day (a closure, a weekend) or the chairs are full
        if second is not None and "mobile-visit" in types and day.weekday() == 3:
            with contextlib.suppress(services.BookingError):
                booked.append(
                    services.appointment_book(
                        organization=organization,
                        appointment_type=types["mobile-visit"],
                        location=second,
                        service_starts_at=local_instant(day, MOBILE_TIME, second.tzinfo),
                        patient=others[-1],
                        visit_address=MOBILE_ADDRESS,
                        prepaid_sessions=3,
                        by=front_desk,
                        now=booked_at,
                    )
                )
    _mark_today(booked, staff, now=now, today=today)
    return len(booked)


def _mark_today(
    booked: list[Appointment], staff: dict[str, User], *, now: dt.datetime, today: dt.date
) -> None:
    """Mark today's started appointments as the day would have them by ``now``."""
    nurse = staff[Role.NURSE]
    started = sorted(
        (
            a
            for a in booked
            if a.service_starts_at <= now
            and a.service_starts_at.astimezone(a.location.tzinfo).date() == today
        ),
        key=lambda a: a.service_starts_at,
    )
    waiting = next((a for a in reversed(started) if a.service_ends_at > now), None)
    for appointment in started:
        if appointment is waiting:
            continue  # not arrived yet: Today lists the patient as late
        services.appointment_mark(appointment=appointment, status="arrived", by=nurse, now=now)
        services.appointment_mark(appointment=appointment, status="in_progress", by=nurse, now=now)
        if appointment.service_ends_at <= now:
            services.appointment_mark(
                appointment=appointment, status="completed", by=nurse, now=now
            )
