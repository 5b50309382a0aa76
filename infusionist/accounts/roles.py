"""The one place that says what each role may do.

Views, API endpoints and templates ask `can(user, capability)`; nothing else decides access.
A new capability is added here and to the permission-matrix test, or the test fails.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    FRONT_DESK = "front_desk", _("Front desk")
    NURSE = "nurse", _("Nurse")
    PROVIDER = "provider", _("Provider (NP/PA/CRNA)")
    PHYSICIAN = "physician", _("Physician (medical director)")
    CLINIC_ADMIN = "clinic_admin", _("Clinic admin")


STAFF_ROLES = frozenset(
    {Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.PHYSICIAN, Role.CLINIC_ADMIN}
)
CLINICAL_ROLES = frozenset({Role.NURSE, Role.PROVIDER, Role.PHYSICIAN})
PRESCRIBER_ROLES = frozenset({Role.PROVIDER, Role.PHYSICIAN})

# capability -> roles that hold it
CAPABILITIES: dict[str, frozenset[str]] = {
    "today.view": STAFF_ROLES,
    "patients.search": STAFF_ROLES,
    "patients.view": STAFF_ROLES,
    "patients.create": STAFF_ROLES,
    "patients.edit": STAFF_ROLES,
    "audit.report": frozenset({Role.CLINIC_ADMIN}),
    "clinic.view": STAFF_ROLES,
    "api.use": STAFF_ROLES,
    # Measurement-based care (docs/decisions/0003): answers are clinical, so only clinical
    # roles see them; the front desk sees only that a questionnaire is overdue. Any clinician
    # may acknowledge a safety alert; a prescriber documents the risk assessment that closes it.
    "measurements.view": CLINICAL_ROLES,
    "measurements.enter": CLINICAL_ROLES,
    "measurements.overdue": STAFF_ROLES,
    "safety.review": CLINICAL_ROLES,
    "safety.close": PRESCRIBER_ROLES,
    # Treatment plans (docs/decisions/0002): nurses read orders, prescribers draft them,
    # only physicians sign them; the dose calculator is for clinical roles.
    "treatment.view": CLINICAL_ROLES,
    "treatment.draft": PRESCRIBER_ROLES,
    "treatment.sign": frozenset({Role.PHYSICIAN}),
    "treatment.calculate": CLINICAL_ROLES,
    "protocols.view": CLINICAL_ROLES | {Role.CLINIC_ADMIN},
    "protocols.edit": frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN}),
    # The patient portal: a patient's own home and questionnaires (portal/), nobody else's.
    "portal.use": frozenset({Role.PATIENT}),
}


def can(user: object, capability: str) -> bool:
    """Return True when the user's role holds the capability."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}: add it to accounts/roles.py.")
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "organization_id", None) is None:
        return False
    return getattr(user, "role", None) in CAPABILITIES[capability]
