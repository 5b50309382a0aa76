"""Keep patient search terms out of URLs.

A name or date of birth in a query string ends up in browser history, proxy and server access
logs. Searches are therefore posted; the text is kept in the user's session under a short
random key, and only that key travels in the URL of the results and their pages.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest

SESSION_KEY = "patient_searches"
KEPT_SEARCHES = 20


def search_key_store(request: HttpRequest, text: str) -> str:
    """Remember `text` in the session and return the opaque key that names it."""
    searches: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    for key, kept in searches.items():
        if kept == text:
            return key
    key = secrets.token_urlsafe(6)
    searches[key] = text
    while len(searches) > KEPT_SEARCHES:
        searches.pop(next(iter(searches)))
    request.session[SESSION_KEY] = searches
    return key


def search_text_recall(request: HttpRequest, key: str) -> str | None:
    """Return the text stored under `key` in this session, or None when it is unknown."""
    searches = request.session.get(SESSION_KEY, {})
    text = searches.get(key) if isinstance(searches, dict) else None
    return text if isinstance(text, str) else None
