"""Writes for accounts: API tokens, staff invitations, roles, details and deactivation.

Each write that a person makes checks the capability and the organization itself
(``accounts.access.require``), validates, writes in one transaction and audits old and new
values (never a password, a token or an authenticator secret).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import ApiToken, Invitation, User
from infusionist.accounts.professional import (
    dea_number_normalize,
    professional_details_problems,
)
from infusionist.accounts.roles import STAFF_ROLES, Role
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.integrity import jsonable

logger = logging.getLogger(__name__)

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


@transaction.atomic
def api_token_issue(*, actor: User, name: str, context: AuditContext = NO_REQUEST) -> str:
    """Create an API token for the acting staff member themself; return it (shown once)."""
    require(actor, "api.use")
    return api_token_create(user=actor, name=name.strip(), context=context)


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken, context: AuditContext = NO_REQUEST) -> bool:
    """Revoke a token: one's own, or (a clinic admin) any of the clinic's. Return whether it was
    still active."""
    require(actor, "api.use")
    if token.user_id != actor.pk:
        require(actor, "staff.manage")
        require_same_organization(actor, token.user.organization_id)
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.API_TOKEN,
        object_id=token.pk,
        detail={
            "owner": token.user_id,
            "prefix": token.prefix,
            "fields": ["revoked_at"],
            "before": {"revoked_at": None},
            "after": {"revoked_at": jsonable(locked.revoked_at)},
        },
    )
    return True


# ---- staff: invitations ---------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationSent:
    """An invitation written, and whether its email left (the clinic admin can resend it)."""

    invitation: Invitation
    sent: bool


def _check_staff_manage(actor: User, organization_id: int | None) -> None:
    require(actor, "staff.manage")
    require_same_organization(actor, organization_id)


def _new_token(invitation: Invitation, now: dt.datetime) -> str:
    raw = secrets.token_urlsafe(32)
    invitation.token_sha256 = Invitation.hash(raw)
    invitation.sent_at = now
    invitation.expires_at = now + dt.timedelta(hours=settings.STAFF_INVITATION_EXPIRY_HOURS)
    return raw


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("account_setup:invitation", args=[token])


def _invitation_send(invitation: Invitation, token: str) -> bool:
    """Email the invitation link; return False (and log) when the mail server refuses."""
    clinic = invitation.organization.name
    inviter = invitation.invited_by.full_name or invitation.invited_by.email
    body = _(
        "Hello %(name)s,\n\n"
        "%(inviter)s invites you to join %(clinic)s on Infusionist as %(role)s.\n\n"
        "Open this link to choose your password:\n%(url)s\n\n"
        "The link works once and expires in %(hours)s hours. Clinical staff then add an "
        "authenticator app to their phone; the page shows how.\n\n"
        "If you did not expect this message, ignore it."
    ) % {
        "name": invitation.full_name,
        "inviter": inviter,
        "clinic": clinic,
        "role": Role(invitation.role).label,
        "url": invitation_url(token),
        "hours": settings.STAFF_INVITATION_EXPIRY_HOURS,
    }
    subject = _("%(clinic)s: your invitation to Infusionist") % {"clinic": clinic}
    try:
        send_mail(subject, body, None, [invitation.email], fail_silently=False)
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send invitation %s", invitation.pk)
        return False
    return True


def _email_taken(email: str, *, organization_id: int | None) -> str:
    """Return why ``email`` cannot be invited ("" when it can)."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if existing.organization_id == organization_id and existing.role in STAFF_ROLES:
            if not existing.is_active:
                return str(
                    _(
                        "%(name)s's account is deactivated: reactivate it from their staff "
                        "page instead."
                    )
                    % {"name": existing.full_name or existing.email}
                )
            return str(_("%(name)s already works here.") % {"name": existing})
        return str(_("Someone with this email address already has an account."))
    pending = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).first()
    if pending is None:
        return ""
    if pending.organization_id == organization_id:
        return str(_("An invitation to this address is already open: resend or revoke it below."))
    return str(_("Someone with this email address already has an account."))


