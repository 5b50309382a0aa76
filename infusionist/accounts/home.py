"""Where each person starts: the home page of their role.

Staff start on Today (``settings.LOGIN_REDIRECT_URL``); a role listed in
``settings.ROLE_HOME_URLS`` starts on its own page (a patient on the portal home). Sign-in,
``/`` and the refusal page all send people here, so no role lands on a page it cannot open.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import resolve_url


def home_url_for(user: object) -> str:
    """Return the home page of ``user``'s role, or the sign-in page for an anonymous visitor."""
    if not getattr(user, "is_authenticated", False):
        return resolve_url(settings.LOGIN_URL)
    role = getattr(user, "role", "")
    return resolve_url(settings.ROLE_HOME_URLS.get(role, settings.LOGIN_REDIRECT_URL))
