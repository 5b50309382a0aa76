"""Checks of free text people type: is it a plain personal name.

Framework-free, so services of every app share one rule (a staff member's name). Whether a
typed reason says something is :mod:`infusionist.lib.reasons`.
"""

from __future__ import annotations

import unicodedata


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
