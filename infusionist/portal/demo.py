"""Open questionnaires for the demo clinic's patients, so each patient login has something to do.

The first demo patient and the first Spanish-preferring one get a PHQ-9 and a GAD-7 to answer
in the portal (sign in as patient1@demo.example, or as that Spanish-speaking patient).
"""

from __future__ import annotations

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.measurements import services
from infusionist.measurements.models import Assignment
from infusionist.patients.models import Patient

DEMO_INSTRUMENTS = ("phq9", "gad7")


def demo_portal_patients(*, organization: Organization) -> list[Patient]:
    """Return the demo patients who get open questionnaires (with a portal login)."""
    patients = Patient.objects.filter(organization=organization, user__isnull=False).order_by("id")
    chosen = [p for p in patients[:1]]
    spanish = patients.filter(preferred_language=Patient.Language.SPANISH).first()
    if spanish is not None and spanish not in chosen:
        chosen.append(spanish)
    return chosen


def seed_portal(*, organization: Organization, staff: dict[str, User]) -> list[Patient]:
    """Give the demo portal patients open questionnaires; idempotent. Return those patients."""
    patients = demo_portal_patients(organization=organization)
    for patient in patients:
        for code in DEMO_INSTRUMENTS:
            pending = Assignment.objects.filter(
                patient=patient, instrument_code=code, status=Assignment.Status.PENDING
            )
            if not pending.exists():
                services.assignment_create_manual(
                    patient=patient, instrument_code=code, actor=staff[Role.NURSE]
                )
    return patients
