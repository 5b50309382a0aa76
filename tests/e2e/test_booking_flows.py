"""A visitor books a free consultation on the website; a patient answers a waitlist offer and
sees their appointments. Phone (390 x 844) and desktop, English and Spanish; screenshots go to
var/screenshots/ for a person to look at."""

from __future__ import annotations

import pytest

from infusionist.scheduling import services, waitlist
from infusionist.scheduling.models import Appointment
from infusionist.scheduling.tests.factories import bookable, next_weekday
from infusionist.test import clinic_today
from tests.e2e.conftest import login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_visitor_books_a_free_consultation(page, live_server, cast, size, lang) -> None:
    bookable(cast)
    page.set_viewport_size(size)
    tag = f"booking-consultation-{lang}-{'phone' if size is PHONE else 'desktop'}"
    page.goto(f"{live_server.url}/book/{cast.org.slug}/consultation/")
    if lang == "es":
        page.get_by_role("button", name="Español").click()
        page.wait_for_load_state()
        heading = "Reserve una llamada de consulta gratuita"
    else:
        heading = "Book a free consultation call"
    assert page.get_by_role("heading", name=heading).is_visible()
    _no_sideways_scroll(page)
    shot(page, tag)
    # The first open time: a large button.
    first = page.locator(".bk-time").first
    box = first.bounding_box()
    assert box is not None and box["height"] >= 44
    first.click()
    labels = {
        "en": ("Your name", "Phone number the clinic should call", "Book this call"),
        "es": ("Su nombre", "Teléfono al que debe llamar la clínica", "Reservar esta llamada"),
    }[lang]
    page.get_by_label(labels[0]).fill("Rosa Fictional")
    # A wrong phone first: the message is beside the field and nothing typed is lost.
    page.get_by_label(labels[1]).fill("555")
    page.get_by_role("button", name=labels[2]).click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").first.is_visible()
    assert page.get_by_label(labels[0]).input_value() == "Rosa Fictional"
    shot(page, f"{tag}-error")
    page.get_by_label(labels[1]).fill("(541) 555-0142")
    if not page.locator(".bk-time input:checked").count():
        page.locator(".bk-time").first.click()
    page.get_by_role("button", name=labels[2]).click()
    page.wait_for_load_state()
    done = {"en": "Your call is booked", "es": "Su llamada está reservada"}[lang]
    assert page.get_by_role("heading", name=done).is_visible()
    assert "(541) 555-0142" in page.content()
    _no_sideways_scroll(page)
    shot(page, f"{tag}-booked")
    booked = Appointment.objects.get()
    assert booked.source == Appointment.Source.WEBSITE
    assert booked.contact_name == "Rosa Fictional"


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_patient_takes_a_waitlist_offer_and_sees_it_in_the_portal(
    page, live_server, cast, size, monkeypatch
) -> None:
    # The offer is made here, by hand, to read its link's secret: the cancellation's own
    # after-commit offer (services.AFTER_CANCEL) is set aside.
    monkeypatch.setattr(services, "AFTER_CANCEL", [])
    b = bookable(cast)
    page.set_viewport_size(size)
    tag = "phone" if size is PHONE else "desktop"
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    waitlist.waitlist_entry_add(
        organization=cast.org,
        patient=cast.patient,
        appointment_type=b.types["follow-up"],
        location=cast.location,
        earliest_on=clinic_today(),
        latest_on=next_weekday(4, after=clinic_today(), weeks_ahead=2),
        by=cast.frontdesk,
    )
    appointment = services.appointment_book(
        organization=cast.org,
        appointment_type=b.types["follow-up"],
        location=cast.location,
        service_starts_at=b.at(next_weekday(0, after=clinic_today()), 10),
        contact_name="Someone Else",
        contact_phone="+15415550100",
    )
    services.appointment_cancel(appointment=appointment, by=cast.frontdesk, reason="Ill")
    offer = waitlist.waitlist_offer_freed_slot(appointment.pk)
    assert offer is not None
    page.goto(f"{live_server.url}/waitlist/offer/{offer.link_token}/")
    assert page.get_by_role("heading", name="Se abrió un horario para usted").is_visible()
    _no_sideways_scroll(page)
    shot(page, f"booking-waitlist-offer-es-{tag}")
    page.get_by_role("button", name="Sí, reservar este horario").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Su cita está reservada").is_visible()
    login(page, live_server.url, cast.patient_user.email)
    page.goto(f"{live_server.url}/portal/appointments/")
    assert page.get_by_role("heading", name="Sus citas").is_visible()
    _no_sideways_scroll(page)
    shot(page, f"booking-portal-appointments-es-{tag}")


def test_the_front_desk_puts_a_patient_on_the_waitlist(page, live_server, cast) -> None:
    b = bookable(cast)
    login(page, live_server.url, cast.frontdesk.email)
    page.goto(f"{live_server.url}/record/{cast.patient.pk}/")
    page.get_by_role("link", name="Add to the waitlist").click()
    page.get_by_label("Appointment type").select_option(str(b.types["follow-up"].pk))
    page.get_by_label("Until (inclusive)").fill("2000-01-01")
    page.get_by_role("button", name="Add to the waitlist").click()
    page.wait_for_load_state()
    assert "on or after the first day" in page.content()
    later = next_weekday(4, after=clinic_today(), weeks_ahead=3)
    page.get_by_label("Until (inclusive)").fill(later.isoformat())
    page.get_by_label("Monday").check()
    page.get_by_label("Wednesday").check()
    page.get_by_role("button", name="Add to the waitlist").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Waitlist").is_visible()
    assert cast.patient.display_name in page.content()
    shot(page, "booking-waitlist-staff-desktop")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    shot(page, "booking-waitlist-staff-phone")
