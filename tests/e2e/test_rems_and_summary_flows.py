"""A nurse sees the REMS forms due from Today, fills one in on a phone and marks it
submitted; the session summary prints cleanly."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from infusionist.infusions.models import RemsForm, RemsFormRule
from infusionist.infusions.tests.factories import ready_visit
from infusionist.infusions.tests.test_rems import GOOD
from infusionist.infusions.tests.test_summary import charted
from infusionist.test import clinic_today
from tests.e2e.conftest import login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def test_a_nurse_fills_in_and_submits_a_rems_form_on_a_phone(page, live_server, cast):
    visit = ready_visit(cast, kind="esketamine_session").visit
    rule = RemsFormRule.objects.create(
        organization=cast.org,
        name="Spravato REMS Patient Monitoring Form",
        drug="esketamine",
        source_keys="[36][46][47]",
    )
    form = RemsForm.objects.create(
        visit=visit, rule=rule, name=rule.name, due_on=clinic_today() - dt.timedelta(days=1)
    )
    page.set_viewport_size(PHONE)
    login(page, live_server.url, cast.nurse.email)
    page.goto(f"{live_server.url}/today/")
    expect(page.get_by_text("1 REMS form is overdue or due within 2 days.")).to_be_visible()
    page.get_by_role("link", name="Fill in and submit them").click()
    expect(page.get_by_text("overdue by 1 day")).to_be_visible()
    shot(page, "rems-list-phone")
    page.set_viewport_size(DESKTOP)
    shot(page, "rems-list-desktop")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name=cast.patient.display_name).click()
    for name, value in GOOD.items():
        field = page.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    shot(page, "rems-form-phone")
    page.get_by_role("button", name="Save the form's data").click()
    expect(page.get_by_text("Saved. Record the submission")).to_be_visible()
    page.get_by_label("Confirmation or fax reference").fill("REMS-778812")
    page.get_by_role("button", name="Mark submitted").click()
    expect(page.get_by_text("Marked submitted.")).to_be_visible()
    shot(page, "rems-form-submitted-phone")
    form.refresh_from_db()
    assert form.confirmation == "REMS-778812" and form.submitted_at is not None


def test_the_session_summary_reads_and_prints_cleanly(page, live_server, cast):
    visit = charted(cast)
    page.set_viewport_size(DESKTOP)
    login(page, live_server.url, cast.physician.email)
    page.goto(f"{live_server.url}/chart/visits/{visit.pk}/summary/")
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    expect(page.get_by_text(visit.signed_note.content_sha256)).to_be_visible()
    shot(page, "session-summary-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "session-summary-phone")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    expect(page.locator(".topbar")).to_be_hidden()
    shot(page, "session-summary-print")


def test_the_plan_shows_the_administered_exposure_beside_the_planned(page, live_server, cast):
    from django.utils import timezone

    from infusionist.treatment import services as treatment_services

    ready = ready_visit(cast)
    for days, mg in ((9, "35"), (5, "35"), (2, "36.5")):
        treatment_services.administered_dose_record(
            patient=cast.patient,
            given_at=timezone.now() - dt.timedelta(days=days),
            dose_mg=mg,
            route="iv",
            reference=f"visit {days}",
        )
    page.set_viewport_size(PHONE)
    login(page, live_server.url, cast.nurse.email)
    page.goto(f"{live_server.url}/treatment/plans/{ready.cast.patient.pk}/")
    section = page.locator("section[aria-labelledby=given-h]")
    expect(section).to_contain_text("106.5 mg in all")
    section.scroll_into_view_if_needed()
    shot(page, "plan-administered-exposure-phone")
