"""Sign-in step forms: allauth's, with every failed step written to the audit trail.

A wrong second-factor code, the lockout that follows repeated wrong codes, and a wrong
password when re-confirming identity each write a denied event (45 CFR 164.312(b)). A wrong
password at sign-in, and the lockout after repeated ones, are recorded by the account
adapter and the auth signal receiver.
"""

from __future__ import annotations

from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import ReauthenticateForm as PasswordReauthenticateForm
from allauth.account.forms import ResetPasswordForm, ResetPasswordKeyForm, SetPasswordForm
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from infusionist.accounts import limits
from infusionist.accounts.models import User
from infusionist.accounts.professional import validate_person_name
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record

LOCKED_OUT = "locked out after repeated failures"


def audit_sign_in_failure(
    *,
    user: User | None,
    step: str,
    reason: str,
    context: AuditContext = NO_REQUEST,
    email: str = "",
) -> None:
    """Record a failed sign-in step (wrong password or code, or a lockout)."""
    detail = {"step": step, "reason": reason}
    if email:
        detail["email"] = email[:254]
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=user,
        context=context,
        object_type=AuditEvent.ObjectType.USER,
        object_id=user.pk if user is not None else "",
        outcome=AuditEvent.Outcome.DENIED,
        detail=detail,
    )


def is_lockout(error: forms.ValidationError) -> bool:
    """Return whether allauth refused because of its rate limit, not a wrong answer."""
    return any(getattr(e, "code", None) == "too_many_login_attempts" for e in error.error_list)


def _current_context() -> AuditContext:
    request = allauth_context.request
    return AuditContext.from_request(request) if request is not None else NO_REQUEST


def _say_how_long(error: forms.ValidationError, user: User) -> None:
    """Raise allauth's lockout again with the wait in it; leave any other error alone."""
    request = allauth_context.request
    if is_lockout(error) and request is not None:
        raise limits.codes_paused(request, user_id=user.pk) from error


class AuditedMfaAuthenticateForm(AuthenticateForm):
    """The second-factor sign-in step."""

    step = "second factor"

    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            audit_sign_in_failure(
                user=self.user,
                step=self.step,
                reason=LOCKED_OUT if is_lockout(error) else "wrong code",
                context=_current_context(),
            )
            _say_how_long(error, self.user)
            raise


class AuditedMfaReauthenticateForm(ReauthenticateForm):
    """The second-factor check before a security change."""

    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            audit_sign_in_failure(
                user=self.user,
                step="second factor (re-check)",
                reason=LOCKED_OUT if is_lockout(error) else "wrong code",
                context=_current_context(),
            )
            _say_how_long(error, self.user)
            raise


class AuditedPasswordReauthenticateForm(PasswordReauthenticateForm):
    """The password check before a security change."""

    def clean_password(self) -> str:
        try:
            return str(super().clean_password())
        except forms.ValidationError as error:
            audit_sign_in_failure(
                user=self.user,
                step="password (re-check)",
                reason=LOCKED_OUT if is_lockout(error) else "wrong password",
                context=_current_context(),
            )
            raise


class InvitationAcceptForm(SetPasswordForm):
    """The invitee's name and new password: allauth's set-password form (Django's validators).

    ``user`` is the account about to be created (unsaved), so the validators can refuse a
    password too like the person's name or email address.
    """

    full_name = forms.CharField(
        label=_("Your full name"), max_length=150, validators=[validate_person_name]
    )
    field_order = ["full_name", "password1", "password2"]


class PasswordResetForm(ResetPasswordForm):
    """allauth's reset request, refusing too many requests beside the address field.

    allauth answers a request over its limit with a bare "429 Too Many Requests" page that
    loses the address; this form says how long to wait and keeps it. The view still counts the
    request (``allauth.account.views.PasswordResetView.form_valid``).
    """

    def clean_email(self) -> str:
        email = str(super().clean_email())
        request = allauth_context.request
        if request is not None and not ratelimit.consume(
            request, action="reset_password", key=email.lower(), dry_run=True
        ):
            raise forms.ValidationError(
                limits.requests_paused(request, action="reset_password", key=email.lower()),
                code="too_many_requests",
            )
        return email


def _sentence_case_password_labels(form: forms.Form) -> None:
    """Label allauth's password fields in the site's sentence case ("New password (again)")."""
    labels = {
        "oldpassword": _("Current password"),
        "password1": _("New password"),
        "password2": _("New password (again)"),
    }
    for name, label in labels.items():
        if name in form.fields:
            form.fields[name].label = label
            form.fields[name].widget.attrs["placeholder"] = label


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's change-password form with sentence-case labels in English and Spanish."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _sentence_case_password_labels(self)


class SetPasswordFromKeyForm(ResetPasswordKeyForm):
    """allauth's new-password form (from a reset link) with sentence-case labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _sentence_case_password_labels(self)


class SentenceCaseSetPasswordForm(SetPasswordForm):
    """allauth's set-password form with sentence-case labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _sentence_case_password_labels(self)
