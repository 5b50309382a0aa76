"""Who may be the same person: the duplicate rules, as plain comparisons of two patients.

The selector ``possible_duplicates`` fetches candidates through indexes (same or near-miss
date of birth, same name, phone or email); this module says whether each one matches and
why. Names are compared on the same transliterated, punctuation-free words that search
uses (``normalize.name_words``); spelling slips are measured with rapidfuzz.

- Same date of birth: flagged when any name matches: the same or a similar first or last
  name, first and last names swapped, or one part of a multi-part surname.
- Near-miss date of birth (day and month swapped, one digit off, two neighbouring digits
  swapped): flagged when the whole name matches (first and last, or swapped).
- Any date of birth: flagged for the same first and last name, phone number or email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import DamerauLevenshtein

from infusionist.patients.birth_dates import MAX_AGE_YEARS
from infusionist.patients.normalize import name_words

if TYPE_CHECKING:
    from infusionist.patients.models import Patient

# Words that join the parts of a surname ("De la Cruz", "van der Berg", "Peña y Ruiz"); a
# shared particle alone does not make two surnames alike.
SURNAME_PARTICLES = frozenset(
    "d da das de del della der des di do dos du e el i la las le les los san st "  # noqa: SIM905
    "ten ter van vande vanden vander von y zu".split()
)


class MatchReason(models.TextChoices):
    """Why an existing patient may be the one being registered (stable codes for the API)."""

    SAME_NAME = "same_name", _("Same first and last name")
    NAMES_SWAPPED = "names_swapped", _("First and last names swapped")
    SAME_FIRST_NAME = "same_first_name", _("Same first name")
    SIMILAR_FIRST_NAME = "similar_first_name", _("First name spelled almost the same")
    SAME_LAST_NAME = "same_last_name", _("Same last name")
    SIMILAR_LAST_NAME = "similar_last_name", _("Last name spelled almost the same")
    SURNAME_PART = "surname_part", _("Shares a part of a multi-part last name")
    SAME_DATE_OF_BIRTH = "same_date_of_birth", _("Same date of birth")
    DOB_DAY_MONTH_SWAPPED = (
        "date_of_birth_day_month_swapped",
        _("Date of birth with day and month swapped"),
    )
    DOB_ONE_DIGIT_OFF = "date_of_birth_one_digit_off", _("Date of birth one digit off")
    DOB_DIGITS_SWAPPED = (
        "date_of_birth_digits_swapped",
        _("Date of birth with two neighbouring digits swapped"),
    )
    SAME_PHONE = "same_phone", _("Same phone number")
    SAME_EMAIL = "same_email", _("Same email address")


class _Likeness(Enum):
    SAME = "same"
    SIMILAR = "similar"
    PART = "part"


@dataclass(frozen=True)
class PersonFacts:
    """What the duplicate rules compare, from a form, an API body or a stored patient."""

    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    preferred_name: str = ""
    phone_key: str = ""
    email: str = ""


@dataclass(frozen=True)
class DuplicateMatch:
    """An existing patient who may be the same person, and every reason why."""

    patient: Patient
    reasons: tuple[MatchReason, ...]

    @property
    def reason_labels(self) -> list[str]:
        return [str(reason.label) for reason in self.reasons]


def _allowed_edits(a: str, b: str) -> int:
    """How many typing slips still count as the same word: none for very short words."""
    shorter = min(len(a), len(b))
    if shorter >= 8:
        return 2
    if max(len(a), len(b)) >= 4 and shorter >= 3:
        return 1
    return 0


def words_close(a: str, b: str) -> bool:
    """Return whether two normalised words are the same or a small slip apart.

    Damerau-Levenshtein distance (a letter added, dropped, changed or two swapped):
    'felx'~'felix', 'ibara'~'ibarra', 'jhon'~'john'; 'ana'/'ava' are too short to judge.
    """
    if a == b:
        return True
    allowed = _allowed_edits(a, b)
    return allowed > 0 and DamerauLevenshtein.distance(a, b, score_cutoff=allowed) <= allowed


def _likeness(new: str, old: str, *, surname: bool) -> _Likeness | None:
    """Compare two names (first with first, or last with last) on their words."""
    new_words, old_words = name_words(new), name_words(old)
    if not new_words or not old_words:
        return None
    if new_words == old_words or "".join(new_words) == "".join(old_words):
        return _Likeness.SAME
    if words_close("".join(new_words), "".join(old_words)):
        return _Likeness.SIMILAR
    if len(new_words) == 1 and len(old_words) == 1:
        return None
    ignore = SURNAME_PARTICLES if surname else frozenset()
    new_parts = [w for w in new_words if len(w) > 1 and w not in ignore]
    old_parts = [w for w in old_words if len(w) > 1 and w not in ignore]
    if any(words_close(a, b) for a in new_parts for b in old_parts):
        return _Likeness.PART
    return None


def _best(*likenesses: _Likeness | None) -> _Likeness | None:
    for level in (_Likeness.SAME, _Likeness.SIMILAR, _Likeness.PART):
        if level in likenesses:
            return level
    return None


def name_reasons(new: PersonFacts, old: PersonFacts) -> tuple[list[MatchReason], bool]:
    """Return the reasons the names match, and whether the whole name matches."""
    first = _best(
        _likeness(new.first_name, old.first_name, surname=False),
        _likeness(new.first_name, old.preferred_name, surname=False),
        _likeness(new.preferred_name, old.first_name, surname=False),
    )
    last = _likeness(new.last_name, old.last_name, surname=True)
    if first is _Likeness.SAME and last is _Likeness.SAME:
        return [MatchReason.SAME_NAME], True
    swapped = (
        _likeness(new.first_name, old.last_name, surname=True) is not None
        and _likeness(new.last_name, old.first_name, surname=True) is not None
    )
    if swapped:
        return [MatchReason.NAMES_SWAPPED], True
    reasons = []
    if first is _Likeness.SAME:
        reasons.append(MatchReason.SAME_FIRST_NAME)
    elif first is not None:
        reasons.append(MatchReason.SIMILAR_FIRST_NAME)
    if last is _Likeness.SAME:
        reasons.append(MatchReason.SAME_LAST_NAME)
    elif last is _Likeness.SIMILAR:
        reasons.append(MatchReason.SIMILAR_LAST_NAME)
    elif last is _Likeness.PART:
        reasons.append(MatchReason.SURNAME_PART)
    return reasons, first is not None and last is not None


def date_of_birth_near_misses(dob: dt.date) -> dict[dt.date, MatchReason]:
    """Return the dates a slip of the keyboard could have made of `dob`, each with its kind.

    Day and month swapped (1985-04-12 / 1985-12-04), any one digit of YYYYMMDD changed
    (1985-04-13, 1975-04-12) and two neighbouring digits swapped (1958-04-12, 1985-04-21);
    only dates a living patient can have been born on.
    """
    near: dict[dt.date, MatchReason] = {}
    today = timezone.localdate()
    earliest = today.replace(year=today.year - MAX_AGE_YEARS - 1, month=1, day=1)

    def add(year: int, month: int, day: int, reason: MatchReason) -> None:
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return
        if candidate != dob and earliest <= candidate <= today:
            near.setdefault(candidate, reason)

    add(dob.year, dob.day, dob.month, MatchReason.DOB_DAY_MONTH_SWAPPED)
    digits = f"{dob.year:04d}{dob.month:02d}{dob.day:02d}"

    def add_digits(text: str, reason: MatchReason) -> None:
        if text[0] != "0":
            add(int(text[:4]), int(text[4:6]), int(text[6:]), reason)

    for i, digit in enumerate(digits):
        for other in "0123456789":
            if other != digit:
                add_digits(digits[:i] + other + digits[i + 1 :], MatchReason.DOB_ONE_DIGIT_OFF)
    for i in range(len(digits) - 1):
        if digits[i] != digits[i + 1]:
            swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            add_digits(swapped, MatchReason.DOB_DIGITS_SWAPPED)
    return near


def match_reasons(new: PersonFacts, old: PersonFacts) -> tuple[MatchReason, ...]:
    """Return why `old` may be the person `new` describes; empty when they look distinct."""
    names, whole_name = name_reasons(new, old)
    reasons: list[MatchReason] = []
    if new.date_of_birth is not None and old.date_of_birth is not None:
        if new.date_of_birth == old.date_of_birth:
            if names:
                reasons += [*names, MatchReason.SAME_DATE_OF_BIRTH]
        elif whole_name:
            near = date_of_birth_near_misses(new.date_of_birth).get(old.date_of_birth)
            if near is not None:
                reasons += [*names, near]
    if not reasons and MatchReason.SAME_NAME in names:
        reasons.append(MatchReason.SAME_NAME)
    if len(new.phone_key) == 10 and new.phone_key == old.phone_key:
        reasons.append(MatchReason.SAME_PHONE)
    if new.email and new.email.lower() == old.email.lower():
        reasons.append(MatchReason.SAME_EMAIL)
    return tuple(reasons)


_STRENGTH = {reason: rank for rank, reason in enumerate(MatchReason)}


def strongest_first(matches: Iterable[DuplicateMatch]) -> list[DuplicateMatch]:
    """Order matches by their reasons, strongest first: same name and date of birth, then
    swapped or misspelt names, then near-miss dates, then a shared phone or email."""
    last = len(_STRENGTH)
    return sorted(matches, key=lambda m: (*sorted(_STRENGTH[r] for r in m.reasons), last))
