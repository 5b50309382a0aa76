"""The website's free consultation booking: open times, the form, taken times, robots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.scheduling import public, services
from infusionist.scheduling.models import Appointment
from infusionist.scheduling.tests.factories import Bookable, bookable
from infusionist.test import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def b(cast: Cast) -> Bookable:
    return bookable(cast)


def page_url(b: Bookable, name: str = "consultation") -> str:
    return reverse(f"booking:{name}", kwargs={"org_slug": b.cast.org.slug})


def first_open(b: Bookable) -> str:
    days = public.slot_days(
        organization=b.cast.org,
        appointment_type=b.types["free-consultation"],
        location=b.cast.location,
    )
    return days[0].choices[0].value


def details(b: Bookable, **over: str) -> dict[str, str]:
    data = {
        "start": first_open(b),
        "name": "Rosa Fictional",
        "phone": "(541) 555-0142",
        "email": "rosa@example.com",
        "language": "es",
        "note": "Mornings suit me.",
        "website": "",
    }
    data.update(over)
    return data


def test_the_page_lists_open_times_by_day_in_the_clinic_zone(b: Bookable, client: Client):
    response = client.get(page_url(b))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Book a free consultation call" in html
    assert "Los Angeles time" in html
    assert html.count('name="start"') >= 10
    assert "988" in html  # crisis resources on every page
    assert first_open(b) in html


def test_an_unknown_clinic_or_one_without_a_public_type_is_404(b: Bookable, client: Client):
    assert client.get(reverse("booking:consultation", args=["no-such-clinic"])).status_code == 404
    b.types["free-consultation"].public_bookable = False
    b.types["free-consultation"].save()
    assert client.get(page_url(b)).status_code == 404


def test_a_visitor_books_and_reads_what_happens_next(b: Bookable, client: Client):
    data = details(b)
    response = client.post(page_url(b, "consultation_book"), data)
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.source == Appointment.Source.WEBSITE
    assert appointment.patient is None
    assert appointment.contact_name == "Rosa Fictional"
    assert appointment.contact_phone == "+15415550142"
    assert appointment.contact_language == "es"
    assert appointment.note == "Mornings suit me."
    assert appointment.service_starts_at == dt.datetime.fromisoformat(data["start"])
    assert AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.APPOINTMENT, object_id=str(appointment.pk)
    ).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your call is booked" in html
    assert "(541) 555-0142" in html
    assert "What happens next" in html


def test_the_confirmation_without_a_booking_goes_back_to_the_times(b: Bookable, client: Client):
    response = client.get(page_url(b, "consultation_booked"))
    assert response.status_code == 302
    assert response["Location"] == page_url(b)


def test_a_time_taken_meanwhile_is_said_in_words_and_keeps_what_was_typed(
    b: Bookable, client: Client
):
    data = details(b)
    start = dt.datetime.fromisoformat(data["start"])
    for n in range(3):  # every staff member who takes the calls, until the time is full
        try:
            services.appointment_book(
                organization=b.cast.org,
                appointment_type=b.types["free-consultation"],
                location=b.cast.location,
                service_starts_at=start,
                contact_name=f"Caller {n}",
                contact_phone="+15415550100",
            )
        except services.SlotTaken:
            break
    response = client.post(page_url(b, "consultation_book"), data)
    assert response.status_code in (409, 422)
    html = response.content.decode()
    assert "Choose another time" in html or "cannot be booked" in html
    assert "Rosa Fictional" in html
    assert "rosa@example.com" in html
    assert "Mornings suit me." in html
    assert data["start"] not in html  # the taken time is no longer offered
    assert Appointment.objects.filter(contact_name="Rosa Fictional").count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter your name"),
        ("phone", "not a number", "Enter a valid phone number"),
        ("phone", "", "Enter a phone number"),
        ("email", "nope@", "Enter an email address"),
        ("language", "fr", "Choose English or Spanish"),
        ("start", "", "Choose a time"),
        ("start", "tomorrow at nine", "Choose a time"),
        ("start", "2030-01-01T09:00", "Choose a time"),
        ("note", "x" * 600, "500"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_keeps_the_rest(
    b: Bookable, client: Client, field: str, value: str, message: str
):
    response = client.post(page_url(b, "consultation_book"), details(b, **{field: value}))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    if field != "name":
        assert "Rosa Fictional" in html
    assert not Appointment.objects.exists()


def test_a_time_outside_the_hours_is_refused_in_words(b: Bookable, client: Client):
    first = dt.datetime.fromisoformat(first_open(b))
    start = first.replace(hour=3, minute=0) + dt.timedelta(days=7)
    response = client.post(page_url(b, "consultation_book"), details(b, start=start.isoformat()))
    assert response.status_code == 422
    assert "cannot be booked online" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_robot_filling_the_honeypot_books_nothing_and_is_audited(b: Bookable, client: Client):
    response = client.post(
        page_url(b, "consultation_book"), details(b, website="http://spam.example")
    )
    assert response.status_code == 400
    assert "Leave this empty" in response.content.decode()
    assert not Appointment.objects.exists()
    assert AuditEvent.objects.filter(
        outcome=AuditEvent.Outcome.DENIED, detail__reason="honeypot"
    ).exists()


def test_one_address_may_book_only_a_few_calls_an_hour(b: Bookable, client: Client):
    from infusionist.scheduling.views_public import BOOKINGS_PER_ADDRESS_PER_HOUR

    days = public.slot_days(
        organization=b.cast.org,
        appointment_type=b.types["free-consultation"],
        location=b.cast.location,
    )
    values = [c.value for d in days for c in d.choices]
    for n in range(BOOKINGS_PER_ADDRESS_PER_HOUR):
        ok = client.post(page_url(b, "consultation_book"), details(b, start=values[n * 4]))
        assert ok.status_code == 302
    response = client.post(page_url(b, "consultation_book"), details(b, start=values[-1]))
    assert response.status_code == 429
    assert "call the clinic" in response.content.decode()
    assert Appointment.objects.count() == BOOKINGS_PER_ADDRESS_PER_HOUR


def test_the_page_and_its_confirmation_speak_spanish(b: Bookable, client: Client):
    client.cookies["django_language"] = "es"
    html = client.get(page_url(b)).content.decode()
    assert "Reserve una llamada de consulta gratuita" in html
    response = client.post(page_url(b, "consultation_book"), details(b))
    html = client.get(response["Location"]).content.decode()
    assert "Su llamada está reservada" in html
    assert "Qué sigue" in html


def test_a_get_of_the_booking_action_books_nothing(b: Bookable, client: Client):
    response = client.get(page_url(b, "consultation_book"))
    assert response.status_code == 303
    assert not Appointment.objects.exists()
