"""allauth's account adapter: who may sign up, where people land, and how they are written to.

Each page is one language and each e-mail is in its reader's (docs/decisions/0013): a message
allauth shows on the next page is rendered in that page's language, and an e-mail in the
language its recipient reads (``accounts/language.py``). E-mails name the clinic, never the
server's host and port, and a refusal after too many tries says how long to wait
(``accounts/limits.py``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from infusionist.accounts import limits
from infusionist.accounts.forms import LOCKED_OUT, audit_sign_in_failure, is_lockout
from infusionist.accounts.home import home_url_for
from infusionist.accounts.language import reader_language, visitor_language
from infusionist.accounts.roles import Role
from infusionist.audit.services import AuditContext

#: Messages a patient is not shown: their page already says who is signed in.
QUIET_FOR_PATIENTS = frozenset(
    {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}
)
#: Messages added just before the person is signed out: the sign-in page shows them.
SHOWN_SIGNED_OUT = frozenset({"account/messages/logged_out.txt"})


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic admin, never by open sign-up."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # allauth says "Please type your current password." when the one typed is wrong.
        "enter_current_password": gettext_lazy(
            "That is not your current password. Type it again, or reset it by email if you "
            "have forgotten it."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse a locked-out sign-in, saying for how long, and record the refusal."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError as error:
            if not is_lockout(error):
                raise
            audit_sign_in_failure(
                user=None,
                step="password",
                reason=LOCKED_OUT,
                context=AuditContext.from_request(request),
                email=str(credentials.get("email") or credentials.get("username") or ""),
            )
            key = self._get_login_attempts_cache_key(request, **credentials)
            raise limits.sign_in_paused(request, key=key) from error

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """After a password change, sign in again (LOGOUT_ON_PASSWORD_CHANGE), else Security.

        allauth's default, the change page itself, would ask a signed-out person to sign in
        and then show them the form they just used.
        """
        if getattr(request.user, "is_authenticated", False):
            return reverse("mfa_index")
        return reverse("account_login")

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
        """Add allauth's message in the language of the page that will show it."""
        user = (message_context or {}).get("user") or getattr(request, "user", None)
        if message_template in QUIET_FOR_PATIENTS and getattr(user, "role", "") == Role.PATIENT:
            return
        signed_in = getattr(user, "is_authenticated", False)
        if message_template in SHOWN_SIGNED_OUT or not signed_in:
            language = visitor_language(request)
        else:
            language = reader_language(request, user)
        with translation.override(language):
            super().add_message(
                request, level, message_template, message_context, extra_tags, message
            )

    # ---- e-mail ------------------------------------------------------------------------------

    def format_email_subject(self, subject: str) -> str:
        """Begin every subject with the clinic's name (allauth's default is "[host:port]")."""
        return f"{getattr(self, '_sender_name', settings.PRODUCT_NAME)}: {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Send in the recipient's language, signed with their clinic's name."""
        request = allauth_context.request
        user = context.get("user") or _user_of_address(email)
        organization = getattr(user, "organization", None)
        self._sender_name = organization.name if organization else settings.PRODUCT_NAME
        if user is not None:
            language = reader_language(request, user)
        elif request is not None:
            language = visitor_language(request)
        else:
            language = settings.LANGUAGE_CODE
        ctx = {
            "request": request,
            "email": email,
            "clinic_name": self._sender_name,
            **context,
        }
        if ctx.get("password_reset_url"):
            # The link opens its page in the e-mail's language (portal/middleware.py).
            url = str(ctx["password_reset_url"])
            ctx["password_reset_url"] = f"{url}{'&' if '?' in url else '?'}lang={language}"
        with translation.override(language):
            self.render_mail(template_prefix, email, ctx).send()

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """Pass the user along, so the notice is in their language and names their clinic."""
        with_user = {"user": user, **(context or {})}
        super().send_notification_mail(template_prefix, user, with_user, email)


def _user_of_address(email: str) -> Any:
    """Return the user an e-mail address belongs to, or None."""
    found = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    return found.user if found else None
