"""Browser flows of the intake packet (issue 10): a new patient fills it in over two visits to
the portal, on two devices, with a sign-out between; staff see it; a Spanish check."""

from __future__ import annotations

import re
from decimal import Decimal

from django.urls import reverse
from playwright.sync_api import expect

from infusionist.consultations.models import EligibilityDecision
from infusionist.intake.models import IntakePacket
from infusionist.test import PASSWORD
from tests.e2e.conftest import login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def phone(browser, locale: str = "en-US"):
    return browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, locale=locale
    )


def server_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return errors


def continue_(page) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def test_a_new_patient_completes_the_intake_over_two_visits(browser, live_server, cast) -> None:
    base = live_server.url
    # ---- first visit, on a phone -----------------------------------------------------------
    first = phone(browser)
    page = first.new_page()
    errors = server_errors(page)
    login(page, base, "alice@test.example")
    card = page.locator("#intake-card")
    expect(card.get_by_text("0 of 8 parts done")).to_be_visible()
    shot(page, "intake-home-card-phone")
    start = card.get_by_role("link", name="Fill in your intake")
    box = start.bounding_box()
    assert box is not None and box["height"] >= 44
    start.click()
    expect(page.get_by_role("heading", name="Your contact details")).to_be_visible()
    expect(page.get_by_label("Mobile phone")).to_have_value("(541) 555-0101")
    page.get_by_label("Emergency contact: name").fill("Bob Testcontact")
    page.get_by_label("How you know them (for example partner)").fill("brother")
    page.get_by_label("Emergency contact: phone").fill("541 555 0177")
    shot(page, "intake-contacts-phone")
    continue_(page)

    expect(page.get_by_role("heading", name="Mental health history")).to_be_visible()
    page.get_by_label("None of these").check()
    page.get_by_label("How many times have you stayed in hospital").fill("0")
    shot(page, "intake-psychiatric-phone")
    continue_(page)

    expect(page.get_by_role("heading", name="Antidepressants you have tried")).to_be_visible()
    page.locator("#f-trial-0-drug").fill("sertraline")
    page.locator("#f-trial-0-daily_dose_mg").fill("150")
    page.locator("#f-trial-0-duration_weeks").fill("8")
    page.locator("#f-trial-0-adequate-yes").check()
    page.locator("#f-trial-0-response-none").check()
    shot(page, "intake-trials-phone")
    continue_(page)

    expect(page.get_by_role("heading", name="Physical health")).to_be_visible()
    page.get_by_label("High blood pressure", exact=True).check()
    page.get_by_label("Upper number (systolic), mmHg").fill("13o")  # a slip of the thumb
    page.get_by_label("Lower number (diastolic), mmHg").fill("85")
    page.locator("#f-pregnant-no").check()
    continue_(page)
    # Saved anyway, the typing kept, the message beside the field; the part is not done.
    expect(page.get_by_label("Upper number (systolic), mmHg")).to_have_value("13o")
    expect(page.locator("#f-sys-error")).to_have_text("Please enter a number, like 120.")
    expect(page.get_by_text("Saved. One answer needs checking")).to_be_visible()
    shot(page, "intake-medical-problem-phone")
    # Stop for now: sign out.
    page.get_by_role("link", name="Stop for now: back to your page").click()
    expect(page.locator("#intake-card").get_by_text("3 of 8 parts done")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    first.close()

    # ---- second visit, another device (a desktop browser) -----------------------------------
    page = browser.new_page(viewport=DESKTOP)
    errors += server_errors(page)
    login(page, base, "alice@test.example")
    page.locator("#intake-card").get_by_role("link", name="Continue your intake").click()
    expect(page.get_by_role("heading", name="Physical health")).to_be_visible()
    expect(page.get_by_label("Upper number (systolic), mmHg")).to_have_value("13o")
    expect(page.get_by_label("High blood pressure", exact=True)).to_be_checked()
    shot(page, "intake-medical-resumed-desktop")
    page.get_by_label("Upper number (systolic), mmHg").fill("130")
    continue_(page)

    expect(page.get_by_role("heading", name="Medicines you take now")).to_be_visible()
    page.get_by_label("I take no medicines").check()
    continue_(page)

    expect(page.get_by_role("heading", name="Allergies")).to_be_visible()
    page.get_by_label("What are you allergic to?").fill("penicillin")
    page.get_by_label("What happens? (for example rash, swelling)").fill("rash")
    continue_(page)

    expect(page.get_by_role("heading", name="Height and weight")).to_be_visible()
    page.get_by_label("feet, inches and pounds").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("Height: feet").fill("5")
    page.get_by_label("and inches").fill("7")
    page.get_by_label("Weight (lb)").fill("160")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#intake-bmi")).to_contain_text("170.2 cm and 72.6 kg")
    expect(page.locator("#intake-bmi")).to_contain_text("25.1 kg/m²")
    shot(page, "intake-body-desktop")
    continue_(page)

    expect(page.get_by_role("heading", name="Questionnaires before treatment")).to_be_visible()
    shot(page, "intake-baseline-desktop")
    page.get_by_role("link", name="Review and send your intake").click()
    expect(page.get_by_role("heading", name="Review and send your intake")).to_be_visible()
    shot(page, "intake-review-desktop")
    page.get_by_role("button", name="Send my intake to my clinic").click()
    expect(page.get_by_text("Your answers were sent to your clinic")).to_be_visible()
    shot(page, "intake-submitted-desktop")
    page.close()

    packet = IntakePacket.objects.get(patient=cast.patient)
    assert packet.submitted_at is not None and len(packet.facts_sha256) == 64
    assert packet.answers["medical"]["systolic_mmhg"] == 130
    assert Decimal(packet.answers["body"]["weight_kg"]) == Decimal("160") * Decimal("0.45359237")
    cast.patient.refresh_from_db()
    assert cast.patient.emergency_contact_name == "Bob Testcontact"

    # ---- staff see it ------------------------------------------------------------------------
    staff = browser.new_page(viewport=DESKTOP)
    login(staff, base, "nurse@test.example")
    staff.goto(base + reverse("intake:detail", args=[cast.patient.pk]))
    expect(staff.get_by_role("heading", name="Intake: Alice Testpatient")).to_be_visible()
    expect(staff.get_by_text("penicillin")).to_be_visible()
    shot(staff, "intake-staff-detail-desktop")
    staff.goto(base + reverse("intake:list"))
    shot(staff, "intake-staff-list-desktop")
    staff.close()

    # ---- the physician approves, overriding the one rule that needs it, and signs ----------
    doctor = browser.new_page(viewport=DESKTOP)
    login(doctor, base, "physician@test.example")
    doctor.goto(base + reverse("consultations:review", args=[cast.patient.pk]))
    expect(
        doctor.get_by_role("heading", name="Eligibility review: Alice Testpatient")
    ).to_be_visible()
    reasons = doctor.get_by_label(re.compile("^Reason for overriding"))
    expect(reasons).to_have_count(1)
    doctor.get_by_label("Approve treatment").check()
    doctor.get_by_label("Note").fill("Seen by video; history and medicines reviewed with her.")
    reasons.first.fill("Discussed with the patient and her psychiatrist; benefits outweigh it.")
    doctor.get_by_label("I have reviewed this patient's intake").check()
    doctor.get_by_label("Your password").fill(PASSWORD)
    doctor.get_by_role("button", name="Sign decision").click()
    expect(doctor.get_by_text("Decision version 1 signed: approved.")).to_be_visible()
    shot(doctor, "intake-physician-signed-desktop")
    # The record shows what still blocks an infusion: consent, not eligibility.
    doctor.goto(base + reverse("record:patient", args=[cast.patient.pk]))
    readiness = doctor.locator("section.readiness")
    expect(readiness).to_contain_text("Approved for treatment (decision version 1).")
    expect(readiness).to_contain_text("Consent signed")
    shot(doctor, "intake-record-readiness-desktop")
    doctor.close()
    decision = EligibilityDecision.objects.get(patient=cast.patient)
    assert decision.outcome == "approved" and len(decision.overrides) == 1
    assert errors == []


def test_a_spanish_patient_fills_a_part_in_spanish(browser, live_server, cast) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    context = phone(browser)
    page = context.new_page()
    login(page, live_server.url, "alice@test.example")
    card = page.locator("#intake-card")
    expect(card.get_by_role("heading", name="Su admisión")).to_be_visible()
    page.goto(live_server.url + reverse("portal:intake_section", args=["body"]))
    expect(page.get_by_role("heading", name="Estatura y peso")).to_be_visible()
    page.get_by_label("Estatura (cm)").fill("ciento setenta")
    page.get_by_role("button", name="Guardar", exact=True).click()
    expect(page.locator("#f-height_cm_typed-error")).to_have_text(
        "Escriba un número, por ejemplo 170."
    )
    expect(page.get_by_label("Estatura (cm)")).to_have_value("ciento setenta")
    shot(page, "intake-body-es-phone")
    context.close()
