"""Consent for the demo clinic (seed_demo): version 1 of each document, some patients signed.

Idempotent. The portal's demo patients (patient1, the first Spanish-speaking patient) are
left unsigned so that signing in as them shows the "Consent forms to sign" card; a few other
patients signed every required form on a clinic tablet with the front desk as the witness.
"""

from __future__ import annotations

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.services import AuditContext
from infusionist.clinics.models import Organization
from infusionist.consent import selectors, services
from infusionist.consent.models import ConsentSignature
from infusionist.patients.models import Patient

#: How many demo patients (after the portal ones) have signed every required consent.
SIGNED_PATIENTS = 6
DEMO_CONTEXT = AuditContext(ip_address="192.0.2.10", user_agent="Demo clinic tablet")


def seed_consent(*, organization: Organization, staff: dict[str, User]) -> None:
    """Publish the default documents and sign them for a few demo patients."""
    services.consent_documents_create_defaults(organization=organization)
    patients = Patient.objects.filter(organization=organization).order_by("id")
    portal = {p.pk for p in patients.filter(user__isnull=False)[:1]}
    spanish = patients.filter(preferred_language=Patient.Language.SPANISH, user__isnull=False)
    portal |= {p.pk for p in spanish[:1]}
    chosen = [p for p in patients[: SIGNED_PATIENTS + len(portal)] if p.pk not in portal]
    witness = staff[Role.FRONT_DESK]
    for patient in chosen[:SIGNED_PATIENTS]:
        for item in selectors.consent_status(patient=patient, telehealth=True).to_sign:
            assert item.current_version is not None
            services.consent_sign(
                patient=patient,
                version=item.current_version,
                actor=witness,
                typed_name=patient.legal_name,
                agreed=True,
                language="es" if patient.preferred_language == Patient.Language.SPANISH else "en",
                method=ConsentSignature.Method.TABLET,
                context=DEMO_CONTEXT,
            )
