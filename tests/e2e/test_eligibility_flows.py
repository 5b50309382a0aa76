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
    expect(page.get_by_text("Approved for treatment (decision version 1).").first).to_be_visible()
    shot(page, "eligibility-record-panel-phone")


def test_front_desk_schedules_and_the_physician_records_it_held(page, live_server, cast) -> None:
    login(page, live_server.url, "frontdesk@test.example")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/record/{cast.patient.pk}/")
    page.get_by_role("link", name="Schedule a consultation").click()
    day = timezone.localdate() + dt.timedelta(days=2)
    page.get_by_label("Supervising physician").select_option(label="Dr. Phil Physician, MD")
    page.get_by_label("Telehealth video").check()
    page.locator("#id_scheduled_date").fill(day.isoformat())
    page.get_by_label("Time (clinic time)").fill("10:30")
    page.get_by_label("Notes").fill("Video link to be sent by e-mail.")
    shot(page, "consultation-schedule-phone")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_text("Consultation scheduled.")).to_be_visible()
    expect(page.get_by_text("10:30 AM · Telehealth video")).to_be_visible()
    shot(page, "consultation-list-phone")

    consultation = Consultation.objects.get()
    # The visit happens; the physician records it as held.
    Consultation.objects.filter(pk=consultation.pk).update(scheduled_at=timezone.now())
    page.context.clear_cookies()
    login(page, live_server.url, "physician@test.example")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/consultations/patients/{cast.patient.pk}/")
    page.get_by_label("Consultation notes").fill("History, medicines and risks discussed.")
    page.get_by_role("button", name="Record as held").click()
    expect(page.get_by_text("Consultation recorded as held.")).to_be_visible()
    shot(page, "consultation-held-desktop")
    consultation.refresh_from_db()
    assert consultation.status == "held"
