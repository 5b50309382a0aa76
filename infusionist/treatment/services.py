"""Writes of protocols, dosing settings and treatment plans, each with its audit event.

Who may do what (accounts/roles.py): prescribers (providers and physicians) draft plan
versions; only physicians sign them (the physician's signed order, docs/decisions/0002);
clinic admins and physicians edit protocols, dosing and measurement settings, but clinical
limits change only with a physician's signature (docs/decisions/0007, 0010): a physician
changes them directly, a clinic admin proposes the change and a physician approves it with
their password or rejects it. The proposal machinery is generic over ``CHANGE_TARGETS``; the
measurements app owns which measurement settings are clinical and their write. The services
check the role themselves too, so no caller can skip the rule.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.professional import signing_problem
from infusionist.accounts.roles import can
from infusionist.accounts.signing import SIGN_FAILURE_WINDOW_S as SIGN_FAILURE_WINDOW_S
from infusionist.accounts.signing import SIGN_FAILURES_ALLOWED as SIGN_FAILURES_ALLOWED
from infusionist.accounts.signing import SigningError as SigningError
from infusionist.accounts.signing import reauthenticate, refuse_unlicensed_signer
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.clinics.selectors import clinic_today
from infusionist.integrity import canonical_sha256, jsonable
from infusionist.lib import dosing, reasons
from infusionist.measurements import selectors as measurement_selectors
from infusionist.measurements import services as measurement_services
from infusionist.measurements.models import MeasurementSettings
from infusionist.measurements.services import measurement_treatment_phase_set
from infusionist.patients.models import Patient
from infusionist.treatment import calculations, defaults, selectors
from infusionist.treatment.models import (
    TEXT_MAX_CHARS,
    AdministeredDose,
    ClinicalChangeProposal,
    DosingSettings,
    Indication,
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
# SigningError, SIGN_FAILURES_ALLOWED and SIGN_FAILURE_WINDOW_S are re-exported from
# accounts.signing (the signature's one home): treatment's views and tests name them here.

# Which fields are clinical (docs/decisions/0007). A clinical field changes what a clinician
# is told to give, how often, how the patient is monitored, which guards apply or which
# evidence a finding cites; it changes only with a physician's signature. The others are
# labels a clinic admin may change at once: a protocol's name and its schedule description
# (plain text; the schedule itself is clinical), and how long the predicted PK curve is drawn.
NON_CLINICAL_PROTOCOL_FIELDS = ("name", "schedule_description")
CLINICAL_PROTOCOL_FIELDS = tuple(
    name for name in PROTOCOL_EDITABLE_FIELDS if name not in NON_CLINICAL_PROTOCOL_FIELDS
)
NON_CLINICAL_SETTINGS_FIELDS = ("pk_curve_after_min",)
CLINICAL_SETTINGS_FIELDS = tuple(
    name for name in SETTINGS_EDITABLE_FIELDS if name not in NON_CLINICAL_SETTINGS_FIELDS
)
ATTESTATION_TEXT = (
    "I have reviewed this treatment plan, the dose calculation and its dosing weight, and "
    "I order it for this patient."
)


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
    extra_detail: Mapping[str, Any] | None = None,
) -> list[str]:
    """Apply changed protocol fields; return their names. Signed plans keep their snapshot.

    ``extra_detail`` adds to the audit event (the proposal a physician signed). Raises
    ``PermissionDenied`` when a clinical field would change and the actor is not a
    physician: a clinic admin proposes it instead (:func:`clinical_change_propose`).
    """
    require(actor, "protocols.edit")
    require_same_organization(actor, protocol.organization_id)
    unknown = set(data) - set(PROTOCOL_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not protocol fields: {sorted(unknown)}")
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    _require_signature_for_clinical(actor, protocol, data, CLINICAL_PROTOCOL_FIELDS)
    return _clinic_row_apply(
        row=protocol,
        data=data,
        actor=actor,
        context=context,
        organization=protocol.organization,
        object_type=AuditEvent.ObjectType.PROTOCOL,
        extra_detail=extra_detail,
    )


@transaction.atomic
def dosing_settings_update(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
    extra_detail: Mapping[str, Any] | None = None,
) -> list[str]:
    """Apply changed dose-calculator guards for the organization; return their names.

    ``extra_detail`` adds to the audit event (the proposal a physician signed). Raises
    ``PermissionDenied`` when a clinical setting would change and the actor is not a
    physician: a clinic admin proposes it instead (:func:`clinical_change_propose`).
    """
    require(actor, "protocols.edit")
    require_same_organization(actor, organization.pk)
    unknown = set(data) - set(SETTINGS_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not dosing settings: {sorted(unknown)}")
    dosing_settings = _dosing_settings_for_update(organization_id=organization.pk)
    _require_signature_for_clinical(actor, dosing_settings, data, CLINICAL_SETTINGS_FIELDS)
    return _clinic_row_apply(
        row=dosing_settings,
        data=data,
        actor=actor,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.DOSING_SETTINGS,
        extra_detail=extra_detail,
    )


def _dosing_settings_for_update(*, organization_id: int) -> DosingSettings:
    row, _ = DosingSettings.objects.select_for_update().get_or_create(
        organization_id=organization_id
    )
    return row


def _require_signature_for_clinical(
    actor: User,
    row: Protocol | DosingSettings,
    data: Mapping[str, Any],
    clinical_fields: tuple[str, ...],
) -> None:
    """Raise ``PermissionDenied`` when clinical fields would change without a physician."""
    clinical = _clinical_changed(row, data, clinical_fields)
    if clinical and not can(actor, "protocols.sign"):
        raise PermissionDenied(
            "Clinical limits change only with a physician's signature; propose the change to "
            f"{', '.join(field_label(row, name) for name in clinical)} for a physician to sign."
        )


def _clinical_changed(
    row: models.Model, data: Mapping[str, Any], clinical_fields: tuple[str, ...]
) -> list[str]:
    return [n for n in clinical_fields if n in data and getattr(row, n) != data[n]]


def _clinic_row_apply(
    *,
    row: Protocol | DosingSettings,
    data: Mapping[str, Any],
    actor: User,
    context: AuditContext,
    organization: Organization,
    object_type: AuditEvent.ObjectType,
    extra_detail: Mapping[str, Any] | None = None,
) -> list[str]:
    """Write the changed fields of a locked clinic row and audit old and new values.

    Protocols and dosing settings hold no patient data, so the values themselves are recorded,
    with the clinical fields among them and who signed them.
    """
    changed = [name for name, value in data.items() if getattr(row, name) != value]
    if not changed:
        return []
    clinical_fields = (
        CLINICAL_PROTOCOL_FIELDS if isinstance(row, Protocol) else CLINICAL_SETTINGS_FIELDS
    )
    clinical = [name for name in changed if name in clinical_fields]
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
            **({"clinical_fields": clinical, "signed_by": actor.pk} if clinical else {}),
            **(extra_detail or {}),
        },
    )
    return changed


def _jsonable(value: Any) -> Any:
    if isinstance(value, Protocol):
        return value.key
    return jsonable(value)


# --- proposed changes to clinical limits ----------------------------------------------

#: Why a proposal without a real reason is refused (the physician who signs reads it).
CHANGE_REASON_NEEDED = (
    "Write why this change is needed, e.g. “new dosing guidance from our medical director”: "
    "the physician who signs it reads this."
)

#: A clinic row whose clinical fields change only with a physician's signature.
ClinicRow = Protocol | DosingSettings | MeasurementSettings
#: The capability that signs a change to clinical limits (physicians).
SIGN_CAPABILITY = "protocols.sign"


@dataclass(frozen=True)
class ChangeTarget:
    """One kind of clinic row with clinical limits, as the proposal machinery sees it.

    Proposing, signing, rejecting and the proposal pages read only this table
    (``CHANGE_TARGETS``); the row's own service applies a change, checks who may make it and
    audits old and new values. A new kind of row adds its target to
    ``ClinicalChangeProposal.Target`` (a migration), an entry here and its service.
    """

    model: type[models.Model]
    #: The fields that change only with a physician's signature; a proposal holds only these.
    clinical_fields: tuple[str, ...]
    #: The audit trail's name for the row: proposals, signatures and refusals are filed there.
    object_type: AuditEvent.ObjectType
    #: Who may edit the row (and so propose a change to it).
    edit_capability: str
    #: Each field's source keys, shown beside a proposed value; empty: the row's own keys.
    source_keys: Mapping[str, str]
    #: ``(organization, protocol)`` -> the row as it stands (unsaved defaults when none).
    current: Callable[[Organization, Protocol | None], ClinicRow]
    #: ``(organization_id, protocol_id)`` -> the row, locked until the transaction ends.
    for_update: Callable[[int, int | None], ClinicRow]
    #: Apply changed fields (keyword arguments ``organization``, ``protocol``, ``actor``,
    #: ``data``, ``context``, ``extra_detail``) with the row's own checks and audit event;
    #: return the names changed.
    update: Callable[..., list[str]]


def _protocol_locked(_organization_id: int, protocol_id: int | None) -> Protocol:
    if protocol_id is None:
        raise ValueError("A proposal to change a protocol names its protocol.")
    return Protocol.objects.select_for_update().get(pk=protocol_id)


def _protocol_update(*, protocol: Protocol | None, **kwargs: Any) -> list[str]:
    assert protocol is not None
    kwargs.pop("organization")
    return protocol_update(protocol=protocol, **kwargs)


def _settings_update(function: Callable[..., list[str]]) -> Callable[..., list[str]]:
    def update(*, protocol: Protocol | None, **kwargs: Any) -> list[str]:
        return function(**kwargs)

    return update


CHANGE_TARGETS: dict[str, ChangeTarget] = {
    ClinicalChangeProposal.Target.PROTOCOL: ChangeTarget(
        model=Protocol,
        clinical_fields=CLINICAL_PROTOCOL_FIELDS,
        object_type=AuditEvent.ObjectType.PROTOCOL,
        edit_capability="protocols.edit",
        source_keys={},
        current=lambda _organization, protocol: _protocol_locked(0, getattr(protocol, "pk", None)),
        for_update=_protocol_locked,
        update=_protocol_update,
    ),
    ClinicalChangeProposal.Target.DOSING_SETTINGS: ChangeTarget(
        model=DosingSettings,
        clinical_fields=CLINICAL_SETTINGS_FIELDS,
        object_type=AuditEvent.ObjectType.DOSING_SETTINGS,
        edit_capability="protocols.edit",
        source_keys=DosingSettings.SOURCE_KEYS,
        current=lambda organization, _protocol: selectors.dosing_settings_for(
            organization=organization
        ),
        for_update=lambda organization_id, _protocol_id: _dosing_settings_for_update(
            organization_id=organization_id
        ),
        update=_settings_update(dosing_settings_update),
    ),
    # docs/decisions/0010: the clinical measurement settings are the measurements app's rule.
    ClinicalChangeProposal.Target.MEASUREMENT_SETTINGS: ChangeTarget(
        model=MeasurementSettings,
        clinical_fields=measurement_services.CLINICAL_MEASUREMENT_SETTINGS_FIELDS,
        object_type=AuditEvent.ObjectType.MEASUREMENT_SETTINGS,
        edit_capability="measurements.settings",
        source_keys=MeasurementSettings.SOURCE_KEYS,
        current=lambda organization, _protocol: measurement_selectors.measurement_settings_for(
            organization=organization
        ),
        for_update=lambda organization_id, _protocol_id: (
            measurement_services.measurement_settings_for_update(organization_id=organization_id)
        ),
        update=_settings_update(measurement_services.measurement_settings_update),
    ),
}


@dataclass(frozen=True)
class ClinicalEdit:
    """What an edit of a clinic row did: the fields changed at once and the proposal made."""

    changed: list[str]
    proposal: ClinicalChangeProposal | None


@transaction.atomic
def clinical_limits_edit(
    *,
    target: str,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    protocol: Protocol | None = None,
    reason: str = "",
    context: AuditContext = NO_REQUEST,
) -> ClinicalEdit:
    """Save an edit of a clinic row (a protocol, dosing or measurement settings).

    A physician's edit applies whole: they hold the authority, and the audit event names
    them as the signer. Anyone else's changes to clinical fields become one proposal for a
    physician to sign (with ``reason``), and the other fields apply at once; both happen or
    neither does. Raises ``ValidationError`` naming the field for a value the row refuses,
    ``PermissionDenied`` unless the actor may edit the row, ``KeyError`` for an unknown target.
    """
    spec = CHANGE_TARGETS[target]
    proposal = None
    if can(actor, SIGN_CAPABILITY):
        problem = signing_problem(actor, today=clinic_today(organization_id=organization.pk))
        if problem and _clinical_changed(
            spec.current(organization, protocol), data, spec.clinical_fields
        ):
            raise ValidationError(problem)
    if not can(actor, SIGN_CAPABILITY):
        clinical = {k: v for k, v in data.items() if k in spec.clinical_fields}
        data = {k: v for k, v in data.items() if k not in spec.clinical_fields}
        proposal = clinical_change_propose(
            organization=organization,
            actor=actor,
            data=clinical,
            protocol=protocol,
            target=target,
            reason=reason,
            context=context,
        )
    changed = spec.update(
        organization=organization,
        protocol=protocol,
        actor=actor,
        data=data,
        context=context,
        extra_detail=None,
    )
    return ClinicalEdit(changed=changed, proposal=proposal)


@transaction.atomic
def clinical_change_propose(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    protocol: Protocol | None = None,
    target: str | None = None,
    reason: str = "",
    context: AuditContext = NO_REQUEST,
) -> ClinicalChangeProposal | None:
    """Record a proposed change to clinical limits for a physician to sign; None if no change.

    ``target`` is a ``ClinicalChangeProposal.Target`` (by default the protocol's when one is
    given, else the dosing settings'); ``data`` holds clinical fields of that row. The
    proposed values are validated with the rest of the row as it stands, so a physician is
    never asked to sign a change that cannot be saved (ValidationError names the field).
    Raises ``ValueError`` for a field that is not a clinical field of the target, or a
    protocol given with another target.
    """
    target = target or (
        ClinicalChangeProposal.Target.PROTOCOL
        if protocol is not None
        else ClinicalChangeProposal.Target.DOSING_SETTINGS
    )
    spec = CHANGE_TARGETS[target]
    if (protocol is not None) != (target == ClinicalChangeProposal.Target.PROTOCOL):
        raise ValueError("Only a proposal to change a protocol names a protocol.")
    require(actor, spec.edit_capability)
    require_same_organization(actor, organization.pk)
    if protocol is not None:
        require_same_organization(actor, protocol.organization_id)
    row = spec.current(organization, protocol)
    unknown = set(data) - set(spec.clinical_fields)
    if unknown:
        raise ValueError(f"Not clinical fields of this {target}: {sorted(unknown)}")
    changed = _clinical_changed(row, data, spec.clinical_fields)
    if not changed:
        return None
    if reasons.says_nothing(reason):
        raise ValidationError({"change_reason": CHANGE_REASON_NEEDED})
    proposed = copy.copy(row)
    for name in changed:
        setattr(proposed, name, data[name])
    proposed.full_clean()
    proposal = ClinicalChangeProposal(
        organization=organization,
        target=target,
        protocol=row if isinstance(row, Protocol) else None,
        changes={
            name: {
                "before": _jsonable(getattr(row, name)),
                "after": _jsonable(getattr(proposed, name)),
            }
            for name in changed
        },
        reason=reason.strip(),
        proposed_by=actor,
    )
    proposal.full_clean()
    proposal.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        organization=organization,
        object_type=spec.object_type,
        object_id=row.pk or "",
        detail={
            "proposal": proposal.pk,
            "status": proposal.status,
            "fields": changed,
            "before": {name: proposal.changes[name]["before"] for name in changed},
            "after": {name: proposal.changes[name]["after"] for name in changed},
            "reason": proposal.reason,
        },
    )
    return proposal


def clinical_change_approve(
    *,
    proposal: ClinicalChangeProposal,
    signer: User,
    password: str,
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Sign a proposed change as a physician (re-entering the password) and apply it.

    Returns the fields changed. Refuses (SigningError) a decided proposal, a wrong password
    (audited; five lock signing for 15 minutes, as for plans) and a proposal whose fields
    have changed since it was made (reject it and propose again).
    """
    require(signer, SIGN_CAPABILITY)
    require_same_organization(signer, proposal.organization_id)
    refuse_unlicensed_signer(signer)
    reauthenticate(
        signer=signer,
        password=password,
        context=context,
        object_type=_proposal_object_type(proposal),
        object_id=proposal.protocol_id or "",
        detail={"proposal": proposal.pk},
    )
    return _approve(proposal=proposal, signer=signer, context=context)


@transaction.atomic
def _approve(*, proposal: ClinicalChangeProposal, signer: User, context: AuditContext) -> list[str]:
    proposal = ClinicalChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_pending:
        raise SigningError(f"This proposal is already {proposal.get_status_display().lower()}.")
    spec = CHANGE_TARGETS[proposal.target]
    row = spec.for_update(proposal.organization_id, proposal.protocol_id)
    stale = [
        name
        for name, change in proposal.changes.items()
        if not same_field_value(row, name, getattr(row, name), change["before"])
    ]
    if stale:
        labels = ", ".join(field_label(row, name) for name in stale)
        raise SigningError(
            f"{labels[:1].upper()}{labels[1:]} changed after this proposal was made; reject it "
            "and propose the change again."
        )
    data = {
        name: _model_field(row, name).to_python(change["after"])
        for name, change in proposal.changes.items()
    }
    changed = spec.update(
        organization=signer.organization or row.organization,
        protocol=row if isinstance(row, Protocol) else None,
        actor=signer,
        data=data,
        context=context,
        extra_detail={"proposal": proposal.pk, "proposed_by": proposal.proposed_by_id},
    )
    proposal.status = ClinicalChangeProposal.Status.APPROVED
    proposal.decided_by = signer
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return changed


@transaction.atomic
def clinical_change_reject(
    *,
    proposal: ClinicalChangeProposal,
    signer: User,
    note: str = "",
    context: AuditContext = NO_REQUEST,
) -> ClinicalChangeProposal:
    """Reject a proposed change to clinical limits; nothing changes. The note is kept."""
    require(signer, SIGN_CAPABILITY)
    require_same_organization(signer, proposal.organization_id)
    proposal = ClinicalChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_pending:
        raise SigningError(f"This proposal is already {proposal.get_status_display().lower()}.")
    proposal.status = ClinicalChangeProposal.Status.REJECTED
    proposal.decided_by = signer
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    proposal.full_clean()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=signer,
        context=context,
        organization=signer.organization,
        object_type=_proposal_object_type(proposal),
        object_id=proposal.protocol_id or "",
        detail={
            "proposal": proposal.pk,
            "status": proposal.status,
            "fields": list(proposal.changes),
            "note": proposal.decision_note,
        },
    )
    return proposal


