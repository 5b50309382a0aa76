"""The view-side gate: every staff view declares the capability it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from infusionist.accounts.models import User
from infusionist.accounts.roles import CAPABILITIES, can
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.clinics.models import Organization

ViewFunc = Callable[..., HttpResponseBase]


def require_capability(capability: str) -> Callable[[ViewFunc], ViewFunc]:
    """Let the request through only when the user's role holds `capability`.

    Anonymous users go to the login page; signed-in users without the capability get a
    403 page and a denied audit event.
    """
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}: add it to accounts/roles.py.")

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, capability):
                audit_record(
                    action=AuditEvent.Action.ACCESS,
                    request=request,
                    object_type="view",
                    object_id=request.resolver_match.view_name if request.resolver_match else "",
                    outcome=AuditEvent.Outcome.DENIED,
                    detail={"capability": capability},
                )
                return render(request, "403.html", {"capability": capability}, status=403)
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def user_of(request: HttpRequest) -> User:
    """Return the signed-in user of a request that passed `require_capability`."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def organization_of(request: HttpRequest) -> Organization:
    """Return the organization whose data this request may touch."""
    organization = user_of(request).organization
    if organization is None:
        raise PermissionDenied("Your account belongs to no organization.")
    return organization
