"""Browser flows of the patient: signing in to their own page, crisis resources on a phone
screen, quick submits, and Spanish pages (issue 8: items 1, 2, 3 and 5).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from infusionist.lib import instruments
from infusionist.measurements import services
from infusionist.measurements.models import Assignment, QuestionnaireResponse, SafetyAlert
from tests.e2e.conftest import SCREENSHOTS, login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HEADINGS = {
    "en": "You told us you have had thoughts of death or hurting yourself",
    "es": "Usted nos dijo que ha tenido pensamientos de muerte o de hacerse daño",
}
CRISIS_INSTRUMENTS = [i.code for i in instruments.all_instruments() if i.crisis_items]
SLOW_MS = 15_000  # a shared two-core test machine can be slow; the checks themselves are exact


def screen(page, name: str) -> None:
    """Save what the person sees now (the visible screen, not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def phone(browser, locale: str = "en-US"):
    return browser.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, locale=locale
    )


def server_errors(page) -> list[str]:
    """Collect every response of 500 or more the page receives (fetches included)."""
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return errors


def open_assignment(patient, code: str) -> Assignment:
    """An open questionnaire of any instrument (clinician-rated ones are made directly)."""
    now = timezone.now()
    return Assignment.objects.create(
        organization=patient.organization,
        patient=patient,
        instrument_code=code,
        reason="manual",
        available_at=now,
        due_at=now + dt.timedelta(days=1),
    )


def link_url(live_server, assignment: Assignment) -> str:
    _, token = services.link_issue(assignment=assignment, channel="sms")
    return live_server.url + reverse("questionnaire:start", args=[token])


def confirm_date_of_birth(page, lang: str) -> None:
    month, day, year = ("Mes", "Día", "Año") if lang == "es" else ("Month", "Day", "Year")
    page.get_by_label(month, exact=True).fill("4")
    page.get_by_label(day, exact=True).fill("12")
    page.get_by_label(year, exact=True).fill("1985")
    page.get_by_role("button", name="Continuar" if lang == "es" else "Continue").click()
    expect(page.locator("#mbc-questionnaire")).to_be_visible()


def choose(page, link_id: str, value: int) -> None:
    """Tap the answer with this value, as a person would (its label)."""
    item = page.locator(f"#item-{link_id}")
    item.locator("label.mbc-option", has=page.locator(f"input[value='{value}']")).click()


def settle(page) -> None:
    """Wait until no answer is on its way to the server (before the test ends)."""
    expect(page.locator("#mbc-questionnaire[data-saving]")).to_have_count(0)


