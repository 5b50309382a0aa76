"""The chairside chart: one page per visit and one action per form on it.

Every action is a POST to its own address, answers 303 back to the chart (at the section it
came from) when it worked, and re-shows the chart with the message beside the field and
everything typed kept (422) when it did not. A form carries a one-time ``submission`` key:
sending it twice (a double tap, a retry after a lost connection) saves once. The page's
script (``static/infusions/chart.js``) sends forms without leaving the page, so a network
error leaves what the nurse typed in place and says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
import zoneinfo
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    record_view,
    require_capability,
    user_of,
)
from infusionist.accounts.models import User
from infusionist.accounts.roles import CLINICAL_ROLES, can
from infusionist.audit.models import AuditEvent
from infusionist.infusions import gate as gates
from infusionist.infusions import selectors, services
from infusionist.infusions.board import paused_seconds
from infusionist.infusions.curve import visit_curve
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import (
    AdministrationEvent,
    ChartSettings,
    PrnMedication,
    Rating,
    SideEffect,
    Visit,
    VitalAlert,
)
from infusionist.infusions.vitals import alert_respond, vital_record
from infusionist.lib.administration import AdministrationError
from infusionist.lib.instruments.sedation import ALDRETE, MOAAS
from infusionist.postonly import post_only
from infusionist.scheduling.models import Appointment
from infusionist.treatment.models import Drug, Route

P = Visit.Phase

#: How long a form's one-time key is remembered (seconds): long enough for a retry.
SUBMISSION_TTL_S = 6 * 3600


def _visit(request: HttpRequest, visit_id: int) -> Visit:
    return selectors.visit_get_for_user(user=user_of(request), visit_id=visit_id)


_zone = selectors.visit_zone


def _local(moment: dt.datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%H:%M") if moment else "—"


def _minutes(seconds: float) -> int:
    return max(0, int(seconds // 60))


def _running_minutes(events: list[AdministrationEvent], now: dt.datetime) -> int:
    """Minutes the dose has been running: from start to stop (or now), minus pauses."""
    started = next((e.at for e in events if e.kind == AdministrationEvent.Kind.START), None)
    if started is None:
        return 0
    end = next((e.at for e in events if e.kind == AdministrationEvent.Kind.STOP), now)
    paused = paused_seconds(((e.kind, e.at) for e in events), until=end)
    return _minutes((end - started).total_seconds() - paused)


def _order_pump(visit: Visit) -> dict[str, Any] | None:
    """Return the order's pump programme: dose, mg/h, concentration, mL/h and VTBI [22]."""
    version = visit.plan_version
    if version is None or visit.route != "iv" or not visit.duration_min:
        return None
    dose = Decimal(visit.ordered_dose_mg or version.session_dose_mg)
    hours = Decimal(visit.duration_min) / 60
    mg_per_h = dose / hours
    concentration = (
        (dose / Decimal(version.bag_volume_ml)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if version.bag_volume_ml
        else None
    )
    rate = (
        (mg_per_h / concentration).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if concentration
        else None
    )
    return {
        "dose_mg": dose,
        "duration_min": visit.duration_min,
        "mg_per_h": mg_per_h.quantize(Decimal("0.01"), ROUND_HALF_UP),
        "mg_per_kg_per_h": (mg_per_h / Decimal(version.dosing_weight_kg)).quantize(
            Decimal("0.001"), ROUND_HALF_UP
        ),
        "concentration_mg_per_ml": concentration.normalize() if concentration else None,
        "bag_volume_ml": version.bag_volume_ml,
        "vial_mg_per_ml": version.vial_mg_per_ml,
        "rate_ml_per_h": rate.normalize() if rate else None,
        "vtbi_ml": (rate * hours).quantize(Decimal("0.1"), ROUND_HALF_UP) if rate else None,
    }


def _next_vitals_due(
    visit: Visit,
    settings: ChartSettings,
    last_at: dt.datetime | None,
    now: dt.datetime,
    recheck: bool = False,
) -> dict[str, Any] | None:
    since: dt.datetime | None
    if recheck and last_at is not None and visit.phase in ACTIVE_DOSE_PHASES:
        # A blood pressure at or over the hold limit asks for a repeat in a few minutes.
        interval = settings.hold_confirm_min
        since = last_at
    elif visit.phase in (P.INFUSING, P.PAUSED):
        interval = visit.monitoring_interval_min or settings.vitals_during_min
        since = last_at or visit.infusion_started_at
    elif visit.phase in (P.OBSERVATION, P.READY):
        interval = settings.vitals_after_min
        since = last_at or visit.infusion_ended_at
    else:
        return None
    if since is None:
        return None
    due = since + dt.timedelta(minutes=interval)
    return {
        "at": _local(due, _zone(visit)),
        "interval_min": interval,
        "overdue_min": _minutes((now - due).total_seconds()) if now >= due else 0,
        "due_now": now >= due,
    }


#: The lifecycle steps as the chart's history shows them.
STEP_WORDS = {
    "checked_in": "Checked in",
    "pre_checks": "Pre-infusion checks saved",
    "gate_override": "Check overridden",
    "started": "Dose started",
    "pause": "Paused",
    "resume": "Resumed",
    "rate": "Rate changed",
    "stopped": "Dose stopped",
    "dose": "Dose given",
    "waste": "Waste recorded",
    "rating": "Rating",
    "side_effect": "Side effect",
    "prn": "Medication given",
    "ready": "Observation complete",
    "discharged": "Discharged",
    "note_signed": "Note signed",
    "note_cosigned": "Note co-signed",
    "addendum": "Addendum signed",
    "cancelled": "Cancelled",
}

#: How the alert rules name their inputs, in words with units.
INPUT_WORDS = {
    "systolic_mmhg": "Systolic (mmHg)",
    "diastolic_mmhg": "Diastolic (mmHg)",
    "heart_rate_per_min": "Heart rate (/min)",
    "spo2_pct": "SpO2 (%)",
    "respiratory_rate_per_min": "Respiratory rate (/min)",
    "on_oxygen": "On oxygen",
    "earlier_systolic_mmhg": "Earlier systolic (mmHg)",
    "earlier_diastolic_mmhg": "Earlier diastolic (mmHg)",
    "earlier_measured_at": "Earlier reading at",
    "minutes_apart": "Minutes apart",
    "above_since": "Above since",
    "minutes_above": "Minutes above",
}


def readable_inputs(inputs: dict[str, str], zone: zoneinfo.ZoneInfo) -> list[tuple[str, str]]:
    """Return an alert's inputs as (label with unit, value) pairs; times as local clock times."""
    rows = []
    for key, value in inputs.items():
        text = str(value)
        try:
            moment: dt.datetime | None = dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            text = timezone.localtime(moment, zone).strftime("%H:%M")
        rows.append((INPUT_WORDS.get(key, key.replace("_", " ").capitalize()), text))
    return rows


def _changes_text(detail: dict[str, Any]) -> str:
    """Return a step's changed values in words ("weight today kg: 58.0 → 71.0")."""
    changes = detail.get("changes") or {}
    return "; ".join(
        f"{str(name).replace('_', ' ')}: {old if old not in (None, '') else '—'} → "
        f"{new if new not in (None, '') else '—'}"
        for name, (old, new) in changes.items()
    )


ACTIVE_DOSE_PHASES = frozenset({P.INFUSING, P.PAUSED, P.OBSERVATION, P.READY})


def _needs_recheck(vitals: list[Any], settings: ChartSettings) -> bool:
    """True when the latest blood pressure is at or over the hold limit (repeat it soon)."""
    with_bp = [v for v in vitals if v.systolic_mmhg is not None]
    if not with_bp:
        return False
    last = with_bp[-1]
    return bool(
        last.systolic_mmhg >= settings.hold_systolic_mmhg
        or (last.diastolic_mmhg or 0) >= settings.hold_diastolic_mmhg
    )


def _new_key() -> str:
    return secrets.token_urlsafe(12)


def _choices_moaas() -> list[tuple[int, str]]:
    return [(o.value, o.label["en"]) for o in reversed(MOAAS.items[0].options)]


def _aldrete_items(posted: Any = None) -> list[dict[str, Any]]:
    """The five criteria with their options, and the value posted for each (kept on a refusal)."""
    return [
        {
            "name": item.link_id,
            "label": item.name,
            "options": [(o.value, o.label["en"]) for o in reversed(item.options)],
            "selected": (posted.get(f"aldrete_{item.link_id}") or "") if posted else "",
        }
        for item in ALDRETE.items
    ]


def _witnesses(visit: Visit, me: User) -> list[User]:
    return list(
        User.objects.filter(
            organization_id=visit.organization_id, role__in=CLINICAL_ROLES, is_active=True
        )
        .exclude(pk=me.pk)
        .order_by("full_name", "email")
    )


def _chart_context(
    request: HttpRequest,
    visit: Visit,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    posted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    user = user_of(request)
    now = timezone.now()
    zone = _zone(visit)
    settings = selectors.chart_settings_for(organization=visit.organization)
    vitals = list(visit.vitals.select_related("recorded_by").order_by("measured_at", "id"))
    events = list(
        visit.administration.select_related("recorded_by", "witness").order_by("at", "id")
    )
    alerts = list(visit.alerts.select_related("responded_by").order_by("raised_at", "id"))
    open_alerts = [a for a in alerts if a.is_open]
    alerted = {a.vital_id for a in alerts if a.vital_id}
    gate = gates.visit_gate(visit=visit, now=now) if visit.phase in gates.GATE_PHASES else None
    delivered = None
    if visit.phase in (P.INFUSING, P.PAUSED) and events:
        with contextlib.suppress(AdministrationError):  # the pump record says what is wrong
            delivered = services.delivered_mg(visit, now)
    observation_end = services.observation_ends_at(visit)
    criteria = None
    if visit.phase in (P.OBSERVATION, P.READY):
        criteria = services.discharge_criteria(
            visit=visit,
            settings=settings,
            aldrete=None,
            moaas=None,
            escort_present_name=visit.escort_name,
            instructions_given=False,
            now=now,
        )
    note = getattr(visit, "signed_note", None) if visit.phase == P.SIGNED else None
    next_appointment = None
    if visit.phase in (P.DISCHARGED, P.SIGNED):
        next_appointment = (
            Appointment.objects.filter(
                patient=visit.patient,
                service_starts_at__gt=now,
                status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
            )
            .select_related("appointment_type")
            .order_by("service_starts_at")
            .first()
        )
    last_vital_at = vitals[-1].measured_at if vitals else None
    return {
        "visit": visit,
        "patient": visit.patient,
        "zone": zone,
        "now_local": _local(now, zone),
        "settings": settings,
        "sources": ChartSettings.SOURCES,
        "gate": gate,
        "vitals": [(v, _local(v.measured_at, zone), v.pk in alerted) for v in vitals],
        "events": [(e, _local(e.at, zone)) for e in events],
        "alerts": [(a, _local(a.raised_at, zone)) for a in alerts],
        "open_alerts": [(a, readable_inputs(a.inputs, zone)) for a in open_alerts],
        "alert_responses": VitalAlert.Response.choices,
        "delivered_mg": delivered,
        "running_min": _running_minutes(events, now) if visit.infusion_started_at else None,
        "observation_elapsed_min": _minutes((now - visit.infusion_ended_at).total_seconds())
        if visit.infusion_ended_at
        else None,
        "observation_end": _local(observation_end, zone) if observation_end else None,
        "observation_done": observation_end is not None and now >= observation_end,
        "vitals_due": _next_vitals_due(
            visit, settings, last_vital_at, now, recheck=_needs_recheck(vitals, settings)
        ),
        "order_pump": _order_pump(visit),
        "is_iv": visit.route == "iv",
        "ratings": [(r, _local(r.at, zone)) for r in visit.ratings.order_by("at", "id")],
        "side_effects": [
            (s, _local(s.at, zone)) for s in visit.side_effects.select_related("by").order_by("at")
        ],
        "prns": [(m, _local(m.at, zone)) for m in visit.prn_medications.order_by("at")],
        "criteria": criteria,
        "note": note,
        "next_appointment": next_appointment,
        "history": [
            (e, _local(e.at, zone), STEP_WORDS.get(e.kind, e.kind), _changes_text(e.detail))
            for e in visit.events.select_related("by").order_by("at", "id")
        ],
        "pregnancy_choices": Visit.Pregnancy.choices,
        "pregnancy_applies": gates.pregnancy_applies(visit.patient),
        "fasting_rule": gates.fasting_rule(visit.drug, settings),
        "side_effect_kinds": SideEffect.Kind.choices,
        "severities": SideEffect.Severity.choices,
        "prn_units": PrnMedication.Unit.choices,
        "prn_routes": PrnMedication.Route.choices,
        "moaas_levels": _choices_moaas(),
        "aldrete_items": _aldrete_items((posted or {}).get("discharge")),
        "route_label": dict(Route.choices).get(visit.route, visit.route),
        "drug_label": dict(Drug.choices).get(visit.drug, visit.drug),
        "witnesses": _witnesses(visit, user) if visit.phase not in (P.SCHEDULED,) else [],
        "note_draft": visit.note_draft or _note_draft(visit, zone),
        "waste_reminder": visit.phase == P.DISCHARGED
        and not visit.wasted_mg
        and visit.delivered_mg is not None
        and visit.ordered_dose_mg is not None
        and visit.route == "iv",
        "step_words": STEP_WORDS,
        "can_record": can(user, "chart.record"),
        "can_override": can(user, "chart.override"),
        "can_cosign": can(user, "chart.cosign"),
        "can_checkin": can(user, "chart.checkin"),
        "errors": errors or {},
        "posted": posted or {},
        "submission": _new_key(),
        "esketamine_device_mg": services.ESKETAMINE_DEVICE_MG,
        "scale_choices": Rating.Scale.choices,
        "curve": visit_curve(visit=visit, now=now, zone=zone)
        if visit.phase in (P.INFUSING, P.PAUSED, P.OBSERVATION, P.READY)
        else None,
    }


def _note_draft(visit: Visit, zone: zoneinfo.ZoneInfo) -> str:
    """A starting text for the nurse's note from the chart (the nurse edits it before signing).

    Names everything a reader of the signed note needs: the dose given against the order, a
    stop before the full dose, each alert with what was done, side effects, as-needed
    medications, waste, every physician's override (gate and discharge) with its reason, and
    the discharge.
    """
    if visit.phase not in (P.DISCHARGED,):
        return ""
    responses = dict(VitalAlert.Response.choices)
    drug = dict(Drug.choices).get(visit.drug, visit.drug or "Treatment")
    parts = [
        f"{drug} session. Delivered {visit.delivered_mg} mg of {visit.ordered_dose_mg} mg ordered"
        f" (started {_local(visit.infusion_started_at, zone)}, ended "
        f"{_local(visit.infusion_ended_at, zone)})."
    ]
    if visit.stopped_early:
        parts.append(f"Stopped before the full dose: {visit.stop_reason.rstrip('.')}.")
    overrides = list(visit.gate_overrides.select_related("by"))
    for override in overrides:
        parts.append(
            f"Pre-infusion check “{override.code.replace('_', ' ')}” overridden by "
            f"{override.by.display_name}: {override.reason.rstrip('.')}."
        )
    for alert in visit.alerts.all():
        done = ", ".join(str(responses.get(r, r)).lower() for r in alert.responses)
        parts.append(
            f"Alert at {_local(alert.raised_at, zone)}: {alert.message} "
            f"Response: {done or 'none recorded'}"
            + (f" ({alert.response_note.rstrip('.')})." if alert.response_note else ".")
        )
    effects = list(visit.side_effects.all())
    if effects:
        parts.append(
            "Side effects: "
            + ", ".join(
                f"{e.get_kind_display().lower()} ({e.get_severity_display().lower()})"
                for e in effects
            )
            + "."
        )
    for med in visit.prn_medications.all():
        parts.append(
            f"Given {med.drug} {med.dose.normalize()} {med.unit} "
            f"{med.get_route_display().lower()} at {_local(med.at, zone)}"
            + (f" for {med.reason.rstrip('.')}." if med.reason else ".")
        )
    if visit.wasted_mg:
        parts.append(f"Wasted {visit.wasted_mg} mg, witnessed.")
    discharge = visit.discharge_snapshot or {}
    if discharge.get("override_reason"):
        unmet = ", ".join(str(code) for code in discharge.get("overridden", []))
        parts.append(
            f"Discharged by a physician's override ({unmet} not met): "
            f"{str(discharge['override_reason']).rstrip('.')}."
        )
    parts.append(
        f"Discharged {_local(visit.discharged_at, zone)} with {visit.escort_present_name or '—'}; "
        "told not to drive until the next day."
    )
    return " ".join(parts)


def _page(
    request: HttpRequest,
    visit: Visit,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    record_view(
        request,
        object_type=AuditEvent.ObjectType.VISIT,
        object_id=visit.pk,
        patient=visit.patient,
        detail={"phase": visit.phase},
    )
    return render(
        request,
        "infusions/visit.html",
        _chart_context(request, visit, errors=errors, posted=posted),
        status=status,
    )


@require_capability("chart.view")
def visit_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The chart of one visit: what to do next for its phase, and everything charted."""
    visit = _visit(request, visit_id)
    return _page(request, visit)


def _run(
    request: HttpRequest,
    visit: Visit,
    form: str,
    action: Callable[[], Any],
    done: str,
) -> HttpResponse:
    """Run one chart action: at most once per form key; the chart again, or its errors."""
    key = (request.POST.get("submission") or "").strip()[:40]
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    cache_key = f"chart-submission:{visit.pk}:{digest}" if key else ""
    if cache_key and cache.get(cache_key):
        messages.info(request, _("That was already saved."))
        return _back(visit, form)
    try:
        action()
    except ChartError as error:
        visit.refresh_from_db()
        status = 403 if error.status == 403 else 422
        return _page(
            request,
            visit,
            errors={form: {error.field or "form": error.message}},
            posted={form: request.POST},
            status=status,
        )
    if cache_key:
        cache.set(cache_key, True, SUBMISSION_TTL_S)
    messages.success(request, done)
    return _back(visit, form)


def _back(visit: Visit, form: str) -> HttpResponse:
    """Answer 303 to the chart at the section of ``form``."""
    response = redirect(reverse("infusions:visit", args=[visit.pk]) + f"#{form}")
    response.status_code = 303
    return response


def _at(request: HttpRequest, visit: Visit, name: str = "at") -> dt.datetime | None:
    """Return the clock time the form gives (HH:MM today in the visit's zone), or None.

    Raises ChartError (422) for a time that cannot be read. A time later than now by more
    than 12 hours is read as yesterday's (charting after midnight).
    """
    text = (request.POST.get(name) or "").strip()
    if not text:
        return None
    try:
        clock = dt.time.fromisoformat(text)
    except ValueError as error:
        raise ChartError(
            name, _("Enter the time as hours and minutes, like 14:05."), status=422
        ) from error
    zone = _zone(visit)
    now = timezone.localtime(timezone.now(), zone)
    moment = dt.datetime.combine(now.date(), clock.replace(tzinfo=None), tzinfo=zone)
    if moment - now > dt.timedelta(hours=12):
        moment -= dt.timedelta(days=1)
    return moment


def _user_by_id(visit: Visit, value: object) -> User | None:
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return User.objects.filter(pk=pk, organization_id=visit.organization_id).first()


# --- actions ------------------------------------------------------------------------------------


def _checkin_form_page(request: HttpRequest, visit_id: int) -> str:
    """The chart for clinical roles; the chair board for the front desk and the clinic admin."""
    if can(request.user, "chart.view"):
        return reverse("infusions:visit", args=[visit_id])
    return reverse("infusions:board")


@post_only(form_page=_checkin_form_page)
@require_capability("chart.checkin")
def visit_checkin(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "checkin",
        lambda: services.visit_check_in(
            visit=visit, by=user_of(request), context=context_of(request)
        ),
        _("Checked in."),
    )


@post_only(form_page=_checkin_form_page)
@require_capability("chart.checkin")
def visit_cancel(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "cancel",
        lambda: services.visit_cancel(
            visit=visit,
            reason=request.POST.get("reason", ""),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Visit cancelled."),
    )


@post_only
@require_capability("chart.record")
def visit_checks(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    post = request.POST
    values: dict[str, Any] = {
        "weight_today_kg": post.get("weight_today_kg", ""),
        "fasting_confirmed": post.get("fasting_confirmed") == "on",
        "fasting_note": post.get("fasting_note", ""),
        "escort_name": post.get("escort_name", ""),
        "escort_phone": post.get("escort_phone", ""),
        "pregnancy": post.get("pregnancy", ""),
    }
    if not values["weight_today_kg"].strip():
        values.pop("weight_today_kg")
    return _run(
        request,
        visit,
        "checks",
        lambda: services.visit_pre_checks_save(
            visit=visit, values=values, by=user_of(request), context=context_of(request)
        ),
        _("Pre-infusion checks saved."),
    )


VITAL_FIELDS = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_per_min",
    "spo2_pct",
    "respiratory_rate_per_min",
)


@post_only
@require_capability("chart.record")
def visit_vitals(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    values: dict[str, object] = {
        name: request.POST.get(name, "").strip() or None for name in VITAL_FIELDS
    }

    def act() -> Any:
        at = _at(request, visit, "at") or timezone.now()
        result = vital_record(
            visit=visit,
            values=values,
            measured_at=at,
            source="nurse",
            on_oxygen=request.POST.get("on_oxygen") == "on",
            by=user_of(request),
            context=context_of(request),
        )
        for alert in result.alerts:
            messages.error(request, _("Alert: %(message)s") % {"message": alert.message})
        if result.recheck:
            messages.warning(request, result.recheck)
        return result

    return _run(request, visit, "vitals", act, _("Vital signs saved."))


@post_only
@require_capability("chart.record")
def visit_alert_respond(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)

    def act() -> Any:
        try:
            alert_id = int(request.POST.get("alert", ""))
        except ValueError as error:
            raise ChartError(
                "alert", _("Choose the alert you are answering."), status=422
            ) from error
        alert = VitalAlert.objects.filter(visit=visit, pk=alert_id).first()
        if alert is None:
            raise ChartError("alert", _("Choose the alert you are answering."), status=422)
        return alert_respond(
            alert=alert,
            responses=request.POST.getlist("responses"),
            note=request.POST.get("note", ""),
            by=user_of(request),
            context=context_of(request),
        )

    return _run(request, visit, "alert", act, _("Response recorded."))


@post_only
@require_capability("chart.override")
def visit_override(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    code = request.POST.get("code", "")[:40]
    return _run(
        request,
        visit,
        f"override-{code}" if code.isidentifier() else "gate",
        lambda: services.gate_override(
            visit=visit,
            code=code,
            reason=request.POST.get("reason", ""),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Override recorded."),
    )


@post_only
@require_capability("chart.record")
def visit_start(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    post = request.POST

    def act() -> Any:
        values = {
            name: post.get(name, "")
            for name in (
                "container_label",
                "lot_number",
                "concentration_mg_per_ml",
                "bag_volume_ml",
                "rate_ml_per_h",
            )
        }
        values["at"] = _at(request, visit)  # type: ignore[assignment]
        return services.infusion_start(
            visit=visit, values=values, by=user_of(request), context=context_of(request)
        )

    return _run(request, visit, "start", act, _("Dose started."))


@post_only
@require_capability("chart.record")
def visit_pump(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Pause, resume, change the rate or stop (``step`` in the form)."""
    visit = _visit(request, visit_id)
    post = request.POST
    step = post.get("step", "")

    def act() -> Any:
        at = _at(request, visit)
        by, context = user_of(request), context_of(request)
        if step == "pause":
            return services.infusion_pause(
                visit=visit, reason=post.get("reason", ""), at=at, by=by, context=context
            )
        if step == "resume":
            return services.infusion_resume(visit=visit, at=at, by=by, context=context)
        if step == "rate":
            return services.infusion_rate_change(
                visit=visit,
                rate_ml_per_h=post.get("rate_ml_per_h", ""),
                reason=post.get("reason", ""),
                at=at,
                by=by,
                context=context,
            )
        if step == "stop":
            return services.infusion_stop(
                visit=visit, reason=post.get("reason", ""), at=at, by=by, context=context
            )
        raise ChartError("step", _("Choose pause, resume, rate change or stop."), status=422)

    labels = {
        "pause": _("Paused."),
        "resume": _("Resumed."),
        "rate": _("Rate changed."),
        "stop": _("Dose stopped; observation has begun."),
    }
    return _run(
        request,
        visit,
        f"pump-{step}" if step in labels else "pump",
        act,
        labels.get(step, _("Saved.")),
    )


@post_only
@require_capability("chart.record")
def visit_dose(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "dose",
        lambda: services.dose_given(
            visit=visit,
            dose_mg=request.POST.get("dose_mg", ""),
            note=request.POST.get("note", "")[:300],
            at=_at(request, visit),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Dose recorded."),
    )


@post_only
@require_capability("chart.record")
def visit_waste(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "waste",
        lambda: services.waste_record(
            visit=visit,
            dose_mg=request.POST.get("dose_mg", ""),
            volume_ml=request.POST.get("volume_ml", ""),
            witness=_user_by_id(visit, request.POST.get("witness")),
            note=request.POST.get("note", "")[:300],
            at=_at(request, visit),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Waste recorded."),
    )


@post_only
@require_capability("chart.record")
def visit_rating(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    scale = request.POST.get("scale", "")
    return _run(
        request,
        visit,
        f"rating-{scale}" if scale in Rating.Scale.values else "rating",
        lambda: services.rating_record(
            visit=visit,
            scale=scale,
            score=request.POST.get("score", ""),
            at=_at(request, visit),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Rating recorded."),
    )


@post_only
@require_capability("chart.record")
def visit_side_effect(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "effects",
        lambda: services.side_effect_record(
            visit=visit,
            kind=request.POST.get("kind", ""),
            severity=request.POST.get("severity", ""),
            note=request.POST.get("note", ""),
            at=_at(request, visit),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Side effect recorded."),
    )


@post_only
@require_capability("chart.record")
def visit_prn(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    post = request.POST
    return _run(
        request,
        visit,
        "prn",
        lambda: services.prn_record(
            visit=visit,
            drug=post.get("drug", ""),
            dose=post.get("dose", ""),
            unit=post.get("unit", ""),
            route=post.get("route", ""),
            reason=post.get("reason", ""),
            at=_at(request, visit),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Medication recorded."),
    )


@post_only
@require_capability("chart.record")
def visit_ready(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "discharge",
        lambda: services.visit_ready(visit=visit, by=user_of(request), context=context_of(request)),
        _("Observation complete: ready for discharge."),
    )


@post_only
@require_capability("chart.record")
def visit_discharge(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    post = request.POST
    return _run(
        request,
        visit,
        "discharge",
        lambda: services.visit_discharge(
            visit=visit,
            aldrete_items={name: post.get(f"aldrete_{name}") for name in services.ALDRETE_ITEMS},
            moaas=post.get("moaas", ""),
            escort_present_name=post.get("escort_present_name", ""),
            instructions_given=post.get("instructions_given") == "on",
            override_reason=post.get("override_reason", ""),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Discharged. The next-day questionnaire is assigned."),
    )


@post_only
@require_capability("chart.record")
def visit_note_sign(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "note",
        lambda: services.note_sign(
            visit=visit,
            text=request.POST.get("text", ""),
            password=request.POST.get("password", ""),
            attested=request.POST.get("attest") == "on",
            by=user_of(request),
            context=context_of(request),
        ),
        _("Note signed."),
    )


@post_only
@require_capability("chart.cosign")
def visit_cosign(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "cosign",
        lambda: services.note_cosign(
            visit=visit,
            password=request.POST.get("password", ""),
            attested=request.POST.get("attest") == "on",
            by=user_of(request),
            context=context_of(request),
        ),
        _("Note co-signed."),
    )


@post_only
@require_capability("chart.record")
def visit_addendum(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _visit(request, visit_id)
    return _run(
        request,
        visit,
        "addendum",
        lambda: services.note_addendum_add(
            visit=visit,
            text=request.POST.get("text", ""),
            password=request.POST.get("password", ""),
            by=user_of(request),
            context=context_of(request),
        ),
        _("Addendum signed."),
    )
