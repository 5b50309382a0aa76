"""The predicted ketamine concentration of one visit, drawn with its actual pump events.

Two predictions from the clinic's pharmacokinetic model (``lib.pk``, chosen in the dosing
settings): the order as written (the dose at a constant rate over the ordered minutes, dashed)
and the pump as it actually ran (``lib.administration.pk_schedule``: rate changes, pauses and
the stop, up to now), with a vertical mark at each pump event. Decision support only: a
population model's average, never a measurement (docs/clinical-reference.md §7).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from infusionist.infusions.models import AdministrationEvent, Visit
from infusionist.lib import administration, pk
from infusionist.treatment.charts import MODEL_LABELS
from infusionist.treatment.selectors import dosing_settings_for

WIDTH_PX, HEIGHT_PX = 720, 280
LEFT_PX, RIGHT_PX, TOP_PX, BOTTOM_PX = 56, 704, 24, 240
POINTS = 181

EVENT_LABELS = {
    "start": "Start",
    "rate": "Rate",
    "pause": "Pause",
    "resume": "Resume",
    "stop": "Stop",
    "dose": "Dose",
}


@dataclass(frozen=True)
class ChartCurve:
    """SVG geometry: ``actual`` and ``planned`` polylines (plasma Cp), ``actual_ce`` (effect
    site), ``markers`` (x px, label, clock time), ``now_x`` (px or None), ticks, the model's
    name and the peaks in ng/mL."""

    actual: str
    actual_ce: str
    planned: str
    markers: tuple[tuple[float, str, str], ...]
    now_x: float | None
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    model_name: str
    model_label: str
    peak_actual_ng_per_ml: float
    peak_planned_ng_per_ml: float
    width_px: int = WIDTH_PX
    height_px: int = HEIGHT_PX
    left_px: int = LEFT_PX
    right_px: int = RIGHT_PX
    top_px: int = TOP_PX
    bottom_px: int = BOTTOM_PX


def _step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def visit_curve(*, visit: Visit, now: dt.datetime, zone: dt.tzinfo) -> ChartCurve | None:
    """Return the visit's predicted curves, or None before the dose or for a non-ketamine drug.

    Weight: today's, else the order's. Raises nothing: an event sequence the pump maths
    refuses, or a weight outside the model's range, gives None (the chart says why elsewhere).
    """
    if visit.infusion_started_at is None or visit.drug != "ketamine":
        return None
    weight = visit.weight_today_kg or visit.ordered_weight_kg
    if not weight:
        return None
    events = list(
        AdministrationEvent.objects.filter(visit=visit)
        .exclude(kind=AdministrationEvent.Kind.WASTE)
        .order_by("at", "id")
    )
    settings = dosing_settings_for(organization=visit.organization)
    origin = visit.infusion_started_at
    end = visit.infusion_ended_at or now
    try:
        actual_schedule = administration.pk_schedule(
            [administration.PumpEvent(e.kind, e.at, e.rate_ml_per_h, e.dose_mg) for e in events],
            visit.concentration_mg_per_ml or Decimal(0),
            origin,
            end,
        )
    except administration.AdministrationError:
        return None
    planned_schedule: list[pk.Infusion | pk.Bolus] = []
    if visit.ordered_dose_mg and visit.duration_min:
        planned_schedule = [
            pk.infusion_for_dose(
                dose_mg=float(visit.ordered_dose_mg),
                start_min=0.0,
                duration_min=float(visit.duration_min),
            )
        ]
    elapsed = max((now - origin).total_seconds() / 60.0, 1.0)
    span = max(float(visit.duration_min or 0) + float(settings.pk_curve_after_min), elapsed)
    times = np.linspace(0.0, span, POINTS)
    age = visit.patient.age_years() if visit.patient.date_of_birth else None
    try:
        actual = (
            pk.simulate(
                settings.pk_model,
                weight_kg=float(weight),
                age_years=age,
                schedule=actual_schedule,
                times_min=times,
            )
            if actual_schedule
            else None
        )
        planned = (
            pk.simulate(
                settings.pk_model,
                weight_kg=float(weight),
                age_years=age,
                schedule=planned_schedule,
                times_min=times,
            )
            if planned_schedule
            else None
        )
    except ValueError:
        return None
    shown = times <= elapsed + 1e-9
    tops = [1.0]
    if actual is not None:
        tops += [float(actual.cp_ng_per_ml.max()), float(actual.ce_ng_per_ml.max())]
    if planned is not None:
        tops.append(float(planned.cp_ng_per_ml.max()))
    y_step = _step(max(tops), 5)
    y_max = math.ceil(max(tops) / y_step) * y_step

    def x(t: float) -> float:
        return LEFT_PX + (RIGHT_PX - LEFT_PX) * t / span

    def y(v: float) -> float:
        return BOTTOM_PX - (BOTTOM_PX - TOP_PX) * v / y_max

    def line(values: np.ndarray, mask: np.ndarray | None = None) -> str:
        pairs = zip(times, values, strict=True)
        return " ".join(
            f"{x(t):.1f},{y(v):.1f}" for i, (t, v) in enumerate(pairs) if mask is None or mask[i]
        )

    x_step = _step(span, 8)
    markers = tuple(
        (
            x((e.at - origin).total_seconds() / 60.0),
            EVENT_LABELS.get(e.kind, e.kind),
            e.at.astimezone(zone).strftime("%H:%M"),
        )
        for e in events
        if e.at >= origin
    )
    return ChartCurve(
        actual=line(actual.cp_ng_per_ml, shown) if actual is not None else "",
        actual_ce=line(actual.ce_ng_per_ml, shown) if actual is not None else "",
        planned=line(planned.cp_ng_per_ml) if planned is not None else "",
        markers=markers,
        now_x=x(elapsed) if visit.infusion_ended_at is None or elapsed <= span else None,
        x_ticks=tuple((x(t), f"{t:g}") for t in np.arange(0, span + 1e-9, x_step).tolist()),
        y_ticks=tuple((y(v), f"{v:g}") for v in np.arange(0, y_max + 1e-9, y_step).tolist()),
        model_name=settings.pk_model,
        model_label=MODEL_LABELS.get(settings.pk_model, settings.pk_model),
        peak_actual_ng_per_ml=float(actual.cp_ng_per_ml[shown].max())
        if actual is not None
        else 0.0,
        peak_planned_ng_per_ml=float(planned.cp_ng_per_ml.max()) if planned is not None else 0.0,
    )
