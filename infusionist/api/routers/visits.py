"""Infusion visits over the JSON API: the day's visits, one visit's chart, monitor readings.

A vital-sign monitor (or a charting system) posts readings for an active visit with
``POST /visits/{id}/vitals``; each goes through
:func:`infusionist.infusions.vitals.vital_record`, the same service as the chart page, so
plausibility ranges, the clinic's alert thresholds and the audit trail apply. The answer
lists the alerts the reading raised with their rule, threshold and source keys; a repeat of
the same reading (same time to the second, values and source) answers 200 with the stored
one and raises nothing new.

Times are ISO 8601 with a UTC offset both ways (answers in the location's offset). Errors:
404 for an id that is not the clinic's; 409 ``{"detail"}`` for a visit not in progress; 422
with the field list for a bad or implausible value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from infusionist.accounts.api_auth import BearerToken, api_user
from infusionist.accounts.models import User
from infusionist.api.routers.scheduling import (
    OFFSET_HINT,
    DetailOut,
    Id,
    Instant,
    ValidationErrorOut,
    _clean_text,
    _location_for,
)
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record, audit_record_patients
from infusionist.clinics.models import Location, Organization
from infusionist.infusions import selectors
from infusionist.infusions import vitals as vital_services
from infusionist.infusions.errors import ChartError
from infusionist.infusions.gate import GATE_PHASES, visit_gate
from infusionist.infusions.models import Visit, VitalAlert, VitalSign
from infusionist.lib import administration
from infusionist.lib import vitals as vital_rules

router = Router(tags=["visits"])

#: Visits one list request returns at most.
MAX_LIST_LIMIT = 200


# ---- schemas ----------------------------------------------------------------------------------


def _vital(name: str) -> Any:
    def check(value: Any) -> int | None:
        try:
            return vital_rules.field_value(name, value)
        except ValueError as exc:
            raise PydanticCustomError("vital", str(exc)) from None

    return BeforeValidator(check)


def _range(name: str) -> str:
    low, high = vital_rules.PLAUSIBLE[name]
    return f"plausible {low}–{high} {vital_rules.UNITS[name]}"


class VitalsIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "measured_at": "2026-12-07T10:25:00-08:00",
                    "systolic_mmhg": 142,
                    "diastolic_mmhg": 88,
                    "heart_rate_per_min": 84,
                    "spo2_pct": 97,
                    "respiratory_rate_per_min": 14,
                    "on_oxygen": False,
                    "device": "Bay 2 monitor",
                }
            ]
        },
    )

    measured_at: Instant = Field(
        description=f"When the reading was taken, ISO 8601 with its UTC offset ({OFFSET_HINT}); "
        "at most 2 minutes ahead of the server's clock and at most an hour before check-in."
    )
    systolic_mmhg: Annotated[int | None, _vital("systolic_mmhg")] = Field(
        None,
        description=f"Systolic blood pressure (mmHg), {_range('systolic_mmhg')}; "
        "with the diastolic, or neither.",
    )
    diastolic_mmhg: Annotated[int | None, _vital("diastolic_mmhg")] = Field(
        None,
        description=f"Diastolic blood pressure (mmHg), {_range('diastolic_mmhg')}; below the "
        "systolic.",
    )
    heart_rate_per_min: Annotated[int | None, _vital("heart_rate_per_min")] = Field(
        None, description=f"Heart rate (beats/min), {_range('heart_rate_per_min')}."
    )
    spo2_pct: Annotated[int | None, _vital("spo2_pct")] = Field(
        None, description=f"Oxygen saturation SpO2 (%), {_range('spo2_pct')}."
    )
    respiratory_rate_per_min: Annotated[int | None, _vital("respiratory_rate_per_min")] = Field(
        None, description=f"Respiratory rate (breaths/min), {_range('respiratory_rate_per_min')}."
    )
    on_oxygen: bool = Field(False, description="The patient was on supplemental oxygen.")
    device: str = Field("", max_length=80, description="The monitor's name or serial number.")
    source: Literal["monitor", "nurse"] = Field(
        "monitor",
        description="`monitor` (default) for a device's reading; `nurse` when a clinician "
        "took and typed it. Shown on the chart beside each reading.",
    )

    _text = field_validator("device", mode="before")(_clean_text)


class AlertOut(Schema):
    id: int
    rule: str = Field(
        description="bp_severe, bp_hold, spo2_low, heart_rate_high, heart_rate_low or "
        "respiratory_rate_low."
    )
    message: str = Field(description="What the nurse sees.")
    threshold: str = Field(description="The clinic's threshold, with units.")
    source_keys: str = Field(
        description="Source keys of the threshold, e.g. `[10][42] [?]`; [?] marks a clinic "
        "setting no published source gives. Each resolves on the clinic's /reference/ page."
    )
    inputs: dict[str, str] = Field(description="The values the rule used.")
    raised_at: dt.datetime
    vital: int | None = Field(description="The reading that raised it.")
    open: bool = Field(description="True until a clinician documents the response.")
    responses: list[str] = Field(
        description="What was done: paused, treated, observed, physician_notified, stopped."
    )


class VitalOut(Schema):
    id: int
    measured_at: dt.datetime = Field(description="In the location's UTC offset.")
    stage: VitalSign.Stage = Field(description="baseline, during, after or discharge.")
    source: VitalSign.Source = Field(description="`nurse` or `monitor`.")
    device: str
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_per_min: int | None
    spo2_pct: int | None
    respiratory_rate_per_min: int | None
    on_oxygen: bool


class RecordedVitalOut(Schema):
    reading: VitalOut
    created: bool = Field(description="False for a repeat of a stored reading (answer 200).")
    alerts: list[AlertOut] = Field(
        description="The alerts this reading raised (for a repeat: those it raised first)."
    )
    recheck: str | None = Field(
        description="A prompt to repeat the blood pressure (one reading at the hold limit)."
    )


class PatientRef(Schema):
    id: int
    mrn: str
    name: str


class NamedRef(Schema):
    id: int
    name: str


class VisitSummaryOut(Schema):
    id: int
    phase: Visit.Phase
    patient: PatientRef
    location: NamedRef
    chair: NamedRef | None
    scheduled_at: dt.datetime = Field(description="In the location's UTC offset.")
    checked_in_at: dt.datetime | None
    infusion_started_at: dt.datetime | None
    infusion_ended_at: dt.datetime | None
    open_alerts: int = Field(description="Alerts waiting for a documented response.")


class VisitPage(Schema):
    count: int
    results: list[VisitSummaryOut]


class GateBasisOut(Schema):
    rule: str = Field(description="The rule applied, in words, with its numbers and units.")
    source_keys: str = Field(description="Source keys of the rule; [?]: a clinic setting.")
    inputs: dict[str, str] = Field(description="The values the rule was applied to.")


class GateCheckOut(Schema):
    code: str = Field(description="consent, order, eligibility, questionnaire, vitals, …")
    title: str
    passed: bool
    overridden: bool = Field(description="Failed, and a physician overrode it with a reason.")
    override_reason: str
    reasons: list[str] = Field(description="Why it failed, in plain words.")
    summary: str
    basis: GateBasisOut


class GateOut(Schema):
    ready: bool = Field(description="Every check passed or was overridden.")
    recorded: bool = Field(
        description="True: the gate as it stood when the dose started (kept with the visit); "
        "false: computed now, before the dose."
    )
    as_of: dt.datetime = Field(description="When the checks were evaluated.")
    checks: list[GateCheckOut]


class PumpOut(Schema):
    running: bool
    paused: bool
    volume_ml: Decimal = Field(description="Volume infused so far (mL), to 0.1 mL.")


class VisitOut(VisitSummaryOut):
    drug: str
    route: str
    ordered_dose_mg: Decimal | None = Field(description="The order's dose (mg).")
    recalculated_dose_mg: Decimal | None = Field(description="The dose on today's weight (mg).")
    concentration_mg_per_ml: Decimal | None = Field(description="Final concentration (mg/mL).")
    delivered_mg: Decimal | None = Field(
        description="Delivered so far (mg), to 0.01 mg: computed from the pump events up to "
        "now (a running pump counts), plus devices and injections."
    )
    pump: PumpOut | None = Field(description="The pump now; null before it starts.")
    duration_min: int | None = Field(description="Ordered infusion minutes.")
    observation_min: int | None = Field(description="Observation minutes after the infusion.")
    ready_at: dt.datetime | None
    discharged_at: dt.datetime | None
    gate: GateOut | None = Field(
        description="The pre-infusion gate: each check (consent, order, eligibility, "
        "questionnaire, baseline vitals, fasting, escort, pregnancy, weight) with its basis "
        "and any physician's override; computed now before the dose, as recorded once it "
        "started; null for a visit cancelled before the dose."
    )
    vitals: list[VitalOut] = Field(description="Every reading, oldest first.")
    alerts: list[AlertOut] = Field(description="Open alerts, oldest first.")


class VisitListQuery(Schema):
    date: dt.date | None = Field(
        None,
        description="The clinic's date (YYYY-MM-DD) in each location's time zone; default today.",
        examples=["2026-12-07"],
    )
    status: Visit.Phase | None = Field(None, description="Only visits in this phase.")
    location: Id | None = Field(None, description="Only this location's visits.")
    limit: int = Field(100, ge=1, le=MAX_LIST_LIMIT)
    offset: int = Field(0, ge=0, le=100_000)


# ---- helpers ----------------------------------------------------------------------------------


def _organization(user: User) -> Organization:
    assert user.organization is not None  # can() refuses users without an organization
    return user.organization


def _visit_for(user: User, visit_id: int) -> Visit:
    if not 1 <= visit_id <= 2_147_483_647:
        raise HttpError(404, "No such visit.")
    try:
        return selectors.visit_get_for_user(user=user, visit_id=visit_id)
    except Http404:
        raise HttpError(404, "No such visit.") from None


def _local(value: dt.datetime | None, location: Location) -> dt.datetime | None:
    return None if value is None else value.astimezone(location.tzinfo)


def _vital_out(v: VitalSign, location: Location) -> dict[str, Any]:
    return {
        "id": v.pk,
        "measured_at": _local(v.measured_at, location),
        "stage": v.stage,
        "source": v.source,
        "device": v.device,
        "systolic_mmhg": v.systolic_mmhg,
        "diastolic_mmhg": v.diastolic_mmhg,
        "heart_rate_per_min": v.heart_rate_per_min,
        "spo2_pct": v.spo2_pct,
        "respiratory_rate_per_min": v.respiratory_rate_per_min,
        "on_oxygen": v.on_oxygen,
    }


def _alert_out(a: VitalAlert, location: Location) -> dict[str, Any]:
    return {
        "id": a.pk,
        "rule": a.rule,
        "message": a.message,
        "threshold": a.threshold,
        "source_keys": a.source_keys,
        "inputs": {str(k): str(v) for k, v in (a.inputs or {}).items()},
        "raised_at": _local(a.raised_at, location),
        "vital": a.vital_id,
        "open": a.is_open,
        "responses": list(a.responses or []),
    }


def _summary_out(v: Visit, open_alerts: int) -> dict[str, Any]:
    location = v.location
    return {
        "id": v.pk,
        "phase": v.phase,
        "patient": {"id": v.patient.pk, "mrn": v.patient.mrn, "name": v.patient.display_name},
        "location": {"id": location.pk, "name": location.name},
        "chair": None if v.chair is None else {"id": v.chair.pk, "name": v.chair.name},
        "scheduled_at": _local(v.scheduled_at, location),
        "checked_in_at": _local(v.checked_in_at, location),
        "infusion_started_at": _local(v.infusion_started_at, location),
        "infusion_ended_at": _local(v.infusion_ended_at, location),
        "open_alerts": open_alerts,
    }


#: Phases whose gate is computed live: before the dose (the view's gate phases) and before
#: check-in, so a client sees what is missing ahead of the patient's arrival.
LIVE_GATE_PHASES = frozenset({Visit.Phase.SCHEDULED, *GATE_PHASES})


def _gate_json(visit: Visit, now: dt.datetime) -> dict[str, Any] | None:
    """Return the pre-infusion gate in :class:`GateOut`'s shape, or None.

    Before the dose it is computed now (:func:`infusionist.infusions.gate.visit_gate`); once
    the dose started it is the gate as it stood then (``Visit.gate_snapshot``); a visit
    cancelled before the dose has none.
    """
    if visit.gate_passed_at is not None:
        return {
            "ready": True,
            "recorded": True,
            "as_of": _local(visit.gate_passed_at, visit.location),
            "checks": [
                {
                    "code": c.get("code", ""),
                    "title": c.get("title", ""),
                    "passed": bool(c.get("passed")),
                    "overridden": bool(c.get("overridden")),
                    "override_reason": c.get("override_reason", ""),
                    "reasons": list(c.get("reasons", [])),
                    "summary": c.get("summary", ""),
                    "basis": {
                        "rule": c.get("rule", ""),
                        "source_keys": c.get("source_keys", ""),
                        "inputs": {str(k): str(v) for k, v in (c.get("inputs") or {}).items()},
                    },
                }
                for c in visit.gate_snapshot or []
                if isinstance(c, dict)
            ],
        }
    if visit.phase not in LIVE_GATE_PHASES:
        return None
    gate = visit_gate(visit=visit, now=now)
    return {
        "ready": gate.ready,
        "recorded": False,
        "as_of": _local(now, visit.location),
        "checks": [
            {
                "code": c.code,
                "title": c.title,
                "passed": c.passed,
                "overridden": c.override is not None,
                "override_reason": c.override.reason if c.override else "",
                "reasons": list(c.reasons),
                "summary": c.summary,
                "basis": {
                    "rule": c.rule,
                    "source_keys": c.source_keys,
                    "inputs": {str(k): str(v) for k, v in c.inputs.items()},
                },
            }
            for c in gate.checks
        ],
    }


def _delivery(visit: Visit, now: dt.datetime) -> tuple[Decimal | None, dict[str, Any] | None]:
    """Return (delivered mg, pump state) from the visit's administration events (one query)."""
    try:
        found = selectors.delivery_for(visit=visit, now=now)
    except administration.AdministrationError:
        return visit.delivered_mg, None  # the chart shows the sequence's problem
    if found is None:
        return visit.delivered_mg, None
    pump = None
    if found.segments or found.running or found.paused:
        pump = {
            "running": found.running,
            "paused": found.paused,
            "volume_ml": found.volume_ml.quantize(Decimal("0.1")),
        }
    return found.mg.quantize(Decimal("0.01")), pump


