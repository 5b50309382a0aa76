"""The chart's writes: every step of a visit, each allowed to its roles, timed and audited.

Lifecycle (``Visit.Phase``): scheduled → checked in → pre-infusion checks → infusing (⇄
paused) → observation → ready for discharge → discharged → note signed; a visit is cancelled
before the dose, or its infusion is stopped early (then observed and discharged as usual).

Every function takes keyword arguments, the acting user ``by``, an ``AuditContext`` and an
optional ``now`` (tests), runs in one transaction with the visit row locked, appends a
``VisitEvent`` and an audit event, and raises :class:`ChartError` (``field``, plain
``message``) for a step that may not be taken. A vital-sign alert waiting for its documented
response blocks every step but the response itself, pausing and stopping (``infusions.vitals``).

Facts flow down as plain values: a started dose tells ``measurements`` an infusion took place
(``measurement_infusion_recorded``) and ``treatment`` what was given
(``administered_dose_record``), so the plan's exposure summary counts administered doses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from infusionist.accounts.roles import Role, can
from infusionist.accounts.signing import SigningError, reauthenticate, refuse_unlicensed_signer
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.contact import validate_phone
from infusionist.infusions import gate as gates
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import (
    AdministrationEvent,
    ChartSettings,
    GateOverride,
    NoteAddendum,
    NoteCosignature,
    PrnMedication,
    Rating,
    RemsForm,
    SideEffect,
    SignedNote,
    Visit,
    VisitEvent,
    VitalAlert,
    VitalSign,
)
from infusionist.infusions.selectors import (
    baseline_vital,
    chart_settings_for,
    delivery_for,
    latest_vital,
    rems_rules_for,
    visit_zone,
)
from infusionist.integrity import canonical_sha256, jsonable
from infusionist.measurements.services import (
    measurement_infusion_recorded,
    measurement_next_day_checkin_assign,
)
from infusionist.scheduling.models import Appointment, AppointmentType
from infusionist.treatment.selectors import current_plan_version

P = Visit.Phase

#: Appointment kinds that are charted here (a ketamine or esketamine dose).
CHARTED_KINDS = frozenset(
    {AppointmentType.Kind.KETAMINE_INFUSION, AppointmentType.Kind.ESKETAMINE_SESSION}
)

#: The REMS floor on observation after esketamine (minutes) [46][47].
ESKETAMINE_MIN_OBSERVATION_MIN = 120

#: Plausible weights at the chair (kg); outside them the unit is probably wrong.
WEIGHT_RANGE_KG = (Decimal("25"), Decimal("350"))

#: The strongest concentration that may run intravenously (mg/mL): 100 mg/mL is never given
#: IV undiluted [22]; a final bag is usually 1 or 2 mg/mL [22].
MAX_IV_CONCENTRATION_MG_PER_ML = Decimal("50")


#: The esketamine device: 28 mg per device [18][19].
ESKETAMINE_DEVICE_MG = Decimal("28")

ATTESTATION_NOTE = (
    "I attest that this note is an accurate record of the session I monitored, signed with my "
    "own password."
)
ATTESTATION_COSIGN = (
    "I have reviewed this session note and co-sign it as the supervising provider, with my own "
    "password."
)

__all__ = [
    "administered_dose_record",
    "alert_block",
    "dose_given",
    "gate_override",
    "infusion_pause",
    "infusion_rate_change",
    "infusion_resume",
    "infusion_start",
    "infusion_stop",
    "note_addendum_add",
    "note_cosign",
    "note_sign",
    "prn_record",
    "rating_record",
    "side_effect_record",
    "visit_cancel",
    "visit_check_in",
    "visit_discharge",
    "visit_for_appointment",
    "visit_pre_checks_save",
    "visit_ready",
    "visits_ensure_for_day",
    "waste_record",
]


# --- helpers ---------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _locked(visit: Visit) -> Visit:
    """Return the visit re-read under a row lock, with what the services read."""
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("patient", "location", "organization", "plan_version", "appointment")
        .get(pk=visit.pk)
    )


def _event(visit: Visit, step: str, by: Any, at: dt.datetime, **detail: Any) -> None:
    VisitEvent.objects.create(
        visit=visit,
        kind=step,
        at=at,
        by=by if getattr(by, "pk", None) else None,
        detail=jsonable(detail),
    )


def _audit(
    visit: Visit,
    *,
    action: str = AuditEvent.Action.UPDATE,
    object_type: str = AuditEvent.ObjectType.VISIT,
    object_id: object = None,
    by: Any,
    context: AuditContext,
    detail: dict[str, Any],
) -> None:
    audit_record(
        action=action,
        actor=by if getattr(by, "pk", None) else None,
        context=context,
        organization=visit.organization,
        object_type=object_type,
        object_id=object_id if object_id is not None else visit.pk,
        patient=visit.patient,
        detail=jsonable(detail),
    )


def _require_phase(visit: Visit, allowed: frozenset[str] | set[str], doing: str) -> None:
    if visit.phase not in allowed:
        raise ChartError(
            "",
            f"The visit is {visit.get_phase_display().lower()}: it cannot {doing} now.",
        )


def alert_block(visit: Visit) -> None:
    """Raise ChartError while a vital-sign alert waits for its documented response."""
    alert = VitalAlert.objects.filter(visit=visit, responded_at__isnull=True).first()
    if alert is not None:
        raise ChartError(
            "alert",
            f"Answer the alert first: {alert.message} Record what was done (paused, treated, "
            "observed, physician notified) before charting goes on.",
        )


def _require(by: Any, capability: str, doing: str) -> None:
    if not can(by, capability):
        raise ChartError("", f"Your role cannot {doing}.", status=403)


def _decimal(
    field: str,
    value: object,
    *,
    label: str,
    unit: str,
    low: Decimal,
    high: Decimal,
    places: int = 2,
) -> Decimal:
    """Return ``value`` as a Decimal within [low, high] or raise ChartError naming the field."""
    text = str(value).strip().replace(",", ".") if value is not None else ""
    if not text:
        raise ChartError(field, f"Enter the {label} in {unit}.", status=422)
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ChartError(
            field, f"The {label} must be a number in {unit}, like {low}.", status=422
        ) from error
    if not number.is_finite() or not low <= number <= high:
        raise ChartError(
            field,
            f"The {label}, {text} {unit}, is outside {low}–{high} {unit}: check it and its unit.",
            status=422,
        )
    quantum = Decimal(1).scaleb(-places)
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


def _at(
    field: str,
    value: dt.datetime | None,
    now: dt.datetime,
    visit: Visit,
    *,
    not_before: dt.datetime | None = None,
    what: str = "the patient checked in",
) -> dt.datetime:
    """Return the moment an event happened: now by default; never in the future, never before
    check-in, and never before ``not_before`` (``what`` names it in the message).

    A dose event is never before the start, and the start never before check-in or the
    baseline reading: a backdated time would count drug the patient was not given.
    """
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ChartError(field, "Give the time with its time zone.", status=422)
    if value > now + dt.timedelta(minutes=2):
        raise ChartError(field, "That time is in the future.", status=422)
    checked_in = visit.checked_in_at or visit.scheduled_at
    if value < checked_in:
        raise ChartError(field, "That time is before the patient checked in.", status=422)
    if not_before is not None and value < not_before:
        local = timezone.localtime(not_before, visit_zone(visit)).strftime("%H:%M")
        raise ChartError(field, f"That time is before {what} ({local}).", status=422)
    return value


def _since_start(visit: Visit) -> dict[str, Any]:
    """The ``_at`` bound of a step during the dose: never before the dose started."""
    return {"not_before": visit.infusion_started_at, "what": "the dose started"}


def _reason(field: str, text: str | None, *, what: str, minimum: int = 5) -> str:
    cleaned = (text or "").strip()
    if len(cleaned) < minimum:
        raise ChartError(field, f"Write the reason for {what} (a short sentence).", status=422)
    if len(cleaned) > 2000:
        raise ChartError(field, "Keep the reason to 2000 characters or fewer.", status=422)
    return cleaned


# --- visits from appointments --------------------------------------------------------------


def _visit_values(appointment: Appointment) -> dict[str, Any]:
    return {
        "organization_id": appointment.organization_id,
        "location_id": appointment.location_id,
        "patient_id": appointment.patient_id,
        "chair_id": appointment.chair_id,
        "nurse_id": appointment.staff_id,
        "scheduled_at": appointment.service_starts_at,
    }


def visit_for_appointment(*, appointment: Appointment) -> Visit | None:
    """Return the visit of a chair appointment for a dose, creating it if needed; else None.

    Only ketamine infusions and esketamine sessions with a patient are charted here. A visit
    still scheduled follows its appointment's time, chair and nurse when the booking moves.
    """
    kind = appointment.appointment_type.kind
    if kind not in CHARTED_KINDS or appointment.patient_id is None:
        return None
    values = _visit_values(appointment)
    visit, created = Visit.objects.get_or_create(appointment=appointment, defaults=values)
    if not created and visit.phase == P.SCHEDULED:
        changed = {k: v for k, v in values.items() if getattr(visit, k) != v}
        if changed:
            for name, value in changed.items():
                setattr(visit, name, value)
            visit.save(update_fields=[*changed, "updated_at"])
    return visit


def visits_ensure_for_day(*, organization: Any, start: dt.datetime, end: dt.datetime) -> int:
    """Create the visits of the clinic's dose appointments starting in ``[start, end)``.

    Idempotent; returns how many were created. Cancelled and no-show appointments get none.
    Queries: the appointments without a visit (1), then one insert each.
    """
    appointments = Appointment.objects.filter(
        organization=organization,
        service_starts_at__gte=start,
        service_starts_at__lt=end,
        appointment_type__kind__in=list(CHARTED_KINDS),
        patient__isnull=False,
        visit__isnull=True,
        status__in=[
            Appointment.Status.BOOKED,
            Appointment.Status.CONFIRMED,
            Appointment.Status.ARRIVED,
            Appointment.Status.IN_PROGRESS,
        ],
    ).select_related("appointment_type")
    created = 0
    for appointment in appointments:
        with transaction.atomic():
            if visit_for_appointment(appointment=appointment) is not None:
                created += 1
    return created


def _order_snapshot(visit: Visit, settings: ChartSettings) -> None:
    """Copy the current signed order onto the visit (what this session carries out)."""
    version = current_plan_version(patient=visit.patient)
    visit.plan_version = version
    if version is None:
        return
    protocol = version.protocol_snapshot or {}
    visit.drug = str(protocol.get("drug") or version.protocol.drug)
    visit.route = version.route
    visit.ordered_dose_mg = version.session_dose_mg
    visit.ordered_weight_kg = version.weight_kg
    visit.duration_min = version.duration_min or protocol.get("duration_min") or None
    observation = int(protocol.get("observation_min") or version.protocol.observation_min or 0)
    if visit.drug == "esketamine":
        observation = max(observation, ESKETAMINE_MIN_OBSERVATION_MIN)
    visit.observation_min = observation or None
    visit.monitoring_interval_min = (
        int(protocol.get("monitoring_interval_min") or 0)
        or version.protocol.monitoring_interval_min
        or settings.vitals_during_min
    )
    visit.vial_mg_per_ml = version.vial_mg_per_ml


def _check_in(visit: Visit, *, by: Any, context: AuditContext, now: dt.datetime) -> None:
    settings = chart_settings_for(organization=visit.organization)
    visit.phase = P.CHECKED_IN
    visit.checked_in_at = now
    _order_snapshot(visit, settings)
    visit.updated_at = now
    visit.save()
    _event(visit, "checked_in", by, now, plan_version=visit.plan_version_id)
    _audit(
        visit,
        by=by,
        context=context,
        detail={"step": "checked_in", "plan_version": visit.plan_version_id},
    )


def visit_check_in(
    *, visit: Visit, by: Any, context: AuditContext = NO_REQUEST, now: dt.datetime | None = None
) -> Visit:
    """Check the patient in: scheduled → checked in; copy the current signed order.

    Marks the appointment arrived too. Raises ChartError for a visit not scheduled, or when
    the appointment cannot be marked arrived (e.g. more than 2 hours early).
    """
    from infusionist.scheduling.services import BookingError, appointment_mark

    now = _now(now)
    _require(by, "chart.checkin", "check a patient in")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.SCHEDULED}, "be checked in")
        _check_in(visit, by=by, context=context, now=now)
        appointment = visit.appointment
        if appointment is not None and appointment.status in (
            Appointment.Status.BOOKED,
            Appointment.Status.CONFIRMED,
        ):
            try:
                appointment_mark(
                    appointment=appointment,
                    status=Appointment.Status.ARRIVED,
                    by=by,
                    context=context,
                    now=now,
                )
            except BookingError as error:
                raise ChartError("", str(error)) from error
    return visit


def on_appointment_marked(
    *, appointment: Appointment, status: str, by: Any, context: AuditContext, now: Any
) -> None:
    """Follow an appointment marked from the calendar or Today (``scheduling.AFTER_MARK``).

    Arrived checks the visit in (creating it); did not attend cancels a visit still scheduled.
    """
    now = _now(now)
    if status == Appointment.Status.ARRIVED:
        visit = visit_for_appointment(appointment=appointment)
        if visit is not None and visit.phase == P.SCHEDULED:
            visit = _locked(visit)
            if visit.phase == P.SCHEDULED:
                _check_in(visit, by=by, context=context, now=now)
    elif status == Appointment.Status.NO_SHOW:
        visit = Visit.objects.filter(appointment=appointment, phase=P.SCHEDULED).first()
        if visit is not None:
            _cancel(visit, reason="Did not attend", by=by, context=context, now=now)
    elif status == Appointment.Status.COMPLETED:
        # Completed on the calendar with no dose charted: the visit did not happen on the chart.
        visit = Visit.objects.filter(
            appointment=appointment, phase__in=[P.SCHEDULED, P.CHECKED_IN, P.PRE_CHECKS]
        ).first()
        if visit is not None:
            _cancel(
                visit,
                reason="Appointment marked completed with no dose charted",
                by=by,
                context=context,
                now=now,
            )


def on_appointment_cancelled(appointment_id: int) -> None:
    """Cancel the visit of a cancelled appointment if its dose has not started."""
    with transaction.atomic():
        visit = (
            Visit.objects.select_for_update()
            .select_related("patient", "organization", "appointment")
            .filter(appointment_id=appointment_id)
            .first()
        )
        if visit is not None and visit.phase in (P.SCHEDULED, P.CHECKED_IN, P.PRE_CHECKS):
            reason = (visit.appointment.cancel_reason if visit.appointment else "") or "cancelled"
            _cancel(
                visit,
                reason=f"Appointment cancelled: {reason}"[:300],
                by=None,
                context=NO_REQUEST,
                now=timezone.now(),
            )


# --- pre-infusion checks ----------------------------------------------------------------------

PRE_CHECK_PHASES = frozenset({P.CHECKED_IN, P.PRE_CHECKS})


def visit_pre_checks_save(
    *,
    visit: Visit,
    values: Mapping[str, Any],
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Save what the nurse confirmed before the dose; only the keys given change.

    ``values`` may hold ``weight_today_kg`` (kg), ``fasting_confirmed`` (bool),
    ``fasting_note``, ``escort_name``, ``escort_phone``, ``pregnancy`` (a
    ``Visit.Pregnancy`` value). Today's weight recalculates the dose on the order's basis
    (``gate.recalculated_dose``) and its change from the order's weight (%). Raises
    ChartError (422) naming the field for a bad value; nothing is saved then.
    """
    now = _now(now)
    _require(by, "chart.record", "record the pre-infusion checks")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, PRE_CHECK_PHASES, "take pre-infusion checks")
        changed: dict[str, Any] = {}
        if "weight_today_kg" in values:
            weight = _decimal(
                "weight_today_kg",
                values["weight_today_kg"],
                label="weight",
                unit="kg",
                low=WEIGHT_RANGE_KG[0],
                high=WEIGHT_RANGE_KG[1],
                places=1,
            )
            changed["weight_today_kg"] = weight
            if visit.plan_version is not None:
                try:
                    dose, _how = gates.recalculated_dose(visit.plan_version, weight)
                except ValueError as error:
                    raise ChartError("weight_today_kg", str(error), status=422) from error
                changed["recalculated_dose_mg"] = dose
                ordered_kg = Decimal(visit.plan_version.weight_kg)
                changed["weight_change_pct"] = ((weight - ordered_kg) / ordered_kg * 100).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                )
        if "fasting_confirmed" in values:
            changed["fasting_confirmed"] = bool(values["fasting_confirmed"])
        if "fasting_note" in values:
            changed["fasting_note"] = str(values["fasting_note"] or "").strip()[:200]
        if "escort_name" in values:
            name = str(values["escort_name"] or "").strip()
            if len(name) > 150:
                raise ChartError("escort_name", "Keep the name to 150 characters.", status=422)
            changed["escort_name"] = name
        if "escort_phone" in values:
            phone = str(values["escort_phone"] or "").strip()
            if phone:
                try:
                    validate_phone(phone)
                except ValidationError as error:
                    raise ChartError("escort_phone", error.messages[0], status=422) from error
            changed["escort_phone"] = phone
        if "pregnancy" in values:
            status = str(values["pregnancy"] or "")
            if status and status not in Visit.Pregnancy.values:
                raise ChartError("pregnancy", "Choose one of the pregnancy statuses.", status=422)
            changed["pregnancy"] = status
        before = {name: getattr(visit, name) for name in changed}
        for name, value in changed.items():
            setattr(visit, name, value)
        visit.phase = P.PRE_CHECKS
        visit.updated_at = now
        visit.save()
        _event(
            visit,
            "pre_checks",
            by,
            now,
            fields=sorted(changed),
            changes={k: [before[k], changed[k]] for k in changed if before[k] != changed[k]},
        )
        _audit(
            visit,
            by=by,
            context=context,
            detail={"step": "pre_checks", "before": before, "after": changed},
        )
    return visit