def same_field_value(row: models.Model, name: str, a: Any, b: Any) -> bool:
    """Return whether two values of a row's field are the same value, whatever their form.

    A recorded value may be a string ("1.0"), a float or a Decimal ("1.000"): each is read
    with the field's own parser and decimals are compared at the field's decimal places,
    so 1.0, "1.000" and Decimal("1") are one value.
    """
    field = _model_field(row, name)
    try:
        a_value, b_value = field.to_python(a), field.to_python(b)
    except ValidationError:
        return _jsonable(a) == _jsonable(b)
    if isinstance(field, models.DecimalField) and a_value is not None and b_value is not None:
        quantum = Decimal(1).scaleb(-(field.decimal_places or 0))
        return bool(a_value.quantize(quantum) == b_value.quantize(quantum))
    if isinstance(a_value, Protocol) or isinstance(b_value, Protocol):
        return bool(_jsonable(a_value) == _jsonable(b_value))
    return bool(a_value == b_value)


def field_label(row: models.Model, name: str) -> str:
    """Return the field's label as people read it ("maximum dose (mg/kg)"), never its name."""
    return str(_model_field(row, name).verbose_name)


def _model_field(row: models.Model, name: str) -> models.Field[Any, Any]:
    field = row._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _proposal_object_type(proposal: ClinicalChangeProposal) -> AuditEvent.ObjectType:
    return CHANGE_TARGETS[proposal.target].object_type


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
    #: The author has checked a flagged weight (implausible BMI, large change) and confirms it.
    weight_confirmed: bool = False
    #: A physician's reason for drafting past a plan rule (age, indication); see
    #: `plan_rule_findings`.
    override_reason: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> PlanVersionSpec:
        """Return the spec of a mapping with the plan fields and the dose inputs' fields.

        ``confirm_weight`` (the plan form's box) sets ``weight_confirmed``.
        """
        return cls(
            protocol=values["protocol"],
            indication=values["indication"],
            phase=values["phase"],
            planned_sessions=int(values["planned_sessions"]),
            sessions_per_week=Decimal(values["sessions_per_week"]),
            planned_start_date=values["planned_start_date"],
            inputs=dosing.DoseInputs.from_values(dict(values)),
            rationale=values.get("rationale") or "",
            weight_confirmed=bool(values.get("confirm_weight")),
            override_reason=(values.get("override_reason") or "").strip(),
        )


