"""The patient's link: the date-of-birth check, rate-limited and audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record, client_ip
from infusionist.measurements.models import (
    AccessLink,
)

# ---- patient links ------------------------------------------------------------------------


class LinkRefused(Exception):
    """The link cannot be used; ``reason`` is one of used, replaced, locked, expired, rate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _ip_key(request: HttpRequest | None) -> str:
    return f"mbc-dob-ip:{client_ip(request) or 'unknown'}"


def _audit_link(
    link: AccessLink, request: HttpRequest | None, *, denied: bool, detail: dict[str, object]
) -> None:
    """Record one use of a patient link; the patient has no user account, so no actor."""
    patient = link.assignment.patient
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=None,
        request=request,
        organization=patient.organization,
        object_type="questionnaire_link",
        object_id=link.pk,
        patient=patient,
        outcome=AuditEvent.Outcome.DENIED if denied else AuditEvent.Outcome.ALLOWED,
        detail=detail,
    )


def link_verify_date_of_birth(
    *, link: AccessLink, date_of_birth: dt.date, request: HttpRequest | None = None
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
    limit = django_settings.MEASUREMENT_LINK_DOB_MAX_ATTEMPTS
    if cache.get(_ip_key(request), 0) >= limit * 4:
        _audit_link(link, request, denied=True, detail={"reason": "rate_limited"})
        raise LinkRefused("rate")
    with transaction.atomic():
        if date_of_birth == patient.date_of_birth:
            AccessLink.objects.filter(pk=link.pk).update(verified_at=now)
            link.verified_at = now
            _audit_link(link, request, denied=False, detail={"step": "date_of_birth_verified"})
            return True
        AccessLink.objects.filter(pk=link.pk).update(failed_attempts=F("failed_attempts") + 1)
        link.refresh_from_db(fields=["failed_attempts"])
        locked = link.failed_attempts >= limit
        if locked:
            AccessLink.objects.filter(pk=link.pk).update(locked_at=now)
            link.locked_at = now
        _audit_link(
            link,
            request,
            denied=True,
            detail={
                "reason": "wrong_date_of_birth",
                "attempt": link.failed_attempts,
                "locked": locked,
            },
        )
    try:
        cache.incr(_ip_key(request))
    except ValueError:
        cache.set(_ip_key(request), 1, timeout=3600)
    if locked:
        raise LinkRefused("locked")
    return False
