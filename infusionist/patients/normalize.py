"""Normalised search keys for names and phone numbers (plain functions, no database).

Names are transliterated to ASCII with anyascii, a maintained table that covers every script:
'Núñez', 'NUNEZ' and 'Nuñez' share a key, and letters without a plain-ASCII form ('Ł', 'ß',
Cyrillic, Greek, CJK) become their usual romanised spelling instead of being dropped.
Search and the duplicate check use the same functions, so what one finds the other compares.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

_WORD = re.compile(r"[a-z0-9]+")
_QUERY_SEPARATORS = re.compile(r"[\s,;]+")
TOKEN_MAX_CHARS = 64


def _ascii_lower(value: str) -> str:
    """Return `value` in lower-case ASCII, every kind of whitespace made a plain space."""
    spaced = "".join(" " if ch.isspace() else ch for ch in value or "")
    return anyascii(unicodedata.normalize("NFKC", spaced)).lower()


def name_words(value: str) -> list[str]:
    """Return the words of a name, transliterated: "O'Brien-Núñez" -> ['o', 'brien', 'nunez']."""
    return _WORD.findall(_ascii_lower(value))


def name_key(value: str) -> str:
    """Return a lower-case, accent-free key: 'Peña-Ruiz ' -> 'pena ruiz', 'Łukasz' -> 'lukasz'."""
    return " ".join(name_words(value))


def name_joined(value: str) -> str:
    """Return the name written together without punctuation: "O'Brien" -> 'obrien'."""
    return "".join(name_words(value))


def name_tokens(value: str) -> set[str]:
    """Return what a search word may start with to find this name.

    Each word, and the words from each one to the end written together, so a word typed
    with or without its punctuation or spaces matches:
    "O'Brien-Núñez" -> {'o', 'brien', 'nunez', 'obriennunez', 'briennunez'};
    'De la Cruz' -> {'de', 'la', 'cruz', 'delacruz', 'lacruz'}.
    """
    words = name_words(value)
    tokens = set(words)
    tokens.update("".join(words[i:]) for i in range(len(words) - 1))
    return {token[:TOKEN_MAX_CHARS] for token in tokens}


def query_words(text: str) -> list[str]:
    """Return the words of a name search, each written together, without repeats.

    Words are separated by spaces, commas or semicolons; punctuation inside a word is
    dropped: "O'Brien-Núñez, Ana" -> ['obriennunez', 'ana'].
    """
    words: list[str] = []
    for chunk in _QUERY_SEPARATORS.split(text or ""):
        word = name_joined(chunk)[:TOKEN_MAX_CHARS]
        if word and word not in words:
            words.append(word)
    return words


def phone_digits(value: str) -> str:
    """Return the last ten digits of a phone number (US numbers without the leading 1).

    An extension is left out: "+15415550142 ext. 12" -> '5415550142'.
    """
    number = re.split(r"(?i)e?xt|x|;", value or "", maxsplit=1)[0]
    digits = re.sub(r"[^0-9]", "", number)
    return digits[-10:]
