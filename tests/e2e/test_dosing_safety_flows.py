"""Issue 8, items 8, 10 and 11 in a browser: a weight in pounds, a frequency override, and a
clinical limit that waits for a physician's signature."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from infusionist.test import PASSWORD
from infusionist.treatment import selectors, services
from tests.e2e.conftest import login, shot


def test_a_weight_in_pounds_must_be_confirmed_and_a_frequency_break_overridden(
    page, live_server, cast
) -> None:
    services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocol = selectors.protocol_by_key(organization=cast.org, key="depression-iv-induction")
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/treatment/plans/{cast.patient.pk}/draft/protocol/{protocol.pk}/")
    page.get_by_label("Weight (kg)").fill("180")
    page.get_by_label("Height (cm)").fill("170")
    page.get_by_label("Sessions per week").fill("7")
    page.get_by_label("Planned sessions").fill("20")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("= 396.8 lb. Enter kilograms", exact=False)).to_be_visible()
    expect(page.get_by_text("BMI of 62.3 kg/m²", exact=False).first).to_be_visible()
    expect(page.get_by_label("Weight (kg)")).to_have_value("180")
    shot(page, "dosing-weight-flagged")
    # The weight was in pounds: 180 lb is 81.6 kg.
    page.get_by_label("Weight (kg)").fill("81.6")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft version 1 — not an order")).to_be_visible()
    expect(page.get_by_text("Up to 7 planned sessions fall in 7 days", exact=False)).to_have_count(
        1
    )
    shot(page, "dosing-frequency-finding")

    page.get_by_role("link", name="Review and sign version 1").click()
    page.get_by_label("I have reviewed this treatment plan").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.get_by_text("give the reason for the override", exact=False)).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Reason for overriding").fill("Inpatient rapid induction, agreed.")
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.get_by_text("Version 1 signed.")).to_be_visible()
    expect(page.get_by_text("Inpatient rapid induction, agreed.").first).to_be_visible()
    shot(page, "dosing-frequency-override-signed")
    assert selectors.current_plan_version(patient=cast.patient).override_reason


def test_an_admins_clinical_change_waits_for_a_physician(page, live_server, cast) -> None:
    login(page, live_server.url, "admin@test.example")
    page.goto(f"{live_server.url}/treatment/dosing-settings/")
    page.get_by_label("Highest plausible weight (kg)").fill("180")
    page.get_by_label("Reason for the change").fill("No bariatric patients here.")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("waits for a physician's signature", exact=False).first).to_be_visible()
    assert selectors.dosing_settings_for(organization=cast.org).max_weight_kg == Decimal("250")
    shot(page, "dosing-change-proposed")

    page.context.clear_cookies()
    login(page, live_server.url, "physician@test.example")
    page.goto(f"{live_server.url}/treatment/protocols/")
    page.get_by_role("link", name="Dose calculator settings: 1 field").click()
    expect(page.get_by_text("No bariatric patients here.")).to_be_visible()
    shot(page, "dosing-change-proposal")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the change").click()
    expect(page.get_by_text("Change signed and applied.")).to_be_visible()
    assert selectors.dosing_settings_for(organization=cast.org).max_weight_kg == Decimal("180")
