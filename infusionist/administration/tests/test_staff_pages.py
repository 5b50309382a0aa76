"""The clinic admin's staff pages, the sign-in list and everyone's API token page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts import services
from infusionist.accounts.models import ApiToken, Invitation, User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.test import PASSWORD


def _more_staff(cast, n: int) -> None:
    """Add n staff members, each with a sign-in, a failed sign-in, a token and an invitation."""
    today = timezone.localdate()
    for i in range(n):
        user = User.objects.create_user(
            f"extra{i}@test.example",
            PASSWORD,
            role=Role.NURSE,
            organization=cast.org,
            full_name=f"Extra {i}",
            licence_number=f"RN{i}",
            licence_state="OR",
            licence_expires_on=today + dt.timedelta(days=i),
        )
        audit_record(action="login", actor=user, object_type="user", object_id=user.pk)
        audit_record(
            action="login_failed",
            object_type="user",
            outcome="denied",
            detail={"email": user.email.upper()},
        )
        services.api_token_create(user=user, name="x")
        services.invitation_create(
            actor=cast.admin, email=f"invited{i}@test.example", full_name="I", role=Role.NURSE
        )


# ---- the staff list --------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 8])
def test_the_staff_list_has_a_fixed_query_budget(
    client, cast, extra, django_assert_num_queries
) -> None:
    _more_staff(cast, extra)
    client.force_login(cast.admin)
    client.get(reverse("today:index"))  # the clinic's time zone is now known
    # 1 session, 2 user (+organization), 3 staff, 4 last sign-ins, 5 authenticators,
    # 6 open invitations (+inviter), 7 savepoint, 8 session save, 9 release savepoint
    with django_assert_num_queries(9):
        page = client.get(reverse("administration:staff")).content.decode()
    assert "Nell Nurse" in page and "Dr. Phil Physician" in page and "Otto" not in page
    assert "Alice" not in page  # patients are not staff
    if extra:
        assert "invited7@test.example" in page and "Licence expires" in page


def test_the_staff_list_shows_last_sign_in_authenticator_and_flags(client, cast) -> None:
    User.objects.filter(pk=cast.nurse.pk).update(
        licence_number="RN1", licence_state="OR", licence_expires_on=dt.date(2001, 1, 1)
    )
    client.post(reverse("account_login"), {"login": cast.frontdesk.email, "password": PASSWORD})
    client.force_login(cast.admin)
    page = client.get(reverse("administration:staff")).content.decode()
    page = page.split('id="active-h"')[1]
    row = page.split("Fran Desk")[1].split("</tr>")[0]
    assert "Never" not in row and "None" in row  # signed in; no authenticator
    nurse_row = page.split("Nell Nurse")[1].split("</tr>")[0]
    assert "Set up" in nurse_row and "Licence expired Jan 1, 2001" in nurse_row


# ---- invitations -----------------------------------------------------------------------------


def test_inviting_from_the_page_keeps_what_was_typed_on_a_duplicate(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:staff_invite")
    taken = client.post(
        url, {"email": "nurse@test.example", "full_name": "Typed Name", "role": "provider"}
    )
    page = taken.content.decode()
    assert taken.status_code == 422 and "Nell Nurse already works here" in page
    assert 'value="Typed Name"' in page and 'value="provider" selected' in page
    sent = client.post(
        url, {"email": "new@test.example", "full_name": "Nova New", "role": "physician"}
    )
    assert sent.status_code == 302 and len(mail.outbox) == 1
    page = client.get(reverse("administration:staff")).content.decode()
    assert "Invitation sent to new@test.example" in page and "Nova New" in page
    invitation = Invitation.objects.get()
    client.post(reverse("administration:invitation_resend", args=[invitation.pk]))
    assert len(mail.outbox) == 2
    client.post(reverse("administration:invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_by == cast.admin
    page = client.get(reverse("administration:staff")).content.decode()
    assert "revoked: its link no longer works" in page and "Nova New" not in page
    again = client.post(reverse("administration:invitation_resend", args=[invitation.pk]))
    assert again.status_code == 302 and len(mail.outbox) == 2


def test_a_mail_failure_keeps_the_invitation_and_says_so(client, cast, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:staff_invite"),
        {"email": "new@test.example", "full_name": "Nova", "role": "nurse"},
        follow=True,
    )
    assert "the email could not be sent" in response.content.decode()
    assert Invitation.objects.filter(email="new@test.example").exists()


# ---- one person --------------------------------------------------------------------------


def test_the_edit_page_shows_refusals_beside_the_field_and_keeps_what_was_typed(
    client, cast
) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:staff_edit", args=[cast.physician.pk])
    data = {
        "full_name": "Dr. Phil Physician",
        "role": "provider",
        "credentials": "MD",
        "licence_number": "MD-778",
        "licence_state": "OR",
        "licence_expires_on": "2027-03-01",
        "dea_number": "AB1234564",
        "dea_expires_on": "2027-04-01",
    }
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 422
    assert "check digit" in page  # beside the DEA number
    assert 'value="MD-778"' in page and 'value="2027-03-01"' in page and 'value="AB1234564"' in page
    response = client.post(url, {**data, "dea_number": "AB1234563"})
    page = response.content.decode()
    assert response.status_code == 422 and "only active physician" in page
    assert 'id="id_role_error"' in page or "has-error" in page
    response = client.post(url, {**data, "dea_number": "AB1234563", "role": "physician"})
    assert response.status_code == 302
    cast.physician.refresh_from_db()
    assert cast.physician.dea_number == "AB1234563"
    detail = client.get(reverse("administration:staff_detail", args=[cast.physician.pk]))
    assert "AB1234563" in detail.content.decode() and "MD-778" in detail.content.decode()


def test_deactivating_the_last_physician_from_the_page_says_why(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:staff_deactivate", args=[cast.physician.pk]), follow=True
    )
    assert "only active physician" in response.content.decode()
    response = client.post(
        reverse("administration:staff_deactivate", args=[cast.nurse.pk]), follow=True
    )
    page = response.content.decode()
    assert "is deactivated: signed out everywhere" in page and "Reactivate" in page
    response = client.post(
        reverse("administration:staff_reactivate", args=[cast.nurse.pk]), follow=True
    )
    assert "can sign in again" in response.content.decode()


def test_the_reset_page_asks_for_a_reason(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:authenticator_reset", args=[cast.nurse.pk])
    assert "lost their phone" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 422
    response = client.post(url, {"reason": "Lost phone"})
    assert response.status_code == 302
    assert AuditEvent.objects.get(object_type="authenticator").detail["reason"] == "Lost phone"
    page = client.get(reverse("administration:staff_detail", args=[cast.nurse.pk])).content
    assert b"added at next sign-in" in page


def test_a_patient_account_is_not_a_staff_page(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:staff_detail", args=[cast.patient_user.pk])
    assert client.get(url).status_code == 404


# ---- sign-ins ------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 8])
def test_the_sign_in_page_has_a_fixed_query_budget(
    client, cast, extra, django_assert_num_queries
) -> None:
    _more_staff(cast, extra)
    client.force_login(cast.admin)
    client.get(reverse("administration:sign_ins"))  # the clinic's time zone is now known
    # 1 session, 2 user (+organization), 3 staff, 4 totals per person, 5 recent events,
    # 6 savepoint, 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        page = client.get(reverse("administration:sign_ins")).content.decode()
    if extra:
        assert page.count("Extra 7") >= 3  # the totals row, a sign-in and a failure


def test_sign_ins_and_failures_are_listed_per_person(client, cast) -> None:
    client.post(reverse("account_login"), {"login": "FrontDesk@test.example", "password": "no"})
    client.post(reverse("account_login"), {"login": cast.frontdesk.email, "password": PASSWORD})
    client.logout()
    client.post(reverse("account_login"), {"login": cast.nurse.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    client.logout()
    client.post(reverse("account_login"), {"login": "stranger@x.example", "password": "no"})
    client.force_login(cast.admin)
    page = client.get(reverse("administration:sign_ins")).content.decode()
    people = page.split('id="people-h"')[1].split("</table>")[0]
    frontdesk = people.split("Fran Desk")[1].split("</tr>")[0]
    assert "<td>1</td>" in frontdesk and 'pill-danger">1<' in frontdesk
    nurse = people.split("Nell Nurse")[1].split("</tr>")[0]
    assert "<td>0</td>" in nurse and 'pill-danger">1<' in nurse
    assert "second factor: wrong code" in page
    assert "stranger@x.example" not in page  # not anyone of this clinic
    detail = client.get(reverse("administration:staff_detail", args=[cast.frontdesk.pk]))
    events = detail.content.decode().split('id="signins-h"')[1]
    assert "Signed in" in events and "Failed" in events


# ---- API tokens ----------------------------------------------------------------------------


def test_a_new_token_is_shown_once(client, cast) -> None:
    client.force_login(cast.nurse)
    response = client.post(reverse("administration:api_token_create"), {"name": "Sync"})
    token = ApiToken.objects.get(user=cast.nurse)
    page = response.content.decode()
    raw = page.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert ApiToken.hash(raw) == token.digest and "no-store" in response["Cache-Control"]
    later = client.get(reverse("administration:api_tokens")).content.decode()
    assert raw not in later and token.prefix in later
    assert client.post(reverse("administration:api_token_create"), {"name": ""}).status_code == 422


def test_staff_see_only_their_own_tokens_and_an_admin_sees_everyones(client, cast) -> None:
    services.api_token_create(user=cast.physician, name="physician's")
    services.api_token_create(user=cast.outsider, name="outsider's")
    physician_token = ApiToken.objects.get(user=cast.physician)
    client.force_login(cast.nurse)
    page = client.get(reverse("administration:api_tokens")).content.decode()
    assert "physician&#x27;s" not in page and "Everyone else" not in page
    revoke = reverse("administration:api_token_revoke", args=[physician_token.pk])
    assert client.post(revoke).status_code == 404
    client.force_login(cast.admin)
    page = client.get(reverse("administration:api_tokens")).content.decode()
    assert "physician&#x27;s" in page and "outsider&#x27;s" not in page
    assert client.post(revoke).status_code == 302
    physician_token.refresh_from_db()
    assert physician_token.revoked_at is not None
    # Another clinic's token answers 404, even to a clinic admin.
    outsider_token = ApiToken.objects.get(user=cast.outsider)
    outsider_revoke = reverse("administration:api_token_revoke", args=[outsider_token.pk])
    assert client.post(outsider_revoke).status_code == 404
    outsider_token.refresh_from_db()
    assert outsider_token.revoked_at is None


@pytest.mark.parametrize("extra", [0, 8])
def test_the_token_page_has_a_fixed_query_budget(
    client, cast, extra, django_assert_num_queries
) -> None:
    _more_staff(cast, extra)
    client.force_login(cast.admin)
    client.get(reverse("administration:api_tokens"))  # the clinic's time zone is now known
    # 1 session, 2 user (+organization), 3 everyone's tokens (+owner), 4 own tokens,
    # 5 savepoint, 6 session save, 7 release savepoint
    with django_assert_num_queries(7):
        client.get(reverse("administration:api_tokens"))
