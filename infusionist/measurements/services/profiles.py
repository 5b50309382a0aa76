"""Each patient's measurement profile.

The profile holds what other apps tell measurement-based care as plain values: the phase of
the current signed treatment plan and infusion times (``services.schedules``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.lib.measurement_schedule import PHASES
from infusionist.measurements import selectors
from infusionist.measurements.models import MeasurementProfile
from infusionist.patients.models import Patient


def require_aware(name: str, value: dt.datetime) -> None:
    """Raise ValueError for a naive datetime: every stored time is timezone-aware UTC."""
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be a timezone-aware datetime.")


@transaction.atomic
def measurement_profile_ensure(*, patient: Patient) -> MeasurementProfile:
    """Return the patient's profile, creating it with the medical director as clinician."""
    profile = MeasurementProfile.objects.filter(patient=patient).first()
    if profile is not None:
        return profile
    profile = MeasurementProfile(
        patient=patient,
        responsible_clinician=selectors.default_clinician(organization=patient.organization),
    )
    profile.full_clean()
    profile.save(force_insert=True)
    return profile


@transaction.atomic
def measurement_profile_update(
    *,
    patient: Patient,
    actor: User,
    responsible_clinician: User | None,
    channel: str,
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change who receives the patient's alerts and how links are sent; return changed fields.

    Raises ``PermissionDenied`` unless the actor may enter measurements for this patient, and
    ``ValidationError`` when the clinician is not a clinician of the patient's clinic.
    """
    require(actor, "measurements.enter")
    require_same_organization(actor, patient.organization_id)
    if responsible_clinician is not None and (
        responsible_clinician.organization_id != patient.organization_id
        or not responsible_clinician.is_clinical
    ):
        raise ValidationError("The responsible clinician must be a clinician of this clinic.")
    profile = measurement_profile_ensure(patient=patient)
    changed = []
    if profile.responsible_clinician_id != getattr(responsible_clinician, "pk", None):
        profile.responsible_clinician = responsible_clinician
        changed.append("responsible_clinician")
    if profile.channel != channel:
        profile.channel = channel
        changed.append("channel")
    if not changed:
        return []
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_PROFILE,
        object_id=profile.pk,
        patient=patient,
        detail={"fields": changed},
    )
    return changed


@transaction.atomic
def measurement_treatment_phase_set(
    *,
    patient: Patient,
    phase: str,
    starts_on: dt.date | None = None,
    context: AuditContext = NO_REQUEST,
) -> bool:
    """Record the phase and first session date of the current signed plan; True if changed.

    The treatment app calls this with plain values when a plan version is signed: ``phase`` and
    ``starts_on``, the version's first session date (a clinic-local date). The questionnaire
    schedule then follows the phase (weekly in induction, every two weeks in maintenance) and
    nothing on it is due before ``starts_on``. None leaves a known start date as it is. Raises
    ValueError for a phase that is not one of ``PHASES`` or a start that is not a date.
    """
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}; got {phase!r}.")
    if starts_on is not None and (
        not isinstance(starts_on, dt.date) or isinstance(starts_on, dt.datetime)
    ):
        raise ValueError(f"starts_on must be a date (the first session day); got {starts_on!r}.")
    profile = measurement_profile_ensure(patient=patient)
    changed = []
    if profile.treatment_phase != phase:
        profile.treatment_phase = phase
        changed.append("treatment_phase")
    if starts_on is not None and profile.plan_starts_on != starts_on:
        profile.plan_starts_on = starts_on
        changed.append("plan_starts_on")
    if not changed:
        return False
    profile.updated_at = timezone.now()
    profile.save(update_fields=[*changed, "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.MEASUREMENT_PROFILE,
        object_id=profile.pk,
        patient=patient,
        detail={"fields": changed},
    )
    return True
