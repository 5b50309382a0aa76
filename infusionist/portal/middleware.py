from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.i18n import chosen_language, supported, use_language, use_patient_language
from infusionist.patients.models import Patient

#: Where allauth's password-reset links (and its set-password step) live.
RESET_LINK_PREFIX = "/accounts/password/reset/key/"
RESET_LANGUAGE_SESSION_KEY = "reset_link_language"


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
        if request.path.startswith(RESET_LINK_PREFIX) and not (user and user.is_authenticated):
            self._reset_link_language(request)
        if user is not None and user.is_authenticated:
            if user.role == Role.PATIENT:
                use_patient_language(request, preferred_language_of(user))
            else:
                use_language(request, settings.STAFF_LANGUAGE_CODE)
        return self.get_response(request)

    @staticmethod
    def _reset_link_language(request: HttpRequest) -> None:
        """A password-reset link opens in the language its e-mail was written in.

        The e-mail's link carries ``?lang=es``; allauth then moves to a second address on the
        same path, so the language is kept in the session for the rest of the reset.
        """
        lang = supported(request.GET.get("lang")) or supported(
            request.session.get(RESET_LANGUAGE_SESSION_KEY)
        )
        if lang and not chosen_language(request):
            request.session[RESET_LANGUAGE_SESSION_KEY] = lang
            use_language(request, lang)
