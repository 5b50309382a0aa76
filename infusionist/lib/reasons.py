"""Whether a typed reason says something: the one check for every recorded reason.

A reason for an override, an acknowledgment or a kept duplicate goes into the audit trail and
is read later by someone who must understand why a rule was set aside; a blank, ".", "ok",
"n/a", "x" or "asdf" tells them nothing. Framework-free; callers phrase their own message.
"""

from __future__ import annotations

import re

#: Fewest letters a reason needs ("ok", "n/a" and "xx" have fewer) [?] no published source.
MIN_REASON_LETTERS = 4
#: Fewest different letters (catches "xxxx", "aaaa") [?] no published source.
MIN_DIFFERENT_LETTERS = 3
#: Words that fill a box without saying anything; a reason made only of these says nothing.
EMPTY_WORDS = frozenset(
    {
        *("none", "nothing", "n", "a", "na", "nil", "no", "yes", "ok", "okay", "fine", "good"),
        *("test", "testing", "asdf", "qwerty", "same", "different", "unknown", "tbd", "todo"),
        *("x", "xx", "xxx", "xxxx", "see", "notes", "above", "below", "as", "per", "override"),
        *("reason", "because", "needed", "required", "approved", "agreed", "sign", "signed"),
        *("done", "checked", "reviewed", "confirmed", "acknowledged", "safe", "continue"),
        *("change", "changed", "update", "updated", "fix", "fixed", "unknown"),
        # Spanish fillers: a Spanish-speaking clinician types these too.
        *("nada", "ninguno", "ninguna", "cambio", "prueba", "igual", "si", "sí", "listo"),
    }
)


def says_nothing(text: str | None) -> bool:
    """Return True when ``text`` gives no reason: too short, repeated letters or filler only.

    ``text`` is what was typed (None counts as blank). It says something when it has at least
    ``MIN_REASON_LETTERS`` letters, ``MIN_DIFFERENT_LETTERS`` different ones, and one word
    that is not filler (``EMPTY_WORDS``): "Twin brother" or "Patient stable, BP 128/80" pass;
    "", ".", "ok", "n/a", "x", "asdf", "xxxx" and "ok ok ok" do not.
    """
    text = (text or "").strip()
    letters = [ch.lower() for ch in text if ch.isalpha()]
    if len(letters) < MIN_REASON_LETTERS or len(set(letters)) < MIN_DIFFERENT_LETTERS:
        return True
    words = [word.lower() for word in re.findall(r"[^\W\d_]+", text)]
    return all(word in EMPTY_WORDS for word in words)


def reason_problem(text: str | None, *, what: str, help_text: str, max_chars: int) -> str:
    """Return why ``text`` cannot be recorded as the reason ``what`` names ("" when it can).

    ``what`` starts the message ("The reason for the override"); ``help_text`` says what a
    reason is; blank, longer than ``max_chars`` characters or saying nothing
    (:func:`says_nothing`) is refused.
    """
    stripped = (text or "").strip()
    if not stripped:
        return f"{what} is missing: {help_text}"
    if len(stripped) > max_chars:
        return f"{what} is longer than {max_chars} characters."
    if says_nothing(stripped):
        return f"{what} says nothing: {help_text}"
    return ""