def gate_override(
    *,
    visit: Visit,
    code: str,
    reason: str,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> GateOverride:
    """Record a physician's override of one failed pre-infusion condition, with the reason.

    The override holds while the condition's inputs stay as they were (``gate.visit_gate``).
    Raises ChartError when the user is not a physician, the condition passed, or no reason.
    """
    now = _now(now)
    _require(by, "chart.override", "override a pre-infusion check (a physician does)")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, PRE_CHECK_PHASES, "override a pre-infusion check")
        result = gates.visit_gate(visit=visit, now=now)
        check = next((c for c in result.checks if c.code == code), None)
        if check is None:
            raise ChartError("code", "There is no such pre-infusion check.", status=422)
        if check.satisfied:
            raise ChartError("code", f"“{check.title}” does not need an override.")
        if not check.overridable:
            raise ChartError("code", f"“{check.title}” cannot be overridden: {check.reasons[0]}")
        cleaned = _reason("reason", reason, what="overriding this check", minimum=10)
        override = GateOverride.objects.create(
            visit=visit,
            code=code,
            reason=cleaned,
            inputs=jsonable(gates.override_inputs(check)),
            by=by,
            at=now,
        )
        _event(visit, "gate_override", by, now, code=code, reason=cleaned)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.GATE_OVERRIDE,
            object_id=override.pk,
            by=by,
            context=context,
            detail={"code": code, "reasons": list(check.reasons), "reason": cleaned},
        )
    return override


