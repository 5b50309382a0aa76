"""Server-side SVG geometry for score trajectories (no JavaScript, no chart library).

The template ``measurements/_chart.html`` draws what :func:`trajectory_chart` computes: severity
bands shaded, the response and remission thresholds as lines, infusion dates as markers and
each score as a point. The same numbers are always given as a table beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from infusionist.measurements.selectors import Trajectory

WIDTH, HEIGHT = 680, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 118, 12, 30
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# Light fills from calm to severe; text never sits on them without a label outside the plot.
BAND_FILLS = ("#e7f5ec", "#f4f8dc", "#fff2d6", "#fde4d3", "#fbd9dc")


@dataclass
class Shape:
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    label: str = ""
    fill: str = ""
    flagged: bool = False


@dataclass
class Chart:
    code: str
    title: str
    desc: str
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    bands: list[Shape] = field(default_factory=list)
    y_ticks: list[Shape] = field(default_factory=list)
    x_ticks: list[Shape] = field(default_factory=list)
    infusions: list[Shape] = field(default_factory=list)
    points: list[Shape] = field(default_factory=list)
    polyline: str = ""
    response_line: Shape | None = None
    remission_line: Shape | None = None


def _fill(index: int, count: int) -> str:
    if count <= 1:
        return BAND_FILLS[0]
    return BAND_FILLS[round(index * (len(BAND_FILLS) - 1) / (count - 1))]


def trajectory_chart(trajectory: Trajectory, infusion_dates: Iterable[dt.datetime] = ()) -> Chart:
    """Return the drawing of one instrument's scores over time."""
    low, high = trajectory.total_range
    times = [p.completed_at for p in trajectory.points]
    marks = [d for d in infusion_dates]
    start, end = min(times + marks), max(times + marks)
    if end - start < dt.timedelta(days=7):
        middle = start + (end - start) / 2
        start, end = middle - dt.timedelta(days=4), middle + dt.timedelta(days=4)
    pad = (end - start) * 0.04  # keep the first and last points off the axes and labels
    start, end = start - pad, end + pad
    span = (end - start).total_seconds()

    def x(moment: dt.datetime) -> float:
        return round(LEFT + (moment - start).total_seconds() / span * PLOT_W, 1)

    def y(score: float) -> float:
        clipped = min(max(score, low), high)
        return round(TOP + (1 - (clipped - low) / (high - low)) * PLOT_H, 1)

    first, last = trajectory.points[0], trajectory.points[-1]
    desc = (
        f"{len(trajectory.points)} scores from {first.total} on "
        f"{timezone.localtime(first.completed_at):%b %-d, %Y} to {last.total} on "
        f"{timezone.localtime(last.completed_at):%b %-d, %Y}."
    )
    if trajectory.baseline is not None:
        desc += f" Baseline {trajectory.baseline.total}."
    chart = Chart(code=trajectory.code, title=f"{trajectory.title} over time", desc=desc)

    for index, band in enumerate(trajectory.bands):
        top, bottom = y(band.max_score + 0.5), y(band.min_score - 0.5)
        chart.bands.append(
            Shape(
                x=LEFT,
                y=top,
                w=PLOT_W,
                h=round(bottom - top, 1),
                label=band.label,
                fill=_fill(index, len(trajectory.bands)),
            )
        )
        chart.y_ticks.append(Shape(x=LEFT - 6, y=y(band.min_score), label=str(band.min_score)))
    if not trajectory.bands:
        chart.y_ticks = [Shape(x=LEFT - 6, y=y(v), label=str(v)) for v in (low, (low + high) // 2)]
    chart.y_ticks.append(Shape(x=LEFT - 6, y=y(high), label=str(high)))

    ticks = [start + (end - start) * i / 3 for i in range(4)]
    chart.x_ticks = [
        Shape(x=x(t), y=HEIGHT - BOTTOM + 18, label=f"{timezone.localtime(t):%b %-d}")
        for t in ticks
    ]
    chart.infusions = [Shape(x=x(d), label=f"{timezone.localtime(d):%b %-d}") for d in marks]
    chart.points = [
        Shape(
            x=x(p.completed_at),
            y=y(p.total),
            label=f"{p.total} on {timezone.localtime(p.completed_at):%b %-d}",
            flagged=p.response_id in trajectory.flagged_ids,
        )
        for p in trajectory.points
    ]
    chart.polyline = " ".join(f"{s.x},{s.y}" for s in chart.points)
    if trajectory.response_threshold is not None:
        chart.response_line = Shape(
            y=y(trajectory.response_threshold),
            label=f"{trajectory.response_pct}% below baseline: {trajectory.response_threshold:g}",
        )
    if trajectory.remission_max is not None:
        chart.remission_line = Shape(
            y=y(trajectory.remission_max), label=f"Remission ≤ {trajectory.remission_max}"
        )
    return chart
