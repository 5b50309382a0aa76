"""Account set-up steps that allauth leaves to the project.

A clinician must add an authenticator app before clinical pages open; allauth refuses one
while the account's email address is unconfirmed. This page says so, sends the confirmation
message and links to each next step, so nobody is left in a loop.

A staff invitation (docs/decisions/0008) opens at /account-setup/invitations/<token>/: a
valid link is remembered in the session and the page moves to /account-setup/join/ (so the
token leaves the address bar), where the invitee chooses a password with allauth's
set-password form. Their account is then created and signed in through allauth's own login
flow, and the authenticator requirement takes clinical roles on to enrolment.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from infusionist.accounts import selectors, services
from infusionist.accounts.access import context_of, user_of
from infusionist.accounts.forms import InvitationAcceptForm
from infusionist.accounts.language import in_staff_language
from infusionist.accounts.models import Invitation, User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record

SESSION_INVITATION = "staff_invitation_id"
INVITATION_PROBLEMS = {
    "unknown": (
        404,
        gettext_lazy(
            "This invitation link is not valid. Check that the whole link was copied, or ask your "
            "clinic admin to send a new one."
        ),
    ),
    "used": (
        410,
        gettext_lazy(
            "This invitation was already used to create an account. Sign in with your email "
            "address and password."
        ),
    ),
    "revoked": (
        410,
        gettext_lazy(
            "This invitation was withdrawn. Ask your clinic admin if you should still join."
        ),
    ),
    "expired": (
        410,
        gettext_lazy(
            "This invitation has expired. Ask your clinic admin to send it again; the new "
            "message has a fresh link."
        ),
    ),
}


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


def _invitation_problem(
    request: HttpRequest, reason: str, invitation: Invitation | None = None
) -> HttpResponse:
    """Record the refused link and say plainly what to do next."""
    status, message = INVITATION_PROBLEMS[reason]
    audit_record(
        action=AuditEvent.Action.ACCESS,
        context=context_of(request),
        organization=invitation.organization if invitation else None,
        object_type=AuditEvent.ObjectType.INVITATION,
        object_id=invitation.pk if invitation else "",
        outcome=AuditEvent.Outcome.DENIED,
        detail={"reason": reason},
    )
    request.session.pop(SESSION_INVITATION, None)
    response = render(
        request,
        "accounts/invitation_problem.html",
        {"message": message, "reason": reason, "staff_only": True},
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@in_staff_language
@require_http_methods(["GET"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Open an emailed invitation link: remember it in the session, then ask for a password."""
    found = selectors.invitation_for_token(token)
    if found is None:
        return _invitation_problem(request, "unknown")
    refusal = found.refusal()
    if refusal:
        return _invitation_problem(request, refusal, found)
    request.session.cycle_key()
    request.session[SESSION_INVITATION] = found.pk
    return redirect("account_setup:invitation_accept")


@never_cache
@in_staff_language
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest) -> HttpResponse:
    """The invitee chooses a password; their account is created and signed in."""
    found = selectors.invitation_by_id_unscoped(request.session.get(SESSION_INVITATION))
    if found is None:
        return _invitation_problem(request, "unknown")
    refusal = found.refusal()
    if refusal:
        return _invitation_problem(request, refusal, found)
    invitee = User(
        email=found.email,
        full_name=found.full_name,
        role=found.role,
        organization_id=found.organization_id,
    )
    form = InvitationAcceptForm(
        user=invitee, data=request.POST or None, initial={"full_name": found.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=found,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                context=context_of(request),
            )
        except services.InvitationRefused as refused:
            return _invitation_problem(request, refused.reason, found)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(SESSION_INVITATION, None)
            messages.success(
                request,
                _("Welcome, %(name)s. Your account at %(clinic)s is ready.")
                % {"name": user.full_name, "clinic": found.organization.name},
            )
            return perform_login(request, user)
    context: dict[str, Any] = {
        "form": form,
        "invitation": found,
        "clinical": invitee.is_clinical,
        "staff_only": True,
    }
    response = render(
        request,
        "accounts/invitation_accept.html",
        context,
        status=422 if form.errors else 200,
    )
    response["X-Robots-Tag"] = "noindex"
    return response
