"""Writes of protocols, dosing settings and treatment plans, each with its audit event.

Who may do what (accounts/roles.py): prescribers (providers and physicians) draft plan
versions; only physicians sign them (the physician's signed order, docs/decisions/0002);
clinic admins and physicians edit protocols and dosing settings. The services check the
role themselves too, so no caller can skip the rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.integrity import canonical_sha256, jsonable
from infusionist.lib import dosing
from infusionist.measurements.services import measurement_treatment_phase_set
from infusionist.patients.models import Patient
from infusionist.treatment import calculations, defaults, selectors
from infusionist.treatment.models import (
    DosingSettings,
    Protocol,
    SignedVersionError,
    TreatmentPlan,
    TreatmentPlanVersion,
)

PROTOCOL_EDITABLE_FIELDS = (
    "name",
    "indication",
    "phase",
    "route",
    "drug",
    "dose_mg_per_kg",
    "dose_mg",
    "dose_mg_per_kg_per_h",
    "dose_mg_per_h",
    "duration_min",
    "session_count",
    "sessions_per_week",
    "course_max_days",
    "min_interval_h",
    "max_sessions_per_7_days",
    "monitoring_interval_min",
    "observation_min",
    "titration_steps_mg_per_kg",
    "titration_rule",
    "max_dose_mg_per_kg",
    "max_dose_rate_mg_per_kg_per_h",
    "max_dose_mg",
    "device_mg",
    "older_adult_age_years",
    "older_adult_start_dose_mg",
    "rems_required",
    "monitoring_requirements",
    "schedule_description",
    "source_keys",
    "is_active",
)
SETTINGS_EDITABLE_FIELDS = tuple(DosingSettings.SOURCE_KEYS)
ATTESTATION_TEXT = (
    "I have reviewed this treatment plan, the dose calculation and its dosing weight, and "
    "I order it for this patient."
)
SIGN_FAILURES_ALLOWED = 5
SIGN_FAILURE_WINDOW_S = 15 * 60


class SigningError(Exception):
    """A signature was refused; the message says why and what to do."""


# --- protocols and dosing settings ---------------------------------------------------


@transaction.atomic
def protocols_create_defaults(
    *, organization: Organization, actor: User, context: AuditContext = NO_REQUEST
) -> list[Protocol]:
    """Create the documented default protocols the organization lacks; return the new ones.

    Safe to run again: an existing protocol with the same key is left as the clinic set it.
    Raises ``PermissionDenied`` unless the actor may edit this organization's protocols.
    """
    require(actor, "protocols.edit")
    require_same_organization(actor, organization.pk)
    existing = set(Protocol.objects.filter(organization=organization).values_list("key", flat=True))
    created: list[Protocol] = []
    for spec in defaults.default_protocols():
        if spec["key"] in existing:
            continue
        protocol = Protocol(organization=organization, updated_by=actor, **spec)
        protocol.full_clean()
        protocol.save(force_insert=True)
        created.append(protocol)
    if created:
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=actor,
            context=context,
            organization=organization,
            object_type=AuditEvent.ObjectType.PROTOCOL,
            detail={"defaults": [p.key for p in created]},
        )
    return created


@transaction.atomic
def protocol_update(
    *,
    protocol: Protocol,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Apply changed protocol fields; return their names. Signed plans keep their snapshot."""
    require(actor, "protocols.edit")
    require_same_organization(actor, protocol.organization_id)
    unknown = set(data) - set(PROTOCOL_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not protocol fields: {sorted(unknown)}")
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    return _clinic_row_apply(
        row=protocol,
        data=data,
        actor=actor,
        context=context,
        organization=protocol.organization,
        object_type=AuditEvent.ObjectType.PROTOCOL,
    )


@transaction.atomic
def dosing_settings_update(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Apply changed dose-calculator guards for the organization; return their names."""
    require(actor, "protocols.edit")
    require_same_organization(actor, organization.pk)
    unknown = set(data) - set(SETTINGS_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not dosing settings: {sorted(unknown)}")
    dosing_settings, _ = DosingSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    return _clinic_row_apply(
        row=dosing_settings,
        data=data,
        actor=actor,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.DOSING_SETTINGS,
    )


def _clinic_row_apply(
    *,
    row: Protocol | DosingSettings,
    data: Mapping[str, Any],
    actor: User,
    context: AuditContext,
    organization: Organization,
    object_type: AuditEvent.ObjectType,
) -> list[str]:
    """Write the changed fields of a locked clinic row and audit old and new values.

    Protocols and dosing settings hold no patient data, so the values themselves are recorded.
    """
    changed = [name for name, value in data.items() if getattr(row, name) != value]
    if not changed:
        return []
    before = {name: _jsonable(getattr(row, name)) for name in changed}
    for name in changed:
        setattr(row, name, data[name])
    row.updated_at = timezone.now()
    row.updated_by = actor
    row.full_clean()
    row.save(update_fields=[*changed, "updated_at", "updated_by"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=organization,
        object_type=object_type,
        object_id=row.pk,
        detail={
            "fields": changed,
            "before": before,
            "after": {name: _jsonable(getattr(row, name)) for name in changed},
        },
    )
    return changed


def _jsonable(value: Any) -> Any:
    if isinstance(value, Protocol):
        return value.key
    return jsonable(value)


def protocol_snapshot(protocol: Protocol) -> dict[str, Any]:
    """Return the protocol's clinical content as JSON-ready values."""
    return {
        "id": protocol.pk,
        "key": protocol.key,
        **{name: _jsonable(getattr(protocol, name)) for name in PROTOCOL_EDITABLE_FIELDS},
    }


# --- plan versions ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanVersionSpec:
    """What a prescriber writes in a plan version: the one typed input of a draft.

    Built by the plan form (and by seeding and tests through :meth:`from_values`); applied to
    a version by :func:`plan_version_draft_save` only.
    """

    protocol: Protocol
    indication: str
    phase: str
    planned_sessions: int
    sessions_per_week: Decimal
    planned_start_date: dt.date
    inputs: dosing.DoseInputs
    rationale: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> PlanVersionSpec:
        """Return the spec of a mapping with the plan fields and the dose inputs' fields."""
        return cls(
            protocol=values["protocol"],
            indication=values["indication"],
            phase=values["phase"],
            planned_sessions=int(values["planned_sessions"]),
            sessions_per_week=Decimal(values["sessions_per_week"]),
            planned_start_date=values["planned_start_date"],
            inputs=dosing.DoseInputs.from_values(dict(values)),
            rationale=values.get("rationale") or "",
        )


def plan_session_calculate(
    *,
    patient: Patient,
    protocol: Protocol,
    inputs: dosing.DoseInputs,
    dosing_settings: DosingSettings | None = None,
    is_first_dose: bool = False,
) -> calculations.SessionResult:
    """Return the session calculation for a plan's dose inputs with the protocol's limits."""
    dosing_settings = dosing_settings or selectors.dosing_settings_for(
        organization=patient.organization
    )
    return calculations.calculate_session(
        route=protocol.route,
        inputs=inputs,
        limits=calculations.limits_for(dosing_settings=dosing_settings, protocol=protocol),
        protocol=protocol,
        age_years=patient.age_years(),
        is_first_dose=is_first_dose,
    )


def _decimal(value: float | None) -> Decimal | None:
    """Return a float input as the Decimal that was typed (repr round-trips short decimals)."""
    return None if value is None else Decimal(repr(value))


def _quantize(value: float | None, places: int) -> Decimal | None:
    return None if value is None else dosing.round_half_up(value, places)


@transaction.atomic
def plan_version_draft_save(
    *,
    patient: Patient,
    actor: User,
    spec: PlanVersionSpec,
    context: AuditContext = NO_REQUEST,
) -> TreatmentPlanVersion:
    """Write the patient's open draft version (creating the plan and draft if needed).

    The dose is recalculated here from the inputs; a hard stop or an input the calculator
    cannot use raises ValidationError naming the field, so nothing is saved. Raises
    ``PermissionDenied`` unless the actor may draft plans for this patient's organization.
    """
    require(actor, "treatment.draft")
    require_same_organization(actor, patient.organization_id)
    protocol = spec.protocol
    if protocol.organization_id != patient.organization_id:
        raise ValidationError({"protocol": "Choose one of this clinic's protocols."})
    order_errors = spec.inputs.order_errors(protocol.route)
    if order_errors:
        raise ValidationError({name: [message] for name, message in order_errors.items()})

    plan, _ = TreatmentPlan.objects.get_or_create(
        patient=patient,
        defaults={"organization_id": patient.organization_id, "created_by": actor},
    )
    # The plan row is the lock that serializes version numbers and the single draft.
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    has_signed = plan.versions.filter(status=TreatmentPlanVersion.Status.SIGNED).exists()
    try:
        result = plan_session_calculate(
            patient=patient, protocol=protocol, inputs=spec.inputs, is_first_dose=not has_signed
        )
    except dosing.InvalidDoseInput as exc:
        raise ValidationError({k: [v] for k, v in exc.errors.items()}) from exc
    if result.is_stopped:
        raise ValidationError(
            [f"Hard stop — {f.rule} ({f.source}): {f.message}" for f in result.stops]
        )

    draft = plan.versions.filter(status=TreatmentPlanVersion.Status.DRAFT).first()
    creating = draft is None
    if draft is None:
        number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = TreatmentPlanVersion(
            plan=plan,
            organization_id=patient.organization_id,
            patient=patient,
            number=number,
            created_by=actor,
        )
    _apply(draft, spec, result)
    draft.full_clean()
    draft.save()
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
        object_id=draft.pk,
        patient=patient,
        detail={"version": draft.number, "status": "draft"},
    )
    return draft


def _apply(
    version: TreatmentPlanVersion, spec: PlanVersionSpec, result: calculations.SessionResult
) -> None:
    """Copy a spec and its calculation onto a draft version (the one place that does)."""
    protocol, inputs = spec.protocol, spec.inputs
    version.protocol = protocol
    version.protocol_snapshot = protocol_snapshot(protocol)
    version.route = protocol.route
    version.indication = spec.indication
    version.phase = spec.phase
    version.planned_sessions = spec.planned_sessions
    version.sessions_per_week = spec.sessions_per_week
    version.planned_start_date = spec.planned_start_date
    version.rationale = spec.rationale
    for name in dosing.DOSE_FIELDS:
        setattr(version, name, _decimal(getattr(inputs, name)))
    version.duration_min = None if inputs.duration_min is None else int(inputs.duration_min)
    version.weight_kg = _decimal(inputs.weight_kg)
    version.height_cm = _decimal(inputs.height_cm)
    version.sex = inputs.sex or ""
    version.vial_mg_per_ml = (
        None if protocol.route == "intranasal" else _decimal(inputs.vial_mg_per_ml)
    )
    is_iv = protocol.route == "iv"
    version.bag_volume_ml = _decimal(inputs.bag_volume_ml) if is_iv else None
    version.withdraw_equal_volume = inputs.withdraw_equal_volume if is_iv else False
    version.weight_basis = result.weight_basis
    version.dosing_weight_kg = _quantize(result.dosing_weight_kg, 2) or version.weight_kg
    version.weight_formula = result.weight_formula
    version.session_dose_mg = _quantize(result.dose_mg, 2)
    version.dose_rate_mg_per_h = _quantize(
        result.infusion.dose_rate_mg_per_h if result.infusion else None, 2
    )
    version.updated_at = timezone.now()


@transaction.atomic
def plan_version_draft_discard(
    *, version: TreatmentPlanVersion, actor: User, context: AuditContext = NO_REQUEST
) -> None:
    """Delete an unsigned draft version; signed versions are never removed."""
    require(actor, "treatment.draft")
    require_same_organization(actor, version.organization_id)
    version = TreatmentPlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_signed:
        raise SignedVersionError("A signed plan version cannot be deleted.")
    number, patient = version.number, version.patient
    version.delete()
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
        object_id=number,
        patient=patient,
        detail={"version": number, "status": "draft"},
    )


