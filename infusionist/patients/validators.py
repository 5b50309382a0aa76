"""Rules for patient fields, attached to the model so the form, the API and every service
that calls ``full_clean()`` apply the same ones (a ModelForm runs them beside each field)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from infusionist.contact import validate_phone as contact_validate_phone
from infusionist.patients.birth_dates import date_of_birth_problem
from infusionist.patients.normalize import name_key


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
    """Refuse a value that is not a phone number (kept for migration 0006; see contact.py)."""
    contact_validate_phone(value)


def validate_date_of_birth(value: dt.date) -> None:
    """A date of birth is not in the future and not more than 120 years ago."""
    problem = date_of_birth_problem(value)
    if problem:
        raise ValidationError(problem, code="date_of_birth")
