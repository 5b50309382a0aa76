from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

from infusionist.accounts.forms import LOCKED_OUT, audit_sign_in_failure, is_lockout
from infusionist.accounts.home import home_url_for
from infusionist.accounts.roles import Role
from infusionist.audit.services import AuditContext

#: Messages a patient is not shown: their page already says who is signed in, and a message
#: made while signing in or out would be in the sign-in page's language, not the patient's.
QUIET_FOR_PATIENTS = frozenset(
    {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}
)


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic admin, never by open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse a locked-out sign-in as allauth does, and record the refusal."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:
            if is_lockout(error):
                audit_sign_in_failure(
                    user=None,
                    step="password",
                    reason=LOCKED_OUT,
                    context=AuditContext.from_request(request),
                    email=str(credentials.get("email") or credentials.get("username") or ""),
                )
            raise

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Send each person to their role's home (also after the authenticator code step)."""
        return home_url_for(request.user)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        user = (message_context or {}).get("user") or getattr(request, "user", None)
        if message_template in QUIET_FOR_PATIENTS and getattr(user, "role", "") == Role.PATIENT:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)
