"""Checks of free text people type: does it say something, is it a plain name.

Framework-free, so services of every app share one rule (a reason for keeping a possible
duplicate patient, a reason for a clinical-limit change, a staff member's name).
"""

from __future__ import annotations

import unicodedata

#: Fewest letters a reason needs to say anything.
MIN_REASON_LETTERS = 4
#: Words (English and Spanish) that fill a box without saying anything.
EMPTY_REASONS = frozenset(
    {
        "none",
        "nothing",
        "yes",
        "no",
        "ok",
        "okay",
        "test",
        "asdf",
        "qwerty",
        "same",
        "different",
        "unknown",
        "change",
        "update",
        "updated",
        "fix",
        "na",
        "n/a",
        "nada",
        "ninguno",
        "ninguna",
        "cambio",
        "prueba",
        "igual",
    }
)


def says_something(text: str | None, *, min_letters: int = MIN_REASON_LETTERS) -> bool:
    """Return whether ``text`` says something: a few different letters, not a filler word.

    A blank, ".", "ok", "n/a", "xxxx" or "test" does not; "Twin brother" or "New trial data
    supports 2 mg/kg" does.
    """
    text = (text or "").strip()
    letters = [ch.lower() for ch in text if ch.isalpha()]
    words = {w.strip(".,;:!?-").lower() for w in text.split()}
    return not (
        len(letters) < min_letters
        or len(set(letters)) < 3
        or (len(words) == 1 and words <= EMPTY_REASONS)
    )


def plain_name_problem(text: str | None) -> str:
    """Return why ``text`` is not a plain personal name as a code, or "" when it is.

    ``"brackets"``: angle brackets (markup such as ``<b>``); ``"control"``: line breaks, tabs
    or invisible format characters. A name shows in e-mails and on every screen.
    """
    for ch in text or "":
        if ch in "<>":
            return "brackets"
        if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
            return "control"
    return ""
