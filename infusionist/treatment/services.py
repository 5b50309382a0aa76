"""Writes of protocols, dosing settings and treatment plans, each with its audit event.

Who may do what (accounts/roles.py): prescribers (providers and physicians) draft plan
versions; only physicians sign them (the physician's signed order, docs/decisions/0002);
clinic admins and physicians edit protocols and dosing settings. The services check the
role themselves too, so no caller can skip the rule.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.clinics.models import Organization
from infusionist.lib import dosing
from infusionist.patients.models import Patient
from infusionist.treatment import calculations, defaults, selectors
from infusionist.treatment.models import (
    DosingSettings,
    Protocol,
    SignedVersionError,
    TreatmentPlan,
    TreatmentPlanVersion,
)
from infusionist.treatment.validation import check_dose_shape

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
PLAN_INPUT_FIELDS = (
    "indication",
    "phase",
    "protocol",
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
    "vial_mg_per_ml",
    "bag_volume_ml",
    "withdraw_equal_volume",
    "rationale",
)
ATTESTATION_TEXT = (
    "I have reviewed this treatment plan, the dose calculation and its dosing weight, and "
    "I order it for this patient."
)
SIGN_FAILURES_ALLOWED = 5
SIGN_FAILURE_WINDOW_S = 15 * 60


class SigningError(Exception):
    """A signature was refused; the message says why and what to do."""


# --- protocols and settings ---------------------------------------------------------


def _require(actor: Any, capability: str) -> None:
    if not can(actor, capability):
        raise PermissionDenied(f"Your role may not do this ({capability}).")


@transaction.atomic
def protocols_create_defaults(
    *, organization: Organization, actor: Any = None, request: HttpRequest | None = None
) -> list[Protocol]:
    """Create the documented default protocols the organization lacks; return the new ones.

    Safe to run again: an existing protocol with the same key is left as the clinic set it.
    """
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
            request=request,
            organization=organization,
            object_type="protocol",
            detail={"defaults": [p.key for p in created]},
        )
    return created


@transaction.atomic
def protocol_update(
    *, protocol: Protocol, actor: Any, data: dict[str, Any], request: HttpRequest | None = None
) -> list[str]:
    """Apply changed protocol fields; return their names. Signed plans keep their snapshot."""
    _require(actor, "protocols.edit")
    if actor.organization_id != protocol.organization_id:
        raise PermissionDenied("Another organization's protocol.")
    unknown = set(data) - set(PROTOCOL_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not protocol fields: {sorted(unknown)}")
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    return _settings_row_apply(
        row=protocol,
        data=data,
        actor=actor,
        request=request,
        organization=protocol.organization,
        object_type="protocol",
    )


@transaction.atomic
def dosing_settings_update(
    *,
    organization: Organization,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> list[str]:
    """Apply changed dose-calculator guards for the organization; return their names."""
    _require(actor, "protocols.edit")
    if actor.organization_id != organization.pk:
        raise PermissionDenied("Another organization's settings.")
    unknown = set(data) - set(SETTINGS_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not dosing settings: {sorted(unknown)}")
    settings_row, _ = DosingSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    return _settings_row_apply(
        row=settings_row,
        data=data,
        actor=actor,
        request=request,
        organization=organization,
        object_type="dosing_settings",
    )


def _settings_row_apply(
    *,
    row: Protocol | DosingSettings,
    data: dict[str, Any],
    actor: Any,
    request: HttpRequest | None,
    organization: Organization,
    object_type: str,
) -> list[str]:
    """Write the changed fields of a locked clinic-settings row and audit old and new values.

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
        request=request,
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
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Protocol):
        return value.key
    return value


def protocol_snapshot(protocol: Protocol) -> dict[str, Any]:
    """Return the protocol's clinical content as JSON-ready values."""
    return {
        "id": protocol.pk,
        "key": protocol.key,
        **{name: _jsonable(getattr(protocol, name)) for name in PROTOCOL_EDITABLE_FIELDS},
    }


# --- plan versions ------------------------------------------------------------------


