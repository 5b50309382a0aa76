"""Reads for pages: the readiness panel of the patient record."""

from __future__ import annotations

from infusionist.accounts.models import User
from infusionist.accounts.roles import can
from infusionist.patients.models import Patient
from infusionist.readiness.gates import Readiness, infusion_readiness


def patient_panel(*, user: User, patient: Patient) -> Readiness | None:
    """Return the patient's readiness for an infusion for the record page, or None for a user
    who may not read eligibility (the front desk sees consent and consultations elsewhere)."""
    if not can(user, "eligibility.view"):
        return None
    return infusion_readiness(patient=patient)
