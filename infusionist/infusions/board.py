"""The chair board: every chair of one location, who is in it and what is due.

``board_rows(location=, now=)`` returns a :class:`Board`: one :class:`BoardRow` per chair in
use at the location (rooms, then chairs, by name), each with the visit in it now (an active
phase: checked in, pre-infusion checks, infusing, paused, observation, ready) or else the
next visit booked in it today (``is_next``), and the visits of today that hold no chair of
the board (``unseated``). For each visit it says:

- the elapsed infusion minutes: from ``infusion_started_at`` to ``infusion_ended_at`` (or
  ``now``), less the paused minutes the pump's pause and resume events add up to;
- the elapsed observation minutes (``infusion_ended_at`` to ``now``) against the visit's
  ``observation_min``;
- when vitals are next due: the last reading (or the infusion's start or end when there is
  none yet) plus the visit's ``monitoring_interval_min`` while infusing or paused (the clinic's
  ``ChartSettings.vitals_during_min`` when the order sets none [7][41]), or plus
  ``ChartSettings.vitals_after_min`` during observation [7];
- the open alerts (no documented response yet): how many, and the first one's message.

Queries: four whatever the number of chairs and visits (chairs with their rooms; the visits
with their patient, last reading and open alerts as subqueries; their pause and resume
events; the clinic's chart settings). Minutes are whole minutes, rounded down; clock times
are aware datetimes (the page shows them in the location's zone).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from infusionist.clinics.models import Chair, Location
from infusionist.infusions.models import (
    AdministrationEvent,
    ChartSettings,
    Visit,
    VitalAlert,
    VitalSign,
)
from infusionist.infusions.selectors import chart_settings_for

Phase = Visit.Phase

#: Phases in which the pump runs or is paused: vitals follow the infusion's interval.
INFUSION_PHASES = frozenset({Phase.INFUSING, Phase.PAUSED})
#: Phases after the pump stopped: observation time counts and vitals follow the after-interval.
OBSERVATION_PHASES = frozenset({Phase.OBSERVATION, Phase.READY})
#: What the board lists: visits in a chair now, and visits still to come today.
BOARD_PHASES = frozenset(Visit.ACTIVE_PHASES | {Phase.SCHEDULED})


class VitalsDue:
    """Words for the state of the next vital signs (the page pairs each with a colour)."""

    LATER = "later"
    NOW = "now"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class VitalsPrompt:
    """When the next vital signs are due: the clock time, minutes to go and the state.

    ``minutes`` counts up to the due time (rounded up) while ``state`` is ``later``, and the
    whole minutes past it when ``overdue``; ``now`` covers the first minute after it.
    """

    due_at: dt.datetime
    state: str
    minutes: int

    @property
    def urgent(self) -> bool:
        return self.state != VitalsDue.LATER


@dataclass(frozen=True)
class BoardRow:
    """One line of the board: a chair (None for a visit without one) and its visit, if any."""

    chair: Chair | None
    visit: Visit | None = None
    #: The visit is the next one booked in this chair today, not in it yet.
    is_next: bool = False
    infusion_elapsed_min: int | None = None
    paused_min: int = 0
    observation_elapsed_min: int | None = None
    vitals: VitalsPrompt | None = None
    open_alert_count: int = 0
    first_alert_message: str = ""

    @property
    def free(self) -> bool:
        return self.visit is None

    @property
    def active(self) -> bool:
        return self.visit is not None and not self.is_next


@dataclass
class Board:
    """The location's board at ``now``: chair rows in order, then visits without a chair."""

    location: Location
    now: dt.datetime
    rows: list[BoardRow] = field(default_factory=list)
    unseated: list[BoardRow] = field(default_factory=list)

    @property
    def visits(self) -> list[Visit]:
        return [r.visit for r in (*self.rows, *self.unseated) if r.visit is not None]

    @property
    def alert_count(self) -> int:
        return sum(r.open_alert_count for r in (*self.rows, *self.unseated))


