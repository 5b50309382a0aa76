"""Rules for patient fields, attached to the model so the form, the API and every service
that calls ``full_clean()`` apply the same ones (a ModelForm runs them beside each field)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from infusionist.patients.birth_dates import date_of_birth_problem
from infusionist.patients.normalize import name_key

_PHONE_CHARACTERS = re.compile(r"^[0-9 ()+.\-]+$")
MIN_PHONE_DIGITS = 7


def validate_person_name(value: str) -> None:
    """A name has at least one letter and no control characters.

    The letter may be in any script: 'Łukasz', 'Владимир' and '北京' pass; '---' does not, as
    it could never be found by a name search.
    """
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValidationError(
            _("Remove the control characters from the name (pasted text can carry them)."),
            code="control_characters",
        )
    if not any(ch.isalpha() for ch in name_key(value)):
        raise ValidationError(_("A name needs at least one letter."), code="no_letter")


def validate_phone(value: str) -> None:
    """A phone number is digits, spaces, dashes, dots, brackets or +, with 7 digits or more."""
    if not _PHONE_CHARACTERS.match(value):
        raise ValidationError(
            _("Enter a phone number with digits, spaces, dashes or brackets only."),
            code="phone_characters",
        )
    if len(re.sub(r"[^0-9]", "", value)) < MIN_PHONE_DIGITS:
        raise ValidationError(
            _("A phone number needs at least %(digits)s digits."),
            code="phone_digits",
            params={"digits": MIN_PHONE_DIGITS},
        )


def validate_date_of_birth(value: dt.date) -> None:
    """A date of birth is not in the future and not more than 120 years ago."""
    problem = date_of_birth_problem(value)
    if problem:
        raise ValidationError(problem, code="date_of_birth")
