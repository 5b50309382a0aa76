"""A physician reviews a new patient's eligibility checklist, overrides one rule and signs."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from infusionist.consultations import services
from infusionist.consultations.models import Consultation, EligibilityDecision
from infusionist.consultations.tests.factories import answers, packet_save
from infusionist.test import PASSWORD
from tests.e2e.conftest import login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def test_physician_overrides_one_rule_approves_and_signs(page, live_server, cast) -> None:
    # The intake as the patient submitted it: blood pressure above the clinic's 140/90 limit.
    packet_save(cast.patient, answers(systolic_mmhg=152))
    services.consultation_schedule(
        patient=cast.patient,
        actor=cast.frontdesk,
        physician=cast.physician,
        modality=Consultation.Modality.TELEHEALTH_VIDEO,
        scheduled_at=timezone.now() + dt.timedelta(hours=1),
    )
    login(page, live_server.url, "physician@test.example")
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("heading", name="Waiting for your decision")).to_be_visible()
    shot(page, "eligibility-today-desktop")
    page.get_by_role("link", name="Alice Testpatient").first.click()

    expect(
        page.get_by_role("heading", name="Eligibility review: Alice Testpatient")
    ).to_be_visible()
    rule = page.locator("#rule-blood_pressure_above_limit")
    expect(rule.get_by_text("Needs override")).to_be_visible()
    expect(rule.get_by_role("link", name="[27]")).to_have_attribute("href", "/reference/#source-27")
    shot(page, "eligibility-review-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "eligibility-review-phone")
    page.set_viewport_size(DESKTOP)

    # Approving without the reason is refused beside the field; nothing typed is lost.
    page.get_by_label("Approve treatment").check()
    page.get_by_label("Note").fill("Seen by video; two adequate failed trials; suitable for IV.")
    page.get_by_label("I have reviewed this patient's intake").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_text("“Blood pressure before treatment” is missing")).to_be_visible()
    expect(page.get_by_label("Note")).to_have_value(
        "Seen by video; two adequate failed trials; suitable for IV."
    )
    shot(page, "eligibility-sign-error-desktop")

    page.get_by_label("Reason for overriding: Blood pressure before treatment").fill(
        "Home readings average 128/82 over a week; recheck before each session."
    )
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_text("Decision version 1 signed: approved.")).to_be_visible()
    expect(page.locator("dl").get_by_text("Home readings average 128/82")).to_be_visible()
    shot(page, "eligibility-decisions-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "eligibility-decisions-phone")

    decision = EligibilityDecision.objects.get()
    assert decision.outcome == "approved"
    assert list(decision.overrides) == ["blood_pressure_above_limit"]

    page.goto(f"{live_server.url}/record/{cast.patient.pk}/")
    expect(page.get_by_text("Approved for treatment (decision version 1).")).to_be_visible()
    shot(page, "eligibility-record-panel-phone")
