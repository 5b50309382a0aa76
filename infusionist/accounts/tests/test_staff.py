"""Staff and roles (docs/decisions/0008): invitations, roles, the last admin and physician,
deactivation, authenticator resets and API tokens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts import services
from infusionist.accounts.models import ApiToken, Invitation, User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.test import PASSWORD

NEW_PASSWORD = "lavender-otter-harbor-71"


def _invite(cast, email: str = "nina@test.example", role: str = Role.NURSE) -> Invitation:
    return services.invitation_create(
        actor=cast.admin, email=email, full_name="Nina Newhire", role=role
    ).invitation


def _link(message) -> str:
    """Return the path of the invitation link in an email."""
    found = re.search(r"https?://[^/\s]+(/account-setup/invitations/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


# ---- invitations ---------------------------------------------------------------------------


def test_an_invitation_is_emailed_and_only_its_digest_is_stored(cast) -> None:
    invitation = _invite(cast, email="  Nina@Test.Example ")
    assert invitation.email == "nina@test.example" and invitation.organization == cast.org
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@test.example"]
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert (
        invitation.token_sha256 == Invitation.hash(token) and token not in invitation.token_sha256
    )
    assert "Willowbrook Test Clinic" in mail.outbox[0].subject
    assert invitation.expires_at - invitation.created_at == dt.timedelta(hours=72)
    event = AuditEvent.objects.get(object_type="invitation", action="create")
    assert event.actor == cast.admin and event.detail["after"]["role"] == "nurse"
    assert token not in str(event.detail)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nurse@test.example", "Nell Nurse already works here"),  # a colleague
        ("NURSE@test.example", "Nell Nurse already works here"),  # in any case
        ("alice@test.example", "already has an account"),  # a patient's login
        ("outsider@other.example", "already has an account"),  # of another clinic
        ("pending@test.example", "already open: resend or revoke it"),  # an open invitation
    ],
)
def test_a_duplicate_email_is_refused(cast, email: str, message: str) -> None:
    _invite(cast, email="pending@test.example")
    with pytest.raises(ValidationError) as refused:
        _invite(cast, email=email)
    assert message in refused.value.message_dict["email"][0]
    assert Invitation.objects.count() == 1


def test_a_deactivated_colleague_is_reactivated_not_invited(cast) -> None:
    services.staff_deactivate(actor=cast.admin, user=cast.frontdesk)
    with pytest.raises(ValidationError) as refused:
        _invite(cast, email=cast.frontdesk.email)
    assert "deactivated: reactivate it" in refused.value.message_dict["email"][0]


def test_another_clinics_open_invitation_blocks_without_saying_whose(cast) -> None:
    services.invitation_create(
        actor=cast.outsider, email="shared@x.example", full_name="S", role=Role.NURSE
    )
    with pytest.raises(ValidationError) as refused:
        _invite(cast, email="shared@x.example")
    assert "already has an account" in refused.value.message_dict["email"][0]


def test_only_a_clinic_admin_invites(cast) -> None:
    for actor in (cast.physician, cast.nurse, cast.frontdesk):
        with pytest.raises(PermissionDenied):
            services.invitation_create(
                actor=actor, email="x@test.example", full_name="X", role=Role.NURSE
            )
    with pytest.raises(ValidationError):
        services.invitation_create(
            actor=cast.admin, email="x@test.example", full_name="X", role=Role.PATIENT
        )
    assert not Invitation.objects.exists()


def test_the_invitee_sets_a_password_and_is_signed_in_with_a_verified_address(client, cast) -> None:
    _invite(cast)
    link = _link(mail.outbox[0])
    opened = client.get(link)
    # The token leaves the address bar: the page moves to /account-setup/join/.
    assert opened.status_code == 302 and opened["Location"] == reverse(
        "account_setup:invitation_accept"
    )
    page = client.get(opened["Location"]).content.decode()
    assert "Join Willowbrook Test Clinic" in page and "nina@test.example" in page
    # Django's validators, through allauth's set-password form; the name typed is kept.
    weak = client.post(
        reverse("account_setup:invitation_accept"),
        {"full_name": "Nina N. Newhire", "password1": "short", "password2": "short"},
    )
    assert weak.status_code == 422 and "too short" in weak.content.decode()
    assert 'value="Nina N. Newhire"' in weak.content.decode()
    mismatch = client.post(
        reverse("account_setup:invitation_accept"),
        {"full_name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert mismatch.status_code == 422 and "same password" in mismatch.content.decode()
    assert not User.objects.filter(email="nina@test.example").exists()
    done = client.post(
        reverse("account_setup:invitation_accept"),
        {"full_name": "Nina N. Newhire", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    user = User.objects.get(email="nina@test.example")
    assert (user.role, user.organization, user.full_name) == (
        Role.NURSE,
        cast.org,
        "Nina N. Newhire",
    )
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
    invitation = Invitation.objects.get()
    assert invitation.accepted_user == user and invitation.accepted_at is not None
    assert AuditEvent.objects.filter(actor=user, action="login").exists()
    created = AuditEvent.objects.get(object_type="user", action="create", actor=user)
    assert created.detail["invitation"] == invitation.pk and NEW_PASSWORD not in str(created.detail)
    # Signed in; a clinician is led straight to adding an authenticator (the address is
    # verified, so no confirmation step comes first).
    today = client.get(reverse("today:index"))
    assert today["Location"].startswith(reverse("mfa_activate_totp"))
    # The link works once.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "already used" in again.content.decode()


def test_an_expired_revoked_or_unknown_link_says_what_to_do_and_is_audited(client, cast) -> None:
    invitation = _invite(cast)
    link = _link(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    expired = client.get(link)
    assert expired.status_code == 410 and "Ask your clinic admin to send it again" in (
        expired.content.decode()
    )
    event = AuditEvent.objects.get(object_type="invitation", outcome="denied")
    assert event.detail == {"reason": "expired"} and event.organization == cast.org
    services.invitation_revoke(actor=cast.admin, invitation=invitation)
    assert client.get(link).status_code == 410
    unknown = client.get(reverse("account_setup:invitation", args=["nope"]))
    assert unknown.status_code == 404 and "not valid" in unknown.content.decode()
    # The join page without a link in the session shows the same refusal, never a form.
    assert client.get(reverse("account_setup:invitation_accept")).status_code == 404


def test_an_invitation_that_expires_while_the_form_is_open_is_refused(client, cast) -> None:
    invitation = _invite(cast)
    client.get(_link(mail.outbox[0]))
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = client.post(
        reverse("account_setup:invitation_accept"),
        {"full_name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 410 and not User.objects.filter(email=invitation.email).exists()


def test_resend_replaces_the_link_and_renews_the_expiry(client, cast) -> None:
    invitation = _invite(cast)
    old_link = _link(mail.outbox[0])
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    services.invitation_resend(actor=cast.admin, invitation=invitation)
    new_link = _link(mail.outbox[1])
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 302
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + dt.timedelta(hours=71)
    event = AuditEvent.objects.get(object_type="invitation", action="update")
    assert event.detail["before"]["expires_at"] < event.detail["after"]["expires_at"]


def test_an_accepted_or_revoked_invitation_is_not_resent(cast) -> None:
    invitation = _invite(cast)
    assert services.invitation_revoke(actor=cast.admin, invitation=invitation)
    assert not services.invitation_revoke(actor=cast.admin, invitation=invitation)
    with pytest.raises(ValidationError):
        services.invitation_resend(actor=cast.admin, invitation=invitation)
    # A revoked invitation no longer blocks the address.
    _invite(cast)


def test_the_address_taken_meanwhile_is_refused_on_accepting(client, cast) -> None:
    invitation = _invite(cast)
    client.get(_link(mail.outbox[0]))
    User.objects.create_user(invitation.email, PASSWORD, role=Role.NURSE, organization=cast.org)
    response = client.post(
        reverse("account_setup:invitation_accept"),
        {"full_name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 422 and "sign in instead" in response.content.decode()


# ---- roles and the last clinic admin and physician ------------------------------------------


def test_a_role_change_is_audited_with_old_and_new_values(cast) -> None:
    changed = services.staff_update(
        actor=cast.admin, user=cast.nurse, data={"role": Role.FRONT_DESK}
    )
    assert changed == ["role"]
    cast.nurse.refresh_from_db()
    assert cast.nurse.role == Role.FRONT_DESK
    event = AuditEvent.objects.get(object_type="user", action="update")
    assert event.detail == {
        "fields": ["role"],
        "before": {"role": "nurse"},
        "after": {"role": "front_desk"},
    }
    # The same values again change and record nothing.
    assert (
        services.staff_update(actor=cast.admin, user=cast.nurse, data={"role": Role.FRONT_DESK})
        == []
    )
    assert AuditEvent.objects.filter(object_type="user", action="update").count() == 1


@pytest.mark.parametrize(
    ("who", "role"), [("admin", Role.CLINIC_ADMIN), ("physician", Role.PHYSICIAN)]
)
def test_the_last_active_admin_or_physician_keeps_their_role(cast, who: str, role: str) -> None:
    user = getattr(cast, who)
    with pytest.raises(ValidationError) as refused:
        services.staff_update(actor=cast.admin, user=user, data={"role": Role.NURSE})
    assert "only active" in refused.value.message_dict["role"][0]
    user.refresh_from_db()
    assert user.role == role and user.is_active


def test_the_last_active_physician_is_not_deactivated(cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.staff_deactivate(actor=cast.admin, user=cast.physician)
    assert "only active physician" in " ".join(refused.value.messages)
    cast.physician.refresh_from_db()
    assert cast.physician.is_active


def test_a_second_physician_lets_the_first_go_but_a_deactivated_one_does_not_count(cast) -> None:
    second = User.objects.create_user(
        "second@test.example", PASSWORD, role=Role.PHYSICIAN, organization=cast.org
    )
    services.staff_deactivate(actor=cast.admin, user=second)
    with pytest.raises(ValidationError):
        services.staff_update(
            actor=cast.admin, user=cast.physician, data={"role": Role.CLINIC_ADMIN}
        )
    services.staff_reactivate(actor=cast.admin, user=second)
    services.staff_update(actor=cast.admin, user=cast.physician, data={"role": Role.CLINIC_ADMIN})
    with pytest.raises(ValidationError):
        services.staff_deactivate(actor=cast.admin, user=second)


def test_an_admin_may_hand_over_the_role_to_another_admin(cast) -> None:
    services.staff_update(actor=cast.admin, user=cast.frontdesk, data={"role": Role.CLINIC_ADMIN})
    services.staff_update(actor=cast.admin, user=cast.admin, data={"role": Role.FRONT_DESK})
    cast.admin.refresh_from_db()
    assert cast.admin.role == Role.FRONT_DESK


def test_staff_changes_are_for_a_clinic_admin_of_the_same_clinic(cast) -> None:
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=cast.outsider, user=cast.nurse, data={"role": Role.PROVIDER})
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=cast.physician, user=cast.nurse, data={"role": Role.PROVIDER})
    with pytest.raises(PermissionDenied):
        services.staff_deactivate(actor=cast.outsider, user=cast.nurse)
    with pytest.raises(PermissionDenied):
        services.authenticator_reset(actor=cast.outsider, user=cast.nurse, reason="x")
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=cast.admin, user=cast.patient_user, data={"role": Role.NURSE})
    cast.nurse.refresh_from_db()
    assert cast.nurse.role == Role.NURSE and cast.nurse.is_active


def test_professional_details_are_checked_against_the_role(cast) -> None:
    details = {
        "credentials": "MD",
        "licence_number": " MD-12345 ",
        "licence_state": "OR",
        "licence_expires_on": dt.date(2027, 12, 31),
        "dea_number": "ab 1234563",
        "dea_expires_on": dt.date(2028, 1, 31),
    }
    services.staff_update(actor=cast.admin, user=cast.physician, data=details)
    cast.physician.refresh_from_db()
    assert (cast.physician.licence_number, cast.physician.dea_number) == ("MD-12345", "AB1234563")
    event = AuditEvent.objects.get(object_type="user", action="update")
    assert event.detail["after"]["dea_expires_on"] == "2028-01-31"
    with pytest.raises(ValidationError) as refused:
        services.staff_update(
            actor=cast.admin, user=cast.provider, data={**details, "dea_number": "AB1234564"}
        )
    assert "check digit" in refused.value.message_dict["dea_number"][0]
    assert "credentials are NP, PA or CRNA" in refused.value.message_dict["credentials"][0]
    with pytest.raises(ValidationError) as refused:
        services.staff_update(
            actor=cast.admin, user=cast.physician, data={"role": Role.CLINIC_ADMIN}
        )
    assert "role" in refused.value.message_dict  # the last physician, before anything else


# ---- deactivation ---------------------------------------------------------------------------


def test_a_deactivated_user_is_signed_out_at_once_and_their_token_stops(client, cast) -> None:
    token = services.api_token_create(user=cast.frontdesk, name="sync")
    client.force_login(cast.frontdesk)
    assert client.get(reverse("today:index")).status_code == 200
    api = "/api/v1/patients"
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert services.staff_deactivate(actor=cast.admin, user=cast.frontdesk)
    response = client.get(reverse("today:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert ApiToken.objects.get(user=cast.frontdesk).revoked_at is not None
    event = AuditEvent.objects.get(object_type="user", action="update", actor=cast.admin)
    assert event.detail["after"] == {"is_active": False}
    assert event.detail["sessions_ended"] == 1 and event.detail["api_tokens_revoked"] == 1
    # Signing in again is refused while deactivated.
    client.post(reverse("account_login"), {"login": cast.frontdesk.email, "password": PASSWORD})
    assert client.get(reverse("today:index")).status_code == 302
    # Reactivated: signing in works again; the old token stays revoked.
    assert services.staff_reactivate(actor=cast.admin, user=cast.frontdesk)
    client.post(reverse("account_login"), {"login": cast.frontdesk.email, "password": PASSWORD})
    assert client.get(reverse("today:index")).status_code == 200
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_an_admin_cannot_deactivate_themself_and_other_sessions_survive(client, cast) -> None:
    with pytest.raises(ValidationError):
        services.staff_deactivate(actor=cast.admin, user=cast.admin)
    client.force_login(cast.nurse)
    services.staff_deactivate(actor=cast.admin, user=cast.frontdesk)
    assert client.get(reverse("patients:list")).status_code == 200


# ---- authenticator reset --------------------------------------------------------------------


def test_an_authenticator_reset_needs_a_reason_and_is_audited(client, cast) -> None:
    client.force_login(cast.nurse)
    with pytest.raises(ValidationError) as refused:
        services.authenticator_reset(actor=cast.admin, user=cast.nurse, reason="  ")
    assert "reason" in refused.value.message_dict
    services.authenticator_reset(
        actor=cast.admin, user=cast.nurse, reason="Phone lost; identity checked in person."
    )
    assert not Authenticator.objects.filter(user=cast.nurse).exists()
    event = AuditEvent.objects.get(object_type="authenticator")
    assert event.action == "delete" and event.actor == cast.admin
    assert event.detail["reason"] == "Phone lost; identity checked in person."
    assert event.detail["removed"] == ["totp"] and event.detail["sessions_ended"] == 1
    assert "secret" not in str(event.detail).lower()
    # Signed out; at the next sign-in the nurse adds an authenticator again.
    assert client.get(reverse("patients:list"))["Location"].startswith("/accounts/login/")
    client.post(reverse("account_login"), {"login": cast.nurse.email, "password": PASSWORD})
    assert client.get(reverse("patients:list"))["Location"].startswith(reverse("mfa_activate_totp"))
    with pytest.raises(ValidationError):  # nothing left to reset
        services.authenticator_reset(actor=cast.admin, user=cast.nurse, reason="again")


def test_after_a_reset_even_a_non_clinical_role_enrols_again(client, cast) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    from infusionist.test import TOTP_SECRET

    TOTP.activate(cast.frontdesk, TOTP_SECRET)
    services.authenticator_reset(actor=cast.admin, user=cast.frontdesk, reason="new phone")
    client.force_login(User.objects.get(pk=cast.frontdesk.pk))
    response = client.get(reverse("patients:list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("mfa_activate_totp"))
    assert "Your clinic admin reset your authenticator app" in response.content.decode()


def test_an_admin_resets_their_own_authenticator_from_their_security_page(cast) -> None:
    with pytest.raises(ValidationError):
        services.authenticator_reset(actor=cast.admin, user=cast.admin, reason="x")


# ---- API tokens -----------------------------------------------------------------------------


def test_staff_create_and_revoke_their_own_tokens(cast) -> None:
    raw = services.api_token_issue(actor=cast.nurse, name=" Scheduling sync ")
    token = ApiToken.objects.get(user=cast.nurse)
    assert token.name == "Scheduling sync" and token.digest == ApiToken.hash(raw)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=cast.frontdesk, token=token)
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=cast.outsider, token=token)
    assert services.api_token_revoke(actor=cast.nurse, token=token)
    assert not services.api_token_revoke(actor=cast.nurse, token=token)
    event = AuditEvent.objects.get(object_type="api_token", action="update")
    assert event.detail["after"]["revoked_at"] and raw not in str(event.detail)
    with pytest.raises(PermissionDenied):
        services.api_token_issue(actor=cast.patient_user, name="x")


def test_a_clinic_admin_revokes_anyones_token_in_the_clinic(cast) -> None:
    services.api_token_issue(actor=cast.physician, name="x")
    token = ApiToken.objects.get(user=cast.physician)
    assert services.api_token_revoke(actor=cast.admin, token=token)
    event = AuditEvent.objects.get(object_type="api_token", action="update")
    assert event.actor == cast.admin and event.detail["owner"] == cast.physician.pk


@pytest.mark.parametrize("browser", ["es-US,es;q=0.9", "es"])
def test_the_invitation_pages_are_english_whatever_the_browser(client, cast, mailoutbox, browser):
    """Staff pages are English: a Spanish browser once mixed Spanish labels into them."""
    from tests.test_spanish_pages import visible

    services.invitation_create(
        actor=cast.admin, email="nueva@test.example", full_name="Nueva Persona", role=Role.NURSE
    )
    token = mailoutbox[-1].body.split("/account-setup/invitations/")[1].split("/")[0]
    spanish = {"HTTP_ACCEPT_LANGUAGE": browser}
    page = client.get(reverse("account_setup:invitation", args=[token]), follow=True, **spanish)
    short = client.post(
        reverse("account_setup:invitation_accept"),
        {"full_name": "Nueva Persona", "password1": "x", "password2": "y"},
        **spanish,
    )
    unknown = client.get(reverse("account_setup:invitation", args=["nope"]), **spanish)
    for response in (page, short, unknown):
        text, lang = visible(response.content.decode())
        assert lang == "en"
        assert "Contraseña" not in text and "contraseña" not in text and "Saltar" not in text
        assert "Español" not in text  # no language switch on a staff-only page
    assert "Choose the password" in visible(page.content.decode())[0]
