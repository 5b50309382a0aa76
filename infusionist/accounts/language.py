"""The language a person reads: the page that shows a message, the e-mail sent to them.

A page is one language (docs/decisions/0013). Staff read English (``STAFF_LANGUAGE_CODE``); a
patient reads their preferred language, which the patient registry holds. The registry sits
above this app, so the portal registers how to read it (``register_patient_language``) when
it starts; until then a patient reads ``LANGUAGE_CODE``.

A visitor who is not signed in reads the language of the sign-in pages: the switch on the
page (Django's language cookie), else the browser's (``Accept-Language``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.i18n import supported, use_language

#: Reads a patient user's preferred language code ("en", "es") or None.
PatientLanguageLookup = Callable[[User], str | None]
_patient_language: list[PatientLanguageLookup] = []


def register_patient_language(lookup: PatientLanguageLookup) -> None:
    """Tell this app how to read a patient user's preferred language (the portal does)."""
    _patient_language[:] = [lookup]


def language_of(user: object) -> str:
    """Return the language ``user`` reads: English for staff, a patient's preferred language."""
    if not isinstance(user, User) or user.role != Role.PATIENT:
        return settings.STAFF_LANGUAGE_CODE
    preferred = _patient_language[0](user) if _patient_language else None
    return supported(preferred) or settings.LANGUAGE_CODE


def visitor_language(request: HttpRequest) -> str:
    """Return the language of a page shown to someone not signed in (the switch, else browser)."""
    return supported(translation.get_language_from_request(request)) or settings.LANGUAGE_CODE


def reader_language(request: HttpRequest | None, user: object) -> str:
    """Return the language ``user`` reads what this request sends them.

    The person signed in on this request reads the page's own language (the switch, else their
    preferred language, chosen by the middleware); anyone else reads their stored language.
    """
    current = getattr(request, "user", None) if request is not None else None
    same = (
        current is not None
        and getattr(current, "is_authenticated", False)
        and getattr(current, "pk", None) == getattr(user, "pk", object())
    )
    if same and getattr(user, "role", "") == Role.PATIENT:
        return supported(translation.get_language()) or language_of(user)
    return language_of(user)


def in_staff_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a page only staff read (a staff invitation) in the staff language.

    Before signing in nobody is known, so Django would follow the browser; a Spanish browser
    then mixed allauth's Spanish labels into an English page.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        use_language(request, settings.STAFF_LANGUAGE_CODE)
        return view(request, *args, **kwargs)

    return wrapped
