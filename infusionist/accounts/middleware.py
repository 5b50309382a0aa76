from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.roles import CLINICAL_ROLES


class ClinicTimezoneMiddleware:
    """Render times in the clinic's local time zone (stored values stay UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = settings.TIME_ZONE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.organization_id:
            cache_key = "_clinic_tz"
            tz_name = request.session.get(cache_key) or tz_name
            if cache_key not in request.session:
                location = user.organization.primary_location
                tz_name = location.time_zone if location else settings.TIME_ZONE
                request.session[cache_key] = tz_name
        timezone.activate(zoneinfo.ZoneInfo(tz_name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RequireMfaMiddleware:
    """Send clinical staff without a TOTP authenticator to set one up first.

    45 CFR 164.312(d) person authentication. Controlled by MFA_REQUIRED (default on).
    """

    exempt_prefixes = ("/accounts/", "/static/", "/api/", "/fhir/", "/health")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MFA_REQUIRED_FOR_CLINICAL_ROLES and self._needs_mfa(request):
            messages.warning(
                request,
                _(
                    "Clinical staff sign in with an authenticator app as well as a password. "
                    "Set one up now to continue; it takes a minute."
                ),
            )
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
        return self.get_response(request)

    def _needs_mfa(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.role not in CLINICAL_ROLES:
            return False
        if request.path.startswith(self.exempt_prefixes):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
