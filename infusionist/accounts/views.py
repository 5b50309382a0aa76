"""Account set-up steps that allauth leaves to the project.

A clinician must add an authenticator app before clinical pages open; allauth refuses one
while the account's email address is unconfirmed. This page says so, sends the confirmation
message and links to each next step, so nobody is left in a loop.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from infusionist.accounts.access import user_of


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("root")


@login_required
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest) -> HttpResponse:
    """Confirm the email address first; then set up the authenticator."""
    user = user_of(request)
    unverified = list(EmailAddress.objects.filter(user=user, verified=False))
    next_url = _next(request)
    if not unverified:
        return redirect(reverse("mfa_activate_totp") + "?next=" + next_url)
    if request.method == "POST":
        for address in unverified:
            address.send_confirmation(request)
        messages.success(
            request,
            _("We sent a confirmation link to %(email)s. Open it, then come back here.")
            % {"email": unverified[0].email},
        )
        return redirect(reverse("account_setup:verify_email") + "?next=" + next_url)
    return render(
        request,
        "accounts/verify_email.html",
        {"addresses": unverified, "next": next_url},
    )
