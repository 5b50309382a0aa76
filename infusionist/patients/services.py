"""Writes to the patient registry; each writes its audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.patients.duplicates import DuplicateMatch
from infusionist.patients.models import SEARCH_KEY_FIELDS, Patient
from infusionist.patients.selectors import possible_duplicates

EDITABLE_FIELDS = (
    "legal_first_name",
    "legal_middle_name",
    "legal_last_name",
    "preferred_name",
    "date_of_birth",
    "sex_at_birth",
    "gender_identity",
    "pronouns",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "preferred_language",
)
MAX_REASON_CHARS = 500


class PossibleDuplicates(Exception):
    """Creation stopped: existing patients may be this person (see duplicates.py).

    The caller shows ``matches`` with their reasons and may try again with a
    ``not_duplicate_reason``, which the creation's audit event records.
    """

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__(f"{len(matches)} possible duplicate(s)")
        self.matches = matches


def mrn_next(*, organization: Organization) -> str:
    """Reserve and return the organization's next medical record number.

    The counter row is locked, so two front-desk users never receive the same MRN.
    """
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    number = org.next_mrn_number
    Organization.objects.filter(pk=org.pk).update(next_mrn_number=F("next_mrn_number") + 1)
    return f"{org.mrn_prefix}{number:06d}"


@transaction.atomic
def patient_create(
    *,
    organization: Organization,
    actor: User,
    data: dict[str, Any],
    context: AuditContext = NO_REQUEST,
    check_duplicates: bool = False,
    not_duplicate_reason: str = "",
) -> Patient:
    """Create a patient with a fresh MRN and record who did it.

    With ``check_duplicates`` (the form and the API), existing patients who may be the same
    person stop the creation with ``PossibleDuplicates`` unless a ``not_duplicate_reason``
    is given; the audit event then records the matches (ids and reasons) and that reason.

    Raises ``PermissionDenied`` unless the actor may register patients of this organization,
    ``ValueError`` for keys that are not patient fields and ``ValidationError`` for bad values.
    """
    require(actor, "patients.create")
    require_same_organization(actor, organization.pk)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not patient fields: {sorted(unknown)}")
    patient = Patient(organization=organization, created_by=actor, **data)
    patient.refresh_search_keys()
    patient.mrn = mrn_next(organization=organization)
    patient.full_clean()
    detail: dict[str, Any] = {}
    if check_duplicates:
        matches = possible_duplicates(
            organization=organization,
            legal_first_name=patient.legal_first_name,
            legal_last_name=patient.legal_last_name,
            preferred_name=patient.preferred_name,
            date_of_birth=patient.date_of_birth,
            phone=patient.phone,
            email=patient.email,
        )
        reason = (not_duplicate_reason or "").strip()[:MAX_REASON_CHARS]
        if matches and not reason:
            raise PossibleDuplicates(matches)
        if matches:
            detail = {
                "possible_duplicates": [
                    {"patient_id": m.patient.pk, "reasons": [r.value for r in m.reasons]}
                    for m in matches
                ],
                "not_duplicate_reason": reason,
            }
    patient.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=patient.pk,
        patient=patient,
        detail=detail or None,
    )
    return patient


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    actor: User,
    data: dict[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Apply changed demographics; return the names of the fields that changed.

    Raises ``PermissionDenied`` unless the actor may edit this organization's patients.
    """
    require(actor, "patients.edit")
    require_same_organization(actor, patient.organization_id)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not patient fields: {sorted(unknown)}")
    changed = [name for name, value in data.items() if getattr(patient, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(patient, name, data[name])
    patient.refresh_search_keys()
    patient.updated_at = timezone.now()
    patient.full_clean()
    patient.save(update_fields=[*changed, *SEARCH_KEY_FIELDS, "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=patient.pk,
        patient=patient,
        detail={"fields": changed},  # field names only: values are PHI
    )
    return changed
