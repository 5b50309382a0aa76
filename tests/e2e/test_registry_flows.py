from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from infusionist.audit.models import AuditEvent
from infusionist.patients.models import Patient
from infusionist.patients.services import patient_create
from tests.e2e.conftest import login, shot


def test_front_desk_finds_a_multi_part_surname_by_one_part(page, live_server, cast) -> None:
    patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data={
            "legal_first_name": "Carmen",
            "legal_last_name": "O'Brien-Núñez",
            "date_of_birth": dt.date(1961, 6, 28),
            "sex_at_birth": "female",
        },
    )
    login(page, live_server.url, "frontdesk@test.example")
    page.goto(f"{live_server.url}/patients/")
    for text in ("OBrien", "Nunez", "06/28/61"):
        box = page.get_by_label("Search patients", exact=True)
        box.fill(text)
        box.press("Enter")
        expect(page.get_by_text("1 patient matches")).to_be_visible()
        expect(page.get_by_role("link", name="O'Brien-Núñez, Carmen")).to_be_visible()
    expect(page.get_by_text("searched by date of birth Jun 28, 1961")).to_be_visible()
    shot(page, "patient-search-two-digit-year")


def test_front_desk_sees_why_a_record_may_be_a_duplicate_and_gives_a_reason(
    page, live_server, cast
) -> None:
    login(page, live_server.url, "frontdesk@test.example")
    page.goto(f"{live_server.url}/patients/new/")
    # The cast's Alice Testpatient, born 1985-04-12, with first and last names swapped.
    page.get_by_label("Legal first name").fill("Testpatient")
    page.get_by_label("Legal last name").fill("Alice")
    page.get_by_role("textbox", name="Date of birth").fill("1985-04-12")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_role("heading", name="Possible existing records")).to_be_visible()
    expect(page.get_by_text("First and last names swapped")).to_be_visible()
    expect(page.get_by_label("Legal first name")).to_have_value("Testpatient")
    shot(page, "patient-possible-duplicates")
    page.get_by_label("I have checked the possible matches").check()
    page.get_by_label("What tells them apart").fill("Her mother: different ID and address.")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_text("Patient created with MRN WTC000003.")).to_be_visible()
    created = Patient.objects.get(mrn="WTC000003")
    event = AuditEvent.objects.get(action="create", patient=created)
    assert event.detail["not_duplicate_reason"] == "Her mother: different ID and address."
    assert event.detail["possible_duplicates"][0]["patient_id"] == cast.patient.pk
