"""Reads for accounts: staff, invitations, sign-in history, API tokens, credential flags.

Every getter takes the organization (or the acting user) and returns only its records, so
another clinic's id finds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower

from infusionist.accounts.models import ApiToken, Invitation, User
from infusionist.accounts.professional import CredentialFlag, credential_flags
from infusionist.accounts.roles import STAFF_ROLES, can
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization

SIGN_IN_ACTIONS = (AuditEvent.Action.LOGIN, AuditEvent.Action.LOGIN_FAILED)

# ---- staff and invitations -----------------------------------------------------------------


def staff_for_organization(*, organization: Organization) -> QuerySet[User]:
    """Return the organization's staff (not patients), active first, by name."""
    return User.objects.filter(organization=organization, role__in=STAFF_ROLES).order_by(
        "-is_active", "full_name", "email"
    )


def staff_get(*, organization: Organization, user_id: int) -> User | None:
    """Return one staff member of the organization, or None (another clinic's, a patient)."""
    return staff_for_organization(organization=organization).filter(pk=user_id).first()


def invitations_open(*, organization: Organization) -> QuerySet[Invitation]:
    """Return the organization's invitations not yet accepted or revoked, newest first."""
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitation_get(*, organization: Organization, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(organization=organization, pk=invitation_id).first()


def invitation_for_token(token: str) -> Invitation | None:
    """Return the invitation whose link token hashes to a stored digest (any state), or None."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.filter(token_sha256=Invitation.hash(token))
        .select_related("organization")
        .first()
    )


def invitation_by_id_unscoped(invitation_id: object) -> Invitation | None:
    """Return an invitation by id with no organization check (the invitee's own session)."""
    if not isinstance(invitation_id, int):
        return None
    return Invitation.objects.filter(pk=invitation_id).select_related("organization").first()


def users_with_authenticator(*, user_ids: Iterable[int]) -> set[int]:
    """Return which of these users have an authenticator app (one query)."""
    return set(
        Authenticator.objects.filter(
            user_id__in=list(user_ids), type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )


# ---- sign-in history, from the audit trail -------------------------------------------------


def last_sign_ins(*, organization: Organization) -> dict[int, dt.datetime]:
    """Return user id -> time of their last sign-in, for the organization's staff (one query)."""
    rows = (
        AuditEvent.objects.filter(
            organization=organization,
            action=AuditEvent.Action.LOGIN,
            actor_role__in=STAFF_ROLES,
            actor__isnull=False,
        )
        .values("actor_id")
        .annotate(last=Max("occurred_at"))
        .order_by()
    )
    return {row["actor_id"]: row["last"] for row in rows}


def _sign_in_events(organization: Organization, staff: Sequence[User]) -> Q:
    """Return the filter for sign-in events of these staff members.

    Signing in and a wrong second factor name the person; a wrong password (or the lockout
    after several) names only the email address typed, with no organization, so those are
    matched by address.
    """
    named = Q(organization=organization, action__in=SIGN_IN_ACTIONS, actor_role__in=STAFF_ROLES)
    if not staff:
        return named
    by_address = reduce(or_, (Q(detail__email__iexact=u.email) for u in staff))
    typed = Q(organization__isnull=True, actor__isnull=True, action=AuditEvent.Action.LOGIN_FAILED)
    return named | (typed & by_address)


@dataclass
class SignInSummary:
    """One person's sign-ins and failed sign-ins over a period."""

    user: User
    sign_ins: int = 0
    last_sign_in: dt.datetime | None = None
    failures: int = 0
    last_failure: dt.datetime | None = None


@dataclass
class SignInActivity:
    """The organization's recent sign-in events and each person's totals since ``since``."""

    since: dt.datetime
    people: list[SignInSummary]
    events: list[tuple[AuditEvent, User | None]] = field(default_factory=list)


def _person_of(event: AuditEvent, by_id: dict[int, User], by_email: dict[str, User]) -> User | None:
    if event.actor_id is not None:
        return by_id.get(event.actor_id)
    return by_email.get(str((event.detail or {}).get("email", "")).strip().lower())


def sign_in_activity(
    *, organization: Organization, since: dt.datetime, limit: int = 100, user: User | None = None
) -> SignInActivity:
    """Return sign-ins and failed sign-ins of the organization's staff since ``since``.

    Three queries (staff, totals, recent events) whatever the number of people or events;
    with ``user``, only that person's.
    """
    staff = list(staff_for_organization(organization=organization))
    if user is not None:
        staff = [u for u in staff if u.pk == user.pk]
    by_id = {u.pk: u for u in staff}
    by_email = {u.email.lower(): u for u in staff}
    events = AuditEvent.objects.filter(_sign_in_events(organization, staff), occurred_at__gte=since)
    if user is not None:
        events = events.filter(Q(actor=user) | Q(actor__isnull=True))
    totals = (
        events.annotate(typed_email=Lower(KeyTextTransform("email", "detail")))
        .values("actor_id", "typed_email", "action")
        .annotate(n=Count("id"), last=Max("occurred_at"))
        .order_by()
    )
    people = {u.pk: SignInSummary(user=u) for u in staff}
    for row in totals:
        person = (
            by_id.get(row["actor_id"])
            if row["actor_id"] is not None
            else by_email.get(row["typed_email"] or "")
        )
        if person is None:
            continue
        summary = people[person.pk]
        if row["action"] == AuditEvent.Action.LOGIN:
            summary.sign_ins += row["n"]
            summary.last_sign_in = _later(summary.last_sign_in, row["last"])
        else:
            summary.failures += row["n"]
            summary.last_failure = _later(summary.last_failure, row["last"])
    recent = [
        (event, _person_of(event, by_id, by_email))
        for event in events.order_by("-occurred_at", "-id")[:limit]
    ]
    return SignInActivity(since=since, people=list(people.values()), events=recent)


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


# ---- API tokens ----------------------------------------------------------------------------


def api_tokens_of_user(*, user: User) -> QuerySet[ApiToken]:
    """Return the user's own API tokens, newest first (revoked ones too)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_tokens_of_organization(*, organization: Organization) -> QuerySet[ApiToken]:
    """Return every API token of the organization's staff, with its owner, newest first."""
    return (
        ApiToken.objects.filter(user__organization=organization, user__role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken | None:
    """Return a token the user may manage: their own, or (a clinic admin) their clinic's."""
    if can(user, "staff.manage") and user.organization is not None:
        tokens = api_tokens_of_organization(organization=user.organization)
    else:
        tokens = api_tokens_of_user(user=user).select_related("user")
    return tokens.filter(pk=token_id).first()


# ---- licence and DEA expiry flags ----------------------------------------------------------


def credential_flags_for_user(*, user: User, today: dt.date) -> list[CredentialFlag]:
    """Return the user's own licence and DEA flags (no query: the fields are on the user)."""
    if not user.is_clinic_staff:
        return []
    return credential_flags(
        [user], today=today, warning_days=settings.CREDENTIAL_EXPIRY_WARNING_DAYS
    )


def credential_flags_for_organization(
    *, organization: Organization, today: dt.date
) -> list[CredentialFlag]:
    """Return the flags of every active staff member of the organization (one query)."""
    horizon = today + dt.timedelta(days=settings.CREDENTIAL_EXPIRY_WARNING_DAYS)
    users = staff_for_organization(organization=organization).filter(
        Q(licence_expires_on__lte=horizon) | Q(dea_expires_on__lte=horizon), is_active=True
    )
    return credential_flags(
        users, today=today, warning_days=settings.CREDENTIAL_EXPIRY_WARNING_DAYS
    )
