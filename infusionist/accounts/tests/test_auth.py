from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from infusionist.accounts.models import ApiToken, User
from infusionist.accounts.roles import Role, can
from infusionist.test import PASSWORD


def test_login_with_email_and_password_reaches_today(client, cast) -> None:
    response = client.post(
        reverse("account_login"), {"login": "frontdesk@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("today:index")).status_code == 200


def test_clinical_user_without_totp_is_sent_to_set_it_up(client, cast) -> None:
    nurse = User.objects.create_user(
        "newnurse@test.example", PASSWORD, role=Role.NURSE, organization=cast.org
    )
    client.force_login(nurse)
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_front_desk_is_not_forced_into_mfa(client, cast) -> None:
    client.force_login(cast.frontdesk)
    assert client.get(reverse("patients:list")).status_code == 200


def test_mfa_requirement_is_a_setting(client, cast, settings) -> None:
    settings.MFA_REQUIRED_FOR_CLINICAL_ROLES = False
    nurse = User.objects.create_user(
        "relaxed@test.example", PASSWORD, role=Role.NURSE, organization=cast.org
    )
    client.force_login(nurse)
    assert client.get(reverse("patients:list")).status_code == 200


def test_clinician_with_totp_must_enter_a_code_after_the_password(client, cast) -> None:
    response = client.post(
        reverse("account_login"), {"login": "nurse@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in until the code is given.
    assert client.get(reverse("today:index")).status_code == 302


def test_idle_session_ends_after_the_configured_minutes() -> None:
    assert settings.SESSION_IDLE_TIMEOUT_MIN == 15
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_repeated_failed_logins_are_rate_limited(client, cast) -> None:
    pages = [
        client.post(
            reverse("account_login"), {"login": "frontdesk@test.example", "password": "wrong"}
        ).content.decode()
        for _ in range(7)
    ]
    assert "Too many failed sign-in attempts" not in pages[0]
    # The refusal says how long: five tries per address in five minutes (ACCOUNT_RATE_LIMITS).
    assert "paused for 5 minutes" in pages[-1]
    # Even the right password is refused while the limit holds.
    from infusionist.test import PASSWORD

    client.post(reverse("account_login"), {"login": "frontdesk@test.example", "password": PASSWORD})
    assert client.get(reverse("today:index")).status_code == 302


def test_open_signup_is_closed(client, db) -> None:
    response = client.get(reverse("account_signup"))
    assert b"Accounts come by invitation" in response.content


def test_password_reset_sends_an_email(client, cast, mailoutbox) -> None:
    client.post(reverse("account_reset_password"), {"email": "frontdesk@test.example"})
    assert len(mailoutbox) == 1
    assert "frontdesk@test.example" in mailoutbox[0].to


def test_unknown_capability_is_a_programming_error(cast) -> None:
    with pytest.raises(KeyError):
        can(cast.admin, "no.such.capability")


def test_user_without_organization_has_no_capability(db) -> None:
    loner = User.objects.create_user("loner@test.example", PASSWORD, role=Role.CLINIC_ADMIN)
    assert not can(loner, "today.view")


def test_create_api_token_prints_a_token_on_the_last_line(cast, capsys) -> None:
    call_command("create_api_token", "--email", "nurse@test.example")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("inf_")
    stored = ApiToken.objects.get(user=cast.nurse)
    assert stored.digest == ApiToken.hash(token) and token not in stored.digest


def test_create_api_token_refuses_unknown_email(db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "--email", "nobody@test.example")


def test_a_clinician_with_an_unconfirmed_email_is_told_what_to_do_next(client, cast) -> None:
    from allauth.account.models import EmailAddress
    from django.core import mail

    nurse = User.objects.create_user(
        "unconfirmed@test.example", PASSWORD, role=Role.NURSE, organization=cast.org
    )
    EmailAddress.objects.create(user=nurse, email=nurse.email, verified=False, primary=True)
    client.force_login(nurse)
    for start in (reverse("patients:list"), reverse("today:index"), reverse("mfa_activate_totp")):
        response = client.get(start, follow=True)
        page = response.content.decode()
        assert response.redirect_chain[-1][0].startswith(reverse("account_setup:verify_email"))
        assert "confirm your email address" in page and "unconfirmed@test.example" in page
        assert "Send the confirmation link" in page and "continue to step 2" in page
    client.post(reverse("account_setup:verify_email"), {"next": "/patients/"})
    assert len(mail.outbox) == 1 and "unconfirmed@test.example" in mail.outbox[0].to
    EmailAddress.objects.filter(user=nurse).update(verified=True)
    # Confirmed: the next step is the authenticator, with no loop back.
    response = client.get(reverse("account_setup:verify_email") + "?next=/patients/")
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    response = client.get(reverse("patients:list"))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # allauth asks for the password again before a security change; no loop to step 1.
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200 or "/accounts/reauthenticate/" in activate["Location"]


def test_the_set_up_step_never_redirects_off_site(client, cast) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=cast.nurse, email=cast.nurse.email, verified=False)
    client.force_login(cast.nurse)
    page = client.get(reverse("account_setup:verify_email") + "?next=https://evil.example/")
    assert "evil.example" not in page.content.decode()
