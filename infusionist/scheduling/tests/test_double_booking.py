"""No chair, exclusive staff member or patient is ever double-booked, even under concurrency.

PostgreSQL only: the exclusion constraints of migration 0002 exist there, and SQLite's
in-memory test database serves one connection, so concurrent requests cannot be tried on it
(the booking service's lock on the location row covers SQLite in production).

- 20 bookings of one chair fired at the same instant, each from its own thread and database
  connection: through the JSON API and through the booking service (the staff booking form
  calls it). Exactly one succeeds; the others hear "That time was just taken".
- The constraints themselves refuse an overlapping row written directly.
- A collision the service's checks cannot see (the same patient booked at two locations at
  once, the other booking committed after this one read) fails on the constraint and comes
  back as SlotTaken (HTTP 409), never as a server error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from infusionist.accounts.services import api_token_create
from infusionist.clinics.models import BusinessHours, Chair, Location, LocationStaffing, Room
from infusionist.patients.models import Patient
from infusionist.scheduling import selectors, services
from infusionist.scheduling.models import Appointment, StaffShift
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.test import Cast, clinic_today

CONCURRENT_BOOKINGS = 20
SKIP_REASON = (
    "PostgreSQL only: the exclusion constraints are PostgreSQL's, and SQLite's in-memory "
    "test database cannot serve concurrent connections"
)


@pytest.fixture
def postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(SKIP_REASON)


def monday() -> dt.date:
    return next_weekday(0, after=clinic_today(), weeks_ahead=1)


def make_patients(b: Bookable, n: int) -> list[Patient]:
    """``n`` fictional patients of the test clinic."""
    return [
        Patient.objects.create(
            organization=b.cast.org,
            mrn=f"WTC8{i:05d}",
            legal_first_name="Concurrent",
            legal_last_name=f"Patient{i:02d}",
            date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=97 * i),
            sex_at_birth="female",
        )
        for i in range(n)
    ]


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread (its own database connection), released together.

    Returns each call's result, or the exception it raised, in order.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = call()
        except Exception as exc:  # kept and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a booking never finished"
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_api_bookings_of_one_chair_book_it_once(cast: Cast, postgresql):
    b = bookable(cast)
    patients = make_patients(b, CONCURRENT_BOOKINGS)
    token = api_token_create(user=cast.frontdesk)
    chair = b.chairs[0]
    start = b.at(monday(), 9)

    def booking(patient: Patient) -> Callable[[], tuple[int, dict[str, Any]]]:
        def call() -> tuple[int, dict[str, Any]]:
            response = Client().post(
                "/api/v1/appointments",
                {
                    "patient": patient.pk,
                    "type": "ketamine-infusion",
                    "location": cast.location.pk,
                    "start": start.isoformat(),
                    "chair": chair.pk,
                },
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            return response.status_code, response.json()

        return call

    results = all_at_once([booking(p) for p in patients])
    assert all(isinstance(r, tuple) for r in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (CONCURRENT_BOOKINGS - 1), statuses
    for status, body in results:
        if status == 409:
            assert body["code"] == "chair_busy"
            assert body["detail"].startswith("That time was just taken"), body
    winner = next(body for status, body in results if status == 201)
    booked = Appointment.objects.get(chair=chair, status="booked")
    assert booked.pk == winner["id"] and booked.source == "api"
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_service_bookings_of_one_chair_book_it_once(cast: Cast, postgresql):
    """The staff booking form's path: each request calls ``appointment_book``."""
    b = bookable(cast)
    patients = make_patients(b, CONCURRENT_BOOKINGS)
    chair = b.chairs[1]
    start = b.at(monday(), 10)

    def booking(patient: Patient) -> Callable[[], Appointment]:
        return lambda: services.appointment_book(
            organization=cast.org,
            appointment_type=b.types["ketamine-infusion"],
            location=cast.location,
            service_starts_at=start,
            patient=patient,
            chair=chair,
            by=cast.frontdesk,
        )

    results = all_at_once([booking(p) for p in patients])
    booked = [r for r in results if isinstance(r, Appointment)]
    taken = [r for r in results if isinstance(r, services.SlotTaken)]
    assert len(booked) == 1 and len(taken) == CONCURRENT_BOOKINGS - 1, results
    assert all(e.status == 409 and e.subject == "chair" for e in taken)
    assert all(e.message.startswith("That time was just taken") for e in taken)
    assert Appointment.objects.get().pk == booked[0].pk