def _day_filter(organization: Organization, day: dt.date | None, location: Location | None) -> Q:
    """Return the filter for visits scheduled on ``day`` (default: each location's today),
    midnight to midnight in each location's own zone (a DST day is 23 or 25 hours)."""
    locations = [location] if location else list(Location.objects.filter(organization=organization))
    q = Q(pk__in=[])
    for place in locations:
        date = day or timezone.localdate(timezone=place.tzinfo)
        start = dt.datetime.combine(date, dt.time(0), tzinfo=place.tzinfo)
        end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(0), tzinfo=place.tzinfo)
        q |= Q(location=place, scheduled_at__gte=start, scheduled_at__lt=end)
    return q


def _chart_error(exc: ChartError) -> Status:
    if exc.status == 422:
        return Status(
            422,
            {"detail": exc.message, "errors": [{"field": exc.field, "message": exc.message}]},
        )
    return Status(exc.status, {"detail": exc.message})


# ---- endpoints --------------------------------------------------------------------------------


@router.get(
    "/visits",
    response={200: VisitPage, 404: DetailOut, 422: ValidationErrorOut},
    summary="List a day's visits",
    description=(
        "The clinic's infusion visits scheduled on `date` (each location's own date; default "
        "today), in time order, `limit` per page from `offset`: phase, patient, chair, times "
        "and how many alerts wait for a response. Filter by `status` (a phase: scheduled, "
        "checked_in, pre_checks, infusing, paused, observation, ready, discharged, signed, "
        "cancelled) and `location`. Each listed patient is recorded in the audit trail."
    ),
    auth=BearerToken("chart.view"),
)
def visit_list(request: HttpRequest, params: Query[VisitListQuery]) -> Any:
    user = api_user(request)
    organization = _organization(user)
    location = _location_for(request, organization, params.location) if params.location else None
    qs = (
        Visit.objects.filter(organization=organization)
        .filter(_day_filter(organization, params.date, location))
        .select_related("patient", "location", "chair")
        .annotate(open_alert_count=Count("alerts", filter=Q(alerts__responded_at__isnull=True)))
        .order_by("scheduled_at", "id")
    )
    if params.status is not None:
        qs = qs.filter(phase=params.status)
    count = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit])
    audit_record_patients(
        action=AuditEvent.Action.VIEW,
        actor=user,
        context=AuditContext.from_request(request),
        shown={AuditEvent.ObjectType.VISIT: [v.patient for v in rows]},
        detail={
            "list": "visits",
            "via": "api",
            "date": params.date.isoformat() if params.date else "today",
        },
    )
    return {"count": count, "results": [_summary_out(v, v.open_alert_count) for v in rows]}


