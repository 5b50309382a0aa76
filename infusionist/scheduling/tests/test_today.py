"""The scheduling section of Today: chairs, arrivals, late patients, the next free chair."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Closure
from infusionist.lib.scheduling import local_instant
from infusionist.scheduling.models import Appointment
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.scheduling.today import LATE_AFTER_MIN, today_section


@pytest.fixture
def clinic(cast) -> Bookable:
    return bookable(cast)


def _add(
    clinic: Bookable,
    service_start: dt.datetime,
    *,
    type_key: str = "ketamine-infusion",
    chair_index: int | None = 0,
    patient=None,
    contact_name: str = "",
    status: str = Appointment.Status.BOOKED,
    staff=None,
    minutes: int = 60,
) -> Appointment:
    """An appointment row as the booking service would leave it (times given directly)."""
    cast = clinic.cast
    return Appointment.objects.create(
        organization=cast.org,
        location=cast.location,
        appointment_type=clinic.types[type_key],
        patient=patient,
        contact_name=contact_name if patient is None else "",
        chair=clinic.chairs[chair_index] if chair_index is not None else None,
        staff=staff,
        staff_exclusive=False,
        starts_at=service_start,
        ends_at=service_start + dt.timedelta(minutes=minutes + 10),
        service_starts_at=service_start,
        service_ends_at=service_start + dt.timedelta(minutes=minutes),
        status=status,
    )


def _monday(clinic: Bookable) -> dt.date:
    return next_weekday(0, after=timezone.now().date())


def test_the_day_lists_chairs_in_time_order_and_splits_expected_here_and_late(clinic) -> None:
    cast = clinic.cast
    day = _monday(clinic)
    now = clinic.at(day, 11, 0)
    late = _add(clinic, clinic.at(day, 10, 30), patient=cast.patient)
    on_time = _add(clinic, clinic.at(day, 10, 55), chair_index=1, contact_name="Web Lead")
    here = _add(
        clinic,
        clinic.at(day, 9, 0),
        chair_index=2,
        patient=cast.other_patient,
        status=Appointment.Status.IN_PROGRESS,
    )
    later = _add(clinic, clinic.at(day, 14, 0), contact_name="Later Lead")
    cancelled = _add(
        clinic,
        clinic.at(day, 12, 0),
        chair_index=1,
        contact_name="Gone",
        status=Appointment.Status.CANCELLED,
    )
    tomorrow = _add(clinic, clinic.at(day + dt.timedelta(days=1), 10, 0), contact_name="Tomorrow")
    section = today_section(user=cast.admin, now=now)
    (location,) = section.locations
    rows = {row.chair.name: row.appointments for row in location.chair_rows}
    assert rows == {"Chair 1": [late, later], "Chair 2": [on_time], "Chair 3": [here]}
    assert [r.appointment for r in location.late] == [late]
    assert location.late[0].minutes_late == 30
    assert location.expected == [on_time, later] and location.here == [here]
    assert cancelled not in location.expected and tomorrow not in location.expected
    assert set(section.patients()) == {cast.patient, cast.other_patient}


def test_a_patient_is_late_only_after_the_grace(clinic) -> None:
    cast = clinic.cast
    day = _monday(clinic)
    start = clinic.at(day, 10, 0)
    _add(clinic, start, patient=cast.patient)
    just_in = today_section(user=cast.frontdesk, now=start + dt.timedelta(minutes=LATE_AFTER_MIN))
    assert not just_in.locations[0].late
    past = today_section(
        user=cast.frontdesk, now=start + dt.timedelta(minutes=LATE_AFTER_MIN, seconds=1)
    )
    assert len(past.locations[0].late) == 1


def test_the_day_is_the_locations_own_day(clinic) -> None:
    """At 11:30 PM in Oregon it is already tomorrow in UTC; the day is still Oregon's."""
    cast = clinic.cast
    day = _monday(clinic)
    evening = _add(clinic, clinic.at(day, 17, 0), contact_name="Evening")
    now = clinic.at(day, 23, 30)
    assert now.astimezone(dt.UTC).date() == day + dt.timedelta(days=1)
    section = today_section(user=cast.nurse, now=now)
    assert section.locations[0].day == day
    assert evening in section.locations[0].chair_rows[0].appointments


def test_each_role_sees_what_it_acts_on(clinic) -> None:
    cast = clinic.cast
    now = clinic.at(_monday(clinic), 9, 0)
    front = today_section(user=cast.frontdesk, now=now)
    nurse = today_section(user=cast.nurse, now=now)
    physician = today_section(user=cast.physician, now=now)
    admin = today_section(user=cast.admin, now=now)
    assert (front.show_arrivals, front.show_chairs, front.show_mine) == (True, False, False)
    assert (nurse.show_arrivals, nurse.show_chairs, nurse.show_mine) == (False, True, False)
    assert (physician.show_arrivals, physician.show_chairs, physician.show_mine) == (
        False,
        False,
        True,
    )
    assert admin.show_arrivals and admin.show_chairs
    assert not today_section(user=cast.patient_user, now=now).shown