# --- administration -----------------------------------------------------------------------------


def _ordered_rate_ml_per_h(visit: Visit, concentration: Decimal) -> Decimal | None:
    if not visit.ordered_dose_mg or not visit.duration_min or not concentration:
        return None
    mg_per_h = Decimal(visit.ordered_dose_mg) * 60 / Decimal(visit.duration_min)
    return (mg_per_h / concentration).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _is_iv(visit: Visit) -> bool:
    return visit.route == "iv"


def infusion_start(
    *,
    visit: Visit,
    values: Mapping[str, Any],
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Start the dose once the gate is ready: pre-infusion checks → infusing.

    ``values``: ``container_label`` and ``lot_number`` (required), and for an intravenous
    route ``concentration_mg_per_ml`` (final, ≤ 50 mg/mL: 100 mg/mL is never given IV
    undiluted [22]), ``bag_volume_ml``, ``rate_ml_per_h`` (within the clinic's
    ``start_rate_tolerance_pct`` of the order's rate, 10% by default [?],
    mL/h = mg/h ÷ mg/mL [22]) and optionally ``at``. Stores the gate's answer with the visit.
    Raises ChartError when a condition blocks (naming it), an alert is open, or a value is bad.
    """
    now = _now(now)
    _require(by, "chart.record", "start an infusion")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, PRE_CHECK_PHASES, "start the dose")
        alert_block(visit)
        result = gates.visit_gate(visit=visit, now=now)
        settings = chart_settings_for(organization=visit.organization)
        if not result.ready:
            titles = "; ".join(check.title for check in result.blocking)
            raise ChartError("gate", f"The pre-infusion checks are not complete: {titles}.")
        last_baseline = baseline_vital(visit=visit)
        at = _at(
            "at",
            values.get("at"),
            now,
            visit,
            not_before=last_baseline.measured_at if last_baseline else None,
            what="the baseline vital signs",
        )
        container = str(values.get("container_label") or "").strip()[:120]
        lot = str(values.get("lot_number") or "").strip()[:40]
        if not container:
            raise ChartError("container_label", "Enter the container (vial or bag).", status=422)
        if not lot:
            raise ChartError("lot_number", "Enter the lot number.", status=422)
        visit.container_label, visit.lot_number = container, lot
        if _is_iv(visit):
            concentration = _decimal(
                "concentration_mg_per_ml",
                values.get("concentration_mg_per_ml"),
                label="final concentration",
                unit="mg/mL",
                low=Decimal("0.01"),
                high=MAX_IV_CONCENTRATION_MG_PER_ML,
                places=4,
            )
            volume = _decimal(
                "bag_volume_ml",
                values.get("bag_volume_ml"),
                label="final volume",
                unit="mL",
                low=Decimal("1"),
                high=Decimal("1000"),
                places=1,
            )
            rate = _decimal(
                "rate_ml_per_h",
                values.get("rate_ml_per_h"),
                label="pump rate",
                unit="mL/h",
                low=Decimal("0.1"),
                high=Decimal("999"),
            )
            ordered_rate = _ordered_rate_ml_per_h(visit, concentration)
            tolerance = Decimal(settings.start_rate_tolerance_pct) / 100
            if ordered_rate is not None and abs(rate - ordered_rate) > ordered_rate * tolerance:
                raise ChartError(
                    "rate_ml_per_h",
                    f"{rate} mL/h is not the order's rate: {visit.ordered_dose_mg} mg over "
                    f"{visit.duration_min} min at {concentration} mg/mL is {ordered_rate} mL/h. "
                    "Check the concentration and the rate.",
                    status=422,
                )
            if visit.ordered_dose_mg and concentration * volume < Decimal(visit.ordered_dose_mg):
                raise ChartError(
                    "bag_volume_ml",
                    f"{volume} mL at {concentration} mg/mL holds "
                    f"{(concentration * volume).normalize()} mg, less than the "
                    f"{visit.ordered_dose_mg} mg ordered.",
                    status=422,
                )
            visit.concentration_mg_per_ml = concentration
            visit.bag_volume_ml = volume
            AdministrationEvent.objects.create(
                visit=visit,
                kind=AdministrationEvent.Kind.START,
                at=at,
                rate_ml_per_h=rate,
                recorded_by=by,
            )
        visit.phase = P.INFUSING
        visit.infusion_started_at = at
        visit.gate_passed_at = now
        visit.gate_snapshot = result.as_json()
        visit.updated_at = now
        visit.save()
        _event(visit, "started", by, at, gate=[c["code"] for c in visit.gate_snapshot])
        _audit(
            visit,
            by=by,
            context=context,
            detail={
                "step": "started",
                "container": container,
                "lot": lot,
                "concentration_mg_per_ml": visit.concentration_mg_per_ml,
                "overrides": [c["code"] for c in visit.gate_snapshot if c["overridden"]],
            },
        )
        _mark_appointment(visit, Appointment.Status.IN_PROGRESS, by, context, now)
    return visit


def _mark_appointment(
    visit: Visit, status: str, by: Any, context: AuditContext, now: dt.datetime
) -> None:
    from infusionist.scheduling.services import MARK_TRANSITIONS, appointment_mark

    appointment = visit.appointment
    if appointment is None:
        return
    appointment.refresh_from_db()
    if appointment.status in MARK_TRANSITIONS.get(status, frozenset()):
        appointment_mark(appointment=appointment, status=status, by=by, context=context, now=now)


def _pump_event(
    visit: Visit,
    kind: str,
    *,
    at: dt.datetime,
    by: Any,
    rate: Decimal | None = None,
    dose: Decimal | None = None,
    note: str = "",
) -> AdministrationEvent:
    last = AdministrationEvent.objects.filter(visit=visit).order_by("-at", "-id").first()
    if last is not None and at < last.at:
        raise ChartError("at", "That time is before the last pump entry.", status=422)
    event = AdministrationEvent.objects.create(
        visit=visit,
        kind=kind,
        at=at,
        rate_ml_per_h=rate,
        dose_mg=dose,
        note=note[:300],
        recorded_by=by,
    )
    return event


def _pump_step(
    *,
    visit: Visit,
    kind: str,
    from_phases: set[str],
    to_phase: str,
    doing: str,
    by: Any,
    context: AuditContext,
    now: dt.datetime | None,
    at: dt.datetime | None,
    rate: object = None,
    note: str = "",
    blocked_by_alert: bool = True,
) -> Visit:
    now = _now(now)
    _require(by, "chart.record", doing)
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, from_phases, doing)
        if blocked_by_alert:
            alert_block(visit)
        moment = _at("at", at, now, visit, **_since_start(visit))
        rate_value = None
        if rate is not None:
            rate_value = _decimal(
                "rate_ml_per_h",
                rate,
                label="pump rate",
                unit="mL/h",
                low=Decimal("0.1"),
                high=Decimal("999"),
            )
        event = _pump_event(visit, kind, at=moment, by=by, rate=rate_value, note=note)
        visit.phase = to_phase
        visit.updated_at = now
        visit.save(update_fields=["phase", "updated_at"])
        _event(visit, kind, by, moment, rate_ml_per_h=rate_value, note=note)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.ADMINISTRATION_EVENT,
            object_id=event.pk,
            by=by,
            context=context,
            detail={"kind": kind, "rate_ml_per_h": rate_value, "note": note},
        )
    return visit


def infusion_pause(
    *,
    visit: Visit,
    reason: str = "",
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Pause the pump: infusing → paused. Allowed with an alert open (it is a response)."""
    return _pump_step(
        visit=visit,
        kind=AdministrationEvent.Kind.PAUSE,
        from_phases={P.INFUSING},
        to_phase=P.PAUSED,
        doing="pause the infusion",
        by=by,
        context=context,
        now=now,
        at=at,
        note=(reason or "").strip(),
        blocked_by_alert=False,
    )


def infusion_resume(
    *,
    visit: Visit,
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Resume the pump at its last rate: paused → infusing. Refused while an alert is open."""
    return _pump_step(
        visit=visit,
        kind=AdministrationEvent.Kind.RESUME,
        from_phases={P.PAUSED},
        to_phase=P.INFUSING,
        doing="resume the infusion",
        by=by,
        context=context,
        now=now,
        at=at,
    )


def infusion_rate_change(
    *,
    visit: Visit,
    rate_ml_per_h: object,
    reason: str,
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Change the pump rate (mL/h) with a reason while infusing."""
    cleaned = _reason("reason", reason, what="the rate change", minimum=3)
    return _pump_step(
        visit=visit,
        kind=AdministrationEvent.Kind.RATE,
        from_phases={P.INFUSING},
        to_phase=P.INFUSING,
        doing="change the rate",
        by=by,
        context=context,
        now=now,
        at=at,
        rate=rate_ml_per_h,
        note=cleaned,
    )


def delivered_mg(visit: Visit, at: dt.datetime) -> Decimal:
    """Return the mg the visit's pump and dose events delivered up to ``at`` (0 before any).

    The pump kernel's answer (``selectors.delivery_for``), rounded to 0.01 mg. Raises
    ``lib.administration.AdministrationError`` for an event sequence it refuses.
    """
    delivery = delivery_for(visit=visit, now=at)
    if delivery is None:
        return Decimal("0.00")
    return Decimal(delivery.mg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def infusion_stop(
    *,
    visit: Visit,
    reason: str = "",
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Stop the dose: infusing or paused → observation; compute what was delivered (mg).

    A stop before the ordered dose is delivered (under the clinic's ``stopped_early_below_pct``,
    95% by default [?]) needs a reason and marks the
    visit stopped early. Tells ``measurements`` an infusion took place and ``treatment``
    what was given. Allowed with an alert open (stopping is a response).
    """
    now = _now(now)
    _require(by, "chart.record", "stop the infusion")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.INFUSING, P.PAUSED}, "stop the dose")
        moment = _at("at", at, now, visit, **_since_start(visit))
        if (
            _is_iv(visit)
            or AdministrationEvent.objects.filter(
                visit=visit, kind=AdministrationEvent.Kind.START
            ).exists()
        ):
            _pump_event(visit, AdministrationEvent.Kind.STOP, at=moment, by=by, note=reason or "")
        delivered = delivered_mg(visit, moment)
        ordered = Decimal(visit.ordered_dose_mg or 0)
        share = Decimal(chart_settings_for(organization=visit.organization).stopped_early_below_pct)
        early = bool(ordered) and delivered < ordered * share / 100
        if early:
            cleaned = _reason("reason", reason, what="stopping before the full dose")
            visit.stopped_early = True
            visit.stop_reason = cleaned[:300]
        visit.delivered_mg = delivered
        visit.infusion_ended_at = moment
        visit.phase = P.OBSERVATION
        visit.updated_at = now
        visit.save()
        _event(visit, "stopped", by, moment, delivered_mg=delivered, early=early, reason=reason)
        _audit(
            visit,
            by=by,
            context=context,
            detail={
                "step": "stopped",
                "delivered_mg": delivered,
                "stopped_early": early,
                "reason": reason,
            },
        )
        assert visit.infusion_started_at is not None
        measurement_infusion_recorded(patient=visit.patient, infusion_at=visit.infusion_started_at)
        administered_dose_record(visit=visit)
    return visit


def administered_dose_record(*, visit: Visit) -> None:
    """Tell ``treatment`` what this visit gave (plain values), if it takes them."""
    from infusionist.treatment import services as treatment_services

    record = getattr(treatment_services, "administered_dose_record", None)
    if record is None or visit.delivered_mg is None or visit.infusion_started_at is None:
        return
    record(
        patient=visit.patient,
        given_at=visit.infusion_started_at,
        dose_mg=visit.delivered_mg,
        route=visit.route,
        reference=f"visit {visit.pk}",
    )


def dose_given(
    *,
    visit: Visit,
    dose_mg: object,
    note: str = "",
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> AdministrationEvent:
    """Record a dose given without a pump (an esketamine device, 28 mg [18], an injection).

    Refused when it would take the total above the ordered dose, or with an alert open.
    """
    now = _now(now)
    _require(by, "chart.record", "record a dose")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.INFUSING}, "record a dose")
        alert_block(visit)
        moment = _at("at", at, now, visit, **_since_start(visit))
        amount = _decimal(
            "dose_mg", dose_mg, label="dose", unit="mg", low=Decimal("0.1"), high=Decimal("500")
        )
        given = sum(
            (
                Decimal(e.dose_mg)
                for e in AdministrationEvent.objects.filter(
                    visit=visit, kind=AdministrationEvent.Kind.DOSE
                )
                if e.dose_mg is not None
            ),
            Decimal("0"),
        )
        if visit.ordered_dose_mg and given + amount > Decimal(visit.ordered_dose_mg):
            raise ChartError(
                "dose_mg",
                f"That makes {given + amount} mg, more than the {visit.ordered_dose_mg} mg "
                "ordered.",
                status=422,
            )
        event = _pump_event(
            visit, AdministrationEvent.Kind.DOSE, at=moment, by=by, dose=amount, note=note
        )
        _event(visit, "dose", by, moment, dose_mg=amount, note=note)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.ADMINISTRATION_EVENT,
            object_id=event.pk,
            by=by,
            context=context,
            detail={"kind": "dose", "dose_mg": amount, "note": note},
        )
    return event


def waste_record(
    *,
    visit: Visit,
    dose_mg: object,
    volume_ml: object = None,
    witness: Any,
    note: str = "",
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> AdministrationEvent:
    """Record drug drawn but not given, witnessed by a second clinical staff member."""
    now = _now(now)
    _require(by, "chart.record", "record waste")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(
            visit,
            {P.INFUSING, P.PAUSED, P.OBSERVATION, P.READY, P.DISCHARGED, P.SIGNED},
            "record waste",
        )
        moment = _at("at", at, now, visit, **_since_start(visit))
        amount = _decimal(
            "dose_mg",
            dose_mg,
            label="amount wasted",
            unit="mg",
            low=Decimal("0.01"),
            high=Decimal("5000"),
        )
        volume = None
        if volume_ml not in (None, ""):
            volume = _decimal(
                "volume_ml",
                volume_ml,
                label="volume wasted",
                unit="mL",
                low=Decimal("0.01"),
                high=Decimal("1000"),
            )
        if (
            witness is None
            or getattr(witness, "pk", None) == getattr(by, "pk", None)
            or getattr(witness, "organization_id", None) != visit.organization_id
            or not can(witness, "chart.record")
        ):
            raise ChartError(
                "witness", "Choose a second clinical staff member who saw the waste.", status=422
            )
        event = AdministrationEvent.objects.create(
            visit=visit,
            kind=AdministrationEvent.Kind.WASTE,
            at=moment,
            dose_mg=amount,
            volume_ml=volume,
            witness=witness,
            note=note[:300],
            recorded_by=by,
        )
        visit.wasted_mg = (Decimal(visit.wasted_mg or 0) + amount).quantize(Decimal("0.01"))
        visit.updated_at = now
        visit.save(update_fields=["wasted_mg", "updated_at"])
        _event(visit, "waste", by, moment, dose_mg=amount, witness=witness.pk)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.ADMINISTRATION_EVENT,
            object_id=event.pk,
            by=by,
            context=context,
            detail={"kind": "waste", "dose_mg": amount, "volume_ml": volume, "witness": witness.pk},
        )
    return event


# --- ratings, side effects, as-needed medications -------------------------------------------

CHARTING_PHASES = frozenset({P.PRE_CHECKS, P.INFUSING, P.PAUSED, P.OBSERVATION, P.READY})

#: Scale -> (lowest, highest) score. MOAA/S 0–5 [48]; CADSS subjective items 0–92 [49];
#: modified Aldrete 0–10 from five criteria 0–2 [50].
SCALE_RANGES: dict[str, tuple[int, int]] = {
    Rating.Scale.MOAAS: (0, 5),
    Rating.Scale.CADSS: (0, 92),
    Rating.Scale.ALDRETE: (0, 10),
}
ALDRETE_ITEMS = ("activity", "respiration", "circulation", "consciousness", "spo2")


def aldrete_total(items: Mapping[str, object]) -> tuple[int, dict[str, int]]:
    """Return the modified Aldrete total and the five criteria as ints (each 0–2) [50].

    Raises ChartError (422) naming the first missing or out-of-range criterion.
    """
    cleaned: dict[str, int] = {}
    for name in ALDRETE_ITEMS:
        raw = items.get(name)
        try:
            value = int(str(raw))
        except (TypeError, ValueError) as error:
            raise ChartError(f"aldrete_{name}", f"Score {name} 0, 1 or 2.", status=422) from error
        if value not in (0, 1, 2):
            raise ChartError(f"aldrete_{name}", f"Score {name} 0, 1 or 2.", status=422)
        cleaned[name] = value
    return sum(cleaned.values()), cleaned


def rating_record(
    *,
    visit: Visit,
    scale: str,
    score: object = None,
    items: Mapping[str, object] | None = None,
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Rating:
    """Record a MOAA/S, CADSS or modified Aldrete rating; MOAA/S 0 raises an alert [48][28]."""
    now = _now(now)
    _require(by, "chart.record", "record a rating")
    if scale not in SCALE_RANGES:
        raise ChartError("scale", "Choose MOAA/S, CADSS or modified Aldrete.", status=422)
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, CHARTING_PHASES, "record a rating")
        alert_block(visit)
        moment = _at("at", at, now, visit)
        stored_items: dict[str, int] = {}
        if scale == Rating.Scale.ALDRETE:
            value, stored_items = aldrete_total(items or {})
        else:
            low, high = SCALE_RANGES[scale]
            try:
                value = int(str(score).strip())
            except (TypeError, ValueError) as error:
                raise ChartError(
                    "score", f"Enter a whole number {low}–{high}.", status=422
                ) from error
            if not low <= value <= high:
                raise ChartError("score", f"Enter a whole number {low}–{high}.", status=422)
        rating = Rating.objects.create(
            visit=visit, scale=scale, score=value, items=stored_items, at=moment, by=by
        )
        if scale == Rating.Scale.MOAAS and value == 0:
            VitalAlert.objects.create(
                visit=visit,
                rule="moaas_unresponsive",
                message="MOAA/S 0: no response even to a painful stimulus.",
                threshold="MOAA/S 0",
                source_keys="[48][28]",
                inputs={"MOAA/S": "0"},
                raised_at=moment,
            )
        _event(visit, "rating", by, moment, scale=scale, score=value)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.VISIT_RATING,
            object_id=rating.pk,
            by=by,
            context=context,
            detail={"scale": scale, "score": value, "items": stored_items},
        )
    return rating


def side_effect_record(
    *,
    visit: Visit,
    kind: str,
    severity: str = SideEffect.Severity.MILD,
    note: str = "",
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> SideEffect:
    """Record a side effect seen during the visit ("other" needs a note)."""
    now = _now(now)
    _require(by, "chart.record", "record a side effect")
    if kind not in SideEffect.Kind.values:
        raise ChartError("kind", "Choose the side effect.", status=422)
    if severity not in SideEffect.Severity.values:
        raise ChartError("severity", "Choose mild, moderate or severe.", status=422)
    note = (note or "").strip()
    if kind == SideEffect.Kind.OTHER and not note:
        raise ChartError("note", "Describe the side effect.", status=422)
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, CHARTING_PHASES, "record a side effect")
        moment = _at("at", at, now, visit)
        effect = SideEffect.objects.create(
            visit=visit, kind=kind, severity=severity, at=moment, note=note[:300], by=by
        )
        _event(visit, "side_effect", by, moment, kind=kind, severity=severity)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.SIDE_EFFECT,
            object_id=effect.pk,
            by=by,
            context=context,
            detail={"kind": kind, "severity": severity, "note": note},
        )
    return effect


#: Plausible single as-needed doses by unit: a typing slip (4000 mg for 4 mg) is refused.
#: Not clinical limits; no source gives doses for this setting [?].
PRN_DOSE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    PrnMedication.Unit.MG: (Decimal("0.01"), Decimal("500")),
    PrnMedication.Unit.MCG: (Decimal("0.1"), Decimal("2000")),
    PrnMedication.Unit.ML: (Decimal("0.01"), Decimal("50")),
}


def prn_record(
    *,
    visit: Visit,
    drug: str,
    dose: object,
    unit: str,
    route: str,
    reason: str = "",
    at: dt.datetime | None = None,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> PrnMedication:
    """Record an as-needed medication given: drug, dose with its unit, route, time, reason.

    No doses are suggested: no authoritative source gives them for this setting [?].
    """
    now = _now(now)
    _require(by, "chart.record", "record a medication")
    name = (drug or "").strip()
    if not name or len(name) > 80:
        raise ChartError("drug", "Enter the medication's name.", status=422)
    if unit not in PrnMedication.Unit.values:
        raise ChartError("unit", "Choose mg, mcg or mL.", status=422)
    if route not in PrnMedication.Route.values:
        raise ChartError("route", "Choose the route.", status=422)
    low, high = PRN_DOSE_RANGES[unit]
    amount = _decimal("dose", dose, label="dose", unit=unit, low=low, high=high, places=3)
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, CHARTING_PHASES, "record a medication")
        moment = _at("at", at, now, visit)
        medication = PrnMedication.objects.create(
            visit=visit,
            drug=name,
            dose=amount,
            unit=unit,
            route=route,
            at=moment,
            reason=(reason or "").strip()[:200],
            by=by,
        )
        _event(visit, "prn", by, moment, drug=name, dose=amount, unit=unit, route=route)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.PRN_MEDICATION,
            object_id=medication.pk,
            by=by,
            context=context,
            detail={"drug": name, "dose": amount, "unit": unit, "route": route},
        )
    return medication


# --- observation and discharge ------------------------------------------------------------------


def observation_ends_at(visit: Visit) -> dt.datetime | None:
    """Return when the observation period ends (end of dose + observation minutes), or None."""
    if visit.infusion_ended_at is None:
        return None
    return visit.infusion_ended_at + dt.timedelta(minutes=visit.observation_min or 0)


def visit_ready(
    *, visit: Visit, by: Any, context: AuditContext = NO_REQUEST, now: dt.datetime | None = None
) -> Visit:
    """Mark observation complete: observation → ready for discharge, once its time is up."""
    now = _now(now)
    _require(by, "chart.record", "end observation")
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.OBSERVATION}, "end observation")
        alert_block(visit)
        ends = observation_ends_at(visit)
        if ends is not None and now < ends:
            left = int((ends - now).total_seconds() // 60) + 1
            raise ChartError(
                "",
                f"Observation runs until {timezone.localtime(ends, visit_zone(visit)):%H:%M} "
                f"({left} min left, {visit.observation_min} min in all).",
            )
        visit.phase = P.READY
        visit.ready_at = now
        visit.updated_at = now
        visit.save(update_fields=["phase", "ready_at", "updated_at"])
        _event(visit, "ready", by, now)
        _audit(visit, by=by, context=context, detail={"step": "ready"})
    return visit


def within_pct(baseline: int, value: int, pct: int) -> bool:
    """True when ``value`` is within ±``pct``% of ``baseline`` (modified Aldrete [50])."""
    return abs(value - baseline) * 100 <= baseline * pct


def discharge_criteria(
    *,
    visit: Visit,
    settings: ChartSettings,
    aldrete: int | None,
    moaas: int | None,
    escort_present_name: str,
    instructions_given: bool,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Return each discharge criterion with its rule, source, inputs and whether it is met."""
    baseline = baseline_vital(visit=visit)
    latest = latest_vital(visit=visit, with_bp=True)
    ends = observation_ends_at(visit)
    pct = settings.discharge_bp_within_pct
    vitals_met = (
        baseline is not None
        and latest is not None
        and latest.stage != VitalSign.Stage.BASELINE
        and within_pct(baseline.systolic_mmhg or 0, latest.systolic_mmhg or 0, pct)
        and within_pct(baseline.diastolic_mmhg or 0, latest.diastolic_mmhg or 0, pct)
    )
    return [
        {
            "code": "observation",
            "title": "Observation time",
            "met": ends is not None and now >= ends,
            "rule": f"Observed for {visit.observation_min or 0} min after the dose ended.",
            "source_keys": "[46][47]" if visit.drug == "esketamine" else "[22][40]",
            "inputs": {
                "Dose ended": timezone.localtime(
                    visit.infusion_ended_at, visit_zone(visit)
                ).strftime("%H:%M")
                if visit.infusion_ended_at
                else "—",
            },
        },
        {
            "code": "aldrete",
            "title": "Modified Aldrete score",
            "met": aldrete is not None and aldrete >= settings.discharge_aldrete_min,
            "rule": f"Total at least {settings.discharge_aldrete_min} of 10.",
            "source_keys": ChartSettings.SOURCES["discharge_aldrete_min"],
            "inputs": {"Total": "—" if aldrete is None else str(aldrete)},
        },
        {
            "code": "vitals",
            "title": "Vital signs back near baseline",
            "met": vitals_met,
            "rule": f"Latest blood pressure within ±{pct}% of baseline.",
            "source_keys": ChartSettings.SOURCES["discharge_bp_within_pct"],
            "inputs": {
                "Baseline": f"{baseline.systolic_mmhg}/{baseline.diastolic_mmhg} mmHg"
                if baseline
                else "none",
                "Latest": f"{latest.systolic_mmhg}/{latest.diastolic_mmhg} mmHg"
                if latest and latest.stage != VitalSign.Stage.BASELINE
                else "none after the dose",
            },
        },
        {
            "code": "moaas",
            "title": "Alert (MOAA/S)",
            "met": moaas is not None and moaas >= settings.discharge_moaas,
            "rule": f"MOAA/S {settings.discharge_moaas}: responds readily to name.",
            "source_keys": ChartSettings.SOURCES["discharge_moaas"],
            "inputs": {"MOAA/S": "—" if moaas is None else str(moaas)},
        },
        {
            "code": "escort",
            "title": "Escort present",
            "met": bool(escort_present_name.strip()),
            "rule": "A responsible adult takes the patient home.",
            "source_keys": "[22][40]",
            "inputs": {
                "Leaving with": escort_present_name.strip() or "—",
                "Expected": visit.escort_name or "—",
            },
        },
        {
            "code": "instructions",
            "title": "Discharge instructions given",
            "met": instructions_given,
            "rule": "Told: no driving until the next day after restful sleep.",
            "source_keys": "[18][46]",
            "inputs": {"Given": "yes" if instructions_given else "no"},
        },
    ]


def visit_discharge(
    *,
    visit: Visit,
    aldrete_items: Mapping[str, object],
    moaas: object,
    escort_present_name: str,
    instructions_given: bool,
    override_reason: str = "",
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Discharge the patient: ready (or observation, with an override) → discharged.

    Needs every criterion of :func:`discharge_criteria` (observation time, modified Aldrete
    ≥ 9 [50], blood pressure within ±20% of baseline [50], MOAA/S 5 [48], an escort present,
    instructions given), or a physician's override with a reason. Records the Aldrete and
    MOAA/S ratings, completes the appointment, assigns the next-day questionnaire (through
    the infusion already recorded with ``measurements``) and opens the REMS forms the
    clinic's rules require for the drug, due ``due_days`` after today.
    """
    now = _now(now)
    _require(by, "chart.record", "discharge a patient")
    total, items = aldrete_total(aldrete_items)
    try:
        moaas_value = int(str(moaas).strip())
    except (TypeError, ValueError) as error:
        raise ChartError("moaas", "Rate MOAA/S 0–5.", status=422) from error
    if not 0 <= moaas_value <= 5:
        raise ChartError("moaas", "Rate MOAA/S 0–5.", status=422)
    escort = (escort_present_name or "").strip()[:150]
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.OBSERVATION, P.READY}, "discharge the patient")
        alert_block(visit)
        settings = chart_settings_for(organization=visit.organization)
        criteria = discharge_criteria(
            visit=visit,
            settings=settings,
            aldrete=total,
            moaas=moaas_value,
            escort_present_name=escort,
            instructions_given=bool(instructions_given),
            now=now,
        )
        unmet = [c for c in criteria if not c["met"]]
        reason = ""
        if unmet:
            if not can(by, "chart.override"):
                titles = "; ".join(c["title"] for c in unmet)
                raise ChartError(
                    "discharge",
                    f"Not ready for discharge: {titles}. A physician may override with a reason.",
                )
            reason = _reason("override_reason", override_reason, what="discharging now", minimum=10)
        for scale, score, stored in (
            (Rating.Scale.ALDRETE, total, items),
            (Rating.Scale.MOAAS, moaas_value, {}),
        ):
            Rating.objects.create(
                visit=visit, scale=scale, score=score, items=stored, at=now, by=by
            )
        visit.phase = P.DISCHARGED
        visit.discharged_at = now
        visit.discharged_by = by
        visit.escort_present_name = escort
        visit.instructions_given = bool(instructions_given)
        visit.discharge_snapshot = jsonable(
            {
                "criteria": criteria,
                "override_reason": reason,
                "overridden": [c["code"] for c in unmet],
            }
        )
        visit.updated_at = now
        visit.save()
        _event(visit, "discharged", by, now, overridden=[c["code"] for c in unmet], reason=reason)
        _audit(
            visit,
            by=by,
            context=context,
            detail={
                "step": "discharged",
                "aldrete": total,
                "moaas": moaas_value,
                "overridden": [c["code"] for c in unmet],
                "reason": reason,
            },
        )
        _mark_appointment(visit, Appointment.Status.COMPLETED, by, context, now)
        _rems_forms_open(visit, now)
        if visit.infusion_started_at is not None:
            measurement_next_day_checkin_assign(
                patient=visit.patient, infusion_at=visit.infusion_started_at
            )
    return visit


def _rems_forms_open(visit: Visit, now: dt.datetime) -> None:
    if not visit.drug:
        return
    today = timezone.localtime(now, visit_zone(visit)).date()
    for rule in rems_rules_for(organization=visit.organization, drug=visit.drug):
        if (
            rule.when == rule.When.FIRST_SESSION
            and Visit.objects.filter(
                patient=visit.patient, drug=visit.drug, discharged_at__isnull=False
            )
            .exclude(pk=visit.pk)
            .exists()
        ):
            continue
        RemsForm.objects.get_or_create(
            visit=visit,
            rule=rule,
            defaults={"name": rule.name, "due_on": today + dt.timedelta(days=rule.due_days)},
        )


# --- notes ----------------------------------------------------------------------------------


def note_content(visit: Visit) -> dict[str, Any]:
    """Return the chart as it stands, JSON-ready: what a signed note fixes and hashes."""
    return jsonable(
        {
            "visit": visit.pk,
            "patient": visit.patient_id,
            "drug": visit.drug,
            "route": visit.route,
            "plan_version": visit.plan_version_id,
            "ordered_dose_mg": visit.ordered_dose_mg,
            "delivered_mg": visit.delivered_mg,
            "wasted_mg": visit.wasted_mg,
            "container": visit.container_label,
            "lot": visit.lot_number,
            "concentration_mg_per_ml": visit.concentration_mg_per_ml,
            "checked_in_at": visit.checked_in_at,
            "started_at": visit.infusion_started_at,
            "ended_at": visit.infusion_ended_at,
            "stopped_early": visit.stopped_early,
            "stop_reason": visit.stop_reason,
            "discharged_at": visit.discharged_at,
            "gate": visit.gate_snapshot,
            "discharge": visit.discharge_snapshot,
            "vitals": [
                [
                    v.measured_at,
                    v.stage,
                    v.systolic_mmhg,
                    v.diastolic_mmhg,
                    v.heart_rate_per_min,
                    v.spo2_pct,
                    v.respiratory_rate_per_min,
                    v.source,
                ]
                for v in visit.vitals.all()
            ],
            "alerts": [
                [a.rule, a.message, a.raised_at, a.responses, a.response_note, a.responded_at]
                for a in visit.alerts.all()
            ],
            "administration": [
                [e.kind, e.at, e.rate_ml_per_h, e.dose_mg, e.volume_ml, e.note]
                for e in visit.administration.all()
            ],
            "ratings": [[r.scale, r.score, r.items, r.at] for r in visit.ratings.all()],
            "side_effects": [[s.kind, s.severity, s.at, s.note] for s in visit.side_effects.all()],
            "prn": [
                [m.drug, m.dose, m.unit, m.route, m.at, m.reason]
                for m in visit.prn_medications.all()
            ],
        }
    )


def _sign_check(
    *,
    by: Any,
    password: str,
    attested: bool,
    visit: Visit,
    context: AuditContext,
    object_type: str,
    what: str,
) -> None:
    try:
        reauthenticate(
            signer=by,
            password=password,
            context=context,
            object_type=object_type,  # type: ignore[arg-type]
            object_id=visit.pk,
            detail={"visit": visit.pk, "what": what},
            patient=visit.patient,
            attested=attested,
        )
    except SigningError as error:
        raise ChartError("password", str(error), status=422) from error


def note_sign(
    *,
    visit: Visit,
    text: str,
    password: str,
    attested: bool,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> SignedNote:
    """Sign the nurse's note: discharged → note signed. The note and chart never change after.

    Refused (ChartError) with required vital signs missing: a baseline and a reading after
    the dose (safety fact 7).
    """
    now = _now(now)
    _require(by, "chart.record", "sign a session note")
    cleaned = (text or "").strip()
    if not cleaned:
        raise ChartError("text", "Write the note before signing.", status=422)
    if len(cleaned) > 2000:
        raise ChartError("text", "Keep the note to 2000 characters or fewer.", status=422)
    visit = Visit.objects.select_related("patient", "organization", "location").get(pk=visit.pk)
    _sign_check(
        by=by,
        password=password,
        attested=attested,
        visit=visit,
        context=context,
        object_type=AuditEvent.ObjectType.VISIT_NOTE,
        what="note",
    )
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.DISCHARGED}, "sign the note")
        if (
            baseline_vital(visit=visit) is None
            or not visit.vitals.exclude(stage=VitalSign.Stage.BASELINE).exists()
        ):
            raise ChartError(
                "text", "The chart lacks required vital signs (baseline and after the dose)."
            )
        visit.note_draft = cleaned
        content = note_content(visit)
        content["text"] = cleaned
        note = SignedNote.objects.create(
            visit=visit,
            text=cleaned,
            content=content,
            content_sha256=canonical_sha256(content),
            signed_by=by,
            signed_at=now,
            attestation=ATTESTATION_NOTE,
        )
        visit.phase = P.SIGNED
        visit.updated_at = now
        visit.save(update_fields=["phase", "note_draft", "updated_at"])
        _event(visit, "note_signed", by, now, sha256=note.content_sha256)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.VISIT_NOTE,
            object_id=note.pk,
            by=by,
            context=context,
            detail={"signed": True, "sha256": note.content_sha256},
        )
    return note


def note_cosign(
    *,
    visit: Visit,
    password: str,
    attested: bool,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> NoteCosignature:
    """Co-sign a signed note as the supervising provider (not the note's own signer)."""
    now = _now(now)
    _require(by, "chart.cosign", "co-sign a note (a provider or physician does)")
    try:
        refuse_unlicensed_signer(by)
    except SigningError as error:
        raise ChartError("password", str(error), status=422) from error
    visit = Visit.objects.select_related("patient", "organization").get(pk=visit.pk)
    _sign_check(
        by=by,
        password=password,
        attested=attested,
        visit=visit,
        context=context,
        object_type=AuditEvent.ObjectType.VISIT_NOTE,
        what="co-signature",
    )
    with transaction.atomic():
        visit = _locked(visit)
        note = SignedNote.objects.filter(visit=visit).first()
        if note is None:
            raise ChartError("", "The nurse has not signed the note yet.")
        if NoteCosignature.objects.filter(note=note).exists():
            raise ChartError("", "The note is already co-signed.")
        if note.signed_by_id == by.pk:
            raise ChartError("", "Another provider co-signs the note you signed.")
        cosignature = NoteCosignature.objects.create(
            note=note, signed_by=by, signed_at=now, attestation=ATTESTATION_COSIGN
        )
        _event(visit, "note_cosigned", by, now)
        _audit(
            visit,
            action=AuditEvent.Action.UPDATE,
            object_type=AuditEvent.ObjectType.VISIT_NOTE,
            object_id=note.pk,
            by=by,
            context=context,
            detail={"cosigned": True},
        )
    return cosignature


def note_addendum_add(
    *,
    visit: Visit,
    text: str,
    password: str,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> NoteAddendum:
    """Add a signed addendum to a signed note (the note itself never changes)."""
    now = _now(now)
    _require(by, "chart.record", "add an addendum")
    cleaned = (text or "").strip()
    if not cleaned:
        raise ChartError("text", "Write the addendum.", status=422)
    if len(cleaned) > 2000:
        raise ChartError("text", "Keep the addendum to 2000 characters or fewer.", status=422)
    visit = Visit.objects.select_related("patient", "organization").get(pk=visit.pk)
    _sign_check(
        by=by,
        password=password,
        attested=True,
        visit=visit,
        context=context,
        object_type=AuditEvent.ObjectType.NOTE_ADDENDUM,
        what="addendum",
    )
    with transaction.atomic():
        visit = _locked(visit)
        note = SignedNote.objects.filter(visit=visit).first()
        if note is None:
            raise ChartError("", "Sign the note first; an addendum adds to a signed note.")
        addendum = NoteAddendum.objects.create(
            note=note,
            text=cleaned,
            content_sha256=canonical_sha256({"note": note.content_sha256, "text": cleaned}),
            signed_by=by,
            signed_at=now,
        )
        _event(visit, "addendum", by, now)
        _audit(
            visit,
            action=AuditEvent.Action.CREATE,
            object_type=AuditEvent.ObjectType.NOTE_ADDENDUM,
            object_id=addendum.pk,
            by=by,
            context=context,
            detail={"text": cleaned},
        )
    return addendum


# --- cancel ---------------------------------------------------------------------------------------


def _cancel(visit: Visit, *, reason: str, by: Any, context: AuditContext, now: dt.datetime) -> None:
    visit.phase = P.CANCELLED
    visit.cancelled_at = now
    visit.cancel_reason = reason[:300]
    visit.updated_at = now
    visit.save(update_fields=["phase", "cancelled_at", "cancel_reason", "updated_at"])
    _event(visit, "cancelled", by, now, reason=reason)
    _audit(visit, by=by, context=context, detail={"step": "cancelled", "reason": reason})


def visit_cancel(
    *,
    visit: Visit,
    reason: str,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> Visit:
    """Cancel a visit before the dose (with a reason); after the dose starts, stop it instead."""
    now = _now(now)
    _require(by, "chart.checkin", "cancel a visit")
    cleaned = _reason("reason", reason, what="cancelling", minimum=3)
    with transaction.atomic():
        visit = _locked(visit)
        _require_phase(visit, {P.SCHEDULED, P.CHECKED_IN, P.PRE_CHECKS}, "be cancelled")
        _cancel(visit, reason=cleaned, by=by, context=context, now=now)
    return visit


def role_may_record(user: Any) -> bool:
    """True when the user's role may chart (nurse, provider, physician)."""
    return getattr(user, "role", None) in (Role.NURSE, Role.PROVIDER, Role.PHYSICIAN)
