"""Writes to the audit trail. Every other service calls `audit_record` for its own writes.

Services never see the HTTP request: a view turns it into an :class:`AuditContext` (address,
browser, path) once, and each service passes that context with the acting user.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpRequest

from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization


class Actor(Protocol):
    """Who acted: any signed-in user (the accounts app's ``User`` satisfies this)."""

    pk: Any
    email: str
    role: str
    organization_id: int | None


class Record(Protocol):
    """A stored row an event names, such as a patient."""

    pk: Any


@dataclass(frozen=True)
class AuditContext:
    """Where an action came from: the client address, its browser and the page path.

    ``NO_REQUEST`` is the context of background work (reminders, escalation, seeding).
    """

    ip_address: str | None = None
    user_agent: str = ""
    path: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> AuditContext:
        """Return the context of a web or API request."""
        return cls(
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            path=request.path[:300],
        )


NO_REQUEST = AuditContext()


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's IP address as the server saw it."""
    if request is None:
        return None
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    object_type: AuditEvent.ObjectType | str,
    actor: Actor | None = None,
    context: AuditContext = NO_REQUEST,
    organization: Organization | None = None,
    object_id: object = "",
    patient: Record | None = None,
    outcome: str = AuditEvent.Outcome.ALLOWED,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event and return it.

    The organization defaults to the actor's. Raises ``ValidationError`` for an action,
    object type or outcome outside the fixed vocabularies of :class:`AuditEvent`.
    """
    organization_id = organization.pk if organization is not None else None
    if organization_id is None and actor is not None:
        organization_id = actor.organization_id
    event = AuditEvent(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_email=(actor.email if actor is not None else "") or "",
        actor_role=(actor.role if actor is not None else "") or "",
        organization_id=organization_id,
        object_type=object_type,
        object_id=str(object_id or ""),
        patient_id=patient.pk if patient is not None else None,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:300],
        path=context.path[:300],
        outcome=outcome,
        detail=detail or {},
    )
    event.full_clean(exclude=["actor", "organization", "patient"])
    event.save(force_insert=True)
    return event


def audit_record_patients(
    *,
    action: str,
    shown: Mapping[str, Iterable[Record]],
    actor: Actor | None = None,
    context: AuditContext = NO_REQUEST,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one event per patient a page listed, in one query; return how many.

    ``shown`` maps an ``AuditEvent.ObjectType`` (what the page showed about them: a search
    result, a safety alert, an overdue questionnaire) to the patients shown that way. Each
    patient is named by an event of their own, so their accounting of who saw their record
    includes lists and search results (45 CFR 164.312(b)).
    """
    events: list[AuditEvent] = []
    for object_type, patients in shown.items():
        seen: set[Any] = set()
        for patient in patients:
            if patient.pk in seen:
                continue
            seen.add(patient.pk)
            event = AuditEvent(
                action=action,
                actor_id=actor.pk if actor is not None else None,
                actor_email=(actor.email if actor is not None else "") or "",
                actor_role=(actor.role if actor is not None else "") or "",
                organization_id=actor.organization_id if actor is not None else None,
                object_type=object_type,
                patient_id=patient.pk,
                ip_address=context.ip_address,
                user_agent=context.user_agent[:300],
                path=context.path[:300],
                detail=detail or {},
            )
            event.full_clean(exclude=["actor", "organization", "patient"])
            events.append(event)
    if events:
        AuditEvent.objects.bulk_create(events)
    return len(events)