def assert_panel_on_screen(page, link_id: str) -> None:
    """The whole crisis panel of the item is inside the viewport (after any smooth scroll)."""
    panel = page.locator(f"#crisis{link_id}")
    expect(panel).to_be_visible(timeout=SLOW_MS)
    page.wait_for_function(
        """(id) => { const r = document.getElementById(id).getBoundingClientRect();
                     return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        arg=f"crisis{link_id}",
        timeout=SLOW_MS,
    )
    box = panel.bounding_box()
    assert box is not None
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box


# ---- item 2: crisis resources on the screen at once -----------------------------------------


@pytest.mark.parametrize("route", ["link", "portal"])
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("code", CRISIS_INSTRUMENTS)
def test_a_crisis_answer_brings_the_panel_onto_a_phone_screen_and_announces_it(
    browser, live_server, cast, code, lang, route
) -> None:
    cast.patient.preferred_language = lang
    cast.patient.save(update_fields=["preferred_language"])
    instrument = instruments.get(code)
    thresholds = instrument.crisis_thresholds(instruments.resolve_params(instrument, {}))
    assignment = open_assignment(cast.patient, code)
    context = phone(browser)
    page = context.new_page()
    if route == "link":
        page.goto(link_url(live_server, assignment))
        confirm_date_of_birth(page, lang)
    else:
        login(page, live_server.url, "alice@test.example")
        page.goto(live_server.url + reverse("portal:answer", args=[assignment.pk]))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    live = page.locator("#mbc-crisis-live")
    for link_id, threshold in thresholds.items():
        lower = instrument.item(link_id).allowed_values[0]
        choose(page, link_id, threshold)
        assert_panel_on_screen(page, link_id)
        expect(live).to_contain_text(HEADINGS[lang], timeout=SLOW_MS)
        expect(live).to_contain_text("988", timeout=SLOW_MS)
        if link_id == next(iter(thresholds)):
            screen(page, f"crisis-{route}-{code}-{lang}-phone")
        choose(page, link_id, lower)  # a lower answer hides the panel again
        expect(page.locator(f"#crisis{link_id}")).to_be_hidden()
    settle(page)
    context.close()


# ---- item 1: a signed-in patient lands on their own home ---------------------------------------


def test_a_patient_signs_in_on_a_phone_and_lands_on_their_own_page(
    browser, live_server, cast
) -> None:
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    services.assignment_create_manual(
        patient=cast.other_patient, instrument_code="gad7", actor=cast.nurse
    )
    context = phone(browser)
    page = context.new_page()
    login(page, live_server.url, "alice@test.example")
    assert page.url == live_server.url + reverse("portal:home")
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Patient Health Questionnaire-9 (PHQ-9)")
    ).to_be_visible()
    expect(page.get_by_text("Generalized Anxiety")).to_have_count(0)  # the other patient's
    start = page.get_by_role("link", name=re.compile("^Start"))
    box = start.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    shot(page, "portal-home-phone")
    screen(page, "portal-home-phone-screen")
    # A staff page refuses with a way back home, not to Today.
    page.goto(live_server.url + reverse("today:index"))
    expect(page.get_by_role("heading", name="This page is for clinic staff")).to_be_visible()
    shot(page, "portal-refused-phone")
    page.get_by_role("link", name="Go to your page").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    context.close()

    desktop = browser.new_page(viewport=DESKTOP)
    login(desktop, live_server.url, "alice@test.example")
    expect(desktop.get_by_role("heading", name="Your questionnaires")).to_be_visible()
    shot(desktop, "portal-home-desktop")
    desktop.close()


def test_a_spanish_patient_reads_their_page_in_spanish_and_can_switch(
    browser, live_server, cast
) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="gad7", actor=cast.nurse
    )
    context = phone(browser)
    page = context.new_page()
    login(page, live_server.url, "alice@test.example")  # an English browser
    expect(page.get_by_role("heading", name="Hola, Alice")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Cuestionario de ansiedad generalizada-7 (GAD-7)")
    ).to_be_visible()
    text_line = page.get_by_role(
        "link", name="Envíe AYUDA por texto al 741741 (Crisis Text Line en español)"
    )
    expect(text_line).to_have_attribute("href", "sms:741741?body=AYUDA")
    shot(page, "portal-home-es-phone")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Hola, Alice")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Empezar")).click()
    expect(
        page.get_by_text("Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta")
    ).to_be_visible()
    screen(page, "portal-answer-es-phone")
    settle(page)
    context.close()


# ---- item 3: quick submits never race ----------------------------------------------------------


def test_quick_flagged_submits_in_the_portal_always_end_on_the_urgent_page(
    browser, live_server, cast
) -> None:
    runs = 6
    context = phone(browser)
    page = context.new_page()
    errors = server_errors(page)
    login(page, live_server.url, "alice@test.example")
    for run in range(runs):
        # One request at a time: a newer request for the same questionnaire replaces an open
        # older one, and sending one closes the others.
        assignment = services.assignment_create_manual(
            patient=cast.patient, instrument_code="phq9", actor=cast.nurse
        )
        page.goto(live_server.url + reverse("portal:answer", args=[assignment.pk]))
        for number in range(1, 9):
            choose(page, f"q{number}", 1)
        choose(page, "q9", 1 + run % 3)
        # Send at once, while the last autosave is still on its way, and tap twice.
        page.get_by_role("button", name="Send my answers").dblclick()
        expect(page).to_have_url(re.compile(r"/questionnaires/\d+/done/$"))
        urgent = page.get_by_role("alert").filter(has_text=HEADINGS["en"])
        expect(urgent).to_be_visible()
        expect(
            page.get_by_role("heading", name="Thank you — your answers were sent")
        ).to_be_visible()
        if run == 0:
            shot(page, "portal-done-urgent-phone")
    assert errors == []
    sent = QuestionnaireResponse.objects.filter(status="completed", source="patient_portal")
    assert sent.count() == runs and all(r.has_suicidality_flag for r in sent)
    assert SafetyAlert.objects.count() == runs
    context.close()


def test_send_waits_for_a_slow_autosave_then_posts_once(
    browser, live_server, cast, monkeypatch
) -> None:
    """The page never sends while a save is on its way: the save finishes, then one post."""
    import time

    real = services.questionnaire_response_save

    def slow_save(**kwargs):
        time.sleep(0.8)
        return real(**kwargs)

    monkeypatch.setattr(services, "questionnaire_response_save", slow_save)
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    context = phone(browser)
    page = context.new_page()
    login(page, live_server.url, "alice@test.example")
    page.goto(live_server.url + reverse("portal:answer", args=[assignment.pk]))
    for number in range(1, 10):
        page.locator(f"#item-q{number} input[value='1']").check(no_wait_after=True)
    events: list[str] = []
    page.on("request", lambda r: events.append(f"start {r.url.rsplit('/', 2)[-2]}"))
    page.on("requestfinished", lambda r: events.append(f"end {r.url.rsplit('/', 2)[-2]}"))
    errors = server_errors(page)
    page.locator("#item-q9 input[value='2']").check(no_wait_after=True)  # a save starts
    page.get_by_role("button", name="Send my answers").click(no_wait_after=True)
    page.get_by_role("button", name="Send my answers").click(no_wait_after=True)
    expect(page).to_have_url(re.compile(r"/questionnaires/\d+/done/$"))
    expect(page.get_by_role("alert").filter(has_text=HEADINGS["en"])).to_be_visible()
    sends = [e for e in events if e == "start send"]
    assert sends == ["start send"], events
    last_save_end = max(i for i, e in enumerate(events) if e == "end save")
    assert events.index("start send") > last_save_end, events
    assert errors == []
    stored = QuestionnaireResponse.objects.get()
    assert stored.status == "completed" and stored.answers["q9"] == 2
    context.close()


def test_finish_later_while_a_save_is_on_its_way_saves_and_does_not_send(
    browser, live_server, cast, monkeypatch
) -> None:
    import time

    real = services.questionnaire_response_save

    def slow_save(**kwargs):
        time.sleep(0.8)
        return real(**kwargs)

    monkeypatch.setattr(services, "questionnaire_response_save", slow_save)
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    context = phone(browser)
    page = context.new_page()
    errors = server_errors(page)
    login(page, live_server.url, "alice@test.example")
    page.goto(live_server.url + reverse("portal:answer", args=[assignment.pk]))
    for number in range(1, 10):
        page.locator(f"#item-q{number} input[value='0']").check(no_wait_after=True)
    page.get_by_role("button", name="Save and finish later").click()
    expect(page).to_have_url(live_server.url + reverse("portal:home"))
    expect(page.get_by_text("Started: 9 of 10 questions answered.")).to_be_visible()
    stored = QuestionnaireResponse.objects.get()
    assert stored.status == "in_progress" and len(stored.answers) == 9
    assert errors == []
    context.close()


def test_quick_flagged_submits_on_a_link_always_end_on_the_urgent_page(
    browser, live_server, cast
) -> None:
    errors: list[str] = []
    for _run in range(3):
        assignment = services.assignment_create_manual(
            patient=cast.patient, instrument_code="phq9", actor=cast.nurse
        )
        context = phone(browser)
        page = context.new_page()
        errors += server_errors(page)
        page.goto(link_url(live_server, assignment))
        confirm_date_of_birth(page, "en")
        for number in range(1, 9):
            choose(page, f"q{number}", 0)
        choose(page, "q9", 2)
        # Send at once, while the last autosave is still on its way, and tap twice.
        page.get_by_role("button", name="Send my answers").dblclick()
        expect(page).to_have_url(re.compile(r"/q/done/$"))
        expect(
            page.get_by_role("heading", name="Thank you — your answers were sent")
        ).to_be_visible()
        expect(page.get_by_role("alert").filter(has_text=HEADINGS["en"])).to_be_visible()
        context.close()
    assert errors == []
    assert QuestionnaireResponse.objects.filter(status="completed").count() == 3
    assert all(r.has_suicidality_flag for r in QuestionnaireResponse.objects.all())


# ---- item 5: Spanish pages ----------------------------------------------------------------------


def test_a_spanish_browser_gets_spanish_sign_in_and_error_pages(browser, live_server, cast) -> None:
    context = phone(browser, locale="es-US")
    page = context.new_page()
    page.goto(live_server.url + reverse("account_login"))
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    expect(page.get_by_role("link", name="Envíe AYUDA por texto al 741741")).to_be_visible()
    shot(page, "signin-es-phone")
    page.get_by_role("link", name="¿Olvidó su contraseña?").first.click()
    expect(page.get_by_role("heading", name="Restablecer su contraseña")).to_be_visible()
    shot(page, "password-reset-es-phone")
    page.goto(live_server.url + "/no-such-page/")
    expect(page.get_by_role("heading", name="Página no encontrada")).to_be_visible()
    shot(page, "404-es-phone")
    context.close()


def test_a_spanish_link_page_on_a_desktop(browser, live_server, cast) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    page = browser.new_page(viewport=DESKTOP)
    page.goto(link_url(live_server, assignment))
    confirm_date_of_birth(page, "es")
    choose(page, "q9", 1)
    assert_panel_on_screen(page, "q9")
    screen(page, "link-answer-es-desktop-crisis")
    settle(page)
    page.close()
