from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from infusionist.accounts.home import home_url_for


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic admin, never by open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Send each person to their role's home (also after the authenticator code step)."""
        return home_url_for(request.user)
