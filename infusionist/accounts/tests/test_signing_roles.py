"""Review round 2: a role that signs clinical orders needs the professional details to sign.

The kinds: a front-desk account made a physician with no credential, a placeholder licence
("X") or an expired licence (2020-01-01), then signing; a staff name with markup ("<b>") or
control characters reaching the invitation e-mail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts import services
from infusionist.accounts.models import Invitation, User
from infusionist.accounts.professional import licence_number_problem, signing_problem
from infusionist.accounts.roles import Role


def _future(days: int = 400) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


FIT_PHYSICIAN = {
    "role": Role.PHYSICIAN,
    "credentials": "MD",
    "licence_number": "MD-48213",
    "licence_state": "OR",
}


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"role": Role.PHYSICIAN}, "credentials"),
        ({**FIT_PHYSICIAN, "credentials": ""}, "credentials"),
        ({**FIT_PHYSICIAN, "credentials": "NP"}, "credentials"),
        ({**FIT_PHYSICIAN, "licence_number": ""}, "licence_number"),
        ({**FIT_PHYSICIAN, "licence_number": "X"}, "licence_number"),
        ({**FIT_PHYSICIAN, "licence_number": "n/a"}, "licence_number"),
        ({**FIT_PHYSICIAN, "licence_number": "12"}, "licence_number"),
        ({**FIT_PHYSICIAN, "licence_number": "<b>12345</b>"}, "licence_number"),
        ({**FIT_PHYSICIAN, "licence_state": ""}, "licence_state"),
        ({**FIT_PHYSICIAN, "licence_expires_on": dt.date(2020, 1, 1)}, "licence_expires_on"),
        ({**FIT_PHYSICIAN, "licence_expires_on": "past"}, "licence_expires_on"),
        ({**FIT_PHYSICIAN, "licence_expires_on": None}, "licence_expires_on"),
        ({"role": Role.PROVIDER}, "credentials"),
        ({"role": Role.PROVIDER, "credentials": "MD"}, "credentials"),
        (
            {
                "role": Role.PROVIDER,
                "credentials": "NP",
                "licence_number": "X",
                "licence_state": "OR",
            },
            "licence_number",
        ),
    ],
)
def test_front_desk_is_not_made_a_signer_without_current_details(cast, details, field) -> None:
    data = dict(details)
    if data.get("licence_expires_on") == "past":
        data["licence_expires_on"] = timezone.localdate() - dt.timedelta(days=1)
    elif "licence_expires_on" not in data and data.get("licence_number"):
        data["licence_expires_on"] = _future()
    with pytest.raises(ValidationError) as refused:
        services.staff_update(actor=cast.admin, user=cast.frontdesk, data=data)
    assert field in refused.value.message_dict
    cast.frontdesk.refresh_from_db()
    assert cast.frontdesk.role == Role.FRONT_DESK


def test_front_desk_with_current_details_becomes_a_physician_who_may_sign(cast) -> None:
    data = {**FIT_PHYSICIAN, "licence_expires_on": _future()}
    services.staff_update(actor=cast.admin, user=cast.frontdesk, data=data)
    cast.frontdesk.refresh_from_db()
    assert cast.frontdesk.role == Role.PHYSICIAN
    assert signing_problem(cast.frontdesk, today=timezone.localdate()) == ""


def test_the_staff_page_refuses_the_role_change_and_keeps_what_was_typed(client, cast) -> None:
    client.force_login(cast.admin)
    url = reverse("administration:staff_edit", args=[cast.frontdesk.pk])
    response = client.post(
        url,
        {
            "full_name": "Fran Desk",
            "role": Role.PHYSICIAN,
            "credentials": "MD",
            "licence_number": "X",
            "licence_state": "OR",
            "licence_expires_on": "2020-01-01",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Enter the licence number as the state board issued it" in page
    assert "This licence expired on 2020-01-01" in page
    assert 'value="X"' in page
    cast.frontdesk.refresh_from_db()
    assert cast.frontdesk.role == Role.FRONT_DESK


def test_the_last_physician_rule_still_holds(cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.staff_update(actor=cast.admin, user=cast.physician, data={"role": Role.NURSE})
    assert "only active physician" in refused.value.message_dict["role"][0]


@pytest.mark.parametrize(
    "number", ["MD12345", "G 84213", "DO-3107", "TEST-MD-31774", "12345678", "C.123/45"]
)
def test_real_looking_licence_numbers_are_accepted(number: str) -> None:
    assert licence_number_problem(number) == ""


def test_signing_problem_names_each_missing_detail(cast) -> None:
    today = timezone.localdate()
    assert signing_problem(cast.physician, today=today) == ""
    assert signing_problem(cast.frontdesk, today=today) != ""
    cast.physician.licence_expires_on = today
    assert signing_problem(cast.physician, today=today) == ""  # valid through its last day
    cast.physician.licence_expires_on = today - dt.timedelta(days=1)
    assert "expired" in signing_problem(cast.physician, today=today)


# ---- staff names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "<b>Nina</b> Nurse",
        "Nina <script>x</script>",
        "Nina >",
        "Nina\nNurse",
        "Nina\tNurse",
        "Nina\u200bNurse",
        "Nina\x00",
    ],
)
def test_a_staff_name_with_markup_or_control_characters_is_refused(client, cast, name) -> None:
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            actor=cast.admin, email="nina@test.example", full_name=name, role=Role.NURSE
        )
    assert "full_name" in refused.value.message_dict
    assert not Invitation.objects.exists() and not mail.outbox
    with pytest.raises(ValidationError):
        services.staff_update(actor=cast.admin, user=cast.nurse, data={"full_name": name})
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:staff_invite"),
        {"email": "nina@test.example", "full_name": name, "role": Role.NURSE},
    )
    assert response.status_code == 422
    assert "A name cannot contain" in response.content.decode()
    assert "nina@test.example" in response.content.decode()


@pytest.mark.parametrize("name", ["José Núñez-O'Brien", "Dr. Anne-Marie Lee, Jr.", "李小龙"])
def test_ordinary_names_are_accepted(cast, name) -> None:
    services.invitation_create(
        actor=cast.admin, email="nina@test.example", full_name=name, role=Role.NURSE
    )
    assert Invitation.objects.get().full_name == name
    assert User.objects.filter(email="nina@test.example").count() == 0
