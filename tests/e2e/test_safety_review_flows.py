"""Browser flows of the safety review: the C-SSRS triage floor, a real safety plan, and a
measurement page that fits a phone with safety shown before any reassuring badge.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from infusionist.measurements import services
from infusionist.measurements.models import QuestionnaireResponse, SafetyAlert
from tests.e2e.conftest import fill_safety_plan, login, shot

PHONE = {"width": 390, "height": 844}
STAFF = QuestionnaireResponse.Source.STAFF
INTENT_AND_PLAN = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 0}


def _phq9(cast, items: int, item9: int) -> None:
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": items for i in range(1, 9)} | {"q9": item9},
        source=STAFF,
        entered_by=cast.nurse,
    )


def test_a_low_level_against_an_imminent_screener_needs_a_reason_and_a_real_plan(
    browser, live_server, cast
) -> None:
    _phq9(cast, 0, 2)
    (alert,) = SafetyAlert.objects.all()
    # The nurse enters a C-SSRS screener with intent and a plan: it raises its own alert.
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=INTENT_AND_PLAN,
        source=STAFF,
        entered_by=cast.nurse,
    )
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/safety/")
    expect(page.get_by_text("Before any infusion")).to_have_count(1)
    expect(page.get_by_text("2 suicidality answers are waiting")).to_be_visible()
    expect(page.get_by_text("Item 9 (Thoughts of death or self-harm):")).to_be_visible()
    expect(page.get_by_text("not scored; triage Imminent risk").first).to_be_visible()
    shot(page, "mbc-safety-triage-top")

    form = page.locator("form").filter(has=page.locator(f"#item-alert-{alert.pk}-q1"))
    expect(form.get_by_text("Filled in from the C-SSRS screener")).to_be_visible()
    expect(
        form.locator(f"#item-alert-{alert.pk}-q5").get_by_label("Yes", exact=True)
    ).to_be_checked()
    form.get_by_label("Assessed risk level").select_option("low")
    for label in ("1. Warning signs", "2. Coping steps", "3. People and places"):
        form.get_by_label(label).fill("x")
    form.get_by_role("button", name="Save assessment and close the alert").click()
    expect(page.get_by_text("Please correct the highlighted items.")).to_be_visible()
    form = page.locator("form").filter(has=page.locator(f"#item-alert-{alert.pk}-q1"))
    expect(form.get_by_text(re.compile("triage as imminent risk, at least “High”"))).to_be_visible()
    expect(form.get_by_text(re.compile("a placeholder such as “x”")).first).to_be_visible()
    shot(page, "mbc-safety-triage-errors")

    form.get_by_label("Reason for a level lower than the C-SSRS triage").fill(
        "Plan was a month ago; now future-oriented, partner removed firearms, daily calls."
    )
    fill_safety_plan(form)
    form.get_by_role("button", name="Save assessment and close the alert").click()
    expect(page.get_by_text("Risk assessment saved. The alert is closed.")).to_be_visible()
    history = page.get_by_role("region", name="History")
    expect(history.get_by_text("Below the C-SSRS triage (at least High)")).to_be_visible()
    expect(
        history.get_by_text(re.compile("Intent with plan \\(past month\\): Yes"))
    ).to_be_visible()
    shot(page, "mbc-safety-triage-closed")

    # The same signed-in session on a phone (a second sign-in would reuse the TOTP code).
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "mbc-safety-triage-phone")


def test_the_measurement_page_fits_a_phone_and_puts_safety_first(
    browser, live_server, cast
) -> None:
    for items in (3, 2, 1):
        _phq9(cast, items, 0)
    _phq9(cast, 0, 1)  # in remission range, but item 9 answered: an alert opens
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="pcl5", actor=cast.nurse
    )
    phone = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    page = phone.new_page()
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/")
    expect(page.get_by_text("Suicidality: safety alert open").first).to_be_visible()
    expect(page.locator(".pill-ok", has_text="Remission")).to_have_count(0)
    # The reviewer measured 799 px: no sideways scroll on a 390 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    chart = page.locator("svg.mbc-chart-narrow").first
    expect(chart).to_be_visible()
    expect(page.locator("svg.mbc-chart-wide").first).to_be_hidden()
    label_px = chart.locator("text").first.evaluate("t => t.getBoundingClientRect().height")
    assert label_px >= 9, label_px  # the wide drawing shrunk onto a phone gave about 5 px
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(shot(page, "mbc-measurements-phone")).replace(".png", "-screen.png"))

    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    expect(page.locator("svg.mbc-chart-wide").first).to_be_visible()
    expect(page.get_by_text("PCL-5 · Sent by staff")).to_be_visible()
    expect(page.get_by_text("PHQ-9 (English, Spanish)")).to_have_count(1)
    shot(page, "mbc-measurements-desktop")