SIGNED_CONTENT_FIELDS = (
    "number",
    "indication",
    "phase",
    "route",
    "planned_sessions",
    "sessions_per_week",
    "planned_start_date",
    "dose_mg_per_kg",
    "dose_mg",
    "dose_mg_per_kg_per_h",
    "dose_mg_per_h",
    "duration_min",
    "weight_kg",
    "height_cm",
    "sex",
    "weight_basis",
    "dosing_weight_kg",
    "weight_formula",
    "session_dose_mg",
    "dose_rate_mg_per_h",
    "vial_mg_per_ml",
    "bag_volume_ml",
    "withdraw_equal_volume",
    "rationale",
)


def plan_version_content(version: TreatmentPlanVersion) -> dict[str, Any]:
    """Return exactly what a signature covers, as JSON-ready values."""
    return {
        "organization_id": version.organization_id,
        "patient_id": version.patient_id,
        "plan_id": version.plan_id,
        "protocol": version.protocol_snapshot,
        **{name: _jsonable(getattr(version, name)) for name in SIGNED_CONTENT_FIELDS},
        "signed_by_id": version.signed_by_id,
        "signed_at": _jsonable(version.signed_at),
        "attestation": version.attestation,
    }


def plan_version_content_sha256(version: TreatmentPlanVersion) -> str:
    """Return the SHA-256 of the canonical JSON of `plan_version_content(version)`."""
    return canonical_sha256(plan_version_content(version))


