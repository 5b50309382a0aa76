"""Writes to the audit trail. Every other service calls `audit_record` for its own writes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from infusionist.audit.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's IP address as the server saw it."""
    if request is None:
        return None
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    organization: Any = None,
    object_type: str = "",
    object_id: object = "",
    patient: Any = None,
    outcome: str = AuditEvent.Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; the actor and request fill in who, where from and how."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if organization is None and actor is not None:
        organization = getattr(actor, "organization", None)
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_email=getattr(actor, "email", "") or "",
        actor_role=getattr(actor, "role", "") or "",
        organization=organization,
        object_type=object_type,
        object_id=str(object_id or ""),
        patient=patient,
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
        path=(request.path if request else "")[:300],
        outcome=outcome,
        detail=detail or {},
    )
    event.full_clean(exclude=["actor", "organization", "patient"])
    event.save(force_insert=True)
    return event
