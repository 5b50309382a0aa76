"""Browser flows of measurement-based care: the patient's link and the clinician's safety review."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from infusionist.measurements import services
from infusionist.measurements.models import SafetyAlert
from tests.e2e.conftest import SCREENSHOTS, fill_safety_plan, login, shot

PHONE = {"width": 390, "height": 844}


def screen(page, name: str) -> None:
    """Save what the person sees now (the visible screen, not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _reminder_link(cast, live_server, settings) -> str:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    assert services.measurement_reminders_send() == 1
    (email,) = mail.outbox
    return re.search(r"https?://\S+/q/\S+/", email.body).group(0)


def test_patient_answers_item9_and_sees_crisis_resources_then_clinician_closes_the_alert(
    browser, live_server, cast, settings
) -> None:
    url = _reminder_link(cast, live_server, settings)
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    patient = phone.new_page()
    patient.goto(url)
    expect(patient.get_by_role("heading", name="First, confirm it is you")).to_be_visible()
    patient.get_by_role("button", name="Continue").click()
    expect(patient.get_by_text("Enter a real date")).to_be_visible()
    patient.get_by_label("Month").fill("4")
    patient.get_by_label("Day").fill("12")
    patient.get_by_label("Year").fill("1985")
    shot(patient, "mbc-link-dob")
    patient.get_by_role("button", name="Continue").click()

    expect(patient.get_by_role("heading", name=re.compile("Your check-in"))).to_be_visible()
    expect(
        patient.get_by_text("Your answers are not monitored in real time.").first
    ).to_be_visible()
    assert "/q/answer/" in patient.url  # the token has left the address bar
    for number in range(1, 9):
        patient.locator(f"#item-q{number}").get_by_text("Several days", exact=True).click()
    crisis = patient.locator("#crisisq9")
    expect(crisis).to_be_hidden()
    patient.locator("#item-q9").get_by_text("Several days", exact=True).click()
    # Crisis resources appear the moment the answer is chosen, before anything is sent.
    expect(crisis).to_be_visible()
    expect(
        crisis.get_by_role("link", name="Call or text 988 (Suicide & Crisis Lifeline)")
    ).to_be_visible()
    patient.locator("#item-q9").scroll_into_view_if_needed()
    screen(patient, "mbc-link-item9-screen")
    shot(patient, "mbc-link-item9")
    patient.get_by_role("button", name="Send my answers").click()

    alert_box = patient.get_by_role("alert").filter(
        has_text="thoughts of death or hurting yourself"
    )
    expect(alert_box).to_be_visible()
    expect(
        alert_box.get_by_role("link", name="Text HOME to 741741 (Crisis Text Line)")
    ).to_be_visible()
    expect(
        alert_box.get_by_role("link", name="Call 911 if you are in immediate danger")
    ).to_be_visible()
    expect(alert_box.get_by_text("Your answers are not monitored in real time.")).to_be_visible()
    expect(
        patient.get_by_role("heading", name="Thank you — your answers were sent")
    ).to_be_visible()
    shot(patient, "mbc-link-done-crisis")
    phone.close()

    # The link cannot be used again.
    again = browser.new_page()
    again.goto(url)
    expect(again.get_by_text("This link has already been used.")).to_be_visible()
    again.close()

    alert = SafetyAlert.objects.get()
    assert alert.assigned_to == cast.physician

    page = browser.new_page(viewport={"width": 1180, "height": 820})
    login(page, live_server.url, "physician@test.example")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    alerts = page.get_by_role("region", name=re.compile("Safety alerts"))
    expect(alerts.get_by_role("link", name="Alice Testpatient")).to_be_visible()
    shot(page, "mbc-today-alert")
    alerts.get_by_role("link", name="Alice Testpatient").click()

    expect(
        page.get_by_role("heading", name=re.compile("Safety alerts: Alice Testpatient"))
    ).to_be_visible()
    expect(page.get_by_text("Before any infusion")).to_be_visible()
    form = page.locator("form").filter(
        has=page.get_by_role("button", name="Save assessment and close the alert")
    )
    form.get_by_role("button", name="Save assessment and close the alert").click()
    expect(page.get_by_text("Please correct the highlighted items.")).to_be_visible()
    shot(page, "mbc-safety-errors")
    form = page.locator("form").filter(
        has=page.get_by_role("button", name="Save assessment and close the alert")
    )
    prefix = f"#item-alert-{alert.pk}-"
    form.locator(f"{prefix}q1").get_by_text("Yes", exact=True).click()
    form.locator(f"{prefix}q2").get_by_text("No", exact=True).click()
    form.locator(f"{prefix}q6").get_by_text("No", exact=True).click()
    form.get_by_label("Assessed risk level").select_option("low")
    fill_safety_plan(form)
    shot(page, "mbc-safety-form")
    form.get_by_role("button", name="Save assessment and close the alert").click()
    expect(page.get_by_text("Risk assessment saved. The alert is closed.")).to_be_visible()
    expect(page.get_by_text("No open safety alerts for this patient.")).to_be_visible()
    shot(page, "mbc-safety-closed")
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert alert.assessment.assessed_by == cast.physician

    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/")
    expect(page.get_by_role("img", name=re.compile("PHQ-9"))).to_be_visible()
    shot(page, "mbc-patient-measurements")


def test_spanish_patient_stops_halfway_and_finishes_later(
    browser, live_server, cast, settings
) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    url = _reminder_link(cast, live_server, settings)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(url)
    expect(page.get_by_role("heading", name="Primero, confirme que es usted")).to_be_visible()
    page.get_by_label("Mes", exact=True).fill("4")
    page.get_by_label("Día", exact=True).fill("12")
    page.get_by_label("Año", exact=True).fill("1985")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_text("Poco interés o placer en hacer cosas")).to_be_visible()
    page.locator("#item-q1").get_by_text("Casi todos los días", exact=True).click()
    page.locator("#item-q2").get_by_text("Varios días", exact=True).click()
    page.get_by_role("button", name="Guardar y terminar después").click()
    expect(page.get_by_text("Sus respuestas se guardaron.")).to_be_visible()
    screen(page, "mbc-link-es-saved")
    phone.close()

    # Later, on another visit: the answers are still there; a missing one is pointed out.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(url)
    page.get_by_label("Mes", exact=True).fill("4")
    page.get_by_label("Día", exact=True).fill("12")
    page.get_by_label("Año", exact=True).fill("1985")
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("#item-q1").get_by_label("Casi todos los días")).to_be_checked()
    for number in range(3, 10):
        page.locator(f"#item-q{number}").get_by_text("Ningún día", exact=True).click()
    page.locator("#item-q2").get_by_text("Varios días", exact=True).click()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    expect(
        page.get_by_role("heading", name="Gracias — sus respuestas fueron enviadas")
    ).to_be_visible()
    expect(page.get_by_text("Sus respuestas no se vigilan en tiempo real.")).to_be_visible()
    shot(page, "mbc-link-es-done")
    phone.close()
    from infusionist.measurements.models import QuestionnaireResponse

    saved = QuestionnaireResponse.objects.get()
    assert (saved.total, saved.language, saved.status) == (4, "es", "completed")
