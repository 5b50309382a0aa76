"""Vital signs at the chair: plausibility, alert rules, discharge and pre-dose checks.

Framework-free. A reading is blood pressure (systolic and diastolic, mmHg, as a pair), heart
rate (/min), SpO2 (%) and respiratory rate (/min), each optional, taken at an aware time.

Two kinds of limit live here, and they are not the same thing:

- :data:`PLAUSIBLE` ranges catch a typing or sensor slip (a systolic of 1200, a heart rate of
  7). They are no clinical thresholds: a value inside them can be dangerous, and one outside
  them is refused as impossible to chart, never as "abnormal" [?].
- :class:`AlertLimits` are the clinic's alert thresholds (``ChartSettings``; same field
  names). No published consensus sets blood-pressure limits for ketamine infusions
  (docs/clinical-reference.md §3): one trial withdrew a patient at 180/115 [10]; a review
  advises treating hypertensive emergencies and not treating brief rises without symptoms
  aggressively [42]; general hypertension practice calls a reading above 180/120 mmHg with
  organ damage an emergency [43]. The numbers are therefore clinic settings [?]. SpO2 follows
  the modified Aldrete score's oxygen item (above 92% on room air) [50].

Rules (:func:`alerts_for`), each firing at its edge:

- ``bp_severe``: systolic ≥ severe or diastolic ≥ severe, at once.
- ``bp_hold``: this reading at or over the hold limit (systolic or diastolic) and an earlier
  one at or over it taken ``hold_confirm_min`` to ``hold_confirm_within_min`` minutes before
  (a confirmed rise, not a single brief one [42]); not raised when ``bp_severe`` fires.
- ``spo2_low``: SpO2 below ``spo2_min_pct``.
- ``heart_rate_high``: above ``heart_rate_max_per_min``, sustained: an earlier reading above it
  at least ``heart_rate_sustained_min`` minutes before and every reading between above it too
  (0 minutes: one reading is enough).
- ``heart_rate_low``: below ``heart_rate_min_per_min``.
- ``respiratory_rate_low``: below ``respiratory_rate_min_per_min``.

A single reading at or over the hold limit is not an alert: :func:`recheck_needed` asks for a
repeat reading in ``hold_confirm_min`` minutes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

__all__ = [
    "ALERT_SOURCES",
    "BP_FIELDS",
    "FIELDS",
    "PLAUSIBLE",
    "UNITS",
    "Alert",
    "AlertLimits",
    "Reading",
    "alerts_for",
    "baseline_within",
    "bp_within_baseline",
    "cleaned_values",
    "field_value",
    "next_vitals_due",
    "plausibility_errors",
    "recheck_needed",
]

#: The five vital-sign fields, in charting order.
FIELDS: tuple[str, ...] = (
    "systolic_mmhg",
    "diastolic_mmhg",
    "heart_rate_per_min",
    "spo2_pct",
    "respiratory_rate_per_min",
)
BP_FIELDS: tuple[str, str] = ("systolic_mmhg", "diastolic_mmhg")

#: What each field is called on screen, and its unit.
WORDS: dict[str, str] = {
    "systolic_mmhg": "Systolic blood pressure",
    "diastolic_mmhg": "Diastolic blood pressure",
    "heart_rate_per_min": "Heart rate",
    "spo2_pct": "SpO2",
    "respiratory_rate_per_min": "Respiratory rate",
}
UNITS: dict[str, str] = {
    "systolic_mmhg": "mmHg",
    "diastolic_mmhg": "mmHg",
    "heart_rate_per_min": "/min",
    "spo2_pct": "%",
    "respiratory_rate_per_min": "/min",
}

#: Plausibility limits (inclusive) per field [?]: not clinical thresholds. A value outside
#: them is a typing or sensor slip (a unit mistake, a missed or doubled digit), never a
#: reading to chart; one inside them can still be dangerous, which the alert rules judge.
PLAUSIBLE: dict[str, tuple[int, int]] = {
    "systolic_mmhg": (50, 260),
    "diastolic_mmhg": (20, 160),
    "heart_rate_per_min": (20, 250),
    "spo2_pct": (50, 100),
    "respiratory_rate_per_min": (4, 60),
}

#: The source keys each alert rule carries to the chart and the API.
ALERT_SOURCES: dict[str, str] = {
    "bp_severe": "[43][42] [?]",
    "bp_hold": "[10][42] [?]",
    "spo2_low": "[50]",
    "heart_rate_high": "[?]",
    "heart_rate_low": "[?]",
    "respiratory_rate_low": "[?]",
}

# A whole number as typed: an optional sign and at most 6 digits (longer is a slip, and
# keeps int() far from its digit limit).
_WHOLE = re.compile(r"[+-]?\d{1,6}")


def _range_message(name: str) -> str:
    low, high = PLAUSIBLE[name]
    return f"{WORDS[name]} ({UNITS[name]}) must be between {low} and {high}."


def _whole_number(name: str, value: object) -> int | str | None:
    """Return the value as an int, None when absent, or the message for a non-number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return f"{WORDS[name]} ({UNITS[name]}) must be a whole number."
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and value != value:  # NaN
            return f"{WORDS[name]} ({UNITS[name]}) must be a whole number."
        try:
            whole = value == int(value)
        except (OverflowError, ValueError, ArithmeticError):
            return _range_message(name)
        if not whole:
            return f"{WORDS[name]} ({UNITS[name]}) must be a whole number, without decimals."
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _WHOLE.fullmatch(text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+", text):
            return _range_message(name)  # a long run of digits: a huge number
        if re.fullmatch(r"[+-]?\d*[.,]\d+", text):
            return f"{WORDS[name]} ({UNITS[name]}) must be a whole number, without decimals."
        return f"{WORDS[name]} ({UNITS[name]}) must be a whole number."
    return f"{WORDS[name]} ({UNITS[name]}) must be a whole number."


def field_value(name: str, value: object) -> int | None:
    """Return one field's value as an int (None when absent).

    Raises ``ValueError`` with the plain message when it is not a whole number or lies
    outside :data:`PLAUSIBLE`. Checks across fields (both blood-pressure numbers, the
    diastolic below the systolic) are :func:`plausibility_errors`'s.
    """
    parsed = _whole_number(name, value)
    if isinstance(parsed, str):
        raise ValueError(parsed)
    if parsed is not None:
        low, high = PLAUSIBLE[name]
        if not low <= parsed <= high:
            raise ValueError(_range_message(name))
    return parsed


def _parse(values: Mapping[str, object]) -> tuple[dict[str, int | None], dict[str, str]]:
    numbers: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        parsed = _whole_number(name, values.get(name))
        if isinstance(parsed, str):
            errors[name] = parsed
            numbers[name] = None
            continue
        numbers[name] = parsed
        if parsed is not None:
            low, high = PLAUSIBLE[name]
            if not low <= parsed <= high:
                errors[name] = _range_message(name)
    systolic, diastolic = numbers["systolic_mmhg"], numbers["diastolic_mmhg"]
    sys_given = systolic is not None or "systolic_mmhg" in errors
    dia_given = diastolic is not None or "diastolic_mmhg" in errors
    if sys_given and not dia_given:
        errors["diastolic_mmhg"] = (
            "Blood pressure needs both numbers: give the diastolic (mmHg) too."
        )
    elif dia_given and not sys_given:
        errors["systolic_mmhg"] = "Blood pressure needs both numbers: give the systolic (mmHg) too."
    elif (
        systolic is not None
        and diastolic is not None
        and not errors.keys() & set(BP_FIELDS)
        and diastolic >= systolic
    ):
        errors["diastolic_mmhg"] = (
            f"The diastolic ({diastolic} mmHg) must be below the systolic ({systolic} mmHg): "
            "check the two numbers were not swapped."
        )
    if not errors and all(numbers[name] is None for name in FIELDS):
        errors[""] = (
            "Enter at least one vital sign: blood pressure, heart rate, SpO2 or respiratory rate."
        )
    return numbers, errors


def plausibility_errors(values: Mapping[str, object]) -> dict[str, str]:
    """Return field -> a plain message for each implausible or unreadable value.

    ``values`` maps the names in :data:`FIELDS` to an int, a whole-number string (as typed)
    or None/"" (not taken); other keys are ignored. Each message names the field, its unit
    and its :data:`PLAUSIBLE` range. Blood pressure needs both numbers, the diastolic below
    the systolic. The key ``""`` means no vital sign was given at all. Empty: all plausible.
    """
    return _parse(values)[1]


def cleaned_values(values: Mapping[str, object]) -> dict[str, int | None]:
    """Return the five fields as int or None.

    Raises ``ValueError`` (its first message) when :func:`plausibility_errors` finds any.
    """
    numbers, errors = _parse(values)
    if errors:
        raise ValueError(next(iter(errors.values())))
    return numbers


@dataclass(frozen=True)
class Reading:
    """One set of vital signs at ``measured_at`` (aware); each value optional."""

    measured_at: dt.datetime
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    heart_rate_per_min: int | None = None
    spo2_pct: int | None = None
    respiratory_rate_per_min: int | None = None
    on_oxygen: bool = False

    def __post_init__(self) -> None:
        if self.measured_at.tzinfo is None or self.measured_at.utcoffset() is None:
            raise ValueError("measured_at must be an aware datetime.")

    @property
    def has_bp(self) -> bool:
        """Return True when the reading carries both blood-pressure numbers."""
        return self.systolic_mmhg is not None and self.diastolic_mmhg is not None

    @property
    def bp_text(self) -> str:
        """Return "185/115 mmHg", or "" without blood pressure."""
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg" if self.has_bp else ""


class _HasBP(Protocol):
    @property
    def systolic_mmhg(self) -> int | None: ...

    @property
    def diastolic_mmhg(self) -> int | None: ...


@dataclass(frozen=True)
class AlertLimits:
    """A clinic's alert thresholds; the field names are ``ChartSettings``'s.

    Defaults: hold at 180/110 mmHg confirmed 5–20 minutes later ([10][42], numbers [?]);
    severe at 200/120 mmHg ([43][42], numbers [?]); SpO2 below 92% [50]; heart rate above
    120/min for 5 minutes, below 45/min, respiratory rate below 8/min [?].
    """

    hold_systolic_mmhg: int = 180
    hold_diastolic_mmhg: int = 110
    hold_confirm_min: int = 5
    hold_confirm_within_min: int = 20
    severe_systolic_mmhg: int = 200
    severe_diastolic_mmhg: int = 120
    spo2_min_pct: int = 92
    heart_rate_max_per_min: int = 120
    heart_rate_sustained_min: int = 5
    heart_rate_min_per_min: int = 45
    respiratory_rate_min_per_min: int = 8

    @classmethod
    def from_object(cls, source: object) -> AlertLimits:
        """Return the limits read from any object with the same attribute names."""
        return cls(**{name: int(getattr(source, name)) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Alert:
    """An alert a reading raised: its rule, what it says, the threshold with units, sources.

    ``inputs`` holds the values the rule used, as text (str -> str), for the chart's record.
    """

    rule: str
    message: str
    threshold: str
    source_keys: str
    inputs: dict[str, str] = field(default_factory=dict)


def _at_or_over_hold(reading: Reading, limits: AlertLimits) -> bool:
    return reading.has_bp and (
        (reading.systolic_mmhg or 0) >= limits.hold_systolic_mmhg
        or (reading.diastolic_mmhg or 0) >= limits.hold_diastolic_mmhg
    )


def _minutes(delta: dt.timedelta) -> str:
    """Return a duration as whole or decimal minutes ("5", "7.5")."""
    seconds = delta.total_seconds()
    minutes = seconds / 60
    return str(int(minutes)) if minutes == int(minutes) else f"{minutes:.1f}"


def _earlier(reading: Reading, history: Iterable[Reading]) -> list[Reading]:
    """Return the history strictly before the reading, latest first."""
    return sorted(
        (r for r in history if r.measured_at < reading.measured_at),
        key=lambda r: r.measured_at,
        reverse=True,
    )


def _bp_alerts(reading: Reading, earlier: list[Reading], limits: AlertLimits) -> list[Alert]:
    if not reading.has_bp:
        return []
    systolic, diastolic = reading.systolic_mmhg or 0, reading.diastolic_mmhg or 0
    inputs = {"systolic_mmhg": str(systolic), "diastolic_mmhg": str(diastolic)}
    if systolic >= limits.severe_systolic_mmhg or diastolic >= limits.severe_diastolic_mmhg:
        return [
            Alert(
                rule="bp_severe",
                message=(
                    f"Blood pressure {reading.bp_text} is at or above the severe limit "
                    f"({limits.severe_systolic_mmhg}/{limits.severe_diastolic_mmhg} mmHg). "
                    "Pause the infusion, look for signs of organ damage (chest pain, "
                    "headache, confusion, vision changes) and call the physician."
                ),
                threshold=(
                    f"systolic ≥ {limits.severe_systolic_mmhg} mmHg or diastolic ≥ "
                    f"{limits.severe_diastolic_mmhg} mmHg, at once"
                ),
                source_keys=ALERT_SOURCES["bp_severe"],
                inputs=inputs,
            )
        ]
    if not _at_or_over_hold(reading, limits):
        return []
    low = dt.timedelta(minutes=limits.hold_confirm_min)
    high = dt.timedelta(minutes=limits.hold_confirm_within_min)
    for before in earlier:
        apart = reading.measured_at - before.measured_at
        if low <= apart <= high and _at_or_over_hold(before, limits):
            return [
                Alert(
                    rule="bp_hold",
                    message=(
                        f"Blood pressure {reading.bp_text} is at or above "
                        f"{limits.hold_systolic_mmhg}/{limits.hold_diastolic_mmhg} mmHg again, "
                        f"{_minutes(apart)} minutes after {before.bp_text}. Pause the "
                        "infusion and recheck; call the physician if it stays high or the "
                        "patient has symptoms."
                    ),
                    threshold=(
                        f"systolic ≥ {limits.hold_systolic_mmhg} mmHg or diastolic ≥ "
                        f"{limits.hold_diastolic_mmhg} mmHg on two readings "
                        f"{limits.hold_confirm_min}–{limits.hold_confirm_within_min} min apart"
                    ),
                    source_keys=ALERT_SOURCES["bp_hold"],
                    inputs={
                        **inputs,
                        "earlier_systolic_mmhg": str(before.systolic_mmhg),
                        "earlier_diastolic_mmhg": str(before.diastolic_mmhg),
                        "earlier_measured_at": before.measured_at.isoformat(),
                        "minutes_apart": _minutes(apart),
                    },
                )
            ]
    return []


def _heart_rate_high(reading: Reading, earlier: list[Reading], limits: AlertLimits) -> Alert | None:
    rate = reading.heart_rate_per_min
    limit = limits.heart_rate_max_per_min
    if rate is None or rate <= limit:
        return None
    needed = dt.timedelta(minutes=limits.heart_rate_sustained_min)
    since: Reading | None = reading if needed <= dt.timedelta(0) else None
    if since is None:
        for before in earlier:
            if before.heart_rate_per_min is None:
                continue  # a reading without a heart rate neither breaks nor confirms the run
            if before.heart_rate_per_min <= limit:
                return None
            if reading.measured_at - before.measured_at >= needed:
                since = before
                break
    if since is None:
        return None
    inputs = {"heart_rate_per_min": str(rate)}
    if since is not reading:
        inputs["above_since"] = since.measured_at.isoformat()
        inputs["minutes_above"] = _minutes(reading.measured_at - since.measured_at)
    return Alert(
        rule="heart_rate_high",
        message=(
            f"Heart rate {rate}/min has stayed above {limit}/min"
            + (f" for {inputs['minutes_above']} minutes" if since is not reading else "")
            + ". Check the patient, the rhythm and the blood pressure; call the physician if it "
            "persists."
        ),
        threshold=(
            f"heart rate > {limit}/min for at least {limits.heart_rate_sustained_min} min"
            if limits.heart_rate_sustained_min
            else f"heart rate > {limit}/min"
        ),
        source_keys=ALERT_SOURCES["heart_rate_high"],
        inputs=inputs,
    )


def alerts_for(reading: Reading, history: Iterable[Reading], limits: AlertLimits) -> list[Alert]:
    """Return the alerts ``reading`` raises given the visit's earlier readings.

    ``history`` may hold any readings of the visit (the reading itself and later ones are
    ignored). Rules and sources: the module docstring. Order: blood pressure, SpO2, heart
    rate, respiratory rate.
    """
    earlier = _earlier(reading, history)
    alerts = _bp_alerts(reading, earlier, limits)
    if reading.spo2_pct is not None and reading.spo2_pct < limits.spo2_min_pct:
        oxygen = " on oxygen" if reading.on_oxygen else " on room air"
        alerts.append(
            Alert(
                rule="spo2_low",
                message=(
                    f"SpO2 {reading.spo2_pct}%{oxygen} is below {limits.spo2_min_pct}%. "
                    "Check the probe and the airway, prompt the patient to breathe deeply, "
                    "give oxygen and pause the infusion if it does not recover."
                ),
                threshold=f"SpO2 < {limits.spo2_min_pct}%",
                source_keys=ALERT_SOURCES["spo2_low"],
                inputs={"spo2_pct": str(reading.spo2_pct), "on_oxygen": str(reading.on_oxygen)},
            )
        )
    high = _heart_rate_high(reading, earlier, limits)
    if high is not None:
        alerts.append(high)
    rate = reading.heart_rate_per_min
    if rate is not None and rate < limits.heart_rate_min_per_min:
        alerts.append(
            Alert(
                rule="heart_rate_low",
                message=(
                    f"Heart rate {rate}/min is below {limits.heart_rate_min_per_min}/min. "
                    "Check the pulse by hand and the patient's responsiveness; call the "
                    "physician."
                ),
                threshold=f"heart rate < {limits.heart_rate_min_per_min}/min",
                source_keys=ALERT_SOURCES["heart_rate_low"],
                inputs={"heart_rate_per_min": str(rate)},
            )
        )
    breaths = reading.respiratory_rate_per_min
    if breaths is not None and breaths < limits.respiratory_rate_min_per_min:
        alerts.append(
            Alert(
                rule="respiratory_rate_low",
                message=(
                    f"Respiratory rate {breaths}/min is below "
                    f"{limits.respiratory_rate_min_per_min}/min. Rouse the patient, check the "
                    "airway and SpO2, pause the infusion and call the physician."
                ),
                threshold=f"respiratory rate < {limits.respiratory_rate_min_per_min}/min",
                source_keys=ALERT_SOURCES["respiratory_rate_low"],
                inputs={"respiratory_rate_per_min": str(breaths)},
            )
        )
    return alerts


def recheck_needed(reading: Reading, limits: AlertLimits) -> str | None:
    """Return a prompt to repeat the blood pressure, or None.

    A single reading at or over the hold limit is a prompt, not an alert: a brief rise
    without symptoms is not treated aggressively [42]; a repeat in ``hold_confirm_min``
    minutes confirms it (``bp_hold``). Readings at the severe limit alert at once and are
    prompted here too, since the repeat reading is still wanted.
    """
    if not _at_or_over_hold(reading, limits):
        return None
    return (
        f"Blood pressure {reading.bp_text} is at or above "
        f"{limits.hold_systolic_mmhg}/{limits.hold_diastolic_mmhg} mmHg: repeat it in "
        f"{limits.hold_confirm_min} minutes."
    )


def bp_within_baseline(baseline: _HasBP, latest: _HasBP, pct: int | Decimal) -> bool:
    """Return True when both blood-pressure numbers are within ±``pct``% of baseline.

    The discharge criterion of the modified Aldrete score's circulation item (within ±20% of
    the pre-anaesthetic level scores 2) [50]. Integer-exact: |latest − baseline| × 100 ≤
    baseline × pct. False when either reading lacks blood pressure.
    """
    pairs = (
        (baseline.systolic_mmhg, latest.systolic_mmhg),
        (baseline.diastolic_mmhg, latest.diastolic_mmhg),
    )
    for base, now in pairs:
        if base is None or now is None:
            return False
        if abs(now - base) * 100 > base * Decimal(pct):
            return False
    return True


def baseline_within(reading: _HasBP, max_systolic: int, max_diastolic: int) -> bool:
    """Return True when the pre-dose blood pressure is at or below both limits.

    The pre-dose gate: the Spravato label's general guide is to consider delaying the dose
    above 140/90 mmHg [27] (the clinic's ``pre_systolic_max_mmhg``/``pre_diastolic_max_mmhg``).
    False when the reading lacks blood pressure.
    """
    systolic, diastolic = reading.systolic_mmhg, reading.diastolic_mmhg
    if systolic is None or diastolic is None:
        return False
    return systolic <= max_systolic and diastolic <= max_diastolic


def next_vitals_due(
    last_measured_at: dt.datetime | None, interval_min: int, started_at: dt.datetime
) -> dt.datetime:
    """Return when the next reading is due: ``interval_min`` after the last one.

    Without a reading since ``started_at`` (the start of the infusion or of observation), the
    first is due ``interval_min`` after it. A reading taken before ``started_at`` does not
    count. Raises ``ValueError`` for an interval below 1 minute or a naive time.
    """
    if interval_min < 1:
        raise ValueError(f"interval_min must be at least 1; got {interval_min}.")
    for value in (started_at, last_measured_at):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("Times must be aware datetimes.")
    base = started_at
    if last_measured_at is not None and last_measured_at > started_at:
        base = last_measured_at
    return base + dt.timedelta(minutes=interval_min)