class _Values:
    """Attribute access over a dict, for the shared shape checks."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        return self._data.get(name)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def plan_session_calculate(
    *,
    patient: Patient,
    protocol: Protocol,
    values: Any,
    settings: DosingSettings | None = None,
    is_first_dose: bool = False,
) -> calculations.SessionResult:
    """Return the session calculation for plan values (a version or a dict of form data)."""

    def get(name: str) -> Any:
        return values.get(name) if isinstance(values, dict) else getattr(values, name)

    settings = settings or selectors.dosing_settings(organization=patient.organization)
    return calculations.calculate_session(
        route=protocol.route,
        weight_kg=_float(get("weight_kg")),
        limits=calculations.limits_for(settings=settings, protocol=protocol),
        protocol=protocol,
        dose_mg_per_kg=_float(get("dose_mg_per_kg")),
        dose_mg=_float(get("dose_mg")),
        dose_mg_per_kg_per_h=_float(get("dose_mg_per_kg_per_h")),
        dose_mg_per_h=_float(get("dose_mg_per_h")),
        duration_min=_float(get("duration_min")),
        vial_mg_per_ml=_float(get("vial_mg_per_ml")),
        bag_volume_ml=_float(get("bag_volume_ml")),
        withdraw_equal_volume=bool(get("withdraw_equal_volume")),
        weight_basis=get("weight_basis") or "actual",
        height_cm=_float(get("height_cm")),
        sex=get("sex") or None,
        age_years=patient.age_years(),
        is_first_dose=is_first_dose,
    )


def _quantize(value: float | None, places: int) -> Decimal | None:
    return None if value is None else dosing.round_half_up(value, places)


@transaction.atomic
def plan_draft_save(
    *,
    patient: Patient,
    actor: Any,
    data: dict[str, Any],
    request: HttpRequest | None = None,
) -> TreatmentPlanVersion:
    """Write the patient's open draft version (creating the plan and draft if needed).

    The dose is recalculated here from the inputs; a hard stop or an input the
    calculator cannot use raises ValidationError naming the field, so nothing is saved.
    """
    _require(actor, "treatment.draft")
    if actor.organization_id != patient.organization_id:
        raise PermissionDenied("Another organization's patient.")
    unknown = set(data) - set(PLAN_INPUT_FIELDS)
    if unknown:
        raise ValueError(f"Not plan fields: {sorted(unknown)}")
    protocol: Protocol = data["protocol"]
    if protocol.organization_id != patient.organization_id:
        raise ValidationError({"protocol": "Choose one of this clinic's protocols."})
    shape_errors = check_dose_shape(
        _Values(data), route=protocol.route, duration_min=data.get("duration_min")
    )
    if shape_errors:
        raise ValidationError(shape_errors)

    plan, _ = TreatmentPlan.objects.get_or_create(
        patient=patient,
        defaults={"organization_id": patient.organization_id, "created_by": actor},
    )
    # The plan row is the lock that serializes version numbers and the single draft.
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    has_signed = plan.versions.filter(status=TreatmentPlanVersion.Status.SIGNED).exists()
    result = plan_session_calculate(
        patient=patient, protocol=protocol, values=data, is_first_dose=not has_signed
    )
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
    for name in PLAN_INPUT_FIELDS:
        setattr(draft, name, data.get(name))
    draft.withdraw_equal_volume = bool(data.get("withdraw_equal_volume"))
    draft.sex = data.get("sex") or ""
    draft.rationale = data.get("rationale") or ""
    draft.route = protocol.route
    draft.protocol_snapshot = protocol_snapshot(protocol)
    draft.weight_basis = result.weight_basis
    draft.dosing_weight_kg = _quantize(result.dosing_weight_kg, 2) or draft.weight_kg
    draft.weight_formula = result.weight_formula
    draft.session_dose_mg = _quantize(result.dose_mg, 2)
    draft.dose_rate_mg_per_h = _quantize(
        result.infusion.dose_rate_mg_per_h if result.infusion else None, 2
    )
    if protocol.route != "iv":
        draft.bag_volume_ml = None
        draft.withdraw_equal_volume = False
    if protocol.route == "intranasal":
        draft.vial_mg_per_ml = None
    draft.updated_at = timezone.now()
    draft.full_clean()
    draft.save()
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        request=request,
        organization=patient.organization,
        object_type="treatment_plan_version",
        object_id=draft.pk,
        patient=patient,
        detail={"version": draft.number, "status": "draft"},
    )
    return draft


@transaction.atomic
def plan_draft_discard(
    *, version: TreatmentPlanVersion, actor: Any, request: HttpRequest | None = None
) -> None:
    """Delete an unsigned draft version; signed versions are never removed."""
    _require(actor, "treatment.draft")
    if actor.organization_id != version.organization_id:
        raise PermissionDenied("Another organization's plan.")
    version = TreatmentPlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_signed:
        raise SignedVersionError("A signed plan version cannot be deleted.")
    number, patient = version.number, version.patient
    version.delete()
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        request=request,
        organization=patient.organization,
        object_type="treatment_plan_version",
        object_id=number,
        patient=patient,
        detail={"version": number, "status": "draft"},
    )


def plan_content(version: TreatmentPlanVersion) -> dict[str, Any]:
    """Return exactly what a signature covers, as JSON-ready values."""
    fields = (
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
    return {
        "organization_id": version.organization_id,
        "patient_id": version.patient_id,
        "plan_id": version.plan_id,
        "protocol": version.protocol_snapshot,
        **{name: _jsonable(getattr(version, name)) for name in fields},
        "signed_by_id": version.signed_by_id,
        "signed_at": _jsonable(version.signed_at),
        "attestation": version.attestation,
    }


def plan_content_sha256(version: TreatmentPlanVersion) -> str:
    """Return the SHA-256 of the canonical JSON of `plan_content(version)`."""
    canonical = json.dumps(
        plan_content(version), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _sign_failures_key(user: Any) -> str:
    return f"treatment:sign-failures:{user.pk}"


def plan_version_sign(
    *,
    version: TreatmentPlanVersion,
    signer: Any,
    password: str,
    attested: bool,
    request: HttpRequest | None = None,
) -> TreatmentPlanVersion:
    """Sign a draft as the physician's order after re-authentication and attestation.

    A refused password is audited outside the signing transaction, so the record of
    the attempt survives the refusal. Repeated wrong passwords lock signing for
    SIGN_FAILURE_WINDOW_S seconds.
    """
    _require(signer, "treatment.sign")
    if signer.organization_id != version.organization_id:
        raise PermissionDenied("Another organization's plan.")
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
            request=request,
            organization=signer.organization,
            object_type="treatment_plan_version",
            object_id=version.pk,
            patient=version.patient,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"version": version.number, "reason": "password"},
        )
        raise SigningError("The password is not correct. Re-enter your own password to sign.")
    cache.delete(key)
    return _sign(version=version, signer=signer, request=request)


@transaction.atomic
def _sign(
    *, version: TreatmentPlanVersion, signer: Any, request: HttpRequest | None
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
        values=version,
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
    version.content_sha256 = plan_content_sha256(version)
    version.full_clean()
    version.save(
        update_fields=["status", "signed_by", "signed_at", "attestation", "content_sha256"]
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=signer,
        request=request,
        organization=version.organization,
        object_type="treatment_plan_version",
        object_id=version.pk,
        patient=version.patient,
        detail={"version": version.number, "status": "signed", "sha256": version.content_sha256},
    )
    return version