def _sign_failures_key(user: User) -> str:
    return f"treatment:sign-failures:{user.pk}"


def plan_version_sign(
    *,
    version: TreatmentPlanVersion,
    signer: User,
    password: str,
    attested: bool,
    context: AuditContext = NO_REQUEST,
) -> TreatmentPlanVersion:
    """Sign a draft as the physician's order after re-authentication and attestation.

    A refused password is audited outside the signing transaction, so the record of
    the attempt survives the refusal. Repeated wrong passwords lock signing for
    SIGN_FAILURE_WINDOW_S seconds. The measurement schedule learns the plan's phase and
    first session date.
    """
    require(signer, "treatment.sign")
    require_same_organization(signer, version.organization_id)
    key = _sign_failures_key(signer)
    if cache.get(key, 0) >= SIGN_FAILURES_ALLOWED:
        raise SigningError(
            "Too many wrong passwords: signing is locked for 15 minutes. Sign out and back in "
            "if you have forgotten your password."
        )
    if not attested:
        raise SigningError("Tick the attestation to sign.")
    if not password or not signer.check_password(password):
        cache.add(key, 0, SIGN_FAILURE_WINDOW_S)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, SIGN_FAILURE_WINDOW_S)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=signer,
            context=context,
            organization=signer.organization,
            object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
            object_id=version.pk,
            patient=version.patient,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"version": version.number, "reason": "password"},
        )
        raise SigningError("The password is not correct. Re-enter your own password to sign.")
    cache.delete(key)
    return _sign(version=version, signer=signer, context=context)


