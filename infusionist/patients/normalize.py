"""Normalised search keys for names and phone numbers (plain functions, no database)."""

from __future__ import annotations

import re
import unicodedata

_NOT_NAME = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def name_key(value: str) -> str:
    """Return a lower-case, accent-free key: 'Peña-Ruiz ' -> 'pena ruiz'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _SPACES.sub(" ", _NOT_NAME.sub(" ", ascii_only)).strip()


def phone_digits(value: str) -> str:
    """Return the last ten digits of a phone number (US numbers without the leading 1)."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-10:]
