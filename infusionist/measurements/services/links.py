"""The patient's link: the date-of-birth check, rate-limited and audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.measurements.models import AccessLink

# ---- patient links ------------------------------------------------------------------------


class LinkRefused(Exception):
    """The link cannot be used; ``reason``: used, cancelled, replaced, locked, expired, rate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _ip_key(context: AuditContext) -> str:
    return f"mbc-dob-ip:{context.ip_address or 'unknown'}"


def _audit_link(
    link: AccessLink, context: AuditContext, *, denied: bool, detail: dict[str, object]
) -> None:
    """Record one use of a patient link; the patient has no user account, so no actor."""
    patient = link.assignment.patient
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=None,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.QUESTIONNAIRE_LINK,
        object_id=link.pk,
        patient=patient,
        outcome=AuditEvent.Outcome.DENIED if denied else AuditEvent.Outcome.ALLOWED,
        detail=detail,
    )


def link_verify_date_of_birth(
    *, link: AccessLink, date_of_birth: dt.date, context: AuditContext = NO_REQUEST
) -> bool:
    """Check the patient's date of birth for a link; count, audit and lock after failures.

    Each link allows MEASUREMENT_LINK_DOB_MAX_ATTEMPTS wrong answers, then locks; each client
    address allows four times that across links per hour. Raise LinkRefused when the link
    cannot be used at all.
    """
    now = timezone.now()
    patient = link.assignment.patient
    refusal = link.refusal(now)
    if refusal:
        raise LinkRefused(refusal)
    limit = settings.MEASUREMENT_LINK_DOB_MAX_ATTEMPTS
    if cache.get(_ip_key(context), 0) >= limit * 4:
        _audit_link(link, context, denied=True, detail={"reason": "rate_limited"})
        raise LinkRefused("rate")
    with transaction.atomic():
        if date_of_birth == patient.date_of_birth:
            AccessLink.objects.filter(pk=link.pk).update(verified_at=now)
            link.verified_at = now
            _audit_link(link, context, denied=False, detail={"step": "date_of_birth_verified"})
            return True
        AccessLink.objects.filter(pk=link.pk).update(failed_attempts=F("failed_attempts") + 1)
        link.refresh_from_db(fields=["failed_attempts"])
        locked = link.failed_attempts >= limit
        if locked:
            AccessLink.objects.filter(pk=link.pk).update(locked_at=now)
            link.locked_at = now
        _audit_link(
            link,
            context,
            denied=True,
            detail={
                "reason": "wrong_date_of_birth",
                "attempt": link.failed_attempts,
                "locked": locked,
            },
        )
    try:
        cache.incr(_ip_key(context))
    except ValueError:
        cache.set(_ip_key(context), 1, timeout=3600)
    if locked:
        raise LinkRefused("locked")
    return False