# ---- the constraints themselves ------------------------------------------------------------


def _row(b: Bookable, start: dt.datetime, minutes: int = 120, **fields: Any) -> Appointment:
    """Write an appointment directly, past the service's checks."""
    values: dict[str, Any] = {
        "organization": b.cast.org,
        "location": b.cast.location,
        "appointment_type": b.types["ketamine-infusion"],
        "patient": b.cast.patient,
        "chair": b.chairs[0],
        "staff": b.cast.nurse,
        "staff_exclusive": True,
        "starts_at": start,
        "ends_at": start + dt.timedelta(minutes=minutes),
        "service_starts_at": start,
        "service_ends_at": start + dt.timedelta(minutes=minutes),
    }
    values.update(fields)
    return Appointment.objects.create(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overlap", "constraint"),
    [
        pytest.param(
            {"patient": "other", "staff": "provider"},
            "appointment_no_chair_overlap",
            id="same-chair",
        ),
        pytest.param(
            {"patient": "other", "chair": 1}, "appointment_no_staff_overlap", id="same-staff"
        ),
        pytest.param(
            {"staff": "provider", "chair": 1},
            "appointment_no_patient_overlap",
            id="same-patient",
        ),
    ],
)
def test_the_database_refuses_an_overlapping_row(cast, postgresql, overlap, constraint) -> None:
    b = bookable(cast)
    start = b.at(monday(), 9)
    _row(b, start)
    fields = {
        "patient": cast.other_patient if overlap.get("patient") == "other" else cast.patient,
        "staff": cast.provider if overlap.get("staff") == "provider" else cast.nurse,
        "chair": b.chairs[overlap.get("chair", 0)],
    }
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        _row(b, start + dt.timedelta(minutes=60), **fields)
    assert constraint in str(error.value)


@pytest.mark.django_db
def test_the_database_allows_what_is_not_a_double_booking(cast, postgresql) -> None:
    b = bookable(cast)
    start = b.at(monday(), 9)
    first = _row(b, start)
    # Back to back: the ranges are half-open.
    _row(b, first.ends_at, patient=cast.other_patient)
    # Over a cancelled appointment.
    _row(b, start - dt.timedelta(minutes=130), minutes=60, status="cancelled")
    cancelled_over = _row(
        b, start + dt.timedelta(minutes=30), minutes=30, status="cancelled", chair=b.chairs[0]
    )
    assert cancelled_over.pk
    # A nurse watching two chairs at once (not exclusive).
    _row(b, start, chair=b.chairs[1], patient=cast.other_patient, staff_exclusive=False)
    _row(
        b,
        start + dt.timedelta(minutes=15),
        chair=b.chairs[2],
        patient=None,
        contact_name="Walk In",
        staff_exclusive=False,
        staff=cast.provider,
    )
    assert Appointment.objects.filter(status="booked").count() == 4


def _second_location(b: Bookable) -> Location:
    """Another location of the test clinic, open on weekdays, where the provider works."""
    cast = b.cast
    location = Location.objects.create(
        organization=cast.org,
        name="Eastside",
        address_line1="2 Test Avenue",
        city="Testville",
        state="OR",
        postal_code="97403",
        phone="+15415550198",
        time_zone=cast.location.time_zone,
    )
    room = Room.objects.create(location=location, name="East room")
    Chair.objects.create(room=room, name="East chair", capabilities=["iv_infusion"])
    LocationStaffing.objects.update_or_create(location=location, defaults={"chairs_per_nurse": 2})
    for weekday in range(5):
        BusinessHours.objects.create(
            location=location, weekday=weekday, opens_at=dt.time(9), closes_at=dt.time(17)
        )
        StaffShift.objects.create(
            organization=cast.org,
            staff=cast.provider,
            location=location,
            weekday=weekday,
            starts_at=dt.time(8, 30),
            ends_at=dt.time(17, 30),
        )
    return location