def test_a_physician_sees_their_own_consultations_and_chair_time_needing_them(clinic) -> None:
    cast = clinic.cast
    day = _monday(clinic)
    consult = _add(
        clinic,
        clinic.at(day, 13, 0),
        type_key="telehealth-consult",
        chair_index=None,
        patient=cast.patient,
        staff=cast.physician,
        minutes=30,
    )
    infusion = _add(clinic, clinic.at(day, 9, 0), patient=cast.other_patient)
    section = today_section(user=cast.physician, now=clinic.at(day, 8, 0))
    assert section.mine == [consult]
    assert section.needs_physician == [infusion]


def test_the_next_free_chair_for_an_infusion(clinic) -> None:
    cast = clinic.cast
    day = _monday(clinic)
    now = clinic.at(day, 10, 2)
    section = today_section(user=cast.frontdesk, now=now)
    free = section.locations[0].next_free
    assert free is not None and free.appointment_type == clinic.types["ketamine-infusion"]
    assert free.service_starts_at == clinic.at(day, 10, 15)  # the next 15-minute step
    assert free.chair is not None and free.chair.name == "Chair 1"
    assert free.chair_min > free.appointment_type.protocol.duration_min
    Closure.objects.create(location=cast.location, starts_on=day, ends_on=day, reason="Training")
    closed = today_section(user=cast.frontdesk, now=now).locations[0].next_free
    assert closed is not None and closed.service_starts_at is None


def _fill(clinic: Bookable, count: int) -> None:
    """``count`` appointments today in the clinic's zone, spread over the chairs."""
    cast = clinic.cast
    day = timezone.now().astimezone(cast.location.tzinfo).date()
    tz = cast.location.tzinfo
    for i in range(count):
        start = local_instant(day, dt.time(i // 3, 0), tz)
        patient = {0: cast.patient, 1: cast.other_patient}.get(i)
        _add(clinic, start, chair_index=i % 3, patient=patient, contact_name=f"Lead {i}")


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.NURSE, Role.PHYSICIAN, Role.CLINIC_ADMIN])
def test_today_keeps_its_query_count_as_appointments_grow(
    client, cast, clinic, role, django_assert_num_queries
) -> None:
    user = cast.by_role()[role]
    client.force_login(user)
    url = reverse("today:index")
    _fill(clinic, 2)
    client.get(url)  # the session's first request warms what is cached per session
    with django_assert_num_queries(BUDGETS[role]) as small:
        assert client.get(url).status_code == 200
    _fill_more = 18
    day = timezone.now().astimezone(cast.location.tzinfo).date()
    tz = cast.location.tzinfo
    for i in range(2, 2 + _fill_more):
        _add(
            clinic,
            local_instant(day, dt.time(i // 3, 30 if i % 2 else 0), tz) + dt.timedelta(hours=8),
            chair_index=None,
            contact_name=f"Lead {i}",
            minutes=20,
        )
    assert Appointment.objects.count() == 20
    with django_assert_num_queries(BUDGETS[role]):
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) == BUDGETS[role]


#: The Today page's queries by role: session and user, the clinic's zone and brand, each
#: other section's reads (credentials, measurements, proposals, recent patients, reviews)
#: and the audit of the patients listed; the scheduling section adds the locations, today's
#: appointments, the chairs and, for the roles shown the next free chair, the infusion type
#: and the booking engine's reads for the location (settings, hours, closures, chairs,
#: staffing, shifts, time off, appointments). The front desk and the clinic admin also see
#: who is due for booking: current plans, measurement settings, completed scores, dosing
#: appointments and appointment types (nobody due here, so no chair times are read).
#: Clinical roles also count the REMS forms due; prescribers read the notes to co-sign.
BUDGETS = {
    Role.FRONT_DESK: 28,
    Role.NURSE: 26,
    Role.PHYSICIAN: 21,
    Role.CLINIC_ADMIN: 29,
}


def test_the_today_page_shows_the_section_and_audits_the_patients_it_lists(client, clinic) -> None:
    cast = clinic.cast
    _fill(clinic, 2)
    client.force_login(cast.nurse)
    page = client.get(reverse("today:index")).content.decode()
    assert "Chairs at Main" in page and "Chair 1" in page and "Alice" in page
    assert "Your shifts and time off" in page
    event = AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.APPOINTMENT, actor=cast.nurse
    ).first()
    assert event is not None and event.patient in (cast.patient, cast.other_patient)
    client.force_login(cast.frontdesk)
    page = client.get(reverse("today:index")).content.decode()
    assert "Arrivals at Main" in page and "Chairs at Main" not in page


def test_the_front_desk_marks_an_arrival_from_today_and_stays_there(client, clinic) -> None:
    cast = clinic.cast
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=20)
    appointment = _add(clinic, start, patient=cast.patient)
    client.force_login(cast.frontdesk)
    page = client.get(reverse("today:index")).content.decode()
    mark_url = reverse("scheduling:appointment_mark", args=[appointment.pk])
    assert f'action="{mark_url}"' in page
    response = client.post(mark_url, {"status": "arrived", "return_to": "today"})
    assert response.status_code == 302 and response["Location"] == reverse("today:index")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ARRIVED