def plan_session_calculate(
    *,
    patient: Patient,
    protocol: Protocol,
    inputs: dosing.DoseInputs,
    dosing_settings: DosingSettings | None = None,
    is_first_dose: bool = False,
    previous_weight_kg: Decimal | float | None = None,
    weight_confirmed: bool = False,
) -> calculations.SessionResult:
    """Return the session calculation for a plan's dose inputs with the protocol's limits.

    ``previous_weight_kg`` is the patient's last recorded weight: the weight on their latest
    signed plan version before this one (`selectors.last_recorded_weight_kg`).
    """
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
        previous_weight_kg=None if previous_weight_kg is None else float(previous_weight_kg),
        weight_confirmed=weight_confirmed,
    )


def _weight_confirmation_message(result: calculations.SessionResult) -> str:
    return "Confirm the weight before this plan is used: " + " ".join(
        f.message for f in result.weight_findings
    )


def stop_errors(result: calculations.SessionResult) -> dict[str, list[str]]:
    """Return each hard stop as a message keyed by the input it is about.

    A stop about the whole calculation is keyed ``NON_FIELD_ERRORS``.
    """
    errors: dict[str, list[str]] = {}
    for stop in result.stops:
        errors.setdefault(stop.field or NON_FIELD_ERRORS, []).append(f"Hard stop: {stop.message}")
    return errors


