from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend

from infusionist.accounts.models import User


class OrganizationAwareBackend(AuthenticationBackend):
    """allauth's email backend, loading the user's organization in the same query.

    Nearly every request needs `request.user.organization` to scope its reads.
    """

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User.objects.select_related("organization").get(pk=user_id)
        except (User.DoesNotExist, ValueError, TypeError):
            return None
        return user if self.user_can_authenticate(user) else None
