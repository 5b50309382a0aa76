"""The booking pages a Spanish-speaking visitor or patient sees are all in Spanish: the
website's consultation (page, a form with errors, the confirmation), a waitlist offer and the
portal's appointments, with crisis resources that reach Spanish-speaking counsellors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from infusionist.scheduling import public, services, waitlist
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.scheduling.tests.test_closed_loop import maintenance_plan
from infusionist.test import Cast, clinic_today
from tests.test_spanish_pages import SPANISH_BROWSER, assert_spanish, assert_spanish_crisis

pytestmark = pytest.mark.django_db


@pytest.fixture
def b(cast: Cast) -> Bookable:
    made = bookable(cast)
    for kind in made.types.values():  # the clinic's own Spanish names for its types
        kind.name_es = {"Follow-up": "Seguimiento"}.get(kind.name, "Llamada de consulta gratuita")
        kind.save(update_fields=["name_es"])
    cast.location.name = "Sede principal"
    cast.location.save(update_fields=["name"])
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    return made


def test_the_website_consultation_is_spanish(b: Bookable, client: Client) -> None:
    url = reverse("booking:consultation", args=[b.cast.org.slug])
    page = client.get(url, **SPANISH_BROWSER)
    assert_spanish(page, "Reserve una llamada de consulta gratuita", "Elija un horario")
    assert_spanish_crisis(page)
    days = public.slot_days(
        organization=b.cast.org,
        appointment_type=b.types["free-consultation"],
        location=b.cast.location,
    )
    book = reverse("booking:consultation_book", args=[b.cast.org.slug])
    data = {"start": days[0].choices[0].value, "name": "Rosa", "phone": "12", "language": "es"}
    wrong = client.post(book, data, **SPANISH_BROWSER)
    assert wrong.status_code == 422
    assert_spanish(wrong, "Corrija los campos marcados")
    done = client.post(book, data | {"phone": "(541) 555-0142"}, **SPANISH_BROWSER)
    booked = client.get(done["Location"], **SPANISH_BROWSER)
    assert_spanish(booked, "Su llamada está reservada", "Qué sigue")
    assert_spanish_crisis(booked)


def test_a_waitlist_offer_is_spanish(b: Bookable, client: Client) -> None:
    waitlist.waitlist_entry_add(
        organization=b.cast.org,
        patient=b.cast.patient,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        earliest_on=clinic_today(),
        latest_on=next_weekday(4, after=clinic_today(), weeks_ahead=2),
        by=b.cast.frontdesk,
    )
    appointment = services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        service_starts_at=b.at(next_weekday(0, after=clinic_today()), 10),
        contact_name="Someone Else",
        contact_phone="+15415550100",
    )
    services.appointment_cancel(appointment=appointment, by=b.cast.frontdesk, reason="Ill")
    offer = waitlist.waitlist_offer_freed_slot(appointment.pk)
    assert offer is not None
    page = client.get(reverse("waitlist_offer:offer", args=[offer.link_token]))
    assert_spanish(page, "Se abrió un horario para usted", "Sí, reservar este horario")
    assert_spanish_crisis(page)


def test_the_portal_appointments_are_spanish(b: Bookable, client: Client) -> None:
    maintenance_plan(b, b.cast.patient)
    services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["follow-up"],
        location=b.cast.location,
        service_starts_at=b.at(next_weekday(1, after=clinic_today()), 10),
        patient=b.cast.patient,
        by=b.cast.frontdesk,
    )
    client.force_login(b.cast.patient_user)
    page = client.get(reverse("portal:appointments"))
    assert_spanish(page, "Sus citas", "Cancelar esta cita", "Seguimiento")
    times = client.get(reverse("portal:book", args=[b.types["follow-up"].pk]))
    assert_spanish(times, "Reservar: Seguimiento", "Elija un horario")
