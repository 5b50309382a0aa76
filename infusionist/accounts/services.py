"""Writes for accounts: users and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from infusionist.accounts.models import ApiToken, User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record


@transaction.atomic
def api_token_create(*, user: User, name: str = "", scopes: Sequence[str] = ()) -> str:
    """Create a bearer token for `user` and return it; only its digest is stored."""
    raw = ApiToken.generate()
    token = ApiToken(
        user=user, name=name[:100], prefix=raw[:12], digest=ApiToken.hash(raw), scopes=list(scopes)
    )
    token.full_clean()
    token.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE, actor=user, object_type="api_token", object_id=token.pk
    )
    return raw


def api_token_authenticate(raw: str) -> User | None:
    """Return the active user behind a bearer token, or None."""
    from django.utils import timezone

    if not raw or len(raw) > 200:
        return None
    token: Any = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(digest=ApiToken.hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
