"""What the pump delivered: the administration record's events integrated into mL and mg.

Framework-free. Pump maths (docs/clinical-reference.md §1): volume (mL) = rate (mL/h) × hours
running; amount (mg) = volume (mL) × final concentration (mg/mL). Worked examples from the
reference: 35 mg over 40 minutes in a 100 mL bag is 0.35 mg/mL at 150 mL/h, so 40 minutes
deliver 100 mL and 35 mg; 80 kg × 0.35 mg/kg/h for 4 hours at 2 mg/mL is 14 mL/h, 56 mL and
112 mg [21].

Events, in time order:

- ``start`` (with ``rate_ml_per_h``) starts the pump, once per visit;
- ``rate`` changes the rate of a running pump (a new segment);
- ``pause`` stops a running pump for a while (a gap), ``resume`` restarts a paused one (at
  the rate before the pause, or the ``rate_ml_per_h`` given);
- ``stop`` ends the infusion (from running or paused); no pump event may follow;
- ``dose`` is an amount given at once (an esketamine device, an injection), ``dose_mg``;
  it needs no pump and may come at any time;
- ``waste`` is drug discarded, never delivered; it is ignored here.

A running pump counts up to ``now``. Sums are exact: rate × seconds is summed exactly and
divided by 3600 once (at 60 digits, then to the current decimal context, 28 digits by
default), so splitting a segment never changes the total. Round only to show or store
(``dosing.round_half_up``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from infusionist.lib import pk

__all__ = [
    "KINDS",
    "AdministrationError",
    "Delivery",
    "PumpEvent",
    "Segment",
    "delivered",
    "pk_schedule",
]

#: Event kinds this module reads; ``waste`` is accepted and not delivered.
KINDS = frozenset({"start", "rate", "pause", "resume", "stop", "dose", "waste"})
SECONDS_PER_HOUR = Decimal(3600)
# Enough digits that sums of mL/h × seconds (and × mg/mL) stay exact before the one division.
_PRECISION = 60


class AdministrationError(ValueError):
    """An impossible sequence of pump events, with a plain message for the nurse."""


@dataclass(frozen=True)
class PumpEvent:
    """One administration event at ``at`` (aware): see the module docstring for kinds."""

    kind: str
    at: dt.datetime
    rate_ml_per_h: Decimal | None = None
    dose_mg: Decimal | None = None


@dataclass(frozen=True)
class Segment:
    """The pump running at ``rate_ml_per_h`` from ``start`` to ``end``."""

    start: dt.datetime
    end: dt.datetime
    rate_ml_per_h: Decimal

    @property
    def seconds(self) -> Decimal:
        """Return the running time in seconds, exactly."""
        delta = self.end - self.start
        return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6

    @property
    def volume_ml(self) -> Decimal:
        """Return the volume delivered in mL (rate × hours)."""
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            return self.rate_ml_per_h * self.seconds / SECONDS_PER_HOUR


@dataclass(frozen=True)
class Delivery:
    """What the events delivered up to ``now``.

    ``volume_ml`` from the pump; ``mg`` is the pump's volume × concentration plus
    ``doses_mg`` (devices and injections); ``running``/``paused`` describe the pump now;
    ``segments`` are the running stretches, in order (the last one ends at ``now`` while the
    pump runs).
    """

    volume_ml: Decimal
    mg: Decimal
    running: bool
    paused: bool
    segments: tuple[Segment, ...]
    doses_mg: Decimal

    @property
    def infused_mg(self) -> Decimal:
        """Return the amount from the pump alone (mg)."""
        return self.mg - self.doses_mg


def _aware(at: dt.datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise AdministrationError("Each event needs a time with its time zone.")


def _rate(event: PumpEvent, what: str) -> Decimal:
    rate = event.rate_ml_per_h
    if rate is None:
        raise AdministrationError(f"{what} needs a rate (mL/h).")
    if not rate.is_finite() or rate <= 0:
        raise AdministrationError(f"{what} needs a rate above 0 mL/h; got {rate}.")
    return rate


def _clock(at: dt.datetime) -> str:
    return at.strftime("%H:%M")


def _walk(
    events: Iterable[PumpEvent], now: dt.datetime
) -> tuple[list[Segment], list[PumpEvent], bool, bool]:
    """Return (segments, doses, running, paused), or raise AdministrationError."""
    _aware(now)
    segments: list[Segment] = []
    doses: list[PumpEvent] = []
    state = "idle"  # idle -> running <-> paused -> stopped
    rate = Decimal(0)
    since: dt.datetime | None = None
    previous: dt.datetime | None = None
    for event in events:
        _aware(event.at)
        if event.kind not in KINDS:
            raise AdministrationError(f"Unknown administration event {event.kind!r}.")
        if previous is not None and event.at < previous:
            raise AdministrationError(
                f"The {event.kind} at {_clock(event.at)} is earlier than the event before it "
                f"({_clock(previous)}): events must be in time order."
            )
        previous = event.at
        if event.kind == "waste":
            continue
        if event.kind == "dose":
            dose = event.dose_mg
            if dose is None or not dose.is_finite() or dose <= 0:
                raise AdministrationError("A dose needs an amount above 0 mg.")
            doses.append(event)
            continue
        if event.kind == "start":
            if state != "idle":
                raise AdministrationError(
                    "The pump was already started for this visit: record a rate change or a "
                    "resume instead."
                )
            rate, since, state = _rate(event, "Starting the pump"), event.at, "running"
            continue
        if state == "idle":
            raise AdministrationError(
                f"A {event.kind} at {_clock(event.at)} comes before the pump was started."
            )
        if state == "stopped":
            raise AdministrationError(
                f"A {event.kind} at {_clock(event.at)} comes after the pump was stopped."
            )
        if event.kind == "rate":
            if state != "running":
                raise AdministrationError(
                    "The rate can change only while the pump runs: resume it at the new rate."
                )
            new_rate = _rate(event, "A rate change")
            assert since is not None
            segments.append(Segment(since, event.at, rate))
            rate, since = new_rate, event.at
        elif event.kind == "pause":
            if state != "running":
                raise AdministrationError("The pump is already paused.")
            assert since is not None
            segments.append(Segment(since, event.at, rate))
            since, state = None, "paused"
        elif event.kind == "resume":
            if state != "paused":
                raise AdministrationError("The pump can resume only when it is paused.")
            if event.rate_ml_per_h is not None:
                rate = _rate(event, "Resuming")
            since, state = event.at, "running"
        elif event.kind == "stop":
            if state == "running":
                assert since is not None
                segments.append(Segment(since, event.at, rate))
            since, state = None, "stopped"
    if state == "running":
        assert since is not None
        # A clock behind the last event counts nothing more, never a negative stretch.
        segments.append(Segment(since, max(now, since), rate))
    return (
        [s for s in segments if s.end > s.start],
        doses,
        state == "running",
        state == "paused",
    )


def delivered(
    events: Sequence[PumpEvent], concentration_mg_per_ml: Decimal, now: dt.datetime
) -> Delivery:
    """Return what ``events`` delivered by ``now`` at ``concentration_mg_per_ml``.

    Rate × running time per segment (pauses are gaps; a rate change splits a segment; a
    running pump counts up to ``now``), × concentration, plus ``dose`` events. Raises
    :class:`AdministrationError` for an impossible sequence (a rate change or pause while
    not running, a resume when not paused, a second start, a pump event before the start or
    after the stop, times going backwards, a missing or non-positive rate or dose) and for a
    negative concentration.
    """
    if not concentration_mg_per_ml.is_finite() or concentration_mg_per_ml < 0:
        raise AdministrationError("The concentration (mg/mL) must be 0 or more.")
    segments, doses, running, paused = _walk(events, now)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        ml_seconds = sum((s.rate_ml_per_h * s.seconds for s in segments), Decimal(0))
        volume_ml = ml_seconds / SECONDS_PER_HOUR
        infused_mg = ml_seconds * concentration_mg_per_ml / SECONDS_PER_HOUR
        doses_mg = sum((d.dose_mg or Decimal(0) for d in doses), Decimal(0))
        mg = infused_mg + doses_mg
    return Delivery(
        volume_ml=volume_ml + 0,  # normalise the sign of zero
        mg=mg + 0,
        running=running,
        paused=paused,
        segments=tuple(segments),
        doses_mg=doses_mg + 0,
    )


def pk_schedule(
    events: Sequence[PumpEvent],
    concentration_mg_per_ml: Decimal,
    origin: dt.datetime,
    now: dt.datetime,
) -> list[pk.Infusion | pk.Bolus]:
    """Return the events as a PK schedule in minutes from ``origin``.

    Each running segment is a :class:`pk.Infusion` (mg/min = mL/h × mg/mL ÷ 60), each dose a
    :class:`pk.Bolus`; a running pump is counted up to ``now``. Raises
    :class:`AdministrationError` as :func:`delivered` does.
    """
    _aware(origin)
    if not concentration_mg_per_ml.is_finite() or concentration_mg_per_ml < 0:
        raise AdministrationError("The concentration (mg/mL) must be 0 or more.")
    segments, doses, _running, _paused = _walk(events, now)

    def minutes(at: dt.datetime) -> float:
        return (at - origin).total_seconds() / 60.0

    schedule: list[pk.Infusion | pk.Bolus] = [
        pk.Infusion(
            start_min=minutes(s.start),
            duration_min=float(s.seconds) / 60.0,
            rate_mg_per_min=float(s.rate_ml_per_h * concentration_mg_per_ml) / 60.0,
        )
        for s in segments
    ]
    schedule += [pk.Bolus(time_min=minutes(d.at), dose_mg=float(d.dose_mg or 0)) for d in doses]

    def start(item: pk.Infusion | pk.Bolus) -> float:
        return item.start_min if isinstance(item, pk.Infusion) else item.time_min

    return sorted(schedule, key=start)
