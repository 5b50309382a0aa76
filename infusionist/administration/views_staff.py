"""Staff and roles (docs/decisions/0008): the clinic admin's pages under /clinic/staff/, and
every staff member's own API tokens under /clinic/tokens/.

The writes are services of the accounts app (users, invitations and tokens are its rows);
each checks the capability and the organization itself, so these views only parse, fetch
through scoped selectors and show the result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from infusionist.accounts import selectors as account_selectors
from infusionist.accounts import services as account_services
from infusionist.accounts.access import (
    context_of,
    organization_of,
    require_capability,
    user_of,
)
from infusionist.accounts.models import ApiToken, Invitation, User
from infusionist.accounts.professional import credential_flags
from infusionist.accounts.roles import can
from infusionist.administration.forms import (
    ApiTokenForm,
    AuthenticatorResetForm,
    InvitationForm,
    StaffForm,
)
from infusionist.postonly import post_only

#: How far back the sign-in page counts sign-ins and failures.
SIGN_IN_WINDOW_DAYS = 30


def _add_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _staff_member(request: HttpRequest, user_id: int) -> User:
    member = account_selectors.staff_get(organization=organization_of(request), user_id=user_id)
    if member is None:
        raise Http404("No such staff member.")
    return member


def _invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    found = account_selectors.invitation_get(
        organization=organization_of(request), invitation_id=invitation_id
    )
    if found is None:
        raise Http404("No such invitation.")
    return found


def _warning_days() -> int:
    return int(settings.CREDENTIAL_EXPIRY_WARNING_DAYS)


# ---- the staff list and one person -----------------------------------------------------------


@require_capability("staff.manage")
def staff_list(request: HttpRequest) -> HttpResponse:
    """Everyone on staff: role, credentials, status, authenticator, last sign-in, flags."""
    organization = organization_of(request)
    staff = list(account_selectors.staff_for_organization(organization=organization))
    last = account_selectors.last_sign_ins(organization=organization)
    with_authenticator = account_selectors.users_with_authenticator(user_ids=[u.pk for u in staff])
    flags: dict[int, list[Any]] = {}
    for flag in credential_flags(
        [u for u in staff if u.is_active],
        today=timezone.localdate(),
        warning_days=_warning_days(),
    ):
        flags.setdefault(flag.user.pk, []).append(flag)
    rows: list[dict[str, Any]] = [
        {
            "user": u,
            "last_sign_in": last.get(u.pk),
            "has_authenticator": u.pk in with_authenticator,
            "flags": flags.get(u.pk, []),
        }
        for u in staff
    ]
    return render(
        request,
        "administration/staff_list.html",
        {
            "active": [r for r in rows if r["user"].is_active],
            "inactive": [r for r in rows if not r["user"].is_active],
            "invitations": list(account_selectors.invitations_open(organization=organization)),
            "now": timezone.now(),
        },
    )


@require_capability("staff.manage")
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _staff_member(request, user_id)
    organization = organization_of(request)
    activity = account_selectors.sign_in_activity(
        organization=organization,
        since=timezone.now() - dt.timedelta(days=SIGN_IN_WINDOW_DAYS),
        limit=20,
        user=member,
    )
    return render(
        request,
        "administration/staff_detail.html",
        {
            "member": member,
            "is_self": member.pk == user_of(request).pk,
            "has_authenticator": bool(
                account_selectors.users_with_authenticator(user_ids=[member.pk])
            ),
            "flags": credential_flags(
                [member], today=timezone.localdate(), warning_days=_warning_days()
            ),
            "activity": activity,
            "window_days": SIGN_IN_WINDOW_DAYS,
            "tokens": list(account_selectors.api_tokens_of_user(user=member)),
        },
    )


@require_capability("staff.manage")
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change a staff member's name, role and professional details."""
    member = _staff_member(request, user_id)
    actor = user_of(request)
    form = StaffForm.for_user(member, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = account_services.staff_update(
                actor=actor, user=member, data=form.staff_data(), context=context_of(request)
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved.") if changed else _("Nothing was changed."))
            if member.pk == actor.pk and "role" in changed:
                return redirect("today:index")
            return redirect("administration:staff_detail", user_id=member.pk)
    return render(
        request,
        "administration/staff_form.html",
        {"form": form, "member": member, "warning_days": _warning_days()},
        status=422 if form.errors else 200,
    )


@post_only
@require_capability("staff.manage")
def staff_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _staff_member(request, user_id)
    try:
        done = account_services.staff_deactivate(
            actor=user_of(request), user=member, context=context_of(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s is deactivated: signed out everywhere, API tokens revoked.")
            % {"name": member}
            if done
            else _("%(name)s was already deactivated.") % {"name": member},
        )
    return redirect("administration:staff_detail", user_id=member.pk)


@post_only
@require_capability("staff.manage")
def staff_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _staff_member(request, user_id)
    done = account_services.staff_reactivate(
        actor=user_of(request), user=member, context=context_of(request)
    )
    messages.success(
        request,
        _("%(name)s can sign in again. Old API tokens stay revoked.") % {"name": member}
        if done
        else _("%(name)s is already active.") % {"name": member},
    )
    return redirect("administration:staff_detail", user_id=member.pk)


@require_capability("staff.manage")
def authenticator_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset a staff member's authenticator app, with a recorded reason."""
    member = _staff_member(request, user_id)
    form = AuthenticatorResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.authenticator_reset(
                actor=user_of(request),
                user=member,
                reason=form.cleaned_data["reason"],
                context=context_of(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(name)s's authenticator is reset and they are signed out. They add an "
                    "authenticator app again when they next sign in."
                )
                % {"name": member},
            )
            return redirect("administration:staff_detail", user_id=member.pk)
    return render(
        request,
        "administration/authenticator_reset.html",
        {
            "form": form,
            "member": member,
            "has_authenticator": bool(
                account_selectors.users_with_authenticator(user_ids=[member.pk])
            ),
        },
        status=422 if form.errors else 200,
    )


# ---- invitations ---------------------------------------------------------------------------


def _sent_message(request: HttpRequest, sent: account_services.InvitationSent) -> None:
    if sent.sent:
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works once and expires %(when)s.")
            % {
                "email": sent.invitation.email,
                "when": dateformat.format(
                    timezone.localtime(sent.invitation.expires_at), "M j, Y, g:i A"
                ),
            },
        )
    else:
        messages.warning(
            request,
            _(
                "The invitation to %(email)s is saved, but the email could not be sent. "
                "Check the mail settings, then use Resend."
            )
            % {"email": sent.invitation.email},
        )


@require_capability("staff.manage")
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = account_services.invitation_create(
                actor=user_of(request),
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                context=context_of(request),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            _sent_message(request, sent)
            return redirect("administration:staff")
    return render(
        request,
        "administration/staff_invite.html",
        {"form": form, "expiry_hours": settings.STAFF_INVITATION_EXPIRY_HOURS},
        status=422 if form.errors else 200,
    )


@post_only
@require_capability("staff.manage")
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    found = _invitation(request, invitation_id)
    try:
        sent = account_services.invitation_resend(
            actor=user_of(request), invitation=found, context=context_of(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _sent_message(request, sent)
    return redirect("administration:staff")


@post_only
@require_capability("staff.manage")
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    found = _invitation(request, invitation_id)
    done = account_services.invitation_revoke(
        actor=user_of(request), invitation=found, context=context_of(request)
    )
    messages.success(
        request,
        _("Invitation to %(email)s revoked: its link no longer works.") % {"email": found.email}
        if done
        else _("That invitation was already accepted or revoked."),
    )
    return redirect("administration:staff")


# ---- sign-ins ------------------------------------------------------------------------------


@require_capability("staff.manage")
def sign_ins(request: HttpRequest) -> HttpResponse:
    """Who signed in when, and failed sign-ins, per person, from the audit trail."""
    activity = account_selectors.sign_in_activity(
        organization=organization_of(request),
        since=timezone.now() - dt.timedelta(days=SIGN_IN_WINDOW_DAYS),
    )
    return render(
        request,
        "administration/sign_ins.html",
        {"activity": activity, "window_days": SIGN_IN_WINDOW_DAYS},
    )


# ---- API tokens ----------------------------------------------------------------------------


def _tokens_page(
    request: HttpRequest,
    *,
    form: ApiTokenForm | None = None,
    new_token: str = "",
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    manage = can(user, "staff.manage")
    everyone: list[ApiToken] = []
    if manage:
        everyone = [
            t
            for t in account_selectors.api_tokens_of_organization(
                organization=organization_of(request)
            )
            if t.user_id != user.pk
        ]
    response = render(
        request,
        "administration/api_tokens.html",
        {
            "own": list(account_selectors.api_tokens_of_user(user=user)),
            "everyone": everyone,
            "can_manage": manage,
            "form": form or ApiTokenForm(),
            "new_token": new_token,
        },
        status=status,
    )
    # The new token is shown once: never keep the page in a cache.
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_capability("api.use")
def api_tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request)


@post_only
@never_cache
@require_capability("api.use")
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form=form, status=422)
    raw = account_services.api_token_issue(
        actor=user_of(request), name=form.cleaned_data["name"], context=context_of(request)
    )
    return _tokens_page(request, new_token=raw)


@post_only
@require_capability("api.use")
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = account_selectors.api_token_get_for_user(user=user_of(request), token_id=token_id)
    if token is None:
        raise Http404("No such API token.")
    done = account_services.api_token_revoke(
        actor=user_of(request), token=token, context=context_of(request)
    )
    messages.success(
        request,
        _("Token %(prefix)s… revoked: it no longer works.") % {"prefix": token.prefix}
        if done
        else _("That token was already revoked."),
    )
    return redirect("administration:api_tokens")
