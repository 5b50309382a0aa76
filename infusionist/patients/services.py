"""Writes to the patient registry; each writes its audit event in the same transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.lib import reasons
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
# Fields whose change can make a patient look like another (duplicates.py compares these).
IDENTITY_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "date_of_birth",
    "phone",
    "email",
)


def not_duplicate_reason_problem(reason: str) -> str:
    """Return what is wrong with a reason for keeping a possible duplicate, or "" if none.

    A reason says what tells two people apart in at least a few letters ("Twin brother",
    "Her mother: different ID"); a blank, "ok", "n/a", "xxxx" or "." does not.
    """
    if reasons.says_nothing(reason):
        return (
            "Write what tells them apart, e.g. “twin brother” or “different middle name and "
            "address on the ID card”; it is recorded in the audit trail."
        )
    return ""


class PossibleDuplicates(Exception):
    """Saving stopped: existing patients may be this person (see duplicates.py).

    The caller shows ``matches`` with their reasons and may try again with a
    ``not_duplicate_reason`` (see not_duplicate_reason_problem), which the audit event of
    the creation or change records.
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
    ``ValueError`` for keys that are not patient fields and ``ValidationError`` for bad values
    (and for a reason that says nothing, on ``not_duplicate_reason``).
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
        detail = _duplicates_confirmed(
            patient, organization=organization, reason=not_duplicate_reason
        )
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


def _matches_of(patient: Patient, *, organization: Organization) -> list[DuplicateMatch]:
    return possible_duplicates(
        organization=organization,
        legal_first_name=patient.legal_first_name,
        legal_last_name=patient.legal_last_name,
        preferred_name=patient.preferred_name,
        date_of_birth=patient.date_of_birth,
        phone=patient.phone,
        email=patient.email,
        exclude_id=patient.pk,
    )


def _duplicates_confirmed(
    patient: Patient,
    *,
    organization: Organization,
    reason: str,
    already: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """Return the audit detail of the possible duplicates a reason confirms, or {} if none.

    Patients in ``already`` (who matched before a change) do not count. Raises
    ``PossibleDuplicates`` without a reason and ``ValidationError`` for one that says nothing.
    """
    matches = [
        m for m in _matches_of(patient, organization=organization) if m.patient.pk not in already
    ]
    if not matches:
        return {}
    reason = (reason or "").strip()[:MAX_REASON_CHARS]
    if not reason:
        raise PossibleDuplicates(matches)
    problem = not_duplicate_reason_problem(reason)
    if problem:
        raise ValidationError({"not_duplicate_reason": problem})
    return {
        "possible_duplicates": [
            {"patient_id": m.patient.pk, "reasons": [r.value for r in m.reasons]} for m in matches
        ],
        "not_duplicate_reason": reason,
    }


@transaction.atomic
def patient_update(
    *,
    patient: Patient,
    actor: User,
    data: dict[str, Any],
    context: AuditContext = NO_REQUEST,
    check_duplicates: bool = False,
    not_duplicate_reason: str = "",
) -> list[str]:
    """Apply changed demographics; return the names of the fields that changed.

    With ``check_duplicates`` (the form), a change of name, date of birth, phone or email
    that makes the patient match others they did not match before stops with
    ``PossibleDuplicates`` unless a ``not_duplicate_reason`` is given, recorded like a
    creation's. Raises ``PermissionDenied`` unless the actor may edit this organization's
    patients, and ``ValidationError`` for bad values.
    """
    require(actor, "patients.edit")
    require_same_organization(actor, patient.organization_id)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not patient fields: {sorted(unknown)}")
    changed = [name for name, value in data.items() if getattr(patient, name) != value]
    if not changed:
        return []
    already: frozenset[int] = frozenset()
    identity_changed = check_duplicates and bool(set(changed) & set(IDENTITY_FIELDS))
    if identity_changed:
        organization = patient.organization
        already = frozenset(m.patient.pk for m in _matches_of(patient, organization=organization))
    for name in changed:
        setattr(patient, name, data[name])
    patient.refresh_search_keys()
    patient.updated_at = timezone.now()
    patient.full_clean()
    confirmed: dict[str, Any] = {}
    if identity_changed:
        confirmed = _duplicates_confirmed(
            patient, organization=patient.organization, reason=not_duplicate_reason, already=already
        )
    patient.save(update_fields=[*changed, *SEARCH_KEY_FIELDS, "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=patient.pk,
        patient=patient,
        detail={"fields": changed, **confirmed},  # field names only: values are PHI
    )
    return changed


#: The contact fields a patient may confirm or correct themselves (the intake packet);
#: identity fields (legal name, date of birth, sex at birth) change only at the front desk.
SELF_SERVICE_FIELDS = (
    "preferred_name",
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
)


@transaction.atomic
def patient_contacts_update(
    *,
    patient: Patient,
    actor: User,
    data: dict[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Apply the contact details a patient (or staff for them) confirmed; return changed names.

    The patient themselves (their own login) or staff who may edit patients; only
    :data:`SELF_SERVICE_FIELDS`. Raises ``PermissionDenied`` for anyone else or another
    organization's record, ``ValueError`` for other fields and ``ValidationError`` (per field)
    for bad values, with nothing saved.
    """
    from django.core.exceptions import PermissionDenied

    require_same_organization(actor, patient.organization_id)
    if actor.role == "patient":
        if patient.user_id != actor.pk:
            raise PermissionDenied("Only your own record.")
    else:
        require(actor, "patients.edit")
    unknown = set(data) - set(SELF_SERVICE_FIELDS)
    if unknown:
        raise ValueError(f"Not self-service fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        try:
            field = Patient._meta.get_field(name)
            cleaned[name] = field.clean(value, patient)  # type: ignore[union-attr]
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in cleaned.items() if getattr(patient, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(patient, name, cleaned[name])
    patient.refresh_search_keys()
    patient.updated_at = timezone.now()
    patient.save(update_fields=[*changed, *SEARCH_KEY_FIELDS, "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=patient.pk,
        patient=patient,
        detail={"fields": changed, "via": "intake"},  # field names only: values are PHI
    )
    return changed
