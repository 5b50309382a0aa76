"""Browser checks of the staff C-SSRS items: branching, clearing, and two alerts on one page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from infusionist.measurements import services
from infusionist.measurements.models import QuestionnaireResponse, SafetyAlert
from tests.e2e.conftest import fill_safety_plan, login, shot


def _flagged(cast) -> None:
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": 1 for i in range(1, 10)},
        source="staff",
        entered_by=cast.nurse,
    )


def test_two_alerts_branching_and_clearing(browser, live_server, cast) -> None:
    _flagged(cast)
    _flagged(cast)
    first, second = SafetyAlert.objects.order_by("pk")
    page = browser.new_page(viewport={"width": 1180, "height": 820})
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/safety/")
    expect(page.get_by_role("heading", name=re.compile("Safety alerts"))).to_be_visible()

    a, b = f"#item-alert-{first.pk}-", f"#item-alert-{second.pk}-"
    # Q3-Q5 and Q6b wait for a "Yes" to Q2 and Q6.
    for item in ("q3", "q4", "q5", "q6b"):
        expect(page.locator(f"{a}{item}")).to_be_hidden()
        expect(page.locator(f"{b}{item}")).to_be_hidden()
    page.locator(f"{a}q2").get_by_text("Yes", exact=True).click()
    for item in ("q3", "q4", "q5"):
        expect(page.locator(f"{a}{item}")).to_be_visible()
        expect(page.locator(f"{b}{item}")).to_be_hidden()  # the other alert's form is untouched
    expect(page.locator(f"{b}q2").get_by_label("Yes", exact=True)).not_to_be_checked()
    page.locator(f"{a}q4").get_by_text("Yes", exact=True).click()
    expect(page.locator(f"{b}q4")).to_be_hidden()
    shot(page, "mbc-safety-two-alerts")

    # Clearing: "Not answered" empties an answer.
    page.locator(f"{a}q4").get_by_text("Not answered", exact=True).click()
    expect(page.locator(f"{a}q4").get_by_label("Yes", exact=True)).not_to_be_checked()
    # Changing Q2 back to "No" hides Q3-Q5 again.
    page.locator(f"{a}q2").get_by_text("No", exact=True).click()
    expect(page.locator(f"{a}q4")).to_be_hidden()

    # The second alert: "No" to every question asked, then close it.
    form = page.locator("form").filter(has=page.locator(f"{b}q1"))
    for item in ("q1", "q2", "q6"):
        form.locator(f"{b}{item}").get_by_text("No", exact=True).click()
    form.get_by_label("Assessed risk level").select_option("low")
    fill_safety_plan(form)
    form.get_by_role("button", name="Save assessment and close the alert").click()
    expect(page.get_by_text("Risk assessment saved. The alert is closed.")).to_be_visible()
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, second.status) == ("open", "closed")
    saved = QuestionnaireResponse.objects.get(instrument_code="cssrs_screener")
    assert saved.answers == {"q1": 0, "q2": 0, "q6": 0}


def test_a_yes_kept_on_a_question_no_longer_asked_stays_in_view(browser, live_server, cast) -> None:
    _flagged(cast)
    (alert,) = SafetyAlert.objects.all()
    page = browser.new_page(viewport={"width": 1180, "height": 820})
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/safety/")
    p = f"#item-alert-{alert.pk}-"
    for item in ("q1", "q6"):
        page.locator(f"{p}{item}").get_by_text("No", exact=True).click()
    page.locator(f"{p}q2").get_by_text("Yes", exact=True).click()
    page.locator(f"{p}q5").get_by_text("Yes", exact=True).click()
    page.locator(f"{p}q2").get_by_text("No", exact=True).click()
    # Q5 holds a "Yes": it stays visible and is sent, so the page says what to do about it.
    expect(page.locator(f"{p}q5")).to_be_visible()
    expect(page.locator(f"{p}q3")).to_be_hidden()
    page.get_by_label("Assessed risk level").select_option("high")
    fill_safety_plan(page)
    page.get_by_role("button", name="Save assessment and close the alert").click()
    expect(
        page.get_by_text("Asked only if question 2 is “Yes”. Choose “Not answered”")
    ).to_be_visible()
    alert.refresh_from_db()
    assert alert.status == "open"


def test_staff_entry_of_the_screener_branches_too(browser, live_server, cast) -> None:
    page = browser.new_page(viewport={"width": 1180, "height": 820})
    login(page, live_server.url, "nurse@test.example")
    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/enter/cssrs_screener/")
    expect(page.locator("#item-q6b")).to_be_hidden()
    page.locator("#item-q6").get_by_text("Yes", exact=True).click()
    expect(page.locator("#item-q6b")).to_be_visible()
    for item in ("q1", "q2", "q6b"):
        page.locator(f"#item-{item}").get_by_text("No", exact=True).click()
    page.get_by_role("button", name="Save and score").click()
    expect(page.get_by_role("heading", name=re.compile("Measurements"))).to_be_visible()
    saved = QuestionnaireResponse.objects.get(instrument_code="cssrs_screener")
    assert saved.answers == {"q1": 0, "q2": 0, "q6": 1, "q6b": 0}


def test_without_javascript_every_item_shows_and_all_no_is_accepted(
    browser, live_server, cast
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1180, "height": 820}
    )
    page = context.new_page()
    login(page, live_server.url, "nurse@test.example")
    page.goto(f"{live_server.url}/measurements/patients/{cast.patient.pk}/enter/cssrs_screener/")
    for item in ("q1", "q2", "q3", "q4", "q5", "q6", "q6b"):
        expect(page.locator(f"#item-{item}")).to_be_visible()
        page.locator(f"#item-{item}").get_by_text("No", exact=True).click()
    expect(
        page.locator("#item-q3").get_by_text("Asked only if question 2 is “Yes”.")
    ).to_be_visible()
    # A wrong click can be undone without retyping anything.
    page.locator("#item-q1").get_by_text("Yes", exact=True).click()
    page.locator("#item-q1").get_by_text("Not answered", exact=True).click()
    page.locator("#item-q1").get_by_text("No", exact=True).click()
    page.get_by_role("button", name="Save and score").click()
    expect(page.get_by_role("heading", name=re.compile("Measurements"))).to_be_visible()
    saved = QuestionnaireResponse.objects.get(instrument_code="cssrs_screener")
    assert saved.answers == {"q1": 0, "q2": 0, "q6": 0}
    context.close()
