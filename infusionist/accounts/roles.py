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
    # Clinic administration (docs/decisions/0005): locations, hours, closures, rooms, chairs.
    "clinic.manage": frozenset({Role.CLINIC_ADMIN}),
    # Staff and roles (docs/decisions/0008): the clinic admin invites staff, changes roles,
    # deactivates accounts, resets authenticators, sees sign-ins and everyone's API tokens.
    # Every staff member sees, creates and revokes their own API tokens (api.use).
    "staff.manage": frozenset({Role.CLINIC_ADMIN}),
    "api.use": STAFF_ROLES,
    # The clinical reference (sources of every default): every staff role.
    "reference.view": STAFF_ROLES,
    # The demo's outbox of written messages (the page exists only when DEMO_MODE is on).
    "demo.outbox": STAFF_ROLES,
    # Measurement-based care (docs/decisions/0003): answers are clinical, so only clinical
    # roles see them; the front desk sees only that a questionnaire is overdue. Any clinician
    # may acknowledge a safety alert; a prescriber documents the risk assessment that closes it.
    "measurements.view": CLINICAL_ROLES,
    "measurements.enter": CLINICAL_ROLES,
    "measurements.overdue": STAFF_ROLES,
    "safety.review": CLINICAL_ROLES,
    "safety.close": PRESCRIBER_ROLES,
    # A clinic's measurement settings (docs/decisions/0010): clinic admins and physicians
    # edit them; the clinical ones (outcome definitions, alert thresholds, escalation, the
    # questionnaires sent) change only with a physician's signature (protocols.sign).
    "measurements.settings": frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN}),
    # Treatment plans (docs/decisions/0002): nurses read orders, prescribers draft them,
    # only physicians sign them; the dose calculator is for clinical roles.
    "treatment.view": CLINICAL_ROLES,
    "treatment.draft": PRESCRIBER_ROLES,
    "treatment.sign": frozenset({Role.PHYSICIAN}),
    "treatment.calculate": CLINICAL_ROLES,
    "protocols.view": CLINICAL_ROLES | {Role.CLINIC_ADMIN},
    # Clinic admins and physicians edit protocols and dosing settings, but clinical limits
    # change only with a physician's signature (docs/decisions/0007): a clinic admin's edit
    # of them is a proposal that a physician approves with their password or rejects.
    "protocols.edit": frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN}),
    # Signs every clinical limit: protocols, dosing settings and measurement settings.
    "protocols.sign": frozenset({Role.PHYSICIAN}),
    # Consent (docs/decisions/0023): every staff member reads documents and a patient's
    # signed consents and records a consent signed with them present (witnessed); the
    # clinic admin drafts and publishes document versions and chooses which are required.
    "consent.view": STAFF_ROLES,
    "consent.witness": STAFF_ROLES,
    "consent.manage": frozenset({Role.CLINIC_ADMIN}),
    # Consultations and eligibility (docs/decisions/0025): every staff member sees and
    # schedules consultations; a physician records one as held. Clinical roles read the
    # eligibility checklist; only a physician signs the decision.
    "consultations.view": STAFF_ROLES,
    "consultations.schedule": STAFF_ROLES,
    "consultations.record": frozenset({Role.PHYSICIAN}),
    "eligibility.view": CLINICAL_ROLES,
    "eligibility.decide": frozenset({Role.PHYSICIAN}),
    # The patient portal: a patient's own home and questionnaires (portal/), nobody else's.
    "portal.use": frozenset({Role.PATIENT}),
    # The intake packet (docs/decisions/0024): every staff role sees which parts are missing
    # and may fill or correct a section on the patient's behalf (audited, old and new values).
    "intake.view": STAFF_ROLES,
    "intake.edit": STAFF_ROLES,
    # Scheduling: every staff role sees the calendar and books, moves and cancels; a clinic
    # admin sets the booking rules, appointment types and staff shifts.
    "schedule.view": STAFF_ROLES,
    "schedule.book": STAFF_ROLES,
    "schedule.manage": frozenset({Role.CLINIC_ADMIN}),
    # The chairside chart (docs/decisions/0033): every staff role sees the chair board and
    # checks a patient in; clinical roles open the chart and record in it; only a physician
    # overrides a pre-infusion check or a discharge criterion; a prescriber co-signs the
    # nurse's note; chart thresholds change only with a physician's signature.
    "chart.board": STAFF_ROLES,
    "chart.checkin": STAFF_ROLES,
    "chart.view": CLINICAL_ROLES,
    "chart.record": CLINICAL_ROLES,
    "chart.override": frozenset({Role.PHYSICIAN}),
    "chart.cosign": PRESCRIBER_ROLES,
    "chart.settings": frozenset({Role.PHYSICIAN, Role.CLINIC_ADMIN}),
    # Which REMS forms a session leaves owed is a regulatory duty: only a physician adds,
    # changes, retires or reinstates a rule; the clinic admin reads them.
    "chart.rems_rules": frozenset({Role.PHYSICIAN}),
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
