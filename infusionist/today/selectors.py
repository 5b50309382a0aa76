from __future__ import annotations

from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.patients.models import Patient


def recent_patients_for_user(*, user: User, limit: int = 8) -> list[Patient]:
    """Return the patients this user opened most recently, newest first (one query)."""
    events = (
        AuditEvent.objects.filter(
            actor=user,
            organization=user.organization,
            action=AuditEvent.Action.VIEW,
            object_type=AuditEvent.ObjectType.PATIENT,
            patient__isnull=False,
        )
        .select_related("patient")
        .order_by("-occurred_at")[: limit * 6]
    )
    seen: dict[int, Patient] = {}
    for event in events:
        if event.patient_id not in seen:
            seen[event.patient_id] = event.patient
        if len(seen) == limit:
            break
    return list(seen.values())
