"""Predicted ketamine concentration curves as server-side SVG geometry plus a data table.

Decision support only: a population model's prediction, never a measurement
(docs/clinical-reference.md §7). The template draws the SVG; this module does the maths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from infusionist.lib import pk

CHART_WIDTH_PX = 720
CHART_HEIGHT_PX = 300
MARGIN_LEFT_PX = 56
MARGIN_RIGHT_PX = 16
MARGIN_TOP_PX = 28
MARGIN_BOTTOM_PX = 40
CURVE_POINTS = 241
TABLE_ROWS_TARGET = 16

MODEL_LABELS = {
    "domino": "Domino et al. (adults)",
    "clements": "Clements & Nimmo 1981",
    "kamp": "Kamp 2020",
    "hijazi": "Hijazi 2003",
    "herd": "Herd (children)",
    "hornik": "Hornik (children)",
}


@dataclass
class PKCurve:
    """A predicted curve ready to draw: pixel geometry, ticks and a table of values."""

    model_name: str
    model_label: str
    citation: str
    dose_mg: float
    duration_min: float
    warnings: list[str]
    cp_points: str
    ce_points: str
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    infusion_x0_px: float
    infusion_x1_px: float
    table: list[tuple[str, str, str]]
    peak_cp_ng_per_ml: float
    peak_ce_ng_per_ml: float
    cp_at_end_ng_per_ml: float
    width_px: int = CHART_WIDTH_PX
    height_px: int = CHART_HEIGHT_PX
    plot_left_px: int = MARGIN_LEFT_PX
    plot_right_px: int = CHART_WIDTH_PX - MARGIN_RIGHT_PX
    plot_top_px: int = MARGIN_TOP_PX
    plot_bottom_px: int = CHART_HEIGHT_PX - MARGIN_BOTTOM_PX
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def infusion_width_px(self) -> float:
        return self.infusion_x1_px - self.infusion_x0_px

    @property
    def plot_height_px(self) -> int:
        return self.plot_bottom_px - self.plot_top_px


def _nice_step(span: float, target_ticks: int) -> float:
    raw = span / max(target_ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _time_label(minutes: float) -> str:
    if minutes >= 600 and minutes % 60 == 0:
        return f"{minutes / 60:g} h"
    return f"{minutes:g}"


def pk_curve_for_session(
    *,
    model_name: str,
    weight_kg: float,
    age_years: float | None,
    dose_mg: float,
    duration_min: float,
    after_min: float,
) -> PKCurve:
    """Return the predicted Cp and Ce curve for one constant-rate infusion of `dose_mg`."""
    model = pk.get_model(model_name)
    end_min = duration_min + after_min
    times = np.linspace(0.0, end_min, CURVE_POINTS)
    schedule = [pk.infusion_for_dose(dose_mg=dose_mg, start_min=0.0, duration_min=duration_min)]
    result = pk.simulate(
        model, weight_kg=weight_kg, age_years=age_years, schedule=schedule, times_min=times
    )
    cp, ce = result.cp_ng_per_ml, result.ce_ng_per_ml
    end_value = pk.simulate(
        model, weight_kg=weight_kg, age_years=age_years, schedule=schedule, times_min=[duration_min]
    ).cp_ng_per_ml[0]
    top = float(max(cp.max(), ce.max(), 1.0))
    y_step = _nice_step(top, 5)
    y_max = math.ceil(top / y_step) * y_step

    left, right = MARGIN_LEFT_PX, CHART_WIDTH_PX - MARGIN_RIGHT_PX
    top_px, bottom = MARGIN_TOP_PX, CHART_HEIGHT_PX - MARGIN_BOTTOM_PX

    def x(t: float) -> float:
        return left + (right - left) * t / end_min

    def y(v: float) -> float:
        return bottom - (bottom - top_px) * v / y_max

    def points(values: np.ndarray) -> str:
        return " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))

    x_step = _nice_step(end_min, 8)
    x_ticks = [(x(t), _time_label(t)) for t in np.arange(0, end_min + 1e-9, x_step).tolist()]
    y_ticks = [(y(v), f"{v:g}") for v in np.arange(0, y_max + 1e-9, y_step).tolist()]

    table_step = _nice_step(end_min, TABLE_ROWS_TARGET)
    table_times = sorted({*np.arange(0, end_min + 1e-9, table_step).tolist(), duration_min})
    table_result = pk.simulate(
        model, weight_kg=weight_kg, age_years=age_years, schedule=schedule, times_min=table_times
    )
    table = [
        (
            _time_label(t) + (" (end of infusion)" if math.isclose(t, duration_min) else ""),
            f"{c:.1f}",
            f"{e:.1f}",
        )
        for t, c, e in zip(
            table_times, table_result.cp_ng_per_ml, table_result.ce_ng_per_ml, strict=True
        )
    ]
    return PKCurve(
        model_name=model.name,
        model_label=MODEL_LABELS.get(model.name, model.name),
        citation=model.citation,
        dose_mg=dose_mg,
        duration_min=duration_min,
        warnings=[w.message for w in result.warnings],
        cp_points=points(cp),
        ce_points=points(ce),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        infusion_x0_px=x(0.0),
        infusion_x1_px=x(duration_min),
        table=table,
        peak_cp_ng_per_ml=float(cp.max()),
        peak_ce_ng_per_ml=float(ce.max()),
        cp_at_end_ng_per_ml=float(end_value),
    )
