"""Writes for accounts: users and API tokens."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from infusionist.accounts.models import ApiToken, User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record

#: A token's last use is written at most this often, so busy integrations do not write per call.
TOKEN_LAST_USED_RESOLUTION_S = 60


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "", scopes: Sequence[str] = (), context: AuditContext = NO_REQUEST
) -> str:
    """Create a bearer token for `user` and return it; only its digest is stored."""
    raw = ApiToken.generate()
    token = ApiToken(
        user=user, name=name[:100], prefix=raw[:12], digest=ApiToken.hash(raw), scopes=list(scopes)
    )
    token.full_clean()
    token.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=user,
        context=context,
        object_type=AuditEvent.ObjectType.API_TOKEN,
        object_id=token.pk,
    )
    return raw


def api_token_authenticate(raw: str) -> User | None:
    """Return the active user behind a bearer token, or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(digest=ApiToken.hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    last_used = token.last_used_at
    if last_used is None or (now - last_used).total_seconds() > TOKEN_LAST_USED_RESOLUTION_S:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
