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

Times are clinic-local and a clock change does not move them: the cadence steps whole calendar
days on the clinic's wall clock (an infusion at 10:00 gives check-ins at 10:00, in summer and in
winter), and a check-in counted from a date (the plan's first session) opens at the clinic's
``checkin_local_hour`` on that date. Nothing on the cadence is due before the plan starts.

:func:`due_assignments` returns the assignments that should exist at ``now``; it is deterministic
(the same inputs give the same times), so a caller that stores them keyed on
(reason, available_at) can run it as often as it likes without creating duplicates.
:func:`answered_recently` says whether a completed questionnaire makes an occasion unnecessary
(``MIN_INTERVAL_DAYS_DEFAULTS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "CADENCE_EPOCH",
    "MIN_INTERVAL_DAYS_DEFAULTS",
    "PHASES",
    "Cadence",
    "DueAssignment",
    "Reason",
    "answered_recently",
    "due_assignments",
    "local_occasion",
]

PHASES = ("evaluation", "induction", "maintenance")

#: Anchor of the cadence grid for a caller that does not say when the plan starts (and the
#: patient has no infusion yet): a Monday, midnight UTC. Callers that know the plan's first
#: session date pass ``plan_starts_on`` instead, which anchors the cadence on that date.
CADENCE_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

#: Fewest days between two scheduled administrations of an instrument, by code: the recall
#: period its own instructions ask about, so a new questionnaire never overlaps the period the
#: last one covered. PHQ-9, PHQ-2 and GAD-7 ask about "the last 2 weeks" [51]; QIDS-SR16 about
#: the past seven days [52]; PCL-5 about "the past month" (30 days) [55]; BPI about the last 24
#: hours [59]; the pain NRS about "right now" (0). Using the recall period as a minimum interval
#: is a default without a published source [?]: each clinic sets its own per instrument (0 asks
#: as often as the cadence does). Instruments not listed have no minimum.
MIN_INTERVAL_DAYS_DEFAULTS: Mapping[str, int] = MappingProxyType(
    {
        "phq9": 14,
        "phq2": 14,
        "gad7": 14,
        "qids_sr16": 7,
        "pcl5": 30,
        "bpi_short": 1,
        "pain_nrs": 0,
    }
)


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
    #: Clinic-local hour (0–23) at which a check-in counted from a date (the plan's first
    #: session date) opens: 9 = 09:00, so no message goes out at night [?].
    checkin_local_hour: int = 9

    def __post_init__(self) -> None:
        for name in ("induction_interval_days", "maintenance_interval_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1 day")
        if not 0 <= self.checkin_local_hour <= 23:
            raise ValueError("checkin_local_hour must be an hour of the day, 0 to 23")
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


def _wall_clock_add(anchor: dt.datetime, days: int, tz: dt.tzinfo) -> dt.datetime:
    """Return ``anchor`` plus whole calendar days on the wall clock of ``tz``, in UTC.

    10:00 local stays 10:00 local across a clock change. A wall time that does not exist (the
    hour skipped in spring) resolves as zoneinfo does with ``fold=0`` (one hour later on the
    clock); a repeated one (autumn) takes its first occurrence.
    """
    local = anchor.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=days)
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def local_occasion(on: dt.date, hour: int, tz: dt.tzinfo | None) -> dt.datetime:
    """Return ``hour``:00 clinic-local time on the date ``on``, in UTC (``tz`` None means UTC)."""
    return dt.datetime.combine(on, dt.time(hour), tzinfo=tz or dt.UTC).astimezone(dt.UTC)


