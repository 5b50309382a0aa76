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
#: The phone drawing: drawn about as wide as a 390 px screen shows it, so its 11-unit text
#: stays about 11 px (the wide drawing shrunk onto a phone gave 5 px labels). Band names sit
#: inside the plot instead of in a right margin.
NARROW_WIDTH, NARROW_HEIGHT = 340, 240
NARROW_LEFT, NARROW_RIGHT = 30, 8
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
    narrow: bool = False
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


def trajectory_chart(
    trajectory: Trajectory, infusion_dates: Iterable[dt.datetime] = (), *, narrow: bool = False
) -> Chart:
    """Return the drawing of one instrument's scores over time.

    ``narrow`` draws it for a phone (``NARROW_WIDTH`` units wide, band names inside the plot),
    so labels stay readable without scrolling sideways.
    """
    width, height = (NARROW_WIDTH, NARROW_HEIGHT) if narrow else (WIDTH, HEIGHT)
    left, right = (NARROW_LEFT, NARROW_RIGHT) if narrow else (LEFT, RIGHT)
    plot_w, plot_h = width - left - right, height - TOP - BOTTOM
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
        return round(left + (moment - start).total_seconds() / span * plot_w, 1)

    def y(score: float) -> float:
        clipped = min(max(score, low), high)
        return round(TOP + (1 - (clipped - low) / (high - low)) * plot_h, 1)

    first, last = trajectory.points[0], trajectory.points[-1]
    desc = (
        f"{len(trajectory.points)} scores from {first.total} on "
        f"{timezone.localtime(first.completed_at):%b %-d, %Y} to {last.total} on "
        f"{timezone.localtime(last.completed_at):%b %-d, %Y}."
    )
    if trajectory.baseline is not None:
        desc += f" Baseline {trajectory.baseline.total}."
    chart = Chart(
        code=f"{trajectory.code}-narrow" if narrow else trajectory.code,
        title=f"{trajectory.title} over time",
        desc=desc,
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        plot_bottom=height - BOTTOM,
        narrow=narrow,
    )

    for index, band in enumerate(trajectory.bands):
        top, bottom = y(band.max_score + 0.5), y(band.min_score - 0.5)
        chart.bands.append(
            Shape(
                x=left,
                y=top,
                w=plot_w,
                h=round(bottom - top, 1),
                label=band.label,
                fill=_fill(index, len(trajectory.bands)),
            )
        )
        chart.y_ticks.append(Shape(x=left - 6, y=y(band.min_score), label=str(band.min_score)))
    if not trajectory.bands:
        chart.y_ticks = [Shape(x=left - 6, y=y(v), label=str(v)) for v in (low, (low + high) // 2)]
    chart.y_ticks.append(Shape(x=left - 6, y=y(high), label=str(high)))

    ticks = [start + (end - start) * i / (2 if narrow else 3) for i in range(3 if narrow else 4)]
    day, tick = _date_formats(start, end)
    chart.x_ticks = [
        Shape(x=x(t), y=height - BOTTOM + 18, label=f"{timezone.localtime(t):{tick}}")
        for t in ticks
    ]
    chart.infusions = [Shape(x=x(d), label=f"{timezone.localtime(d):{day}}") for d in marks]
    chart.points = [
        Shape(
            x=x(p.completed_at),
            y=y(p.total),
            label=f"{p.total} on {timezone.localtime(p.completed_at):{day}}",
            flagged=p.response_id in trajectory.flagged_ids,
        )
        for p in trajectory.points
    ]
    chart.polyline = " ".join(f"{s.x},{s.y}" for s in chart.points)
    if trajectory.response_threshold is not None:
        chart.response_line = Shape(
            y=y(trajectory.response_threshold),
            label=(
                f"Response ≤ {trajectory.response_threshold:g}"
                if narrow
                else f"{trajectory.response_pct}% below baseline: {trajectory.response_threshold:g}"
            ),
        )
    if trajectory.remission_max is not None:
        chart.remission_line = Shape(
            y=y(trajectory.remission_max), label=f"Remission ≤ {trajectory.remission_max}"
        )
    return chart


def _date_formats(start: dt.datetime, end: dt.datetime) -> tuple[str, str]:
    """Return (point label, axis tick) strftime formats for a chart from ``start`` to ``end``.

    The year is shown whenever the data span years or are not in the current year ("Dec 28"
    alone would hide a 1990 entry); ticks more than half a year apart show month and year.
    """
    first, last = timezone.localtime(start), timezone.localtime(end)
    this_year = timezone.localdate().year
    if first.year == last.year == this_year:
        return "%b %-d", "%b %-d"
    tick = "%b %Y" if end - start > dt.timedelta(days=183) else "%b %-d, %Y"
    return "%b %-d, %Y", tick