def start_date_error(
    starts_on: dt.date, *, today: dt.date | None = None, horizon_days: int | None = None
) -> str:
    """Return why a first session date cannot be ordered ("" when it can).

    A plan orders sessions from ``today`` (default: the clinic's date) onwards; an earlier
    date would place sessions that never happened in the measurement schedule and the
    exposure totals. A date more than ``horizon_days`` ahead (the clinic's
    ``max_plan_start_days``, default 365 [?] no published source) is a typing slip.
    """
    today = today or timezone.localdate()
    if starts_on < today:
        return (
            f"The first session date, {starts_on:%b} {starts_on.day}, {starts_on.year}, is in "
            "the past: choose today or a later date."
        )
    if horizon_days is not None and starts_on > today + dt.timedelta(days=horizon_days):
        latest = today + dt.timedelta(days=horizon_days)
        return (
            f"The first session date, {starts_on:%b} {starts_on.day}, {starts_on.year}, is more "
            f"than {horizon_days} days ahead (the clinic's limit): choose a date on or before "
            f"{latest:%b} {latest.day}, {latest.year}."
        )
    return ""


REASON_HELP = (
    "say in a few words why it is right for this patient (for example the clinical facts "
    "you weighed); a placeholder such as “.”, “ok” or “n/a” is not a reason. It is stored "
    "with the plan and recorded in the audit trail."
)