def _cadence_occurrence(
    anchor: dt.datetime,
    interval: dt.timedelta,
    now: dt.datetime,
    *,
    after_anchor: bool,
    tz: dt.tzinfo | None = None,
) -> dt.datetime | None:
    """Return the latest ``anchor + k * interval`` at or before ``now`` (k ≥ 1 after infusions).

    With ``tz`` the steps are calendar days on that zone's wall clock; without it, exact
    multiples of ``interval`` (UTC).
    """
    if now < anchor:
        return None
    if tz is None:
        k = (now - anchor) // interval
        occurrence = anchor + k * interval
    else:
        step = interval.days
        k = (now - anchor) // interval
        occurrence = _wall_clock_add(anchor, k * step, tz)
        while occurrence > now and k > 0:  # a clock change can push the estimate past now
            k -= 1
            occurrence = _wall_clock_add(anchor, k * step, tz)
        later = _wall_clock_add(anchor, (k + 1) * step, tz)
        if later <= now:  # or leave a whole step before it
            k += 1
            occurrence = later
        if occurrence > now:
            return None
    if after_anchor and k < 1:
        return None
    return occurrence


def due_assignments(
    *,
    phase: str | None,
    last_infusion_at: dt.datetime | None,
    next_infusion_at: dt.datetime | None,
    now: dt.datetime,
    cadence: Cadence | None = None,
    plan_starts_on: dt.date | None = None,
    tz: dt.tzinfo | None = None,
) -> list[DueAssignment]:
    """Return the questionnaire occasions that should exist at ``now``, earliest first.

    ``phase`` is the treatment phase ("evaluation", "induction", "maintenance") or None when the
    patient has no plan; only induction and maintenance have a between-infusion cadence.
    A pre-infusion occasion is returned for an upcoming infusion (sent ahead of it, so its
    ``available_at`` may lie in the future); a next-day check-in while it can still be completed;
    and the cadence check-in of the current period, counted from the last infusion, else from
    the plan's first session date ``plan_starts_on`` (a check-in opens that day at the clinic's
    ``checkin_local_hour``), else, for a caller that does not know when the plan starts, from a
    fixed grid so that repeated calls agree. No cadence check-in opens before the plan starts.
    ``tz`` is the clinic's time zone: cadence days are its calendar days (None: UTC). Times are
    returned in UTC.
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
        starts_at = (
            None
            if plan_starts_on is None
            else local_occasion(plan_starts_on, cadence.checkin_local_hour, tz)
        )
        occurrence: dt.datetime | None
        if last_infusion_at is not None and last_infusion_at <= now:
            occurrence = _cadence_occurrence(
                last_infusion_at, interval, now, after_anchor=True, tz=tz
            )
        elif starts_at is not None:
            occurrence = _cadence_occurrence(starts_at, interval, now, after_anchor=False, tz=tz)
        else:
            occurrence = _cadence_occurrence(CADENCE_EPOCH, interval, now, after_anchor=False)
        if occurrence is not None and starts_at is not None and occurrence < starts_at:
            occurrence = None  # nothing is due before the plan starts
        dedupe = dt.timedelta(hours=cadence.dedupe_hours)
        if occurrence is not None and not any(
            abs(other.available_at - occurrence) < dedupe for other in result
        ):
            reason = Reason.INDUCTION if phase == "induction" else Reason.MAINTENANCE
            result.append(DueAssignment(reason, occurrence, occurrence + min(window, interval)))

    return sorted(result, key=lambda item: (item.available_at, item.reason))


def answered_recently(
    *,
    available_at: dt.datetime,
    due_at: dt.datetime,
    last_completed_at: dt.datetime | None,
    min_interval_days: int,
) -> bool:
    """Return whether a completed questionnaire makes this occasion of the same instrument moot.

    True when the instrument was completed after the occasion opened (it has been answered), or
    when the occasion would be due within ``min_interval_days`` of that completion (it would ask
    again about a period the last answers already cover).
    """
    _require_aware("available_at", available_at)
    _require_aware("due_at", due_at)
    _require_aware("last_completed_at", last_completed_at)
    if min_interval_days < 0:
        raise ValueError("min_interval_days must not be negative")
    if last_completed_at is None:
        return False
    return available_at <= last_completed_at or due_at < last_completed_at + dt.timedelta(
        days=min_interval_days
    )