@pytest.fixture
def stale_reads(monkeypatch) -> None:
    """Make every booking decision blind to existing appointments, as if each had been
    committed by another connection just after this one read."""
    real = selectors.booking_context

    def blind(**kwargs: Any) -> selectors.BookingContext:
        return dataclasses.replace(real(**kwargs), bookings=())

    monkeypatch.setattr(selectors, "booking_context", blind)


@pytest.mark.django_db
def test_a_collision_the_checks_missed_comes_back_as_slot_taken(cast, postgresql, stale_reads):
    b = bookable(cast)
    east = _second_location(b)
    start = b.at(monday(), 10)
    services.appointment_book(
        organization=cast.org,
        appointment_type=b.types["follow-up"],
        location=cast.location,
        service_starts_at=start,
        patient=cast.patient,
        staff=cast.physician,
        by=cast.frontdesk,
    )
    with pytest.raises(services.SlotTaken) as taken:
        services.appointment_book(
            organization=cast.org,
            appointment_type=b.types["follow-up"],
            location=east,
            service_starts_at=start + dt.timedelta(minutes=10),
            patient=cast.patient,
            staff=cast.provider,
            by=cast.frontdesk,
        )
    assert (taken.value.code, taken.value.subject, taken.value.status) == (
        "patient_busy",
        "patient",
        409,
    )
    assert taken.value.message == services.TAKEN_MESSAGES["patient"]
    assert isinstance(taken.value.__cause__, IntegrityError)
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_the_api_answers_409_for_a_collision_the_checks_missed(
    client, cast, postgresql, stale_reads
):
    b = bookable(cast)
    east = _second_location(b)
    token = api_token_create(user=cast.frontdesk)
    start = b.at(monday(), 10)
    # The same chair, taken at the main location: the constraint on the chair fires.
    services.appointment_book(
        organization=cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=cast.location,
        service_starts_at=start,
        patient=cast.other_patient,
        chair=b.chairs[0],
        by=cast.frontdesk,
    )
    response = client.post(
        "/api/v1/appointments",
        {
            "patient": cast.patient.pk,
            "type": "ketamine-infusion",
            "location": cast.location.pk,
            "start": start.isoformat(),
            "chair": b.chairs[0].pk,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "chair_busy",
        "detail": services.TAKEN_MESSAGES["chair"],
    }
    # The same patient at the other location at once: the constraint on the patient fires.
    response = client.post(
        "/api/v1/appointments",
        {
            "patient": cast.other_patient.pk,
            "type": "follow-up",
            "location": east.pk,
            "start": start.isoformat(),
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409 and response.json()["code"] == "patient_busy"
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_patient_booked_at_two_locations_at_once_is_booked_once(cast, postgresql):
    """A real race the location locks cannot order: each booking locks its own location."""
    b = bookable(cast)
    east = _second_location(b)
    for round_, patient in enumerate(make_patients(b, 5)):
        start = b.at(monday(), 9 + round_)

        def booking(location: Location, staff: Any, p: Patient = patient, s=start):
            return lambda: services.appointment_book(
                organization=cast.org,
                appointment_type=b.types["follow-up"],
                location=location,
                service_starts_at=s,
                patient=p,
                staff=staff,
                by=cast.frontdesk,
            )

        results = all_at_once(
            [booking(cast.location, cast.physician), booking(east, cast.provider)]
        )
        booked = [r for r in results if isinstance(r, Appointment)]
        taken = [r for r in results if isinstance(r, services.SlotTaken)]
        assert len(booked) == 1 and len(taken) == 1, results
        assert taken[0].subject == "patient" and taken[0].status == 409
        assert Appointment.objects.filter(patient=patient).count() == 1
