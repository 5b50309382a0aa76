"""Sign-in, sign-out and failed sign-in reach the audit trail from Django's auth signals.

Signals are the only hook Django offers for these events, so this is the one place the
project uses them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record


def _context(request: HttpRequest | None) -> AuditContext:
    return AuditContext.from_request(request) if request is not None else NO_REQUEST


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        action=AuditEvent.Action.LOGIN,
        actor=user,
        context=_context(request),
        object_type=AuditEvent.ObjectType.USER,
        object_id=user.pk,
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            action=AuditEvent.Action.LOGOUT,
            actor=user,
            context=_context(request),
            object_type=AuditEvent.ObjectType.USER,
            object_id=user.pk,
        )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The attempted email is kept (it is how an admin spots a guessing attack); never a password.
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        context=_context(request),
        object_type=AuditEvent.ObjectType.USER,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"email": email},
    )
