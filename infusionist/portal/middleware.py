from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.i18n import use_language, use_patient_language
from infusionist.patients.models import Patient


def preferred_language_of(user: User) -> str | None:
    """Return the preferred language of a patient user's record (one small query), or None."""
    return Patient.objects.filter(user=user).values_list("preferred_language", flat=True).first()


class PatientLanguageMiddleware:
    """Answer a signed-in person in their language.

    A patient: the language they chose with the switch, else their preferred language (one
    small query). Staff: English, since staff pages are not translated. Anonymous visitors keep
    what Django's LocaleMiddleware chose (the switch, else the browser's language); the link
    pages then use the link's patient (measurements/views_link.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.role == Role.PATIENT:
                use_patient_language(request, preferred_language_of(user))
            else:
                use_language(request, settings.STAFF_LANGUAGE_CODE)
        return self.get_response(request)