@router.get(
    "/visits/{visit_id}",
    response={200: VisitOut, 404: DetailOut},
    summary="One visit's chart",
    description=(
        "The visit with its phase, patient, chair and times, the order (dose in mg), what "
        "has been delivered (mg, from the pump events up to now), the pre-infusion gate, "
        "every vital-sign reading (with its source: nurse or monitor) and the open alerts."
    ),
    auth=BearerToken("chart.view"),
)
def visit_detail(request: HttpRequest, visit_id: int) -> Any:
    user = api_user(request)
    visit = _visit_for(user, visit_id)
    location = visit.location
    readings = list(VitalSign.objects.filter(visit=visit).order_by("measured_at", "id"))
    alerts = vital_services.open_alerts_for(visit)
    now = timezone.now()
    delivered_mg, pump = _delivery(visit, now)
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=user,
        context=AuditContext.from_request(request),
        organization=visit.organization,
        object_type=AuditEvent.ObjectType.VISIT,
        object_id=visit.pk,
        patient=visit.patient,
        detail={"via": "api"},
    )
    return {
        **_summary_out(visit, len(alerts)),
        "drug": visit.drug,
        "route": visit.route,
        "ordered_dose_mg": visit.ordered_dose_mg,
        "recalculated_dose_mg": visit.recalculated_dose_mg,
        "concentration_mg_per_ml": visit.concentration_mg_per_ml,
        "delivered_mg": delivered_mg,
        "pump": pump,
        "duration_min": visit.duration_min,
        "observation_min": visit.observation_min,
        "ready_at": _local(visit.ready_at, location),
        "discharged_at": _local(visit.discharged_at, location),
        "gate": _gate_json(visit, now),
        "vitals": [_vital_out(v, location) for v in readings],
        "alerts": [_alert_out(a, location) for a in alerts],
    }