def invitation_create(
    *,
    actor: User,
    email: str,
    full_name: str,
    role: str,
    context: AuditContext = NO_REQUEST,
) -> InvitationSent:
    """Invite someone by email to join the actor's organization with a staff role.

    Refuses (ValidationError on ``email``) an address that already has an account or an open
    invitation. Only the link token's digest is stored; the link goes out by email.
    """
    require(actor, "staff.manage")
    organization = actor.organization
    if organization is None:
        raise PermissionDenied("Your account belongs to no organization.")
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in STAFF_ROLES:
        raise ValidationError({"role": _("Choose a staff role.")})
    now = timezone.now()
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        taken = _email_taken(email, organization_id=organization.pk)
        if taken:
            raise ValidationError({"email": taken})
        invitation = Invitation(
            organization=organization,
            email=email,
            full_name=full_name.strip(),
            role=role,
            invited_by=actor,
            created_at=now,
        )
        token = _new_token(invitation, now)
        invitation.full_clean()
        try:
            with transaction.atomic():
                invitation.save(force_insert=True)
        except IntegrityError as exc:  # another clinic invited the address at this moment
            raise ValidationError({"email": _email_taken(email, organization_id=None)}) from exc
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            context=context,
            object_type=AuditEvent.ObjectType.INVITATION,
            object_id=invitation.pk,
            detail={
                "after": {
                    "email": invitation.email,
                    "full_name": invitation.full_name,
                    "role": invitation.role,
                    "expires_at": jsonable(invitation.expires_at),
                }
            },
        )
    return InvitationSent(invitation, _invitation_send(invitation, token))


def invitation_resend(
    *, actor: User, invitation: Invitation, context: AuditContext = NO_REQUEST
) -> InvitationSent:
    """Send an open invitation again with a new link and a new expiry; the old link stops."""
    _check_staff_manage(actor, invitation.organization_id)
    now = timezone.now()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:
            raise ValidationError(_("This invitation was already accepted or revoked."))
        before = jsonable(locked.expires_at)
        token = _new_token(locked, now)
        locked.save(update_fields=["token_sha256", "sent_at", "expires_at"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            context=context,
            object_type=AuditEvent.ObjectType.INVITATION,
            object_id=locked.pk,
            detail={
                "change": "resent with a new link",
                "fields": ["expires_at"],
                "before": {"expires_at": before},
                "after": {"expires_at": jsonable(locked.expires_at)},
            },
        )
    return InvitationSent(locked, _invitation_send(locked, token))


@transaction.atomic
def invitation_revoke(
    *, actor: User, invitation: Invitation, context: AuditContext = NO_REQUEST
) -> bool:
    """Withdraw an open invitation: its link stops working. Return whether it was open."""
    _check_staff_manage(actor, invitation.organization_id)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_open:
        return False
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.INVITATION,
        object_id=locked.pk,
        detail={
            "change": "revoked",
            "email": locked.email,
            "fields": ["revoked_at"],
            "before": {"revoked_at": None},
            "after": {"revoked_at": jsonable(locked.revoked_at)},
        },
    )
    return True


