"""Reads of the audit trail for the clinic admin's report."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization


def audit_events(
    *,
    organization: Organization,
    actor_id: int | None = None,
    patient_id: int | None = None,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    outcome: str = "",
) -> QuerySet[AuditEvent]:
    """Return the organization's audit events, newest first, narrowed by the filters given."""
    qs = AuditEvent.objects.filter(organization=organization).select_related("patient", "actor")
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    if date_from:
        qs = qs.filter(occurred_at__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_at__lt=date_to)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("-occurred_at", "-id")