def reason_error(reason: str | None, *, what: str) -> str:
    """Return why ``reason`` cannot be recorded as ``what`` ("" when it can).

    ``what`` names the reason ("The reason for the override"). Blank, too long
    (``TEXT_MAX_CHARS``) or saying nothing (`lib.reasons.says_nothing`) is refused.
    """
    return reasons.reason_problem(
        reason, what=what, help_text=REASON_HELP, max_chars=TEXT_MAX_CHARS
    )


def patient_age_finding(
    patient: Patient, *, dosing_settings: DosingSettings, today: dt.date | None = None
) -> calculations.Finding | None:
    """Return the finding of a patient younger than the clinic's minimum age, or None.

    The minimum is ``DosingSettings.min_patient_age_years`` (default 18: esketamine is
    approved for adults [18][19]). A patient without a date of birth has no known age and
    gets the same finding. Severity "override": only a physician's recorded reason passes.
    """
    minimum = int(dosing_settings.min_patient_age_years)
    rule = f"Minimum patient age, {minimum} years (clinic setting)"
    source = "clinic setting; esketamine is approved for adults [18][19]"
    if patient.date_of_birth is None:
        return calculations.Finding(
            code="age_unknown",
            message=(
                "The patient's date of birth is not recorded, so their age cannot be checked "
                f"against the clinic's minimum of {minimum} years. Record it on the patient's "
                "chart, or a physician overrides with a reason."
            ),
            severity="override",
            rule=rule,
            source=source,
            inputs={"date of birth": "not recorded", "minimum age": f"{minimum} years"},
        )
    age = patient.age_years(today or clinic_today(organization_id=patient.organization_id))
    if age >= minimum:
        return None
    born = patient.date_of_birth
    born_text = f"{born:%b} {born.day}, {born.year}"
    return calculations.Finding(
        code="age_below_minimum",
        message=(
            f"The patient is {age} years old (born {born_text}), younger "
            f"than the clinic's minimum of {minimum} years for a ketamine or esketamine plan; "
            "only a physician's override with a reason allows it."
        ),
        severity="override",
        rule=rule,
        source=source,
        inputs={
            "date of birth": born_text,
            "age": f"{age} years",
            "minimum age": f"{minimum} years",
        },
    )


def indication_finding(
    *, protocol_values: Mapping[str, Any], indication: str
) -> calculations.Finding | None:
    """Return the finding of a plan indication other than its protocol's, or None.

    ``protocol_values`` is a protocol snapshot (`protocol_snapshot`). Severity "override".
    """
    expected = protocol_values.get("indication") or ""
    if not expected or not indication or indication == expected:
        return None
    labels = dict(Indication.choices)
    return calculations.Finding(
        code="indication_not_protocol",
        message=(
            f"The plan's indication, {labels.get(indication, indication)}, is not the "
            f"protocol's ({labels.get(expected, expected)}): choose a protocol for this "
            "indication, or a physician overrides with a reason."
        ),
        severity="override",
        rule="Indication matches the protocol",
        source=(
            f"protocol “{protocol_values.get('name', '')}” "
            f"({protocol_values.get('source_keys', '')})"
        ),
        inputs={
            "plan indication": str(labels.get(indication, indication)),
            "protocol indication": str(labels.get(expected, expected)),
        },
    )