@router.post(
    "/visits/{visit_id}/vitals",
    response={
        200: RecordedVitalOut,
        201: RecordedVitalOut,
        404: DetailOut,
        409: DetailOut,
        422: ValidationErrorOut,
    },
    summary="Post a vital-sign reading",
    description=(
        "Record one reading for a visit in progress (checked in through ready for discharge): "
        "blood pressure (mmHg, both numbers), heart rate (/min), SpO2 (%), respiratory rate "
        "(/min), each optional but at least one, whole numbers within plausible ranges. "
        "**201** with the reading and the alerts it raised under the clinic's thresholds "
        "(rule, threshold with units, source keys); **200** for a repeat of a stored "
        "reading (nothing new is raised). **422** names the field (an implausible or "
        "missing value, a time without its UTC offset, in the future or long before "
        "check-in); **409** when the visit is not in progress; **404** for another "
        "clinic's visit."
    ),
    auth=BearerToken("chart.record"),
)
def vital_create(request: HttpRequest, visit_id: int, payload: VitalsIn) -> Any:
    user = api_user(request)
    visit = _visit_for(user, visit_id)
    values = {name: getattr(payload, name) for name in vital_rules.FIELDS}
    errors = vital_rules.plausibility_errors(values)
    if errors:
        raise NinjaValidationError(
            [{"loc": ("body", "payload", field), "msg": msg} for field, msg in errors.items()]
        )
    try:
        result = vital_services.vital_record(
            visit=visit,
            values=values,
            measured_at=payload.measured_at,
            source=payload.source,
            by=user,
            device=payload.device,
            on_oxygen=payload.on_oxygen,
            context=AuditContext.from_request(request),
        )
    except ChartError as exc:
        return _chart_error(exc)
    location = visit.location
    body = {
        "reading": _vital_out(result.vital, location),
        "created": result.created,
        "alerts": [_alert_out(a, location) for a in result.alerts],
        "recheck": result.recheck,
    }
    return Status(201 if result.created else 200, body)
