from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from infusionist.accounts.roles import can
from infusionist.accounts.services import api_token_authenticate
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record


class BearerToken(HttpBearer):
    """Authenticate `Authorization: Bearer <token>` as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


def require_api_capability(request: HttpRequest, capability: str) -> None:
    """Refuse the request with a 403 (and a denied audit event) unless the role may do this."""
    if can(request.user, capability):
        return
    audit_record(
        action=AuditEvent.Action.ACCESS,
        request=request,
        object_type="api",
        object_id=request.path[:64],
        outcome=AuditEvent.Outcome.DENIED,
        detail={"capability": capability},
    )
    raise HttpError(403, "Your role may not do this.")
