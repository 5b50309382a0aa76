from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.roles import CLINICAL_ROLES, Role
from infusionist.clinics.selectors import clinic_zone_in_use


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
            if user is not None and user.is_authenticated and user.organization_id:
                with clinic_zone_in_use(organization_id=user.organization_id, zone_name=tz_name):
                    return self.get_response(request)
            return self.get_response(request)
        finally:
            timezone.deactivate()


def email_unverified(user: object) -> bool:
    """Return whether allauth will refuse an authenticator for an unconfirmed email address."""
    if settings.MFA_ALLOW_UNVERIFIED_EMAIL:
        return False
    return EmailAddress.objects.filter(user_id=getattr(user, "pk", None), verified=False).exists()


class RequireMfaMiddleware:
    """Send clinical staff without a TOTP authenticator to set one up first.

    Anyone whose authenticator a clinic admin reset (``User.authenticator_required``) is sent
    there too, whatever their role.

    45 CFR 164.312(d) person authentication. Controlled by MFA_REQUIRED (default on).
    """

    exempt_prefixes = ("/accounts/", "/account-setup/", "/static/", "/api/", "/fhir/", "/health")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._adds_authenticator_unverified(request):
            return redirect(reverse("account_setup:verify_email"))
        if settings.MFA_REQUIRED_FOR_CLINICAL_ROLES and self._needs_mfa(request):
            if email_unverified(request.user):
                # allauth refuses an authenticator until the email address is confirmed;
                # send the user to the step that fixes it instead of a loop.
                return redirect(reverse("account_setup:verify_email") + "?next=" + request.path)
            messages.warning(
                request,
                _(
                    "Clinical staff sign in with an authenticator app as well as a password. "
                    "Set one up now to continue; it takes a minute."
                )
                if getattr(request.user, "role", "") in CLINICAL_ROLES
                else _(
                    "Your clinic reset your authenticator app. Set one up again to continue; "
                    "it takes a minute."
                )
                if getattr(request.user, "role", "") == Role.PATIENT
                else _(
                    "Your clinic admin reset your authenticator app. Set one up again to "
                    "continue; it takes a minute."
                ),
            )
            return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
        return self.get_response(request)

    def _adds_authenticator_unverified(self, request: HttpRequest) -> bool:
        """Return whether an unconfirmed user opens allauth's authenticator pages (a loop)."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return request.path.startswith("/accounts/2fa/totp/activate") and email_unverified(user)

    def _needs_mfa(self, request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        # Clinical roles always; anyone whose authenticator a clinic admin reset, too.
        if user.role not in CLINICAL_ROLES and not getattr(user, "authenticator_required", False):
            return False
        if request.path.startswith(self.exempt_prefixes):
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
