"""Session schedules, titration steps and non-IV doses, framework-free.

IV infusions are calculated by :mod:`infusionist.lib.dosing`; this module covers what a
protocol needs around them (docs/clinical-reference.md §1): planned session days from a
frequency, the next titration step under a ceiling (Cusin 2017 via [6]: 0.5 → 0.75
mg/kg), IM doses (0.25/0.5 mg/kg [15]) and intranasal esketamine doses in whole
28-mg devices with the ≥65-year 28-mg start [18][19].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from infusionist.lib.dosing import (
    DoseError,
    DoseInputs,
    DoseLimits,
    DoseWarning,
    InvalidDoseInput,
    Sex,
    WeightBasis,
    ceiling_warnings,
    checked_dosing_weight,
    merge_ceiling_stops,
    plausible_height_cm,
    plausible_weight_kg,
    require_number,
)
from infusionist.lib.products import ESKETAMINE

__all__ = [
    "MAX_TITRATION_STEPS",
    "InjectionCalculation",
    "IntranasalCalculation",
    "RegimenStop",
    "calculate_im_injection",
    "calculate_intranasal",
    "next_titration_step",
    "parse_titration_steps",
    "planned_session_offsets_days",
]

DAYS_PER_WEEK = 7
MAX_TITRATION_STEPS = 8
#: Titration steps above this are refused as a typing slip; the protocol maximum is the
#: clinical ceiling (1.0 mg/kg for depression [4]).
MAX_TITRATION_STEP_MG_PER_KG = Decimal(10)


class RegimenStop(DoseError):
    """Signal a hard stop for an IM or intranasal dose; carries every finding."""

    def __init__(self, warnings: Sequence[DoseWarning]) -> None:
        self.warnings = list(warnings)
        self.stops = [w for w in self.warnings if w.severity == "stop"]
        super().__init__(" ".join(w.message for w in self.stops))


@dataclass(frozen=True)
class InjectionCalculation:
    """Hold an IM dose: mg, mg/kg, the drawn volume and the weight it used."""

    dose_mg: float
    dose_mg_per_kg: float
    vial_mg_per_ml: float
    draw_volume_ml: float
    dosing_weight_kg: float
    weight_basis: WeightBasis
    weight_formula: str
    warnings: list[DoseWarning]


@dataclass(frozen=True)
class IntranasalCalculation:
    """Hold an intranasal esketamine dose and the number of devices it takes."""

    dose_mg: float
    devices: int
    device_mg: float
    warnings: list[DoseWarning]


def planned_session_offsets_days(session_count: int, sessions_per_week: float) -> list[int]:
    """Return the day offset of each planned session from the first (day 0).

    Sessions are spread evenly and rounded half-up to whole days, so 6 sessions at
    3 a week fall on days 0, 2, 5, 7, 9, 12: six over 12 days, as in [10].
    """
    if not isinstance(session_count, int) or session_count < 1 or session_count > 1000:
        raise ValueError(f"session_count must be 1–1000; got {session_count!r}.")
    if not math.isfinite(sessions_per_week) or not 0 < sessions_per_week <= DAYS_PER_WEEK:
        raise ValueError(
            f"sessions_per_week must be above 0 and at most 7; got {sessions_per_week}."
        )
    spacing = Decimal(DAYS_PER_WEEK) / Decimal(repr(float(sessions_per_week)))
    return [
        int((spacing * i).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for i in range(session_count)
    ]


def parse_titration_steps(text: str) -> list[Decimal]:
    """Return rising mg/kg steps from "0.5, 0.75, 1.0", or raise ValueError with a message."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if len(parts) > MAX_TITRATION_STEPS:
        raise ValueError(f"Give at most {MAX_TITRATION_STEPS} steps.")
    steps: list[Decimal] = []
    for part in parts:
        try:
            value = Decimal(part)
        except InvalidOperation:
            raise ValueError(
                f"{part!r} is not a number; write steps like 0.5, 0.75, 1.0."
            ) from None
        if not value.is_finite() or value <= 0 or value > MAX_TITRATION_STEP_MG_PER_KG:
            raise ValueError(
                f"Each step must be between 0 and {MAX_TITRATION_STEP_MG_PER_KG} mg/kg."
            )
        steps.append(value)
    if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        raise ValueError("Steps must rise, e.g. 0.5, 0.75, 1.0.")
    return steps


def next_titration_step(
    steps_mg_per_kg: Sequence[float], current_mg_per_kg: float, ceiling_mg_per_kg: float | None
) -> float | None:
    """Return the next rising step above the current dose within the ceiling, or None."""
    for step in sorted(steps_mg_per_kg):
        if step > current_mg_per_kg * (1 + 1e-9):
            if ceiling_mg_per_kg is not None and step > ceiling_mg_per_kg * (1 + 1e-9):
                return None
            return float(step)
    return None


