"""Authentication and the capability check for the JSON API (django-ninja)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.accounts.services import api_token_authenticate
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record


class BearerToken(HttpBearer):
    """Authenticate `Authorization: Bearer <token>` as the token's user.

    With a ``capability`` (``auth=BearerToken("patients.create")`` on an operation) the role
    is checked here too. django-ninja authenticates before it validates the body, so a role
    that may not use an endpoint gets 403 (audited) even when its body is invalid, never a
    422 that reveals what the endpoint expects.
    """

    def __init__(self, capability: str | None = None) -> None:
        super().__init__()
        self.capability = capability

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        if self.capability is not None:
            return require_api_capability(request, self.capability)
        return user


def api_user(request: HttpRequest) -> User:
    """Return the user an authenticated API request acts as."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise HttpError(401, "A valid bearer token is required.")
    return user


def require_api_capability(request: HttpRequest, capability: str) -> User:
    """Return the token's user, or refuse with a 403 and a denied audit event."""
    user = request.user
    if isinstance(user, User) and can(user, capability):
        return user
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=user if isinstance(user, User) else None,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.API,
        object_id=request.path[:64],
        outcome=AuditEvent.Outcome.DENIED,
        detail={"capability": capability},
    )
    raise HttpError(403, "Your role may not do this.")
