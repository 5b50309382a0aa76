"""Issue 9 in a browser: a clinic admin proposes a PHQ-9 item 9 threshold, a physician signs it,
and the new threshold is what the clinic's pages show."""

from __future__ import annotations

from playwright.sync_api import expect

from infusionist.measurements import selectors
from infusionist.test import PASSWORD
from infusionist.treatment.models import ClinicalChangeProposal
from tests.e2e.conftest import SCREENSHOTS, login, shot

PHONE = {"width": 390, "height": 844}


def test_an_admins_item9_threshold_applies_once_a_physician_signs_it(
    page, live_server, cast, browser
) -> None:
    login(page, live_server.url, "admin@test.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Protocols").click()
    page.get_by_role("link", name="Open measurement settings").click()
    expect(page.get_by_role("heading", name="Measurement settings", exact=True)).to_be_visible()
    item9 = page.get_by_label("PHQ-9 item 9: alert at or above")
    expect(item9).to_have_value("1")
    shot(page, "measurement-settings-admin")

    # A threshold outside 1–3 is answered beside the field; what was typed stays.
    item9.fill("4")
    page.get_by_label("Hours between reminders").fill("12")
    page.get_by_label("Reason for the change").fill("Item 9 = 1 is reviewed at every visit.")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Enter a whole number from 1 to 3.")).to_be_visible()
    expect(item9).to_have_value("4")
    expect(page.get_by_label("Hours between reminders")).to_have_value("12")
    expect(page.get_by_label("Reason for the change")).to_have_value(
        "Item 9 = 1 is reviewed at every visit."
    )
    shot(page, "measurement-settings-bad-input")

    item9.fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("waits for a physician's signature", exact=False).first).to_be_visible()
    expect(page.get_by_text("Measurement settings saved.")).to_be_visible()
    expect(page.get_by_text("Waiting for a physician's signature: 2", exact=False)).to_be_visible()
    stored = selectors.measurement_settings_for(organization=cast.org)
    assert (stored.phq9_item9_alert_at_least, stored.reminder_interval_hours) == (1, 12)
    shot(page, "measurement-settings-proposed")

    page.context.clear_cookies()
    login(page, live_server.url, "physician@test.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Protocols").click()
    page.get_by_role("link", name="Measurement settings: 1 field").click()
    expect(page.get_by_text("Item 9 = 1 is reviewed at every visit.")).to_be_visible()
    expect(page.get_by_role("row", name="PHQ-9 item 9: alert at or above 1 2")).to_be_visible()
    shot(page, "measurement-settings-proposal")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the change").click()
    expect(page.get_by_text("Change signed and applied.")).to_be_visible()
    expect(page.get_by_role("heading", name="Measurement settings", exact=True)).to_be_visible()
    expect(page.get_by_label("PHQ-9 item 9: alert at or above")).to_have_value("2")
    assert ClinicalChangeProposal.objects.get().status == "approved"
    assert selectors.measurement_settings_for(organization=cast.org).phq9_item9_alert_at_least == 2
    shot(page, "measurement-settings-signed")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Clinical reference"
    ).click()
    threshold = page.locator("dt", has_text="PHQ-9 item 9: alert at or above")
    expect(threshold.locator("xpath=following-sibling::dd[1]")).to_contain_text("2")

    # The same page on a phone, signed in as the physician.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    small.goto(f"{live_server.url}/clinic/measurement-settings/")
    expect(small.get_by_label("PHQ-9 item 9: alert at or above")).to_have_value("2")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    small.screenshot(path=str(SCREENSHOTS / "measurement-settings-phone.png"))
    small.get_by_label("PHQ-9 item 9: alert at or above").scroll_into_view_if_needed()
    small.screenshot(path=str(SCREENSHOTS / "measurement-settings-phone-item9.png"))
    phone.close()
