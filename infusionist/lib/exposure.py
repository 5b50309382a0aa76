"""Cumulative ketamine exposure and session-frequency checks, framework-free.

:func:`exposure_summary` takes ``(time, mg)`` pairs, one per session (a session's
boluses and infusions summed into one entry at its start). The treatment plan page feeds it
the plan's *planned* sessions (planned start dates × dose per session); administered doses
fit the same shape.

Frequency limits are per-clinic protocol settings (docs/clinical-reference.md §1: induction
~6 infusions over 2–3 weeks, thrice weekly [10][11]; Spravato twice weekly in weeks
1–4 [18]). No authoritative minimum interval between sessions was found [?], so the
protocol's value is a clinic setting.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_WINDOWS_DAYS",
    "ExposureSummary",
    "ExposureWindow",
    "FrequencyFinding",
    "FrequencyRuleFinding",
    "exposure_summary",
    "frequency_findings",
    "frequency_rule_findings",
    "peak_exposure",
]

DEFAULT_WINDOWS_DAYS: tuple[int, ...] = (7, 30, 365)
Dose = tuple[dt.datetime, float]


@dataclass(frozen=True)
class ExposureWindow:
    """Hold the total mg and session count in a trailing window of ``days``."""

    days: int
    total_mg: float
    sessions: int


@dataclass(frozen=True)
class ExposureSummary:
    """Hold trailing-window totals ending at ``at`` (windows are ``(at − days, at]``)."""

    at: dt.datetime | None
    windows: dict[int, ExposureWindow]

    def window(self, days: int) -> ExposureWindow:
        """Return the window of ``days`` days."""
        return self.windows[days]

    @property
    def total_mg_7_days(self) -> float:
        """Return mg in the last 7 days."""
        return self.windows[7].total_mg

    @property
    def total_mg_30_days(self) -> float:
        """Return mg in the last 30 days."""
        return self.windows[30].total_mg

    @property
    def total_mg_365_days(self) -> float:
        """Return mg in the last 365 days."""
        return self.windows[365].total_mg


@dataclass(frozen=True)
class FrequencyFinding:
    """Describe one broken frequency limit between or around sessions."""

    code: str
    message: str
    at: dt.datetime


@dataclass(frozen=True)
class FrequencyRuleFinding:
    """One broken frequency rule, summarised over the whole schedule.

    ``breaches`` counts the gaps or sessions that break it, ``first_at`` is the first
    session that does, ``worst`` the extreme value (the shortest gap in hours, the most
    sessions in 7 days, the course length in days) and ``limit`` the protocol's value.
    """

    code: str
    message: str
    breaches: int
    first_at: dt.datetime
    worst: float
    limit: float


def _day(day: dt.date) -> str:
    """Return a date as the clinic reads it: "Mar 5, 2026" (the product's one date format)."""
    return f"{day:%b} {day.day}, {day.year}"


def _moment(moment: dt.datetime) -> str:
    """Return a time as the clinic reads it: "Mar 5, 2026, 2:05 PM"."""
    hour = moment.hour % 12 or 12
    return f"{_day(moment)}, {hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def _checked(doses: Sequence[Dose]) -> list[Dose]:
    checked: list[Dose] = []
    for index, (when, mg) in enumerate(doses):
        if not isinstance(when, dt.datetime) or when.tzinfo is None:
            raise ValueError(f"doses[{index}] needs an aware datetime; got {when!r}.")
        if isinstance(mg, bool) or not isinstance(mg, int | float) or not math.isfinite(mg):
            raise ValueError(f"doses[{index}] mg must be a finite number; got {mg!r}.")
        if mg < 0:
            raise ValueError(f"doses[{index}] mg must not be negative; got {mg}.")
        checked.append((when, float(mg)))
    return sorted(checked, key=lambda d: d[0])


def _window(doses: list[Dose], at: dt.datetime, days: int) -> ExposureWindow:
    start = at - dt.timedelta(days=days)
    inside = [mg for when, mg in doses if start < when <= at]
    return ExposureWindow(days=days, total_mg=float(sum(inside)), sessions=len(inside))


def exposure_summary(
    doses: Sequence[Dose],
    *,
    at: dt.datetime | None = None,
    windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS,
) -> ExposureSummary:
    """Return total mg and session counts in the trailing 7, 30 and 365 days.

    ``at`` (aware) ends the windows; by default the time of the last dose. A dose at
    exactly ``at`` counts; one exactly ``days`` earlier does not.
    """
    ordered = _checked(doses)
    if at is not None and at.tzinfo is None:
        raise ValueError("at must be an aware datetime.")
    end = at if at is not None else (ordered[-1][0] if ordered else None)
    if end is None:
        return ExposureSummary(
            at=None, windows={d: ExposureWindow(d, 0.0, 0) for d in windows_days}
        )
    return ExposureSummary(at=end, windows={d: _window(ordered, end, d) for d in windows_days})


def peak_exposure(
    doses: Sequence[Dose], *, windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS
) -> dict[int, ExposureWindow]:
    """Return, per window length, the largest trailing total over the whole schedule.

    A trailing window's total only grows at a dose, so checking the windows that end
    at each dose finds the maximum.
    """
    ordered = _checked(doses)
    peaks = {d: ExposureWindow(d, 0.0, 0) for d in windows_days}
    for when, _mg in ordered:
        for days in windows_days:
            found = _window(ordered, when, days)
            if (found.total_mg, found.sessions) > (peaks[days].total_mg, peaks[days].sessions):
                peaks[days] = found
    return peaks


def frequency_findings(
    times: Sequence[dt.datetime],
    *,
    min_interval_h: float,
    max_sessions_per_7_days: int,
) -> list[FrequencyFinding]:
    """Return every place where sessions come closer than the protocol allows.

    Checks each gap against ``min_interval_h`` and each trailing 7-day window against
    ``max_sessions_per_7_days``; a window is reported once, at the session that
    breaks it.
    """
    ordered = [when for when, _mg in _checked([(t, 0.0) for t in times])]
    found: list[FrequencyFinding] = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        gap_h = (after - before).total_seconds() / 3600.0
        if gap_h < min_interval_h:
            found.append(
                FrequencyFinding(
                    "interval_below_minimum",
                    f"Sessions on {_moment(before)} and {_moment(after)} are "
                    f"{gap_h:.0f} h apart; the protocol minimum is {min_interval_h:g} h.",
                    after,
                )
            )
    for index, when in enumerate(ordered):
        start = when - dt.timedelta(days=7)
        count = sum(1 for t in ordered[: index + 1] if t > start)
        if count > max_sessions_per_7_days:
            found.append(
                FrequencyFinding(
                    "too_many_sessions_in_7_days",
                    f"{count} sessions in the 7 days up to {_day(when)}; the protocol "
                    f"allows at most {max_sessions_per_7_days}.",
                    when,
                )
            )
    return found


def _sessions(count: int) -> str:
    """Return "1 session falls" or "3 sessions fall": the count agrees with its noun."""
    return f"{count} session falls" if count == 1 else f"{count} sessions fall"


def frequency_rule_findings(
    times: Sequence[dt.datetime],
    *,
    min_interval_h: float,
    max_sessions_per_7_days: int,
    course_max_days: int | None = None,
) -> list[FrequencyRuleFinding]:
    """Return one summarised finding per broken frequency rule, never one per session.

    The rules are those of :func:`frequency_findings` (the minimum interval, the most
    sessions in any trailing 7 days) and the course length: all sessions within
    ``course_max_days`` of the first, counted in calendar days.
    """
    ordered = [when for when, _mg in _checked([(t, 0.0) for t in times])]
    each = frequency_findings(
        ordered, min_interval_h=min_interval_h, max_sessions_per_7_days=max_sessions_per_7_days
    )
    found: list[FrequencyRuleFinding] = []
    short = [f.at for f in each if f.code == "interval_below_minimum"]
    if short:
        gaps_h = [
            (after - before).total_seconds() / 3600.0
            for before, after in zip(ordered, ordered[1:], strict=False)
        ]
        shortest_h = min(gaps_h)
        found.append(
            FrequencyRuleFinding(
                "interval_below_minimum",
                f"{len(short)} of the {len(gaps_h)} gaps between planned sessions are shorter "
                f"than the protocol minimum of {min_interval_h:g} h (shortest {shortest_h:.0f} h, "
                f"first before the session on {_day(short[0])}).",
                len(short),
                short[0],
                shortest_h,
                float(min_interval_h),
            )
        )
    crowded = [f.at for f in each if f.code == "too_many_sessions_in_7_days"]
    if crowded:
        most = max(
            sum(1 for t in ordered[: index + 1] if t > when - dt.timedelta(days=7))
            for index, when in enumerate(ordered)
        )
        found.append(
            FrequencyRuleFinding(
                "too_many_sessions_in_7_days",
                f"Up to {most} planned sessions fall in 7 days; the protocol allows at most "
                f"{max_sessions_per_7_days}. {len(crowded)} of the {len(ordered)} sessions break "
                f"the limit, the first on {_day(crowded[0])}.",
                len(crowded),
                crowded[0],
                float(most),
                float(max_sessions_per_7_days),
            )
        )
    if course_max_days and ordered:
        span_days = (ordered[-1].date() - ordered[0].date()).days
        if span_days > course_max_days:
            late = [t for t in ordered if (t.date() - ordered[0].date()).days > course_max_days]
            found.append(
                FrequencyRuleFinding(
                    "course_longer_than_limit",
                    f"The planned sessions span {span_days} days; the protocol keeps them within "
                    f"{course_max_days}. {_sessions(len(late))} after day {course_max_days}, "
                    f"the first on {_day(late[0])}.",
                    len(late),
                    late[0],
                    float(span_days),
                    float(course_max_days),
                )
            )
    return found
