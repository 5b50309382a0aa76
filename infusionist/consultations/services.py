"""Writes of consultations, eligibility settings and the physician's signed eligibility
decision, each with its audit event (docs/decisions/0025).

Who may do what (accounts/roles.py): any staff member schedules, cancels or marks missed a
consultation (``consultations.schedule``); only a physician records it as held
(``consultations.record``) and signs an eligibility decision (``eligibility.decide``). A
decision is signed like a treatment plan: the signer's own password re-entered with the
attestation ticked, by a physician whose credential and licence are current
(``accounts.signing``). A fired hard stop forbids approval; every fired rule that needs a
physician's override must be overridden with a reason to approve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.professional import signing_problem
from infusionist.accounts.roles import Role
from infusionist.accounts.signing import SigningError, reauthenticate, refuse_unlicensed_signer
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.clinics.selectors import clinic_today
from infusionist.consultations import selectors
from infusionist.consultations.models import (
    Consultation,
    EligibilityDecision,
    EligibilitySettings,
)
from infusionist.intake.selectors import intake_snapshot
from infusionist.integrity import canonical_sha256, jsonable
from infusionist.lib import eligibility, reasons
from infusionist.patients.models import Patient
from infusionist.treatment.models import TEXT_MAX_CHARS

#: What the physician attests by signing an eligibility decision.
DECISION_ATTESTATION_TEXT = (
    "I have reviewed this patient's intake and every rule of the eligibility checklist, and "
    "this is my decision as the supervising physician."
)
DECIDE_CAPABILITY = "eligibility.decide"
#: The clinic's eligibility thresholds, as named on ``EligibilitySettings`` and in the kernel.
LIMIT_FIELDS = (
    "max_benzodiazepine_diazepam_mg_per_day",
    "min_failed_adequate_trials",
    "max_systolic_mmhg",
    "max_diastolic_mmhg",
    "stop_systolic_mmhg",
    "stop_diastolic_mmhg",
)


REASON_HELP = (
    "say in a few words why, for this patient (for example the clinical facts you weighed); "
    "a placeholder such as “.”, “ok” or “n/a” is not a reason. It is stored with the signed "
    "decision and recorded in the audit trail."
)


def reason_error(reason: str | None, *, what: str) -> str:
    """Return why ``reason`` cannot be recorded as ``what`` ("" when it can): blank, longer
    than ``TEXT_MAX_CHARS`` or saying nothing (``lib.reasons.says_nothing``)."""
    return reasons.reason_problem(
        reason, what=what, help_text=REASON_HELP, max_chars=TEXT_MAX_CHARS
    )


# --- consultations -------------------------------------------------------------------------


def _physician_problem(physician: User, organization_id: int) -> str:
    """Return why ``physician`` cannot be the supervising physician ("" when they can)."""
    if (
        physician.role != Role.PHYSICIAN
        or not physician.is_active
        or physician.organization_id != organization_id
    ):
        return "Choose an active physician of this clinic."
    problem = signing_problem(physician, today=clinic_today(organization_id=organization_id))
    if problem:
        return (
            f"{physician.display_name} cannot supervise until their credentials are current: "
            f"{problem}"
        )
    return ""


def _consultation_values(consultation: Consultation) -> dict[str, Any]:
    return jsonable(
        {
            "physician": consultation.physician_id,
            "modality": consultation.modality,
            "scheduled_at": consultation.scheduled_at,
            "status": consultation.status,
            "held_at": consultation.held_at,
            "notes": consultation.notes,
        }
    )


@transaction.atomic
def consultation_schedule(
    *,
    patient: Patient,
    actor: User,
    physician: User,
    modality: str,
    scheduled_at: dt.datetime,
    notes: str = "",
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Consultation:
    """Schedule a consultation of ``patient`` with a supervising ``physician``.

    ``scheduled_at`` is an aware datetime at or after ``now`` (default: the present). The
    physician must be an active physician of the patient's clinic with current credentials
    (docs/decisions/0021). Raises ValidationError naming the field, PermissionDenied for a
    role without ``consultations.schedule`` or another clinic's patient.
    """
    require(actor, "consultations.schedule")
    require_same_organization(actor, patient.organization_id)
    errors: dict[str, str] = {}
    problem = _physician_problem(physician, patient.organization_id)
    if problem:
        errors["physician"] = problem
    if timezone.is_naive(scheduled_at):
        raise ValueError("scheduled_at must be an aware datetime.")
    if scheduled_at < (now or timezone.now()):
        errors["scheduled_at"] = "This time has passed. Choose a date and time from now on."
    if errors:
        raise ValidationError(errors)
    consultation = Consultation(
        organization_id=patient.organization_id,
        patient=patient,
        physician=physician,
        modality=modality,
        scheduled_at=scheduled_at,
        notes=(notes or "").strip(),
        created_by=actor,
        updated_by=actor,
    )
    consultation.full_clean()
    consultation.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.CONSULTATION,
        object_id=consultation.pk,
        patient=patient,
        detail={"after": _consultation_values(consultation)},
    )
    return consultation


def _change_status(
    *,
    consultation: Consultation,
    actor: User,
    status: str,
    context: AuditContext,
    notes: str | None = None,
    held_at: dt.datetime | None = None,
) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if not consultation.is_open:
        raise ValidationError(
            f"This consultation is already {consultation.get_status_display().lower()}."
        )
    before = _consultation_values(consultation)
    consultation.status = status
    fields = ["status", "updated_at", "updated_by"]
    if held_at is not None:
        consultation.held_at = held_at
        # The physician who held it signs the record of it, whoever was booked.
        consultation.physician = actor
        fields += ["held_at", "physician"]
    if notes is not None and notes.strip():
        consultation.notes = notes.strip()
        fields.append("notes")
    consultation.updated_at = timezone.now()
    consultation.updated_by = actor
    consultation.full_clean()
    consultation.save(update_fields=fields)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.CONSULTATION,
        object_id=consultation.pk,
        patient=consultation.patient,
        detail={"before": before, "after": _consultation_values(consultation)},
    )
    return consultation


@transaction.atomic
def consultation_record_held(
    *,
    consultation: Consultation,
    actor: User,
    notes: str = "",
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Consultation:
    """Record a scheduled consultation as held now by ``actor`` (a physician of its clinic
    with current credentials), keeping the notes. Raises ValidationError for a consultation
    no longer scheduled, or one more than a day in the future."""
    require(actor, "consultations.record")
    require_same_organization(actor, consultation.organization_id)
    problem = _physician_problem(actor, consultation.organization_id)
    if problem:
        raise ValidationError(problem)
    now = now or timezone.now()
    if consultation.scheduled_at - now > dt.timedelta(days=1):
        raise ValidationError(
            "This consultation is scheduled more than a day from now; record it as held "
            "when it has taken place."
        )
    return _change_status(
        consultation=consultation,
        actor=actor,
        status=Consultation.Status.HELD,
        context=context,
        notes=notes,
        held_at=now,
    )


@transaction.atomic
def consultation_mark_missed(
    *, consultation: Consultation, actor: User, context: AuditContext = NO_REQUEST
) -> Consultation:
    """Mark a scheduled consultation as missed (the patient did not attend)."""
    require(actor, "consultations.schedule")
    require_same_organization(actor, consultation.organization_id)
    return _change_status(
        consultation=consultation,
        actor=actor,
        status=Consultation.Status.MISSED,
        context=context,
    )


@transaction.atomic
def consultation_cancel(
    *, consultation: Consultation, actor: User, context: AuditContext = NO_REQUEST
) -> Consultation:
    """Cancel a scheduled consultation."""
    require(actor, "consultations.schedule")
    require_same_organization(actor, consultation.organization_id)
    return _change_status(
        consultation=consultation,
        actor=actor,
        status=Consultation.Status.CANCELLED,
        context=context,
    )


# --- the eligibility decision ---------------------------------------------------------------


def checklist_json(result: eligibility.EligibilityResult) -> list[dict[str, Any]]:
    """Return every rule of ``result`` as stored with a decision (JSON-ready)."""
    return [
        {
            "code": check.code,
            "title": check.title,
            "severity": check.severity,
            "fired": check.fired,
            "reason": check.reason,
            "source_keys": list(check.source_keys),
            "inputs": jsonable(dict(check.inputs)),
        }
        for check in result.checks
    ]


def limits_json(limits: eligibility.EligibilityLimits) -> dict[str, Any]:
    """Return the limits a decision was evaluated under (JSON-ready)."""
    return {name: getattr(limits, name) for name in LIMIT_FIELDS}


def decision_content(decision: EligibilityDecision) -> dict[str, Any]:
    """Return the signed content of a decision: everything its hash covers."""
    return jsonable(
        {
            "patient": decision.patient_id,
            "version": decision.version,
            "outcome": decision.outcome,
            "note": decision.note,
            "facts_sha256": decision.facts_sha256,
            "checklist": decision.checklist,
            "overrides": decision.overrides,
            "limits": decision.limits,
            "diazepam_equivalent_mg_per_day": decision.diazepam_equivalent_mg_per_day,
            "treatment_resistant": decision.treatment_resistant,
            "failed_adequate_trials": decision.failed_adequate_trials,
            "attestation": decision.attestation,
            "signed_by": decision.signed_by_id,
            "signed_at": decision.signed_at,
        }
    )


def decision_content_sha256(decision: EligibilityDecision) -> str:
    """Return the SHA-256 of the canonical JSON of :func:`decision_content`."""
    return canonical_sha256(decision_content(decision))


def approval_problems(
    result: eligibility.EligibilityResult, overrides: Mapping[str, str]
) -> dict[str, str]:
    """Return why ``result`` cannot be approved with ``overrides``, by rule code ({} if it can).

    A fired hard stop cannot be approved; a fired rule that needs an override needs a reason
    that says something (``treatment.services.reason_error``).
    """
    problems: dict[str, str] = {}
    for check in result.hard_stops:
        problems[check.code] = (
            f"Hard stop: {check.title}. {check.reason} Treatment cannot be approved; decline "
            "or defer."
        )
    for check in result.needs_override:
        error = reason_error(
            overrides.get(check.code), what=f"The reason for overriding “{check.title}”"
        )
        if error:
            problems[check.code] = error
    return problems


def eligibility_decision_sign(
    *,
    patient: Patient,
    signer: User,
    outcome: str,
    note: str,
    password: str,
    attested: bool,
    overrides: Mapping[str, str] | None = None,
    reviewed_facts_sha256: str | None = None,
    context: AuditContext = NO_REQUEST,
) -> EligibilityDecision:
    """Sign the next version of ``patient``'s eligibility decision; return it.

    ``outcome`` is an :class:`EligibilityDecision.Outcome`; ``note`` is required;
    ``overrides`` maps a rule code to the physician's reason for overriding it (only fired
    rules of severity ``override`` are kept). ``reviewed_facts_sha256`` is the digest of the
    facts the physician reviewed: a different current digest refuses (the intake changed
    meanwhile). The checklist is evaluated again here, under the clinic's limits, from the
    intake as it stands. Refuses (SigningError): an unlicensed signer, a wrong password
    (audited, five lock signing), no intake, approval of an unsubmitted intake, approval
    with a fired hard stop or a missing override reason, and facts the kernel refuses.
    """
    require(signer, DECIDE_CAPABILITY)
    require_same_organization(signer, patient.organization_id)
    refuse_unlicensed_signer(signer)
    reauthenticate(
        signer=signer,
        password=password,
        context=context,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION,
        object_id=patient.pk,
        patient=patient,
        detail={"outcome": outcome},
        attested=attested,
    )
    return _decide(
        patient=patient,
        signer=signer,
        outcome=outcome,
        note=note,
        overrides=overrides or {},
        reviewed_facts_sha256=reviewed_facts_sha256,
        context=context,
    )


@transaction.atomic
def _decide(
    *,
    patient: Patient,
    signer: User,
    outcome: str,
    note: str,
    overrides: Mapping[str, str],
    reviewed_facts_sha256: str | None,
    context: AuditContext,
) -> EligibilityDecision:
    # One signer at a time per patient, so versions never collide.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if outcome not in EligibilityDecision.Outcome.values:
        raise SigningError("Choose approve, decline or defer.")
    note_error = reason_error(note, what="The note")
    if note_error:
        raise SigningError(note_error)
    snapshot = intake_snapshot(patient=patient)
    if snapshot is None:
        raise SigningError("This patient has no intake yet: there is nothing to review.")
    if reviewed_facts_sha256 is not None and reviewed_facts_sha256 != snapshot.facts_sha256:
        raise SigningError(
            "The intake changed while you were reviewing it. Look at the checklist again "
            "and sign again."
        )
    if outcome == EligibilityDecision.Outcome.APPROVED and not snapshot.submitted:
        raise SigningError(
            "The intake has not been submitted yet. It can be approved once it is complete "
            "and submitted; until then decline or defer."
        )
    limits = selectors.eligibility_limits_for(organization=patient.organization)
    try:
        result = eligibility.evaluate(snapshot.facts, limits)
    except eligibility.InvalidFacts as exc:
        raise SigningError(
            f"The intake cannot be checked ({exc.field}: {exc.message}). Correct the intake first."
        ) from exc
    if outcome == EligibilityDecision.Outcome.APPROVED:
        problems = approval_problems(result, overrides)
        if problems:
            raise SigningError(" ".join(problems.values()))
    overridable = {check.code for check in result.needs_override}
    kept = {
        code: reason.strip()
        for code, reason in overrides.items()
        if code in overridable and (reason or "").strip()
    }
    for code, reason in kept.items():
        error = reason_error(reason, what=f"The reason for overriding {code}")
        if error:
            raise SigningError(error)
    previous = EligibilityDecision.objects.filter(patient=patient).aggregate(n=Max("version"))["n"]
    decision = EligibilityDecision(
        organization_id=patient.organization_id,
        patient=patient,
        version=(previous or 0) + 1,
        outcome=outcome,
        note=note.strip(),
        facts_sha256=snapshot.facts_sha256,
        checklist=checklist_json(result),
        overrides=kept,
        limits=limits_json(limits),
        diazepam_equivalent_mg_per_day=Decimal(
            str(round(result.diazepam_equivalent_mg_per_day, 2))
        ),
        treatment_resistant=result.treatment_resistant,
        failed_adequate_trials=result.failed_adequate_trials,
        attestation=DECISION_ATTESTATION_TEXT,
        signed_by=signer,
        signed_at=timezone.now(),
    )
    decision.content_sha256 = decision_content_sha256(decision)
    decision.full_clean()
    decision.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=signer,
        context=context,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION,
        object_id=decision.pk,
        patient=patient,
        detail={
            "version": decision.version,
            "supersedes": previous,
            "outcome": decision.outcome,
            "fired": [c.code for c in result.findings],
            "overrides": kept,
            "facts_sha256": decision.facts_sha256,
            "limits": decision.limits,
            "content_sha256": decision.content_sha256,
        },
    )
    return decision


# --- the clinic's eligibility limits -----------------------------------------------------


def eligibility_settings_update(
    *,
    organization: Organization,
    signer: User,
    data: Mapping[str, Any],
    password: str,
    attested: bool,
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change the clinic's eligibility limits with a physician's signature; return the
    fields changed (none: nothing written).

    ``data`` maps names of ``LIMIT_FIELDS`` to new values. Clinical limits change only with
    a physician's signature (docs/decisions/0007): ``protocols.sign``, current credentials,
    password and attestation (``accounts.signing``). Raises ValidationError naming the field
    for a value outside its range, SigningError for a refused signature.
    """
    require(signer, "protocols.sign")
    require_same_organization(signer, organization.pk)
    unknown = set(data) - set(LIMIT_FIELDS)
    if unknown:
        raise ValueError(f"Not eligibility limits: {sorted(unknown)}")
    refuse_unlicensed_signer(signer)
    reauthenticate(
        signer=signer,
        password=password,
        context=context,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_SETTINGS,
        object_id=organization.pk,
        detail={"fields": sorted(data)},
        attested=attested,
    )
    return _settings_write(organization=organization, signer=signer, data=data, context=context)


@transaction.atomic
def _settings_write(
    *,
    organization: Organization,
    signer: User,
    data: Mapping[str, Any],
    context: AuditContext,
) -> list[str]:
    row = EligibilitySettings.objects.select_for_update().filter(
        organization=organization
    ).first() or EligibilitySettings(organization=organization)
    before = {name: getattr(row, name) for name in LIMIT_FIELDS}
    for name, value in data.items():
        setattr(row, name, value)
    row.full_clean(exclude=["organization", "updated_by"])
    # Compare as the fields store them (8 and "8.0" are one value).
    changed = [
        name
        for name in LIMIT_FIELDS
        if row._meta.get_field(name).to_python(getattr(row, name)) != before[name]  # type: ignore[union-attr]
    ]
    if not changed:
        return []
    row.updated_at = timezone.now()
    row.updated_by = signer
    row.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=signer,
        context=context,
        organization=organization,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_SETTINGS,
        object_id=row.pk,
        detail={
            "fields": changed,
            "before": jsonable({name: before[name] for name in changed}),
            "after": jsonable({name: getattr(row, name) for name in changed}),
            "signed": True,
        },
    )
    return changed
