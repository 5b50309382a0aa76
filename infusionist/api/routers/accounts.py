from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from infusionist.accounts.api_auth import BearerToken, api_user

router = Router(tags=["accounts"])


class MeOut(Schema):
    email: str
    full_name: str
    role: str
    organization: str | None


@router.get(
    "/me", response=MeOut, summary="The user the token acts as", auth=BearerToken("api.use")
)
def me(request: HttpRequest) -> MeOut:
    user = api_user(request)
    return MeOut(
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        organization=user.organization.name if user.organization else None,
    )
