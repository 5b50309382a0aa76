"""Error pages that say what happened in plain words and never show patient data.

Every refusal is audited (45 CFR 164.312(b)): a 403, a CSRF failure, and a 404 for an
address that names a record by id (another clinic's patient id, say) write a denied event.
They speak the page's language (a Spanish-preferring patient or a Spanish browser reads them in
Spanish) and link to the person's own home page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from infusionist.accounts.limits import requests_paused
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record


def _actor(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _record_ids(request: HttpRequest) -> dict[str, str]:
    match = getattr(request, "resolver_match", None)
    kwargs = getattr(match, "kwargs", None) or {}
    return {k: str(v)[:20] for k, v in kwargs.items() if k.endswith("_id") or k == "number"}


def audit_refusal(request: HttpRequest, *, status: int, reason: str, **detail: Any) -> None:
    """Record a refused request: who, where from, which address, why."""
    match = getattr(request, "resolver_match", None)
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=_actor(request),
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.PAGE,
        object_id=(match.view_name if match else "")[:64],
        outcome=AuditEvent.Outcome.DENIED,
        detail={"status": status, "reason": reason, **detail},
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    audit_refusal(request, status=403, reason=str(exception or "permission denied")[:200])
    return render(request, "403.html", {}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    ids = _record_ids(request)
    if ids:
        audit_refusal(request, status=404, reason="no such record for this user", ids=ids)
    return render(request, "404.html", {}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without its security token: usually a page left open too long."""
    audit_refusal(request, status=403, reason=f"CSRF check failed: {reason}"[:200])
    message = _(
        "The page was open for a long time, or the browser did not send a cookie it needs. "
        "Go back, reload the page and try again."
    )
    return render(request, "403.html", {"reason": message}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the failure may have come from one of them.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


#: allauth's limited actions, by the page that counts them (ACCOUNT_RATE_LIMITS).
LIMITED_ACTIONS = {
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
    "account_email": "manage_email",
    "account_reauthenticate": "reauthenticate",
    "account_confirm_email": "confirm_email",
    "account_email_verification_sent": "confirm_email",
    "account_setup:verify_email": "confirm_email",
    "account_login": "login",
    "account_signup": "signup",
}


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """allauth's refusal of too many requests, saying how long to wait (never a bare 429)."""
    match = getattr(request, "resolver_match", None)
    action = LIMITED_ACTIONS.get(match.view_name if match else "", "")
    message = (
        requests_paused(request, action=action)
        if action
        else _("Too many requests in a short time. Wait a minute and try again.")
    )
    audit_refusal(request, status=429, reason="too many requests", action=action)
    return render(request, "429.html", {"message": message}, status=429)