def calculate_im_injection(
    *,
    weight_kg: float,
    vial_mg_per_ml: float,
    dose_mg_per_kg: float | None = None,
    dose_mg: float | None = None,
    weight_basis: WeightBasis = "actual",
    height_cm: float | None = None,
    sex: Sex | None = None,
    limits: DoseLimits | None = None,
) -> InjectionCalculation:
    """Return an IM dose and draw volume, or raise InvalidDoseInput or RegimenStop.

    IM 0.25 and 0.5 mg/kg matched IV 0.5 mg/kg in [15]; the per-session mg/kg
    maximum of ``limits`` is a hard stop, as for IV. The height and the dosing weight
    (entered or derived) pass the same plausible ranges as for IV.
    """
    limits = limits or DoseLimits()
    actual_kg = plausible_weight_kg(weight_kg, limits)
    if height_cm is not None:
        plausible_height_cm(height_cm, limits)
    order_errors = DoseInputs(dose_mg_per_kg=dose_mg_per_kg, dose_mg=dose_mg).order_errors("im")
    if order_errors:
        field_name, message = next(iter(order_errors.items()))
        raise InvalidDoseInput(field_name, message, errors=order_errors)
    vial = require_number("vial_mg_per_ml", vial_mg_per_ml)
    weight = checked_dosing_weight(actual_kg, weight_basis, height_cm, sex, limits=limits)
    if dose_mg_per_kg is not None:
        total_mg = require_number("dose_mg_per_kg", dose_mg_per_kg) * weight.kg
    else:
        total_mg = require_number("dose_mg", dose_mg)
    per_kg = total_mg / weight.kg
    found: list[DoseWarning] = []
    if limits.max_dose_mg_per_kg is not None and per_kg > limits.max_dose_mg_per_kg * (1 + 1e-9):
        found.append(
            DoseWarning(
                "dose_above_protocol_max",
                f"Dose {per_kg:.3g} mg/kg ({total_mg:.1f} mg) is above {limits.max_dose_rule} of "
                f"{limits.max_dose_mg_per_kg:g} mg/kg; lower the dose or {limits.max_dose_remedy}.",
                "stop",
            )
        )
    ratio = vial / limits.usual_vial_mg_per_ml
    if ratio >= limits.tenfold_strength_ratio or ratio <= 1 / limits.tenfold_strength_ratio:
        found.append(
            DoseWarning(
                "vial_strength_tenfold",
                f"Check the vial: {total_mg:.4g} mg is {total_mg / vial:.3g} mL of {vial:g} mg/mL "
                f"but {total_mg / limits.usual_vial_mg_per_ml:.3g} mL of the usual "
                f"{limits.usual_vial_mg_per_ml:g} mg/mL.",
            )
        )
    found = merge_ceiling_stops(
        found, ceiling_warnings("im", dose_mg=total_mg, dose_mg_per_kg=per_kg)
    )
    found.extend(weight.warnings)
    if any(w.severity == "stop" for w in found):
        raise RegimenStop(found)
    return InjectionCalculation(
        dose_mg=total_mg,
        dose_mg_per_kg=per_kg,
        vial_mg_per_ml=vial,
        draw_volume_ml=total_mg / vial,
        dosing_weight_kg=weight.kg,
        weight_basis=weight.basis,
        weight_formula=weight.formula,
        warnings=found,
    )


def calculate_intranasal(
    *,
    dose_mg: float,
    device_mg: float = ESKETAMINE.device_mg,
    max_dose_mg: float | None = ESKETAMINE.max_dose_mg,
    age_years: float | None = None,
    older_adult_age_years: float | None = ESKETAMINE.older_adult_age_years,
    older_adult_start_dose_mg: float | None = ESKETAMINE.older_adult_start_dose_mg,
    is_first_dose: bool = False,
) -> IntranasalCalculation:
    """Return an esketamine dose in whole devices, or raise RegimenStop.

    Spravato [18][19]: 28 mg per device, doses 56 or 84 mg, changes in 28-mg steps;
    patients aged 65 or more start at 28 mg.
    """
    total = require_number("dose_mg", dose_mg)
    per_device = require_number("device_mg", device_mg)
    devices_exact = total / per_device
    devices = round(devices_exact)
    found: list[DoseWarning] = []
    if abs(devices_exact - devices) > 1e-9:
        found.append(
            DoseWarning(
                "not_whole_devices",
                f"{total:g} mg is not a whole number of {per_device:g}-mg devices; choose "
                f"{max(1, math.floor(devices_exact)) * per_device:g} or "
                f"{math.ceil(devices_exact) * per_device:g} mg.",
                "stop",
            )
        )
    if max_dose_mg is not None and total > max_dose_mg * (1 + 1e-9):
        found.append(
            DoseWarning(
                "dose_above_protocol_max",
                f"{total:g} mg is above the protocol maximum of {max_dose_mg:g} mg.",
                "stop",
            )
        )
    if (
        is_first_dose
        and age_years is not None
        and older_adult_age_years is not None
        and older_adult_start_dose_mg is not None
        and age_years >= older_adult_age_years
        and total > older_adult_start_dose_mg * (1 + 1e-9)
    ):
        found.append(
            DoseWarning(
                "older_adult_start_dose",
                f"Patients aged {older_adult_age_years:g} or more start at "
                f"{older_adult_start_dose_mg:g} mg; {total:g} mg is planned.",
            )
        )
    found = merge_ceiling_stops(found, ceiling_warnings("intranasal", dose_mg=total))
    found.sort(key=lambda w: w.severity != "stop")
    if any(w.severity == "stop" for w in found):
        raise RegimenStop(found)
    return IntranasalCalculation(
        dose_mg=total, devices=devices, device_mg=per_device, warnings=found
    )