@transaction.atomic
def _sign(
    *, version: TreatmentPlanVersion, signer: User, context: AuditContext
) -> TreatmentPlanVersion:
    version = (
        TreatmentPlanVersion.objects.select_for_update()
        .select_related("protocol", "patient__organization")
        .get(pk=version.pk)
    )
    if version.is_signed:
        raise SigningError("This version is already signed; write a new version to change it.")
    if protocol_snapshot(version.protocol) != version.protocol_snapshot:
        raise SigningError(
            "The protocol was changed after this draft was written. Open the draft, check it "
            "and save it again before signing."
        )
    has_signed = TreatmentPlanVersion.objects.filter(
        plan_id=version.plan_id, status=TreatmentPlanVersion.Status.SIGNED
    ).exists()
    result = plan_session_calculate(
        patient=version.patient,
        protocol=version.protocol,
        inputs=version.dose_inputs(),
        is_first_dose=not has_signed,
    )
    if result.is_stopped:
        raise SigningError(
            "The dose now breaks a limit: " + " ".join(f.message for f in result.stops)
        )
    version.status = TreatmentPlanVersion.Status.SIGNED
    version.signed_by = signer
    version.signed_at = timezone.now()
    version.attestation = ATTESTATION_TEXT
    version.content_sha256 = plan_version_content_sha256(version)
    version.full_clean()
    version.save(
        update_fields=["status", "signed_by", "signed_at", "attestation", "content_sha256"]
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=signer,
        context=context,
        organization=version.organization,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
        object_id=version.pk,
        patient=version.patient,
        detail={"version": version.number, "status": "signed", "sha256": version.content_sha256},
    )
    measurement_treatment_phase_set(
        patient=version.patient,
        phase=version.phase,
        starts_on=version.planned_start_date,
        context=context,
    )
    return version
