"""Issue 9 end to end: a clinic owner sets the clinic up from the product's own pages.

The clinic admin invites a nurse, who accepts and adds an authenticator; the admin adds a
room, a chair and a holiday closure, changes the hours, adds the documented protocols and
proposes a lower dose limit, which takes effect only when the physician signs it. The Django
admin is never opened.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core import mail
from playwright.sync_api import expect

from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import BusinessHours, Chair, Closure
from infusionist.test import PASSWORD
from infusionist.treatment import selectors
from tests.e2e.conftest import login, shot, totp_now

NURSE_PASSWORD = "juniper-kestrel-lantern-58"


def test_a_clinic_admin_sets_up_the_clinic_and_a_physician_signs_the_dose_limit(
    page, live_server, cast, browser, browser_context_args
) -> None:
    base = live_server.url
    login(page, base, "admin@test.example")

    # 1. Invite a nurse.
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("link", name="Invite a staff member").click()
    page.get_by_label("Email address").fill("noor@test.example")
    page.get_by_label("Full name").fill("Noor Newcomer")
    page.get_by_label("Role").select_option("nurse")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to noor@test.example")).to_be_visible()
    found = re.search(r"/account-setup/invitations/[^/\s]+/", mail.outbox[-1].body)
    assert found

    # 2. The nurse accepts in her own browser and adds an authenticator.
    nurse = browser.new_context(**browser_context_args).new_page()
    nurse.goto(base + found.group(0))
    nurse.locator("#id_password1").fill(NURSE_PASSWORD)
    nurse.locator("#id_password2").fill(NURSE_PASSWORD)
    nurse.get_by_role("button", name="Create my account").click()
    expect(nurse.get_by_role("heading", name="Confirm Access")).to_be_visible()
    nurse.get_by_label("Password").fill(NURSE_PASSWORD)
    nurse.get_by_role("button", name="Confirm").click()
    secret = nurse.locator("#authenticator_secret").input_value()
    nurse.get_by_label("Authenticator code").fill(totp_now(secret))
    nurse.get_by_role("button", name="Activate").click()
    expect(nurse.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    nurse.get_by_role("link", name="Today", exact=True).click()
    expect(nurse.get_by_role("heading", name="Today")).to_be_visible()
    shot(nurse, "setup-nurse-today")
    assert User.objects.get(email="noor@test.example").role == "nurse"

    # 3. A room, a chair, a holiday closure and the hours at the main location.
    page.get_by_role("link", name="Locations", exact=True).click()
    page.get_by_role("link", name="Main", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Main"))).to_be_visible()
    page.get_by_label("Room name").fill("Infusion room 1")
    page.get_by_role("button", name="Add room").click()
    expect(page.get_by_role("heading", name=re.compile("Infusion room 1"))).to_be_visible()
    page.get_by_text("Add a chair to Infusion room 1").click()
    page.get_by_label("Chair name").fill("Chair 1")
    page.get_by_label("IV infusion").check()
    page.get_by_role("button", name="Add chair").click()
    expect(page.get_by_role("rowheader", name="Chair 1")).to_be_visible()
    holiday = dt.date(dt.date.today().year + 1, 1, 1)
    page.get_by_label("First day closed").fill(holiday.isoformat())
    page.get_by_label("Last day closed").fill(holiday.isoformat())
    page.get_by_label("Reason").fill("New Year's Day")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_text("New Year's Day")).to_be_visible()
    page.get_by_role("link", name="Change hours").click()
    page.get_by_label("Friday closes (1)").fill("15:00")
    shot(page, "setup-hours-form")
    page.get_by_role("button", name="Save hours").click()
    expect(page.get_by_text("3:00 PM")).to_be_visible()
    shot(page, "setup-location")
    chair = Chair.objects.get(name="Chair 1")
    assert chair.room.location.organization == cast.org and "iv_infusion" in chair.capabilities
    assert Closure.objects.filter(starts_on=holiday, reason="New Year's Day").exists()
    assert BusinessHours.objects.filter(weekday=4, closes_at=dt.time(15, 0)).exists()

    # 4. The documented protocols, then a lower dose limit proposed for a physician to sign.
    page.get_by_role("link", name="Protocols", exact=True).click()
    page.get_by_role("button", name="Add missing documented defaults").click()
    protocol = selectors.protocol_by_key(organization=cast.org, key="depression-iv-induction")
    before = protocol.max_dose_mg_per_kg
    page.goto(f"{base}/treatment/protocols/{protocol.pk}/edit/")
    page.get_by_label(re.compile("maximum dose per session", re.I)).fill("0.8")
    page.get_by_label("Titration steps (mg/kg)").fill("0.5, 0.75")
    page.get_by_label("Reason for the change").fill("Our physicians cap induction at 0.8 mg/kg.")
    page.get_by_role("button", name="Save protocol").click()
    expect(page.get_by_text("Your change to", exact=False)).to_be_visible()
    protocol.refresh_from_db()
    assert protocol.max_dose_mg_per_kg == before  # nothing changes before the signature
    shot(page, "setup-dose-limit-proposed")

    # 5. The physician signs it with their password.
    page.context.clear_cookies()
    login(page, base, "physician@test.example")
    page.goto(f"{base}/treatment/protocols/")
    shot(page, "setup-physician-protocols")
    page.get_by_role("link", name=re.compile("Depression — IV induction.*2 fields")).click()
    expect(page.get_by_text("Our physicians cap induction at 0.8 mg/kg.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the change").click()
    expect(page.get_by_text("Change signed and applied.")).to_be_visible()
    shot(page, "setup-dose-limit-signed")
    protocol.refresh_from_db()
    assert protocol.max_dose_mg_per_kg == Decimal("0.8")
    assert AuditEvent.objects.filter(
        object_type="protocol", action="update", detail__signed_by=cast.physician.pk
    ).exists()
    # Nothing above opened the Django admin.
    assert not AuditEvent.objects.filter(object_id__startswith="admin:").exists()
