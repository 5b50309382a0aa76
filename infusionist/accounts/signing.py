"""The electronic signature's checks, shared by every service that signs a clinical record.

A signature is the signer's own password re-entered with an attestation ticked, by a user
whose credential and licence let them sign today (docs/decisions/0021). Treatment plans,
changes to clinical limits and eligibility decisions all sign through these two functions,
so a wrong password counts toward one lock whatever was being signed.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from infusionist.accounts.models import User
from infusionist.accounts.professional import signing_problem
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, Record, audit_record
from infusionist.clinics.selectors import clinic_today

#: Wrong passwords allowed before every signature of the user is locked for the window.
SIGN_FAILURES_ALLOWED = 5
SIGN_FAILURE_WINDOW_S = 15 * 60


class SigningError(Exception):
    """A signature was refused; the message says why and what to do."""


def sign_failures_key(user: User) -> str:
    """Return the cache key counting ``user``'s recent wrong signing passwords."""
    return f"treatment:sign-failures:{user.pk}"


def refuse_unlicensed_signer(signer: User) -> None:
    """Raise SigningError unless the signer's credentials and licence let them sign today
    (the clinic's date; a licence is valid through its expiry date)."""
    problem = signing_problem(signer, today=clinic_today(organization_id=signer.organization_id))
    if problem:
        raise SigningError(problem)


def reauthenticate(
    *,
    signer: User,
    password: str,
    context: AuditContext,
    object_type: AuditEvent.ObjectType,
    object_id: object,
    detail: dict[str, Any],
    patient: Record | None = None,
    attested: bool = True,
) -> None:
    """Check a signer's password (and attestation), or raise SigningError.

    A refused password is audited (outcome denied, ``detail`` plus ``reason: password``)
    outside any signing transaction, so the record of the attempt survives the refusal;
    SIGN_FAILURES_ALLOWED wrong passwords lock every signature of this user for
    SIGN_FAILURE_WINDOW_S seconds. A right password clears the count.
    """
    key = sign_failures_key(signer)
    if cache.get(key, 0) >= SIGN_FAILURES_ALLOWED:
        raise SigningError(
            "Too many wrong passwords: signing is locked for 15 minutes. Sign out and back in "
            "if you have forgotten your password."
        )
    if not attested:
        raise SigningError("Tick the attestation to sign.")
    if not password or not signer.check_password(password):
        cache.add(key, 0, SIGN_FAILURE_WINDOW_S)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, SIGN_FAILURE_WINDOW_S)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=signer,
            context=context,
            organization=signer.organization,
            object_type=object_type,
            object_id=object_id,
            patient=patient,
            outcome=AuditEvent.Outcome.DENIED,
            detail={**detail, "reason": "password"},
        )
        raise SigningError("The password is not correct. Re-enter your own password to sign.")
    cache.delete(key)