def whole_minutes(delta: dt.timedelta) -> int:
    """Return a duration in whole minutes, rounded down (never negative)."""
    return max(0, int(delta.total_seconds() // 60))


def paused_seconds(events: Iterable[tuple[str, dt.datetime]], *, until: dt.datetime) -> float:
    """Return the seconds the pump stood paused up to ``until``.

    ``events`` are (kind, at) pairs of ``AdministrationEvent.Kind`` pause and resume rows in
    time order (other kinds are ignored); a pause not yet resumed counts up to ``until``, a
    repeated pause or a resume without a pause is ignored.
    """
    total = 0.0
    paused_at: dt.datetime | None = None
    for kind, at in events:
        if kind == AdministrationEvent.Kind.PAUSE and paused_at is None:
            paused_at = at
        elif kind == AdministrationEvent.Kind.RESUME and paused_at is not None:
            total += max(0.0, (min(at, until) - paused_at).total_seconds())
            paused_at = None
    if paused_at is not None and paused_at < until:
        total += (until - paused_at).total_seconds()
    return total


def vitals_prompt(*, due_at: dt.datetime, now: dt.datetime) -> VitalsPrompt:
    """Return the prompt for vitals due at ``due_at`` as seen at ``now``."""
    seconds = (due_at - now).total_seconds()
    if seconds > 0:
        return VitalsPrompt(due_at=due_at, state=VitalsDue.LATER, minutes=math.ceil(seconds / 60))
    late_min = int(-seconds // 60)
    if late_min < 1:
        return VitalsPrompt(due_at=due_at, state=VitalsDue.NOW, minutes=0)
    return VitalsPrompt(due_at=due_at, state=VitalsDue.OVERDUE, minutes=late_min)


def _row(
    visit: Visit,
    *,
    chair: Chair | None,
    is_next: bool,
    chart_settings: ChartSettings,
    now: dt.datetime,
) -> BoardRow:
    infusion_min: int | None = None
    paused = 0.0
    if visit.infusion_started_at is not None:
        end = visit.infusion_ended_at or now
        events = [(e.kind, e.at) for e in visit.board_pauses]  # type: ignore[attr-defined]
        paused = paused_seconds(events, until=end)
        running = (end - visit.infusion_started_at).total_seconds() - paused
        infusion_min = max(0, int(running // 60))
    observation_min = None
    if visit.phase in OBSERVATION_PHASES and visit.infusion_ended_at is not None:
        observation_min = whole_minutes(now - visit.infusion_ended_at)
    last_vital_at: dt.datetime | None = visit.board_last_vital_at  # type: ignore[attr-defined]
    prompt = None
    systolic = visit.board_last_systolic  # type: ignore[attr-defined]
    diastolic = visit.board_last_diastolic  # type: ignore[attr-defined]
    recheck = systolic is not None and (
        systolic >= chart_settings.hold_systolic_mmhg
        or (diastolic or 0) >= chart_settings.hold_diastolic_mmhg
    )
    if (
        recheck
        and last_vital_at is not None
        and (visit.phase in INFUSION_PHASES or visit.phase == Phase.OBSERVATION)
    ):
        # A blood pressure at or over the hold limit asks for a repeat in a few minutes.
        prompt = vitals_prompt(
            due_at=last_vital_at + dt.timedelta(minutes=chart_settings.hold_confirm_min), now=now
        )
    elif visit.phase in INFUSION_PHASES and visit.infusion_started_at is not None:
        interval = visit.monitoring_interval_min or chart_settings.vitals_during_min
        base = max(filter(None, [last_vital_at, visit.infusion_started_at]))
        prompt = vitals_prompt(due_at=base + dt.timedelta(minutes=interval), now=now)
    elif visit.phase == Phase.OBSERVATION and visit.infusion_ended_at is not None:
        base = max(filter(None, [last_vital_at, visit.infusion_ended_at]))
        prompt = vitals_prompt(
            due_at=base + dt.timedelta(minutes=chart_settings.vitals_after_min), now=now
        )
    return BoardRow(
        chair=chair,
        visit=visit,
        is_next=is_next,
        infusion_elapsed_min=infusion_min,
        paused_min=int(paused // 60),
        observation_elapsed_min=observation_min,
        vitals=prompt,
        open_alert_count=visit.board_open_alerts,  # type: ignore[attr-defined]
        first_alert_message=visit.board_first_alert or "",  # type: ignore[attr-defined]
    )


def day_bounds(*, location: Location, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return the start and end of ``now``'s date in the location's zone (aware datetimes)."""
    tz = location.tzinfo
    day = now.astimezone(tz).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


def board_visits(*, location: Location, now: dt.datetime) -> list[Visit]:
    """Return the visits the board shows: active ones (whatever day they began; a visit left
    open from an earlier day stays on the board until someone closes it) and the ones booked
    at the location today that have not begun. Two queries (the visits with their patient,
    last reading and open alerts; their pause and resume events)."""
    start, end = day_bounds(location=location, now=now)
    open_alerts = VitalAlert.objects.filter(visit=OuterRef("pk"), responded_at__isnull=True)
    return list(
        Visit.objects.filter(location=location)
        .filter(
            Q(phase__in=Visit.ACTIVE_PHASES)
            | Q(phase=Phase.SCHEDULED, scheduled_at__gte=start, scheduled_at__lt=end)
        )
        .select_related("patient")
        .annotate(
            board_last_vital_at=Subquery(
                VitalSign.objects.filter(visit=OuterRef("pk"))
                .order_by("-measured_at", "-id")
                .values("measured_at")[:1]
            ),
            board_last_systolic=Subquery(
                VitalSign.objects.filter(visit=OuterRef("pk"), systolic_mmhg__isnull=False)
                .order_by("-measured_at", "-id")
                .values("systolic_mmhg")[:1]
            ),
            board_last_diastolic=Subquery(
                VitalSign.objects.filter(visit=OuterRef("pk"), systolic_mmhg__isnull=False)
                .order_by("-measured_at", "-id")
                .values("diastolic_mmhg")[:1]
            ),
            board_open_alerts=Coalesce(
                Subquery(
                    open_alerts.order_by().values("visit").annotate(n=Count("id")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
            board_first_alert=Subquery(
                open_alerts.order_by("raised_at", "id").values("message")[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "administration",
                queryset=AdministrationEvent.objects.filter(
                    kind__in=[AdministrationEvent.Kind.PAUSE, AdministrationEvent.Kind.RESUME]
                ).order_by("at", "id"),
                to_attr="board_pauses",
            )
        )
        .order_by("scheduled_at", "id")
    )


def board_chairs(*, location: Location) -> list[Chair]:
    """Return the location's chairs in use, by room and name, with their rooms (one query)."""
    return list(
        Chair.objects.filter(room__location=location, is_active=True, room__is_active=True)
        .select_related("room")
        .order_by("room__name", "name", "id")
    )


def board_rows(
    *,
    location: Location,
    now: dt.datetime,
    chart_settings: ChartSettings | None = None,
) -> Board:
    """Return the location's chair board at ``now`` (four queries, or three when the caller
    passes ``chart_settings``, whatever the number of chairs and visits).

    The board reads the vitals intervals of ``chart_settings`` (the clinic's row,
    ``selectors.chart_settings_for``, read here when not given; one query once it exists).
    A chair with several active visits (a data slip) lists each; a chair without one shows
    the next visit booked in it today, else it is free.
    """
    if chart_settings is None:
        chart_settings = chart_settings_for(organization=location.organization)
    chairs = board_chairs(location=location)
    visits = board_visits(location=location, now=now)
    by_chair: dict[int, list[Visit]] = {}
    for visit in visits:
        if visit.chair_id is not None:
            by_chair.setdefault(visit.chair_id, []).append(visit)
    board = Board(location=location, now=now)
    seated: set[int] = set()
    for chair in chairs:
        here = by_chair.get(chair.pk, [])
        active = [v for v in here if v.is_active]
        coming = [v for v in here if v.phase == Phase.SCHEDULED]
        if active:
            for visit in active:
                board.rows.append(
                    _row(visit, chair=chair, is_next=False, chart_settings=chart_settings, now=now)
                )
        elif coming:
            board.rows.append(
                _row(coming[0], chair=chair, is_next=True, chart_settings=chart_settings, now=now)
            )
        else:
            board.rows.append(BoardRow(chair=chair))
        seated.update(v.pk for v in here)
    for visit in visits:
        if visit.pk not in seated:
            board.unseated.append(
                _row(
                    visit,
                    chair=None,
                    is_next=not visit.is_active,
                    chart_settings=chart_settings,
                    now=now,
                )
            )
    return board
