from __future__ import annotations

from playwright.sync_api import expect

from infusionist.audit.models import AuditEvent
from infusionist.patients.models import Patient
from tests.e2e.conftest import login, shot


def test_clinician_logs_in_with_mfa_and_finds_a_patient(page, live_server, cast) -> None:
    login(page, live_server.url, "nurse@test.example")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    shot(page, "today")
    page.get_by_label("Search patients by name, date of birth, phone or MRN").fill("testpat")
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 patient matches")).to_be_visible()
    page.get_by_role("link", name="Testpatient, Alice").click()
    expect(page.get_by_role("heading", name="Alice Testpatient")).to_be_visible()
    shot(page, "patient-detail")
    assert AuditEvent.objects.filter(actor=cast.nurse, action="view", patient=cast.patient).exists()


def test_front_desk_fixes_a_validation_error_and_creates_a_patient(page, live_server, cast) -> None:
    login(page, live_server.url, "frontdesk@test.example")
    page.goto(f"{live_server.url}/patients/new/")
    page.get_by_label("Legal first name").fill("Marisol")
    page.get_by_label("Legal last name").fill("Quintanilla")
    page.get_by_role("textbox", name="Date of birth").fill("2030-05-01")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Phone", exact=True).fill("(541) 555-0166")
    page.get_by_label("Emergency contact name").fill("Rafael Quintanilla")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_text("Date of birth cannot be in the future.")).to_be_visible()
    # Nothing typed was lost.
    expect(page.get_by_label("Legal last name")).to_have_value("Quintanilla")
    expect(page.get_by_label("Emergency contact name")).to_have_value("Rafael Quintanilla")
    shot(page, "patient-form-error")
    page.get_by_role("textbox", name="Date of birth").fill("1990-05-01")
    page.get_by_role("button", name="Create patient").click()
    expect(page.get_by_text("Patient created with MRN WTC000003.")).to_be_visible()
    shot(page, "patient-created")
    assert Patient.objects.get(legal_last_name="Quintanilla").mrn == "WTC000003"


def test_admin_filters_the_audit_report(page, live_server, cast) -> None:
    login(page, live_server.url, "admin@test.example")
    page.goto(f"{live_server.url}/clinic/audit/")
    page.get_by_label("Staff member").select_option(label="Ada Admin (Clinic admin)")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("cell", name="Signed in")).to_be_visible()
    shot(page, "audit-report")


def test_new_clinician_is_walked_through_authenticator_setup(page, live_server, cast) -> None:
    from infusionist.accounts.models import User
    from infusionist.test import PASSWORD
    from tests.e2e.conftest import totp_now

    User.objects.create_user(
        "newnurse@test.example", PASSWORD, role="nurse", organization=cast.org, full_name="Nia New"
    )
    login(page, live_server.url, "newnurse@test.example")
    page.goto(f"{live_server.url}/patients/")
    # Clinical pages wait until an authenticator app is set up (MFA_REQUIRED); adding one
    # asks for the password again, so a borrowed session cannot enrol its own device.
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    expect(page.get_by_text("Clinical staff sign in with an authenticator app")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    shot(page, "mfa-activate")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    page.goto(f"{live_server.url}/patients/")
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