def plan_rule_findings(
    *,
    patient: Patient,
    protocol_values: Mapping[str, Any],
    indication: str,
    dosing_settings: DosingSettings,
    today: dt.date | None = None,
) -> list[calculations.Finding]:
    """Return the plan rules (age, indication) a plan breaks; each needs a physician's reason."""
    found = [
        patient_age_finding(patient, dosing_settings=dosing_settings, today=today),
        indication_finding(protocol_values=protocol_values, indication=indication),
    ]
    return [f for f in found if f is not None]


def _findings_text(findings: list[calculations.Finding]) -> str:
    return " ".join(f"{f.rule} ({f.source}): {f.message}" for f in findings)


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
    today: dt.date | None = None,
) -> TreatmentPlanVersion:
    """Write the patient's open draft version (creating the plan and draft if needed).

    The first session date must be ``today`` or later (default: the clinic's date; the demo
    seeding passes an earlier day to write a plan's history).

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
    dosing_settings = selectors.dosing_settings_for(organization=patient.organization)
    date_error = start_date_error(
        spec.planned_start_date,
        today=today or clinic_today(organization_id=patient.organization_id),
        horizon_days=int(dosing_settings.max_plan_start_days),
    )
    if date_error:
        raise ValidationError({"planned_start_date": [date_error]})
    rules = plan_rule_findings(
        patient=patient,
        protocol_values=protocol_snapshot(protocol),
        indication=spec.indication,
        dosing_settings=dosing_settings,
        today=today,
    )
    if rules:
        _require_rule_override(actor, rules, spec.override_reason)
    if len(spec.rationale) > TEXT_MAX_CHARS:
        raise ValidationError(
            {"rationale": [f"Keep the rationale to {TEXT_MAX_CHARS} characters or fewer."]}
        )

    plan, _ = TreatmentPlan.objects.get_or_create(
        patient=patient,
        defaults={"organization_id": patient.organization_id, "created_by": actor},
    )
    # The plan row is the lock that serializes version numbers and the single draft.
    plan = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    last_signed = _latest_signed_weight(plan_id=plan.pk)
    try:
        result = plan_session_calculate(
            patient=patient,
            protocol=protocol,
            inputs=spec.inputs,
            dosing_settings=dosing_settings,
            is_first_dose=last_signed is None,
            previous_weight_kg=last_signed,
            weight_confirmed=spec.weight_confirmed,
        )
    except dosing.InvalidDoseInput as exc:
        raise ValidationError({k: [v] for k, v in exc.errors.items()}) from exc
    if result.is_stopped:
        raise ValidationError(stop_errors(result))
    if result.needs_weight_confirmation:
        raise ValidationError({"confirm_weight": [_weight_confirmation_message(result)]})

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
    draft.weight_findings = [f.as_dict() for f in result.weight_findings]
    draft.weight_confirmed_by = actor if result.weight_findings else None
    draft.full_clean()
    draft.save()
    detail: dict[str, Any] = {"version": draft.number, "status": "draft"}
    if result.weight_findings:
        detail["weight_confirmed"] = [f.code for f in result.weight_findings]
    if rules:
        detail["override"] = {
            "findings": [f.code for f in rules],
            "reason": spec.override_reason,
        }
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        organization=patient.organization,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
        object_id=draft.pk,
        patient=patient,
        detail=detail,
    )
    return draft


def _require_rule_override(
    actor: User, rules: list[calculations.Finding], override_reason: str
) -> None:
    """Refuse a draft breaking a plan rule unless a physician gives a reason that says something.

    Raises ValidationError on ``override_reason`` (shown beside the form's field).
    """
    broken = _findings_text(rules)
    if not can(actor, "treatment.sign"):
        raise ValidationError(
            {
                "override_reason": [
                    f"Hard stop: {broken} Only a physician who signs plans can override this."
                ]
            }
        )
    error = reason_error(override_reason, what="The reason for the override")
    if error:
        raise ValidationError({"override_reason": [f"Hard stop: {broken} {error}"]})


def weight_confirmation_covers(
    version: TreatmentPlanVersion, result: calculations.SessionResult
) -> bool:
    """Return True when the version's recorded confirmation covers every weight finding now."""
    if version.weight_confirmed_by_id is None:
        return False
    confirmed = {f.get("code") for f in version.weight_findings}
    return {f.code for f in result.weight_findings} <= confirmed


def _latest_signed_weight(*, plan_id: int, before_number: int | None = None) -> Decimal | None:
    """Return the weight on the plan's latest signed version (before ``before_number``)."""
    versions = TreatmentPlanVersion.objects.filter(
        plan_id=plan_id, status=TreatmentPlanVersion.Status.SIGNED
    )
    if before_number is not None:
        versions = versions.filter(number__lt=before_number)
    return versions.order_by("-number").values_list("weight_kg", flat=True).first()


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
    """Return exactly what a signature covers, as JSON-ready values.

    A confirmed weight finding and an override are covered when there is one; versions
    without them hash exactly as before those fields existed.
    """
    content = {
        "organization_id": version.organization_id,
        "patient_id": version.patient_id,
        "plan_id": version.plan_id,
        "protocol": version.protocol_snapshot,
        **{name: _jsonable(getattr(version, name)) for name in SIGNED_CONTENT_FIELDS},
        "signed_by_id": version.signed_by_id,
        "signed_at": _jsonable(version.signed_at),
        "attestation": version.attestation,
    }
    if version.weight_findings:
        content["weight_findings"] = version.weight_findings
        content["weight_confirmed_by_id"] = version.weight_confirmed_by_id
    if version.override_findings:
        content["override_findings"] = version.override_findings
        content["override_reason"] = version.override_reason
    if version.safety_alerts_acknowledged:
        content["safety_alerts_acknowledged"] = version.safety_alerts_acknowledged
        content["safety_acknowledgment_reason"] = version.safety_acknowledgment_reason
    return content


def plan_version_frequency_findings(
    version: TreatmentPlanVersion,
) -> list[calculations.Finding]:
    """Return one finding per frequency rule of its protocol snapshot the version breaks."""
    return calculations.frequency_findings(
        protocol_values=version.protocol_snapshot,
        planned_sessions=version.planned_sessions,
        sessions_per_week=version.sessions_per_week,
        start_date=version.planned_start_date,
    )


def plan_version_override_findings(
    version: TreatmentPlanVersion,
    *,
    dosing_settings: DosingSettings | None = None,
    today: dt.date | None = None,
) -> list[calculations.Finding]:
    """Return every rule the version breaks that signing needs an override reason for.

    The protocol's frequency limits (`plan_version_frequency_findings`), then the plan rules
    (`plan_rule_findings`: the patient's age against the clinic minimum, the indication
    against the protocol's).
    """
    dosing_settings = dosing_settings or selectors.dosing_settings_for(
        organization=version.patient.organization
    )
    return [
        *plan_version_frequency_findings(version),
        *plan_rule_findings(
            patient=version.patient,
            protocol_values=version.protocol_snapshot,
            indication=version.indication,
            dosing_settings=dosing_settings,
            today=today,
        ),
    ]


def plan_version_content_sha256(version: TreatmentPlanVersion) -> str:
    """Return the SHA-256 of the canonical JSON of `plan_version_content(version)`."""
    return canonical_sha256(plan_version_content(version))


def plan_version_sign(
    *,
    version: TreatmentPlanVersion,
    signer: User,
    password: str,
    attested: bool,
    weight_confirmed: bool = False,
    override_reason: str = "",
    safety_acknowledged: bool = False,
    safety_reason: str = "",
    context: AuditContext = NO_REQUEST,
    today: dt.date | None = None,
) -> TreatmentPlanVersion:
    """Sign a draft as the physician's order after re-authentication and attestation.

    A refused password is audited outside the signing transaction, so the record of
    the attempt survives the refusal. Repeated wrong passwords lock signing for
    SIGN_FAILURE_WINDOW_S seconds. A flagged weight (implausible BMI, large change from
    the last recorded weight) signs only when it is confirmed: by the draft's author when
    they saved the same findings, or by the signer (``weight_confirmed``), who is then stored
    as its confirmer; the attestation covers the dosing weight. A plan whose schedule breaks
    its protocol's frequency limits signs only with an ``override_reason``, stored with the
    signed version and audited with the findings it overrides. While the patient has an open
    safety alert, signing needs ``safety_acknowledged`` and a ``safety_reason``, both stored
    with the version (the alerts as they stood) and audited. A first session date in the
    past (before ``today``, default the clinic's date) is refused. The measurement schedule
    learns the plan's phase and first session date.
    """
    require(signer, "treatment.sign")
    require_same_organization(signer, version.organization_id)
    refuse_unlicensed_signer(signer)
    reauthenticate(
        signer=signer,
        password=password,
        context=context,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
        object_id=version.pk,
        patient=version.patient,
        detail={"version": version.number},
        attested=attested,
    )
    return _sign(
        version=version,
        signer=signer,
        weight_confirmed=weight_confirmed,
        override_reason=override_reason,
        safety_acknowledged=safety_acknowledged,
        safety_reason=safety_reason,
        context=context,
        today=today,
    )


OVERRIDE_REASON_MAX_CHARS = TEXT_MAX_CHARS


@transaction.atomic
def _sign(
    *,
    version: TreatmentPlanVersion,
    signer: User,
    weight_confirmed: bool,
    override_reason: str,
    safety_acknowledged: bool,
    safety_reason: str,
    context: AuditContext,
    today: dt.date | None,
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
    last_signed = _latest_signed_weight(plan_id=version.plan_id, before_number=version.number)
    try:
        result = plan_session_calculate(
            patient=version.patient,
            protocol=version.protocol,
            inputs=version.dose_inputs(),
            is_first_dose=last_signed is None,
            previous_weight_kg=last_signed,
        )
    except dosing.InvalidDoseInput as exc:
        raise SigningError(
            f"The draft no longer passes the clinic's checks: {exc.message} Open the draft, "
            "correct it and save it again."
        ) from exc
    if result.is_stopped:
        raise SigningError(
            "The dose now breaks a limit: " + " ".join(f.message for f in result.stops)
        )
    dosing_settings = selectors.dosing_settings_for(organization=version.patient.organization)
    date_error = start_date_error(
        version.planned_start_date,
        today=today or clinic_today(organization_id=version.patient.organization_id),
        horizon_days=int(dosing_settings.max_plan_start_days),
    )
    if date_error:
        raise SigningError(f"{date_error} Open the draft, change the date and save it again.")
    open_alerts = selectors.open_safety_alerts(patient=version.patient)
    safety_reason = (safety_reason or "").strip()
    if open_alerts and not (safety_acknowledged and safety_reason):
        raise SigningError(
            "This patient has an open safety alert (a suicidality answer not yet closed with a "
            "risk assessment). Review it, then tick the acknowledgment and give your reason "
            "for signing now."
        )
    if open_alerts:
        error = reason_error(safety_reason, what="The reason for signing with an open safety alert")
        if error:
            raise SigningError(error)
    flagged = {f.code for f in result.weight_findings}
    confirmed_when_drafted = weight_confirmation_covers(version, result)
    if flagged and not (weight_confirmed or confirmed_when_drafted):
        raise SigningError(_weight_confirmation_message(result))
    broken = plan_version_override_findings(version, dosing_settings=dosing_settings, today=today)
    reason = (override_reason or "").strip()
    if broken and not reason:
        raise SigningError(
            "The plan breaks "
            + ("a rule" if len(broken) == 1 else "rules")
            + " that only a physician's override passes — "
            + _findings_text(broken)
            + " To sign it anyway, give the reason for the override; it is stored with the "
            "signed version."
        )
    if broken:
        error = reason_error(reason, what="The reason for the override")
        if error:
            raise SigningError(error)
    if not flagged:
        version.weight_findings, version.weight_confirmed_by = [], None
    elif weight_confirmed or not confirmed_when_drafted:
        version.weight_findings = [f.as_dict() for f in result.weight_findings]
        version.weight_confirmed_by = signer
    version.override_findings = [f.as_dict() for f in broken]
    version.override_reason = reason if broken else ""
    version.safety_alerts_acknowledged = [
        {"id": alert.pk, "trigger": alert.trigger, "status": alert.status} for alert in open_alerts
    ]
    version.safety_acknowledgment_reason = safety_reason if open_alerts else ""
    version.status = TreatmentPlanVersion.Status.SIGNED
    version.signed_by = signer
    version.signed_at = timezone.now()
    version.attestation = ATTESTATION_TEXT
    version.content_sha256 = plan_version_content_sha256(version)
    version.full_clean()
    version.save(
        update_fields=[
            "status",
            "signed_by",
            "signed_at",
            "attestation",
            "content_sha256",
            "weight_findings",
            "weight_confirmed_by",
            "override_findings",
            "override_reason",
            "safety_alerts_acknowledged",
            "safety_acknowledgment_reason",
        ]
    )
    detail: dict[str, Any] = {
        "version": version.number,
        "status": "signed",
        "sha256": version.content_sha256,
    }
    if version.weight_findings:
        detail["weight_confirmed"] = [f["code"] for f in version.weight_findings]
    if version.override_findings:
        detail["override"] = {
            "findings": [f["code"] for f in version.override_findings],
            "reason": version.override_reason,
        }
    if version.safety_alerts_acknowledged:
        detail["open_safety_alerts_acknowledged"] = {
            "alerts": [a["id"] for a in version.safety_alerts_acknowledged],
            "reason": version.safety_acknowledgment_reason,
        }
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=signer,
        context=context,
        organization=version.organization,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN_VERSION,
        object_id=version.pk,
        patient=version.patient,
        detail=detail,
    )
    measurement_treatment_phase_set(
        patient=version.patient,
        phase=version.phase,
        starts_on=version.planned_start_date,
        context=context,
    )
    return version


def administered_dose_record(
    *,
    patient: Patient,
    given_at: dt.datetime,
    dose_mg: Decimal | int | float | str,
    route: str,
    reference: str,
    by: User | None = None,
    context: AuditContext = NO_REQUEST,
) -> AdministeredDose:
    """Record a dose the patient was given (mg, route, when) and return its row.

    Called by the chairside chart with plain values when a dose ends; ``reference`` (e.g.
    "visit 12") makes a repeat harmless: the same reference with the same values changes
    nothing, with different values (a corrected delivery) updates the row, audited with the
    old and new values. ``given_at`` must be aware. Raises ValidationError for a dose outside
    0–5000 mg, an unknown route or an empty reference.
    """
    if timezone.is_naive(given_at):
        raise ValidationError({"given_at": "Give the time with its time zone."})
    amount = Decimal(str(dose_mg)).quantize(Decimal("0.01"))
    values = {"given_at": given_at, "dose_mg": amount, "route": route}
    with transaction.atomic():
        row = (
            AdministeredDose.objects.select_for_update()
            .filter(patient=patient, reference=reference)
            .first()
        )
        if row is None:
            row = AdministeredDose(
                organization_id=patient.organization_id,
                patient=patient,
                reference=reference,
                **values,
            )
            row.full_clean()
            row.save()
            action, detail = AuditEvent.Action.CREATE, {"after": _jsonable(values)}
        else:
            before = {name: getattr(row, name) for name in values}
            if before == values:
                return row
            for name, value in values.items():
                setattr(row, name, value)
            row.full_clean()
            row.save(update_fields=list(values))
            action = AuditEvent.Action.UPDATE
            detail = {"before": _jsonable(before), "after": _jsonable(values)}
        audit_record(
            action=action,
            actor=by,
            context=context,
            organization=patient.organization,
            object_type=AuditEvent.ObjectType.ADMINISTERED_DOSE,
            object_id=row.pk,
            patient=patient,
            detail={"reference": reference, **detail},
        )
    return row
