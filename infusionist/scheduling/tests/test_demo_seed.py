"""The demo clinic's scheduling seed: the eight types, the booking rules and weekly shifts."""

from __future__ import annotations

from infusionist.accounts.roles import Role
from infusionist.clinics.models import BusinessHours
from infusionist.scheduling import configuration, demo
from infusionist.scheduling.models import AppointmentType, SchedulingSettings, StaffShift
from infusionist.treatment import services as treatment_services


def test_the_seed_makes_eight_types_by_the_rules_and_shifts_in_opening_hours(cast) -> None:
    treatment_services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    staff = cast.staff()
    first = demo.seed_scheduling(organization=cast.org, staff=staff)
    again = demo.seed_scheduling(organization=cast.org, staff=staff)
    types = {t.key: t for t in AppointmentType.objects.filter(organization=cast.org)}
    assert set(types) == {spec["key"] for spec in demo.DEMO_TYPES} and len(types) == 8
    assert again["shifts"] == 0 and first["shifts"] > 0
    assert [t.key for t in types.values() if t.public_bookable] == ["free-consultation"]
    assert types["free-consultation"].service_min == 15
    assert types["free-consultation"].staff_role == "front_desk"
    assert types["telehealth-consult"].staff_role == "physician"
    assert types["ketamine-infusion"].protocol.key == "depression-iv-induction"
    esketamine = types["esketamine-session"]
    assert esketamine.protocol.observation_min >= configuration.ESKETAMINE_OBSERVATION_MIN_AT_LEAST
    assert types["mobile-visit"].travel_buffer_min == 30
    assert SchedulingSettings.objects.get(organization=cast.org).reminder_offsets_h == [72, 24, 2]
    open_days = set(
        BusinessHours.objects.filter(location=cast.location).values_list("weekday", flat=True)
    )
    for role in demo.SHIFT_ROLES:
        days = set(StaffShift.objects.filter(staff=staff[role]).values_list("weekday", flat=True))
        assert days == open_days
    assert not StaffShift.objects.filter(staff=staff[Role.CLINIC_ADMIN]).exists()


def test_the_demo_books_a_week_with_a_six_infusion_series(db) -> None:
    from django.core.management import call_command

    from infusionist.clinics.models import Organization
    from infusionist.scheduling.models import Appointment, AppointmentSeries

    call_command("seed_demo", "--quiet", "--patients", "20")
    clinic = Organization.objects.get(slug="willowmere-demo")
    series = AppointmentSeries.objects.get(organization=clinic)
    sessions = list(series.appointments.order_by("service_starts_at"))
    assert len(sessions) == 6 and series.session_count == 6
    assert {s.appointment_type.key for s in sessions} == {"ketamine-infusion"}
    assert {s.service_starts_at.astimezone(s.location.tzinfo).weekday() for s in sessions} <= {
        0,
        2,
        4,
    }
    booked = Appointment.objects.filter(organization=clinic)
    count = booked.count()
    kinds = set(booked.values_list("appointment_type__key", flat=True))
    assert count >= 25
    assert {"free-consultation", "telehealth-consult", "iv-nutrient-drip", "follow-up"} <= kinds
    assert booked.filter(source="website", patient__isnull=True).exists()
    assert not booked.filter(chair__isnull=True, appointment_type__chair_capability="iv_infusion")
    call_command("seed_demo", "--quiet", "--patients", "20")
    assert Appointment.objects.filter(organization=clinic).count() == count
