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
