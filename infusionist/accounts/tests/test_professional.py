"""Professional details: DEA number format and check digit, role fit, expiry flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from infusionist.accounts.models import User
from infusionist.accounts.professional import (
    credential_flags,
    dea_check_digit,
    dea_number_normalize,
    dea_number_problem,
    professional_details_problems,
    validate_dea_number,
)
from infusionist.accounts.roles import Role


@pytest.mark.parametrize(
    "number",
    [
        "AB1234563",  # (1+3+5) + 2×(2+4+6) = 33 → 3
        "FA0000000",  # all zeros: sum 0 → 0
        "MJ9999991",  # (9+9+9) + 2×(9+9+9) = 81 → 1
    ],
)
def test_a_well_formed_dea_number_passes(number: str) -> None:
    assert dea_number_problem(number) == ""
    validate_dea_number(number)


def test_the_check_digit_is_worked_by_hand() -> None:
    # (d1+d3+d5) + 2×(d2+d4+d6): 1+3+5 = 9; 2×(2+4+6) = 24; 9 + 24 = 33 → 3.
    assert dea_check_digit("123456") == 3
    # 9+9+9 = 27; 2×(9+9+9) = 54; 81 → 1.
    assert dea_check_digit("999999") == 1
    # d1 d3 d5 = 7+0+8 = 15; 2×(d2 d4 d6) = 2×(4+1+2) = 14; 29 → 9.
    assert dea_check_digit("740182") == 9


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("AB1234564", "check digit"),  # one digit off
        ("AB1234536", "check digit"),  # two digits swapped
        ("A12345678", "two letters then seven digits"),  # one letter
        ("AB123456", "two letters then seven digits"),  # six digits
        ("AB12345630", "two letters then seven digits"),  # eight digits
        ("ab1234563", "two letters then seven digits"),  # stored form is capitals
        ("", "two letters then seven digits"),
    ],
)
def test_a_malformed_dea_number_is_refused_with_a_reason(number: str, says: str) -> None:
    assert says in dea_number_problem(number)
    with pytest.raises(ValidationError):
        validate_dea_number(number)


def test_a_typed_dea_number_is_normalized_before_the_check() -> None:
    assert dea_number_normalize(" ab 123-4563 ") == "AB1234563"


@pytest.mark.parametrize(
    ("role", "credentials", "ok"),
    [
        (Role.PHYSICIAN, "MD", True),
        (Role.PHYSICIAN, "DO", True),
        (Role.PHYSICIAN, "NP", False),
        (Role.PROVIDER, "CRNA", True),
        (Role.PROVIDER, "PA", True),
        (Role.PROVIDER, "MD", False),
        (Role.NURSE, "RN", True),
        (Role.NURSE, "PA", False),
        (Role.CLINIC_ADMIN, "RN", True),  # an RN can run the office
        (Role.FRONT_DESK, "", True),
    ],
)
def test_credentials_must_fit_a_clinical_role(role: str, credentials: str, ok: bool) -> None:
    problems = professional_details_problems(role, {"credentials": credentials})
    assert ("credentials" not in problems) is ok


def test_a_licence_is_given_whole_and_a_dea_registration_only_for_prescribers() -> None:
    problems = professional_details_problems(
        Role.NURSE, {"licence_number": "RN123", "licence_state": "OR"}
    )
    assert problems == {
        "licence_expires_on": "Give the licence number, state and expiry date together."
    }
    problems = professional_details_problems(
        Role.NURSE, {"dea_number": "AB1234563", "dea_expires_on": dt.date(2030, 1, 1)}
    )
    assert "Only prescribers" in problems["dea_number"]
    problems = professional_details_problems(
        Role.PHYSICIAN, {**SIGNER, "credentials": "MD", "dea_number": "AB1234563"}
    )
    assert problems == {"dea_expires_on": "Give the DEA number and its expiry date together."}
    assert (
        professional_details_problems(
            Role.PROVIDER,
            {**SIGNER, "dea_number": "AB1234563", "dea_expires_on": dt.date(2030, 1, 1)},
        )
        == {}
    )


#: A signer's details that fit (fictional).
SIGNER = {
    "credentials": "NP",
    "licence_number": "NP-204711",
    "licence_state": "OR",
    "licence_expires_on": dt.date(2030, 1, 1),
}


def _person(role: str, **fields: object) -> User:
    return User(email=f"{role}@x.example", full_name=role, role=role, **fields)


def test_expiry_flags_start_at_the_warning_window_and_stay_once_expired() -> None:
    today = dt.date(2026, 6, 1)
    people = [
        _person(Role.NURSE, licence_number="N1", licence_expires_on=today + dt.timedelta(days=31)),
        _person(
            Role.PHYSICIAN,
            licence_number="M1",
            licence_expires_on=today + dt.timedelta(days=30),
            dea_number="AB1234563",
            dea_expires_on=today - dt.timedelta(days=1),
        ),
        # A DEA registration is not flagged for a role that does not prescribe.
        _person(Role.CLINIC_ADMIN, dea_number="AB1234563", dea_expires_on=today),
    ]
    flags = credential_flags(people, today=today, warning_days=30)
    assert [(f.user.role, f.kind, f.days_left, f.expired) for f in flags] == [
        (Role.PHYSICIAN, "dea", -1, True),
        (Role.PHYSICIAN, "licence", 30, False),
    ]
    assert credential_flags(people, today=today, warning_days=31)[-1].user.role == Role.NURSE


def test_the_demo_staff_have_fictional_valid_details_and_the_nurse_is_flagged(db) -> None:
    from django.utils import timezone

    from infusionist.accounts.demo import seed_staff
    from infusionist.clinics.models import Organization

    org = Organization.objects.create(name="Demo", slug="demo", mrn_prefix="DEM")
    staff = seed_staff(organization=org, password="demo-password-2026")
    for role in (Role.PHYSICIAN, Role.PROVIDER):
        user = staff[role]
        assert dea_number_problem(user.dea_number) == "" and user.licence_number.startswith("DEMO")
        assert professional_details_problems(role, vars(user)) == {}
    flags = credential_flags(staff.values(), today=timezone.localdate(), warning_days=30)
    assert [(f.user.role, f.kind) for f in flags] == [(Role.NURSE, "licence")]
    # Seeding again changes nothing someone edited.
    User.objects.filter(pk=staff[Role.NURSE].pk).update(licence_number="EDITED")
    seed_staff(organization=org, password="demo-password-2026")
    assert User.objects.get(pk=staff[Role.NURSE].pk).licence_number == "EDITED"
