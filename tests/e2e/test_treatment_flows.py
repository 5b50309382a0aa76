from __future__ import annotations

from playwright.sync_api import expect

from infusionist.test import PASSWORD
from infusionist.treatment import selectors, services
from tests.e2e.conftest import login, shot


def test_physician_plans_signs_and_a_nurse_reads_the_order(page, live_server, cast) -> None:
    services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    plan_url = f"{live_server.url}/treatment/plans/{cast.patient.pk}/"

    login(page, live_server.url, "physician@test.example")
    page.goto(plan_url)
    expect(page.get_by_text("This patient has no treatment plan yet.")).to_be_visible()
    page.get_by_role("link", name="Depression — IV induction 0.5 mg/kg × 6").click()
    expect(page.get_by_label("Dose (mg/kg)")).to_have_value("0.5")
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Height (cm)").fill("170")
    page.get_by_label("Sex (for the weight formulas)").select_option("female")
    page.get_by_label("Rationale / what changed").fill("TRD, two failed SSRIs; start induction.")
    shot(page, "treatment-plan-form")
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("Draft version 1 — not an order")).to_be_visible()
    calc = page.get_by_label("Dose calculation")
    expect(calc.get_by_text("155.3 mL/h")).to_be_visible()
    expect(calc.get_by_text("3.5 mL of 10 mg/mL")).to_be_visible()
    expect(calc.get_by_text("0.338 mg/mL")).to_be_visible()
    expect(
        page.get_by_role(
            "img", name="Predicted ketamine concentration, Domino et al. (adults) model"
        )
    ).to_be_visible()
    shot(page, "treatment-plan-draft")

    page.get_by_role("link", name="Review and sign version 1").click()
    page.get_by_label("I have reviewed this treatment plan").check()
    page.get_by_label("Your password").fill("wrong-password-here")
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.get_by_text("The password is not correct")).to_be_visible()
    # The attestation tick survives the error; the password is never echoed back.
    expect(page.get_by_label("I have reviewed this treatment plan")).to_be_checked()
    shot(page, "treatment-plan-sign-error")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.get_by_text("Version 1 signed.")).to_be_visible()
    expect(page.get_by_text("Current signed order")).to_be_visible()
    expect(page.get_by_text("content matches")).to_be_visible()
    shot(page, "treatment-plan-signed")
    assert selectors.current_plan_version(patient=cast.patient).phase == "induction"

    page.goto(f"{live_server.url}/treatment/calculator/")
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Age (years)", exact=True).fill("40")
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_text("155.3 mL/h")).to_be_visible()
    shot(page, "dose-calculator")
    page.get_by_label("Dose (mg/kg)").fill("1.5")
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_role("heading", name="Hard stop — do not give this dose")).to_be_visible()
    shot(page, "dose-calculator-stop")

    page.context.clear_cookies()
    login(page, live_server.url, "nurse@test.example")
    page.goto(plan_url)
    expect(page.get_by_text("Current signed order")).to_be_visible()
    expect(page.get_by_role("link", name="Revise plan")).to_have_count(0)
    expect(page.get_by_role("link", name="Review and sign")).to_have_count(0)
    shot(page, "treatment-plan-nurse")
    response = page.goto(f"{live_server.url}/treatment/plans/{cast.patient.pk}/draft/")
    assert response is not None and response.status == 403
