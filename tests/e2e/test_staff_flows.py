"""Staff and roles in the browser: an invitation from the clinic admin to the nurse's Today."""

from __future__ import annotations

import datetime as dt
import re

from django.core import mail
from playwright.sync_api import expect

from infusionist.accounts.models import ApiToken, User
from infusionist.audit.models import AuditEvent
from tests.e2e.conftest import login, shot, totp_now

NEW_PASSWORD = "lavender-otter-harbor-71"


def test_admin_invites_a_nurse_who_joins_enrols_and_lands_on_today(
    page, live_server, cast, browser, browser_context_args
) -> None:
    login(page, live_server.url, "admin@test.example")
    page.get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    page.get_by_role("link", name="Invite a staff member").click()
    page.get_by_label("Email address").fill("nina@test.example")
    page.get_by_label("Full name").fill("Nina Newhire")
    page.get_by_label("Role").select_option("nurse")
    shot(page, "staff-invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to nina@test.example")).to_be_visible()
    expect(page.get_by_role("button", name="Resend")).to_be_visible()
    shot(page, "staff-list-invited")
    found = re.search(r"/account-setup/invitations/[^/\s]+/", mail.outbox[-1].body)
    assert found and mail.outbox[-1].to == ["nina@test.example"]

    # The nurse opens the link in her own browser.
    nurse = browser.new_context(**browser_context_args).new_page()
    nurse.goto(live_server.url + found.group(0))
    expect(nurse.get_by_role("heading", name="Join Willowbrook Test Clinic")).to_be_visible()
    expect(nurse.get_by_label("Your full name")).to_have_value("Nina Newhire")
    nurse.locator("#id_password1").fill("short")
    nurse.locator("#id_password2").fill("short")
    nurse.get_by_role("button", name="Create my account").click()
    expect(nurse.get_by_text("too short")).to_be_visible()
    shot(nurse, "invitation-password-error")
    nurse.locator("#id_password1").fill(NEW_PASSWORD)
    nurse.locator("#id_password2").fill(NEW_PASSWORD)
    nurse.get_by_role("button", name="Create my account").click()
    # Signed in; a nurse adds an authenticator before any clinical page. allauth asks for
    # the password again before a security change.
    expect(nurse.get_by_role("heading", name="Confirm Access")).to_be_visible()
    nurse.get_by_label("Password").fill(NEW_PASSWORD)
    nurse.get_by_role("button", name="Confirm").click()
    expect(nurse.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    shot(nurse, "invitation-authenticator")
    secret = nurse.locator("#authenticator_secret").input_value()
    nurse.get_by_label("Authenticator code").fill(totp_now(secret))
    nurse.get_by_role("button", name="Activate").click()
    expect(nurse.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    nurse.get_by_role("link", name="Today", exact=True).click()
    expect(nurse.get_by_role("heading", name="Today")).to_be_visible()
    expect(nurse.get_by_text("Nina Newhire")).to_be_visible()
    shot(nurse, "invitation-today")
    user = User.objects.get(email="nina@test.example")
    assert user.role == "nurse" and user.organization == cast.org
    assert AuditEvent.objects.filter(actor=user, action="login").exists()

    # The admin sees the nurse on the staff list with her authenticator set up.
    page.reload()
    row = page.get_by_role("row", name=re.compile("Nina Newhire"))
    expect(row.get_by_text("Set up")).to_be_visible()
    shot(page, "staff-list-joined")


def test_admin_records_a_dea_number_and_today_flags_an_expiring_licence(
    page, live_server, cast
) -> None:
    soon = dt.date.today() + dt.timedelta(days=10)
    User.objects.filter(pk=cast.nurse.pk).update(
        credentials="RN", licence_number="RN-4471", licence_state="OR", licence_expires_on=soon
    )
    login(page, live_server.url, "admin@test.example")
    expect(page.get_by_text("Staff licences and DEA registrations")).to_be_visible()
    expect(page.get_by_text("Licence expires")).to_be_visible()
    shot(page, "today-licence-flag")
    page.goto(f"{live_server.url}/clinic/staff/{cast.physician.pk}/edit/")
    page.get_by_label("Credentials").select_option("MD")
    page.get_by_label("DEA registration number").fill("AB1234564")
    page.get_by_label("DEA registration expires on").fill("2028-01-31")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("does not match its check digit")).to_be_visible()
    expect(page.get_by_label("DEA registration expires on")).to_have_value("2028-01-31")
    shot(page, "staff-edit-dea-error")
    page.get_by_label("DEA registration number").fill("AB1234563")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("AB1234563")).to_be_visible()
    shot(page, "staff-detail")
    page.goto(f"{live_server.url}/clinic/staff/sign-ins/")
    expect(page.get_by_role("heading", name="Sign-ins", exact=True)).to_be_visible()
    shot(page, "staff-sign-ins")
    page.goto(f"{live_server.url}/clinic/tokens/")
    page.get_by_label("What the token is for").fill("Scheduling sync")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").input_value()
    assert ApiToken.objects.get(user=cast.admin).digest == ApiToken.hash(token)
    shot(page, "api-token-created")
