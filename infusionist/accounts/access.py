"""Access checked with the acting user: the view gate, the service check and request helpers.

Capabilities are defined once in ``accounts/roles.py``. Views declare theirs with
:func:`require_capability`; every service that writes clinical data calls :func:`require`
with its actor as well, so no caller can skip the rule. Refusals are audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
from infusionist.audit.services import (
    AuditContext,
    Record,
    audit_record,
    audit_record_patients,
)
from infusionist.clinics.models import Organization

ViewFunc = Callable[..., HttpResponseBase]


def require(actor: User, capability: str) -> None:
    """Raise ``PermissionDenied`` unless the actor's role holds ``capability``.

    Raises ``KeyError`` for a capability that ``accounts/roles.py`` does not define.
    """
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}: add it to accounts/roles.py.")
    if not can(actor, capability):
        raise PermissionDenied(f"Your role may not do this ({capability}).")


def require_same_organization(actor: User, organization_id: int | None) -> None:
    """Raise ``PermissionDenied`` unless the record belongs to the actor's organization."""
    if actor.organization_id is None or actor.organization_id != organization_id:
        raise PermissionDenied("That record belongs to another organization.")


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
                return refuse(request, capability)
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator


def refuse(request: HttpRequest, capability: str) -> HttpResponseBase:
    """Answer 403 with the refusal page and record a denied audit event."""
    user = request.user if isinstance(request.user, User) else None
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=user,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.PAGE,
        object_id=request.resolver_match.view_name if request.resolver_match else "",
        outcome=AuditEvent.Outcome.DENIED,
        detail={"capability": capability},
    )
    return render(request, "403.html", {"capability": capability}, status=403)


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


def context_of(request: HttpRequest) -> AuditContext:
    """Return the audit context (address, browser, path) of a request."""
    return AuditContext.from_request(request)


def record_view(
    request: HttpRequest,
    *,
    object_type: AuditEvent.ObjectType,
    patient: Record | None = None,
    object_id: object = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that the signed-in user was shown data (45 CFR 164.312(b))."""
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=user_of(request),
        context=context_of(request),
        object_type=object_type,
        object_id=object_id,
        patient=patient,
        detail=detail,
    )


def record_list_view(
    request: HttpRequest,
    shown: Mapping[str, Iterable[Record]],
    *,
    detail: dict[str, Any] | None = None,
) -> int:
    """Record that the signed-in user was shown these patients (one query for the page).

    ``shown`` maps an ``AuditEvent.ObjectType`` to the patients the page showed that way.
    """
    return audit_record_patients(
        action=AuditEvent.Action.VIEW,
        actor=user_of(request),
        context=context_of(request),
        shown=shown,
        detail=detail,
    )
