"""When questionnaires are due around ketamine treatment. Framework-free, pure.

The schedule follows the treatment, not the calendar (as MoodMonitor's schedules restart at
each treatment [102]):

- before every planned infusion: a pre-infusion questionnaire, sent ``pre_infusion_lead_hours``
  ahead and due at the infusion;
- the day after every infusion: a next-day check-in, sent ``next_day_checkin_hours`` after it;
- between infusions: a check-in every ``induction_interval_days`` during induction (weekly by
  default) and every ``maintenance_interval_days`` in maintenance (every two weeks by default),
  counted from the last infusion, so each infusion resets the cadence.

Cadence defaults are clinic settings without a published source [?]: weekly during induction and
fortnightly in maintenance mirror the products clinics use ([99], [102]).

:func:`due_assignments` returns the assignments that should exist at ``now``; it is deterministic
(the same inputs give the same times), so a caller that stores them keyed on
(reason, available_at) can run it as often as it likes without creating duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "CADENCE_EPOCH",
    "PHASES",
    "Cadence",
    "DueAssignment",
    "Reason",
    "due_assignments",
]

PHASES = ("evaluation", "induction", "maintenance")

#: Anchor of the cadence grid when the patient has no infusion yet: a Monday, midnight UTC.
CADENCE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


class Reason:
    """Why an assignment is due; stored with it and shown to staff."""

    PRE_INFUSION = "pre_infusion"
    NEXT_DAY = "next_day_checkin"
    INDUCTION = "induction_checkin"
    MAINTENANCE = "maintenance_checkin"

    CADENCE = frozenset({INDUCTION, MAINTENANCE})


@dataclass(frozen=True)
class Cadence:
    """A clinic's schedule settings; every value is a per-clinic setting [?]."""

    induction_interval_days: int = 7
    maintenance_interval_days: int = 14
    next_day_checkin_hours: int = 24
    pre_infusion_lead_hours: int = 48
    #: Hours a check-in stays open after it is sent before it counts as overdue.
    completion_window_hours: int = 48
    #: Skip a cadence check-in when a pre-infusion or next-day one is sent this close to it.
    dedupe_hours: int = 72

    def __post_init__(self) -> None:
        for name in ("induction_interval_days", "maintenance_interval_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 day")
        for name in (
            "next_day_checkin_hours",
            "pre_infusion_lead_hours",
            "completion_window_hours",
            "dedupe_hours",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.completion_window_hours < 1:
            raise ValueError("completion_window_hours must be at least 1 hour")

    def interval(self, phase: str | None) -> dt.timedelta | None:
        """Return the check-in interval for a treatment phase, or None when it has none."""
        if phase == "induction":
            return dt.timedelta(days=self.induction_interval_days)
        if phase == "maintenance":
            return dt.timedelta(days=self.maintenance_interval_days)
        return None


@dataclass(frozen=True)
class DueAssignment:
    """One questionnaire occasion: send at ``available_at``, complete by ``due_at``."""

    reason: str
    available_at: dt.datetime
    due_at: dt.datetime


def _require_aware(name: str, value: dt.datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _cadence_occurrence(
    anchor: dt.datetime, interval: dt.timedelta, now: dt.datetime, *, after_anchor: bool
) -> dt.datetime | None:
    """Return the latest ``anchor + k * interval`` at or before ``now`` (k ≥ 1 after infusions)."""
    if now < anchor:
        return None
    k = (now - anchor) // interval
    if after_anchor and k < 1:
        return None
    return anchor + k * interval


def due_assignments(
    *,
    phase: str | None,
    last_infusion_at: dt.datetime | None,
    next_infusion_at: dt.datetime | None,
    now: dt.datetime,
    cadence: Cadence | None = None,
) -> list[DueAssignment]:
    """Return the questionnaire occasions that should exist at ``now``, earliest first.

    ``phase`` is the treatment phase ("evaluation", "induction", "maintenance") or None when the
    patient has no plan; only induction and maintenance have a between-infusion cadence.
    A pre-infusion occasion is returned for an upcoming infusion (sent ahead of it, so its
    ``available_at`` may lie in the future); a next-day check-in while it can still be completed;
    and the cadence check-in of the current period, counted from the last infusion (or, with no
    infusion yet, from a fixed grid so that repeated calls agree). Times are returned in UTC.
    """
    for name, value in (
        ("last_infusion_at", last_infusion_at),
        ("next_infusion_at", next_infusion_at),
        ("now", now),
    ):
        _require_aware(name, value)
    # Work in UTC: arithmetic on datetimes in a zone with DST is wall-clock arithmetic in Python,
    # which would move a check-in by an hour across a clock change.
    now = now.astimezone(dt.UTC)
    last_infusion_at = last_infusion_at.astimezone(dt.UTC) if last_infusion_at else None
    next_infusion_at = next_infusion_at.astimezone(dt.UTC) if next_infusion_at else None
    if phase is not None and phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)} or None, not {phase!r}")
    cadence = cadence or Cadence()
    window = dt.timedelta(hours=cadence.completion_window_hours)
    result: list[DueAssignment] = []

    if next_infusion_at is not None and next_infusion_at > now:
        result.append(
            DueAssignment(
                Reason.PRE_INFUSION,
                next_infusion_at - dt.timedelta(hours=cadence.pre_infusion_lead_hours),
                next_infusion_at,
            )
        )

    if last_infusion_at is not None and last_infusion_at <= now:
        sent = last_infusion_at + dt.timedelta(hours=cadence.next_day_checkin_hours)
        if now <= sent + window:
            result.append(DueAssignment(Reason.NEXT_DAY, sent, sent + window))

    interval = cadence.interval(phase)
    if interval is not None:
        if last_infusion_at is not None and last_infusion_at <= now:
            occurrence = _cadence_occurrence(last_infusion_at, interval, now, after_anchor=True)
        else:
            occurrence = _cadence_occurrence(CADENCE_EPOCH, interval, now, after_anchor=False)
        dedupe = dt.timedelta(hours=cadence.dedupe_hours)
        if occurrence is not None and not any(
            abs(other.available_at - occurrence) < dedupe for other in result
        ):
            reason = Reason.INDUCTION if phase == "induction" else Reason.MAINTENANCE
            result.append(DueAssignment(reason, occurrence, occurrence + min(window, interval)))

    return sorted(result, key=lambda item: (item.available_at, item.reason))
