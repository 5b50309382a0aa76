from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

from infusionist.accounts.forms import LOCKED_OUT, audit_sign_in_failure, is_lockout
from infusionist.audit.services import AuditContext


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
