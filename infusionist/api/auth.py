from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from infusionist.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    """Authenticate `Authorization: Bearer <token>` as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user