class InvitationRefused(Exception):
    """The invitation link cannot be used: ``reason`` is used, revoked or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    full_name: str,
    password: str,
    context: AuditContext = NO_REQUEST,
) -> User:
    """Create the invitee's account from an open invitation, with the password they chose.

    The caller has checked the password with allauth's set-password form (Django's password
    validators). Opening the emailed link proves the mailbox, so the address is recorded as
    verified in allauth's EmailAddress table. Raises InvitationRefused for a link that is
    used, revoked or expired, and ValidationError when the address has meanwhile got an
    account.
    """
    locked = (
        Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    )
    refusal = locked.refusal()
    if refusal:
        raise InvitationRefused(refusal)
    if User.objects.filter(email__iexact=locked.email).exists():
        raise ValidationError(
            _("An account with this email address already exists: sign in instead.")
        )
    user = User(
        email=locked.email,
        full_name=full_name.strip() or locked.full_name,
        role=locked.role,
        organization=locked.organization,
    )
    user.set_password(password)
    user.full_clean()
    user.save(force_insert=True)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    locked.accepted_at = timezone.now()
    locked.accepted_user = user
    locked.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=user,
        context=context,
        object_type=AuditEvent.ObjectType.USER,
        object_id=user.pk,
        detail={
            "invitation": locked.pk,
            "email_verified": True,
            "after": {"email": user.email, "full_name": user.full_name, "role": user.role},
        },
    )
    return user


# ---- staff: roles, professional details, deactivation, authenticators -----------------------

#: Roles an organization always keeps at least one active member of.
KEPT_ROLES: Mapping[str, object] = {
    Role.CLINIC_ADMIN: gettext_lazy(
        "%(name)s is the only active clinic admin. Make someone else a clinic admin first, so "
        "the clinic is never left without one."
    ),
    Role.PHYSICIAN: gettext_lazy(
        "%(name)s is the only active physician (medical director). Add or reactivate another "
        "physician first, so the clinic is never left without one."
    ),
}

STAFF_FIELDS = (
    "full_name",
    "role",
    "credentials",
    "licence_number",
    "licence_state",
    "licence_expires_on",
    "dea_number",
    "dea_expires_on",
)


def _refuse_removing_the_last(user: User, *, field: str | None) -> None:
    """Refuse a change that leaves the organization with no active admin or physician.

    Call with the organization locked, before the change: ``user`` is about to stop being an
    active member of their role.
    """
    message = KEPT_ROLES.get(user.role)
    if message is None or not user.is_active or user.organization_id is None:
        return
    others = User.objects.filter(
        organization_id=user.organization_id, role=user.role, is_active=True
    ).exclude(pk=user.pk)
    if not others.exists():
        error = str(message) % {"name": user.full_name or user.email}
        raise ValidationError({field: error} if field else error)


def _lock_organization(organization_id: int | None) -> None:
    """Serialise staff changes of one organization (the last-admin and last-physician rules)."""
    if organization_id is not None:
        Organization.objects.select_for_update().filter(pk=organization_id).first()


def _change(user: User, data: Mapping[str, Any]) -> dict[str, Any]:
    changed = [name for name, value in data.items() if getattr(user, name) != value]
    before = {name: jsonable(getattr(user, name)) for name in changed}
    for name in changed:
        setattr(user, name, data[name])
    after = {name: jsonable(getattr(user, name)) for name in changed}
    return {"fields": changed, "before": before, "after": after}


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change a staff member's name, role and professional details; return the fields changed.

    Raises ValidationError keyed by field: a role no longer held by the last active clinic
    admin or physician, credentials that do not fit the role, a licence without its state or
    expiry, a DEA registration for a role that does not prescribe, a malformed DEA number.
    """
    _check_staff_manage(actor, user.organization_id)
    unknown = set(data) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    _lock_organization(user.organization_id)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in STAFF_ROLES:
        raise PermissionDenied("Only staff accounts are managed here.")
    values = {name: _clean_value(name, value) for name, value in data.items()}
    role = values.get("role", user.role)
    if role not in STAFF_ROLES:
        raise ValidationError({"role": _("Choose a staff role.")})
    if role != user.role:
        _refuse_removing_the_last(user, field="role")
    merged = {name: values.get(name, getattr(user, name)) for name in STAFF_FIELDS}
    errors: dict[str, list[str]] = {
        name: [message]
        for name, message in professional_details_problems(
            role, merged, today=timezone.localdate()
        ).items()
    }
    change = _change(user, values)
    try:
        user.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)
    if not change["fields"]:
        return []
    user.save(update_fields=change["fields"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.USER,
        object_id=user.pk,
        detail=change,
    )
    return list(change["fields"])


def _clean_value(name: str, value: Any) -> Any:
    if name == "dea_number":
        return dea_number_normalize(value or "")
    if isinstance(value, str):
        return value.strip()
    return value


def _end_sessions(user: User) -> int:
    """Delete every stored session signed in as ``user``; return how many."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    model = store.get_model_class() if hasattr(store, "get_model_class") else None
    if model is None:  # a session engine without rows: nothing stored to delete
        return 0
    ended = []
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store().decode(session.session_data)
        if str(data.get(SESSION_KEY, "")) == str(user.pk):
            ended.append(session.session_key)
    model.objects.filter(session_key__in=ended).delete()
    return len(ended)


@transaction.atomic
def staff_deactivate(*, actor: User, user: User, context: AuditContext = NO_REQUEST) -> bool:
    """Deactivate a staff account: sign-in stops, its sessions end and its API tokens are
    revoked at once. Return whether it was active.

    Refuses the actor's own account and the last active clinic admin or physician.
    """
    _check_staff_manage(actor, user.organization_id)
    if user.pk == actor.pk:
        raise ValidationError(
            _("You cannot deactivate your own account; another clinic admin can.")
        )
    _lock_organization(user.organization_id)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in STAFF_ROLES:
        raise PermissionDenied("Only staff accounts are managed here.")
    if not user.is_active:
        return False
    _refuse_removing_the_last(user, field=None)
    user.is_active = False
    user.save(update_fields=["is_active"])
    now = timezone.now()
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    sessions = _end_sessions(user)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.USER,
        object_id=user.pk,
        detail={
            "fields": ["is_active"],
            "before": {"is_active": True},
            "after": {"is_active": False},
            "sessions_ended": sessions,
            "api_tokens_revoked": tokens,
        },
    )
    return True


@transaction.atomic
def staff_reactivate(*, actor: User, user: User, context: AuditContext = NO_REQUEST) -> bool:
    """Let a deactivated staff member sign in again (their old API tokens stay revoked)."""
    _check_staff_manage(actor, user.organization_id)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in STAFF_ROLES:
        raise PermissionDenied("Only staff accounts are managed here.")
    if user.is_active:
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.USER,
        object_id=user.pk,
        detail={
            "fields": ["is_active"],
            "before": {"is_active": False},
            "after": {"is_active": True},
        },
    )
    return True


@transaction.atomic
def authenticator_reset(
    *, actor: User, user: User, reason: str, context: AuditContext = NO_REQUEST
) -> int:
    """Remove a staff member's authenticators (a lost phone, say), with the reason recorded.

    Their sessions end, and they add an authenticator again at their next sign-in whatever
    their role. Return how many authenticators (app, recovery codes) were removed. Refuses
    the actor's own (they use their own security page) and a blank reason.
    """
    _check_staff_manage(actor, user.organization_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the authenticator is reset.")})
    if user.pk == actor.pk:
        raise ValidationError(_("Change your own authenticator from your Security page, not here."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role not in STAFF_ROLES:
        raise PermissionDenied("Only staff accounts are managed here.")
    authenticators = Authenticator.objects.filter(user=user)
    types = sorted(set(authenticators.values_list("type", flat=True)))
    if not types:
        raise ValidationError(
            _("%(name)s has no authenticator to reset.") % {"name": user.full_name or user.email}
        )
    removed, _by_model = authenticators.delete()
    user.authenticator_required = True
    user.save(update_fields=["authenticator_required"])
    sessions = _end_sessions(user)
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.AUTHENTICATOR,
        object_id=user.pk,
        detail={
            "user": user.pk,
            "reason": reason[:500],
            "removed": types,
            "sessions_ended": sessions,
            "fields": ["authenticator_required"],
            "after": {"authenticator_required": True},
        },
    )
    return removed
