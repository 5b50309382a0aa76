"""A nurse charts a whole session on a tablet: check-in, the gate, the start, a blood
pressure of 185/115 twice raises an alert, pause, the documented response, resume, stop,
observation, discharge and the signed note; then the physician co-signs it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from infusionist.infusions.models import NoteCosignature, Visit
from infusionist.infusions.tests.factories import ready_visit
from infusionist.test import PASSWORD
from tests.e2e.conftest import login, shot

TABLET = {"width": 820, "height": 1180}


def _clock(minutes_ago: int, zone) -> str:
    return timezone.localtime(timezone.now() - dt.timedelta(minutes=minutes_ago), zone).strftime(
        "%H:%M"
    )


def test_a_nurse_charts_a_whole_session_and_the_physician_cosigns(page, live_server, cast):
    ready = ready_visit(cast)
    visit = ready.visit
    zone = cast.location.tzinfo
    page.set_viewport_size(TABLET)
    login(page, live_server.url, cast.nurse.email)
    page.goto(f"{live_server.url}/chart/visits/{visit.pk}/")
    page.get_by_role("button", name="The patient is here: check in").click()
    expect(page.get_by_text("Checked in.")).to_be_visible()
    # The gate lists what is left; the start form is not offered yet.
    expect(page.locator("#check-baseline_vitals")).to_contain_text("blocks the dose")
    expect(page.get_by_role("button", name="Start", exact=True)).to_have_count(0)
    page.get_by_label("Today's weight (kg)").fill("70")
    page.get_by_label("Fasting confirmed", exact=False).check()
    page.get_by_label("Escort home: name").fill("Robin Example")
    page.get_by_label("Escort's phone").fill("503-555-0142")
    page.get_by_label("Negative test today").check()
    page.get_by_role("button", name="Save the checks").click()
    expect(page.get_by_text("Pre-infusion checks saved.")).to_be_visible()
    page.get_by_label("Systolic (mmHg)").fill("128")
    page.get_by_label("Diastolic (mmHg)").fill("82")
    page.get_by_label("Heart rate (/min)").fill("74")
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator("#gate-h")).to_contain_text("ready")
    shot(page, "chart-gate-ready-tablet")
    # The order's pump programme is filled in: 35 mg in 100 mL at 150 mL/h.
    expect(page.get_by_label("Pump rate (mL/h)")).to_have_value("150")
    page.get_by_label("Container (vial and bag)").fill("Ketamine 10 mg/mL vial; 100 mL NS")
    page.get_by_label("Lot number").fill("TEST-LOT-0042")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_text("Dose started.")).to_be_visible()
    expect(page.locator(".phase")).to_contain_text("Infusing")
    # 185/115 five minutes apart: the first asks for a recheck, the second raises the alert.
    rows = page.locator(".vitals-table tbody tr")
    for n, minutes_ago in enumerate((5, 0), start=2):
        page.get_by_label("Systolic (mmHg)").fill("185")
        page.get_by_label("Diastolic (mmHg)").fill("115")
        page.get_by_label("Measured at (empty = now)").fill(_clock(minutes_ago, zone))
        page.get_by_role("button", name="Save vital signs").click()
        expect(rows).to_have_count(n)
    alert = page.locator("#alert")
    expect(alert).to_contain_text("a documented response is needed")
    shot(page, "chart-alert-tablet")
    page.get_by_role("button", name="Pause the pump now").click()
    expect(page.locator(".phase")).to_contain_text("Paused")
    page.get_by_label("Infusion paused").check()
    page.get_by_label("Physician notified").check()
    page.get_by_label("Note (who was notified", exact=False).fill(
        "Dr Example told at the chair; recheck in 5 minutes."
    )
    page.get_by_role("button", name="Record the response").click()
    expect(page.get_by_text("Response recorded.")).to_be_visible()
    page.get_by_label("Systolic (mmHg)").fill("146")
    page.get_by_label("Diastolic (mmHg)").fill("90")
    page.get_by_role("button", name="Save vital signs").click()
    page.get_by_role("button", name="Resume").click()
    expect(page.locator(".phase")).to_contain_text("Infusing")
    page.get_by_label("Stop: reason if before the full dose").fill(
        "Stopped early after the blood-pressure rise, with the physician."
    )
    page.get_by_role("button", name="Stop the dose and begin observation").click()
    expect(page.locator(".phase")).to_contain_text("Observation")
    # The observation period is the protocol's; the test does not wait it out.
    Visit.objects.filter(pk=visit.pk).update(observation_min=0)
    page.get_by_label("Systolic (mmHg)").fill("132")
    page.get_by_label("Diastolic (mmHg)").fill("84")
    page.get_by_role("button", name="Save vital signs").click()
    page.get_by_role("button", name="Observation complete: ready for discharge").click()
    expect(page.locator(".phase")).to_contain_text("Ready for discharge")
    for group in ("Activity", "Respiration", "Circulation", "Consciousness", "Oxygen saturation"):
        page.get_by_role("group", name=group).get_by_role("radio").first.check()
    page.get_by_role("group", name="MOAA/S [48]").get_by_label(
        "5 – Responds readily to name spoken in normal tone"
    ).last.check()
    page.get_by_label("Discharge instructions given", exact=False).check()
    shot(page, "chart-discharge-tablet")
    page.get_by_role("button", name="Discharge", exact=True).click()
    expect(page.locator(".phase")).to_contain_text("Discharged")
    page.get_by_label("I attest that this note", exact=False).check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the note").click()
    expect(page.locator(".phase")).to_contain_text("Note signed")
    # The physician co-signs.
    page.context.clear_cookies()
    login(page, live_server.url, cast.physician.email)
    page.goto(f"{live_server.url}/chart/visits/{visit.pk}/")
    page.get_by_label("I have reviewed this note", exact=False).check()
    page.get_by_label("Your password, to co-sign").fill(PASSWORD)
    page.get_by_role("button", name="Co-sign").click()
    expect(page.get_by_text("Note co-signed.")).to_be_visible()
    shot(page, "chart-signed-tablet")
    assert NoteCosignature.objects.filter(note__visit=visit, signed_by=cast.physician).exists()
    visit.refresh_from_db()
    assert visit.stopped_early and visit.phase == Visit.Phase.SIGNED
