"""Dates of birth as people type them: one parser and one set of rules for every entry point.

The patient form, the search box, the JSON API and the admin all read a typed date of birth
here, so none of them can turn '06/28/61' into 2061: a two-digit year means the most recent
such year that is not in the future, and a date of birth in the future or more than
MAX_AGE_YEARS ago is refused with a message that says what to check.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_AGE_YEARS = 120

# 1961-06-28 (or 1961/06/28); 06/28/1961, 6-28-1961, 06/28/61 (month first, as in the US).
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})[-/](?P<day>\d{1,2})$")
_MONTH_FIRST = re.compile(
    r"^(?P<month>\d{1,2})(?P<sep>[-/])(?P<day>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})$"
)

FORMAT_HELP = _("Enter the date of birth as YYYY-MM-DD or MM/DD/YYYY, e.g. 1985-04-12.")
FUTURE = _("Date of birth cannot be in the future. Check the year.")
TOO_OLD = _("Date of birth is more than %(years)s years ago: check the year.")
NOT_A_DATE = _("%(text)s is not a date: check the day and the month (MM/DD/YYYY).")


class DateOfBirthError(ValueError):
    """A typed date of birth that cannot be used; ``message`` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def looks_like_a_date(text: str) -> bool:
    """Return whether `text` has the shape of a date (digits with / or - between)."""
    text = (text or "").strip()
    return bool(_YEAR_FIRST.match(text) or _MONTH_FIRST.match(text))


def date_of_birth_parse(text: str, *, today: dt.date | None = None) -> dt.date:
    """Return the date of birth that `text` means, or raise DateOfBirthError.

    A two-digit year is read as the latest year ending in those digits that does not put
    the date in the future: on 2026-11-21, '06/28/61' is 1961-06-28 and '01/02/03' is
    2003-01-02, while '12/31/26' is 1926-12-31.
    """
    today = today or timezone.localdate()
    text = (text or "").strip()
    match = _YEAR_FIRST.match(text) or _MONTH_FIRST.match(text)
    if match is None:
        raise DateOfBirthError(str(FORMAT_HELP))
    year_text = match["year"]
    month, day = int(match["month"]), int(match["day"])
    try:
        if len(year_text) == 2:
            dob = date_from_two_digit_year(int(year_text), month, day, today=today)
        else:
            dob = dt.date(int(year_text), month, day)
    except ValueError:
        raise DateOfBirthError(str(NOT_A_DATE % {"text": text})) from None
    problem = date_of_birth_problem(dob, today=today)
    if problem:
        raise DateOfBirthError(problem)
    return dob


def date_from_two_digit_year(
    two_digits: int, month: int, day: int, *, today: dt.date | None = None
) -> dt.date:
    """Return the latest date with a year ending in `two_digits` that is not after today.

    Raises ValueError when neither this century's nor the last one's date exists.
    """
    today = today or timezone.localdate()
    century = today.year - today.year % 100
    for year in (century + two_digits, century - 100 + two_digits):
        try:
            dob = dt.date(year, month, day)
        except ValueError:
            continue
        if dob <= today:
            return dob
    raise ValueError("no such date in the last hundred years")


def date_of_birth_problem(dob: dt.date, *, today: dt.date | None = None) -> str | None:
    """Return why `dob` cannot be a date of birth (future, or over MAX_AGE_YEARS ago), or None."""
    today = today or timezone.localdate()
    if dob > today:
        return str(FUTURE)
    if today.year - dob.year > MAX_AGE_YEARS:
        return str(TOO_OLD % {"years": MAX_AGE_YEARS})
    return None
