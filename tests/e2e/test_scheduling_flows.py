"""A front-desk user books a 6-infusion series, picking an alternative for a missing slot,
and sees it on the week calendar; the calendar and booking pages on a phone and a desktop."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from infusionist.scheduling.models import Appointment, StaffTimeOff
from infusionist.scheduling.tests.factories import bookable, next_weekday
from infusionist.test import clinic_today
from tests.e2e.conftest import login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_front_desk_books_a_six_infusion_series_and_sees_it_on_the_week(
    page, live_server, cast
) -> None:
    b = bookable(cast)
    first = next_weekday(0, after=clinic_today())
    wednesday = first + dt.timedelta(days=2)
    for nurse in (cast.nurse, cast.provider):
        StaffTimeOff.objects.create(
            organization=cast.org,
            staff=nurse,
            starts_at=b.at(wednesday, 9),
            ends_at=b.at(wednesday, 12),
            reason="Training",
        )
    page.set_viewport_size(DESKTOP)
    login(page, live_server.url, cast.frontdesk.email)
    page.get_by_role("link", name="Calendar").first.click()
    page.get_by_role("link", name="Book an appointment").click()
    page.get_by_role("textbox", name="Find the patient").fill(cast.patient.legal_last_name)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Book a series").first.click()
    page.get_by_label("Appointment type").select_option(label="Ketamine infusion")
    page.get_by_label("First day").fill(first.isoformat())
    page.locator("#id_local_time").fill("10:00")
    expect(page.get_by_label("Mon")).to_be_checked()
    expect(page.get_by_label("Wed")).to_be_checked()
    expect(page.get_by_label("Fri")).to_be_checked()
    page.get_by_role("button", name="Propose the sessions").click()
    expect(page.locator(".series-session")).to_have_count(6)
    missing = page.locator(".series-session.missing")
    expect(missing).to_have_count(1)
    expect(missing).to_contain_text("Not free at that time.")
    shot(page, "scheduling-series-proposal-desktop")
    missing.get_by_role("radio").first.check()
    page.get_by_role("button", name="Book all 6 sessions").click()
    expect(page.get_by_text("Booked a series of 6 sessions.")).to_be_visible()
    assert Appointment.objects.filter(patient=cast.patient).count() == 6
    week = page.locator(".cal-week")
    for n in (1, 2, 3):
        expect(week).to_contain_text(f"{n} of 6")
    expect(week).to_contain_text(cast.patient.display_name)
    shot(page, "scheduling-week-desktop")
    page.get_by_role("link", name=re.compile("Next week")).click()
    for n in (4, 5, 6):
        expect(page.locator(".cal-week")).to_contain_text(f"{n} of 6")
    # The day of the first session, by chair and by staff, and its appointment page.
    page.goto(f"{live_server.url}/schedule/?view=day&date={first.isoformat()}")
    expect(page.locator(".cal-appt")).to_have_count(1)
    shot(page, "scheduling-day-chair-desktop")
    page.get_by_role("link", name="By staff").click()
    expect(page.locator(".cal-band-shift").first).to_be_visible()
    shot(page, "scheduling-day-staff-desktop")
    page.locator(".cal-appt").first.click()
    expect(page.get_by_role("heading", name=re.compile("Ketamine infusion"))).to_be_visible()
    expect(page.get_by_text("1 of 6")).to_be_visible()
    shot(page, "scheduling-appointment-desktop")
    # A phone: the same pages, lanes scroll sideways with the hours in view.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/schedule/?view=day&date={wednesday.isoformat()}")
    expect(page.locator(".cal-appt")).to_have_count(1)
    width = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert width <= 1, "the page itself must not scroll sideways on a phone"
    shot(page, "scheduling-day-chair-phone")
    page.goto(f"{live_server.url}/schedule/?view=week&by=staff&date={first.isoformat()}")
    shot(page, "scheduling-week-staff-phone")
    page.goto(
        f"{live_server.url}/schedule/book/{cast.patient.pk}/?appointment_type="
        f"{b.types['ketamine-infusion'].pk}&location={cast.location.pk}&day="
        f"{(first + dt.timedelta(days=1)).isoformat()}"
    )
    expect(page.get_by_role("heading", name=re.compile("Before the infusion"))).to_be_visible()
    shot(page, "scheduling-book-phone")
    appointment = Appointment.objects.filter(patient=cast.patient).order_by("service_starts_at")[0]
    page.goto(f"{live_server.url}/schedule/appointments/{appointment.pk}/")
    shot(page, "scheduling-appointment-phone")


pytestmark = pytest.mark.browser
