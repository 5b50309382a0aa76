"""Ketamine infusion dose and pump maths, framework-free.

Every number here follows docs/clinical-reference.md §1. Source keys in square brackets
(``[9]``, ``[22]``) resolve in that file's Sources list (``lib/sources.py``); ``[V]`` marks
a number seen in the source, ``[?]`` a threshold with no authoritative source (a
conservative default that each clinic sets for itself).

Units are in every name. Arithmetic is done in float; values are rounded only for
display, through :func:`round_half_up` and :meth:`InfusionCalculation.as_display`.

Hard stops are raised, never returned: :func:`calculate_infusion` computes the whole
plan, and if any protocol limit is broken it raises :class:`DoseStop` carrying every
warning (the stops have severity ``"stop"``) and the computed plan, so a caller can
show the numbers and the reasons but cannot carry on by accident. The API maps
:class:`DoseStop` and :class:`InvalidDoseInput` to HTTP 422.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from infusionist.lib.products import ketalar_vial_volume_ml

__all__ = [
    "ABSOLUTE_CEILINGS",
    "ABSOLUTE_MAX_WEIGHT_KG",
    "ABSOLUTE_MIN_WEIGHT_KG",
    "MAX_DEFAULT_SESSION_DOSE_MG_PER_KG",
    "DOSE_FIELDS",
    "ROUTE_DRUGS",
    "AbsoluteCeiling",
    "ROUTE_DOSE_FIELDS",
    "DoseError",
    "DoseInputs",
    "DoseLimits",
    "DoseStop",
    "DoseWarning",
    "FIELD_WORDS",
    "DosingWeight",
    "InfusionCalculation",
    "InvalidDoseInput",
    "PumpProgram",
    "Severity",
    "Sex",
    "WeightBasis",
    "WeightCheck",
    "adjusted_body_weight_kg",
    "bmi_kg_per_m2",
    "calculate_infusion",
    "ceiling_for",
    "ceiling_warnings",
    "check_weight",
    "checked_dosing_weight",
    "dosing_weight",
    "fat_free_mass_kg",
    "merge_ceiling_stops",
    "field_words",
    "ideal_body_weight_kg",
    "plausible_height_cm",
    "pounds_from_kg",
    "pump_program",
    "round_half_up",
]

Sex = Literal["male", "female"]
WeightBasis = Literal["actual", "ideal", "adjusted"]
#: "warning": shown beside the numbers; "confirm": the clinician must confirm an input (a
#: flagged weight) before the numbers are used; "stop": the dose must not be given.
Severity = Literal["warning", "confirm", "stop"]

WEIGHT_BASES: tuple[WeightBasis, ...] = ("actual", "ideal", "adjusted")
SEXES: tuple[Sex, ...] = ("male", "female")

CM_PER_INCH = 2.54
MIN_PER_H = 60.0
# The international avoirdupois pound is exactly 0.45359237 kg.
KG_PER_LB = 0.45359237

# Devine IBW [9]: 50 kg (men) / 45.5 kg (women) + 2.3 kg per inch over 60 in.
DEVINE_BASE_KG: dict[Sex, float] = {"male": 50.0, "female": 45.5}
DEVINE_KG_PER_INCH = 2.3
DEVINE_BASE_HEIGHT_IN = 60.0
# Devine's formula adds weight per inch *over* 60 in; below 60 in (152.4 cm) it is
# extrapolated outside its published range [9], and the result is flagged.
DEVINE_MIN_HEIGHT_CM = DEVINE_BASE_HEIGHT_IN * CM_PER_INCH

# Janmahasatian FFM [V] (opentiva biometrics.ffm_janmahasation):
# 9270·W / (6680 + 216·BMI) men, 9270·W / (8780 + 244·BMI) women.
JANMAHASATIAN_NUMERATOR = 9270.0
JANMAHASATIAN_DENOMINATOR: dict[Sex, tuple[float, float]] = {
    "male": (6680.0, 216.0),
    "female": (8780.0, 244.0),
}

#: The four ways a session dose is ordered: a session total per kg or in mg, or a rate per
#: kg or in mg held for the infusion's duration (§1). Exactly one is given.
DOSE_FIELDS: tuple[str, ...] = (
    "dose_mg_per_kg",
    "dose_mg",
    "dose_mg_per_kg_per_h",
    "dose_mg_per_h",
)
#: Which dose forms each route may use: IM doses are totals [15]; esketamine is whole
#: 28-mg devices, a fixed mg dose [18].
ROUTE_DOSE_FIELDS: dict[str, tuple[str, ...]] = {
    "iv": DOSE_FIELDS,
    "im": ("dose_mg_per_kg", "dose_mg"),
    "intranasal": ("dose_mg",),
}
#: What each input is called on screen, with its unit: every message a person reads names the
#: input in words, never by its program name.
FIELD_WORDS: dict[str, str] = {
    "weight_kg": "weight (kg)",
    "previous_weight_kg": "last recorded weight (kg)",
    "height_cm": "height (cm)",
    "dose_mg_per_kg": "dose (mg/kg)",
    "dose_mg": "dose (mg)",
    "dose_mg_per_kg_per_h": "dose rate (mg/kg/h)",
    "dose_mg_per_h": "dose rate (mg/h)",
    "duration_min": "duration (min)",
    "vial_mg_per_ml": "vial strength (mg/mL)",
    "vial_volume_ml": "vial volume (mL)",
    "bag_volume_ml": "diluent bag (mL)",
    "device_mg": "mg per device",
    "dose_rate_mg_per_h": "dose rate (mg/h)",
    "concentration_mg_per_ml": "concentration (mg/mL)",
}


def field_words(name: str) -> str:
    """Return how input ``name`` reads on screen ("weight_kg" → "weight (kg)")."""
    return FIELD_WORDS.get(name, name.replace("_", " "))


_DOSE_FORM_WORDS = {
    "dose_mg_per_kg": "mg/kg",
    "dose_mg": "mg",
    "dose_mg_per_kg_per_h": "mg/kg/h",
    "dose_mg_per_h": "mg/h",
}


#: Which drug each route gives, and so which routes each drug may use: racemic ketamine by
#: vein or muscle (Ketalar label [22]; IM [15]), esketamine only through its nasal device
#: [18]. A protocol pairing a drug with another route is refused.
ROUTE_DRUGS: dict[str, str] = {"iv": "ketamine", "im": "ketamine", "intranasal": "esketamine"}

#: The largest "maximum dose without a protocol" a clinic may set for the calculator (mg/kg
#: per session): 4.5 mg/kg, the largest IV induction dose of general anaesthesia on the
#: Ketalar label [22]. Longer regimens (CRPS over days [21]) are dosed under their protocol.
MAX_DEFAULT_SESSION_DOSE_MG_PER_KG = 4.5

#: The widest weight range any clinic may set as plausible [?]: no published source; an adult
#: outside 20–300 kg is a typing slip (or a unit slip) far more often than a patient.
ABSOLUTE_MIN_WEIGHT_KG = 20.0
ABSOLUTE_MAX_WEIGHT_KG = 300.0


@dataclass(frozen=True)
class AbsoluteCeiling:
    """Hold the largest dose a route may ever carry; no clinic setting or protocol raises it.

    ``None`` means the route has no ceiling of that form. ``max_dose_mg`` bounds a fixed mg
    dose (for esketamine, the dose itself; for weight-based routes a fixed dose is bounded
    at :data:`ABSOLUTE_MAX_WEIGHT_KG`). An infusion is bounded by its rate, which bounds
    its total too: at most 2 mg/kg for each hour infused.
    """

    route: str
    drug: str
    max_dose_mg_per_kg: float | None
    max_dose_rate_mg_per_kg_per_h: float | None
    max_dose_mg: float
    source: str
    why: str
    rate_source: str = ""
    #: The longest infusion (min); None for routes that are not infused.
    max_duration_min: float | None = None


#: Absolute ceilings per route (docs/clinical-reference.md §1): ketamine IV at most 2 mg/kg/h,
#: the top of the outpatient infusion range [21] (7 mg/kg/h is for intensive care only), for
#: at most 4 days, the longest infusion in the reference (CRPS, [21]); ketamine IM at most
#: 13 mg/kg, the label's largest IM induction dose [22]; esketamine at most 84 mg, three
#: 28-mg devices, its largest labelled dose [18].
ABSOLUTE_CEILINGS: dict[str, AbsoluteCeiling] = {
    "iv": AbsoluteCeiling(
        route="iv",
        drug="ketamine",
        max_dose_mg_per_kg=None,
        max_dose_rate_mg_per_kg_per_h=2.0,
        max_dose_mg=2.0 * ABSOLUTE_MAX_WEIGHT_KG * 96,
        source="[21]",
        why="the top of the outpatient infusion range",
        rate_source="[21]",
        max_duration_min=4 * 24 * 60,
    ),
    "im": AbsoluteCeiling(
        route="im",
        drug="ketamine",
        max_dose_mg_per_kg=13.0,
        max_dose_rate_mg_per_kg_per_h=None,
        max_dose_mg=13.0 * ABSOLUTE_MAX_WEIGHT_KG,
        source="[22]",
        why="the largest IM anaesthetic induction dose on the Ketalar label",
    ),
    "intranasal": AbsoluteCeiling(
        route="intranasal",
        drug="esketamine",
        max_dose_mg_per_kg=None,
        max_dose_rate_mg_per_kg_per_h=None,
        max_dose_mg=84.0,
        source="[18]",
        why="the largest labelled esketamine dose, three 28-mg devices",
    ),
}


def ceiling_for(route: str) -> AbsoluteCeiling:
    """Return the absolute ceiling of ``route`` ("iv", "im" or "intranasal").

    Raises :class:`InvalidDoseInput` naming ``route`` for any other route.
    """
    try:
        return ABSOLUTE_CEILINGS[route]
    except KeyError:
        raise InvalidDoseInput(
            "route", "Choose intravenous, intramuscular or intranasal."
        ) from None


_SAME_LIMIT = {
    "dose_above_absolute_ceiling": "dose_above_protocol_max",
    "dose_rate_above_absolute_ceiling": "dose_rate_above_protocol_max",
}


def merge_ceiling_stops(found: list[DoseWarning], ceilings: list[DoseWarning]) -> list[DoseWarning]:
    """Return ``found`` with each ceiling stop that no protocol stop already makes, first.

    A clinic's limit sits at or below the ceiling, so when both are broken the clinic's
    stop says it; the ceiling's stop shows when the clinic's limit is off.
    """
    codes = {w.code for w in found}
    return [w for w in ceilings if _SAME_LIMIT[w.code] not in codes] + found


def ceiling_warnings(
    route: str,
    *,
    dose_mg: float,
    dose_mg_per_kg: float | None = None,
    dose_rate_mg_per_kg_per_h: float | None = None,
) -> list[DoseWarning]:
    """Return a hard stop for each absolute ceiling of ``route`` the dose goes above.

    Applies whatever the clinic's settings and the protocol say: they may only lower these.
    """
    ceiling = ceiling_for(route)
    tolerance = 1 + 1e-9
    found: list[DoseWarning] = []
    per_kg_max = ceiling.max_dose_mg_per_kg
    if (
        per_kg_max is not None
        and dose_mg_per_kg is not None
        and dose_mg_per_kg > per_kg_max * (tolerance)
    ):
        found.append(
            DoseWarning(
                "dose_above_absolute_ceiling",
                f"The dose, {dose_mg_per_kg:.3g} mg/kg ({dose_mg:.1f} mg), is above "
                f"{per_kg_max:g} mg/kg, {ceiling.why} {ceiling.source}. No clinic setting or "
                "protocol can allow more; check the dose and its unit.",
                "stop",
            )
        )
    rate_max = ceiling.max_dose_rate_mg_per_kg_per_h
    if (
        rate_max is not None
        and dose_rate_mg_per_kg_per_h is not None
        and dose_rate_mg_per_kg_per_h > rate_max * tolerance
    ):
        found.append(
            DoseWarning(
                "dose_rate_above_absolute_ceiling",
                f"The dose rate, {dose_rate_mg_per_kg_per_h:.3g} mg/kg/h, is above "
                f"{rate_max:g} mg/kg/h, the top of the outpatient infusion range "
                f"{ceiling.rate_source}. No clinic setting or protocol can allow more; lengthen "
                "the infusion or lower the dose.",
                "stop",
            )
        )
    if ceiling.route == "intranasal" and dose_mg > ceiling.max_dose_mg * tolerance:
        found.append(
            DoseWarning(
                "dose_above_absolute_ceiling",
                f"The dose, {dose_mg:g} mg, is above {ceiling.max_dose_mg:g} mg, {ceiling.why} "
                f"{ceiling.source}. No clinic setting or protocol can allow more.",
                "stop",
            )
        )
    return found


@dataclass(frozen=True)
class DoseLimits:
    """Hold the per-clinic dose guards; the defaults are documented, sourced values.

    Fields set to ``None`` switch that guard off (for example a rate-based pain
    protocol that caps the rate, not the session total).
    """

    # Plausible weight range [?]: no source; a conservative default that catches
    # pounds-for-kilograms and typing slips. Outside it the input is rejected.
    min_weight_kg: float = 30.0
    max_weight_kg: float = 250.0
    # Plausible height range [?]: same reasoning as weight; checked when given.
    min_height_cm: float = 120.0
    max_height_cm: float = 230.0
    # Plausible BMI [?]: no published source; a conservative default this clinic can
    # change. Checked whenever the height is known; outside it the weight must be
    # confirmed before a dose is used. A weight typed in pounds is 2.2 times the kilograms,
    # so a BMI of 21 becomes 46: 180 "kg" at 170 cm is BMI 62.3.
    min_bmi_kg_per_m2: float | None = 15.0
    max_bmi_kg_per_m2: float | None = 45.0
    # Largest change from the patient's last recorded weight, in percent, accepted without
    # a confirmation [?]: no published source; a conservative default this clinic can
    # change. 132 typed for a 60 kg patient is +120%.
    max_weight_change_pct: float | None = 10.0
    # Usual adult weight range [?]: no published source; a conservative default this clinic
    # can change. When neither the height nor a last recorded weight can corroborate it, a
    # weight outside this range must be confirmed: 154.3 "kg" is 154.3 lb (70.0 kg) typed
    # in the kilogram field far more often than a 154 kg patient.
    confirm_weight_below_kg: float | None = 40.0
    confirm_weight_above_kg: float | None = 120.0
    # Protocol maximum per session: 1.0 mg/kg, the highest arm of the dose-finding RCT
    # [4]; no authoritative ceiling above it for depression was found [?]. Hard stop.
    max_dose_mg_per_kg: float | None = 1.0
    #: Which rule ``max_dose_mg_per_kg`` is, said in its hard stop: "the protocol maximum",
    #: "the clinic's default maximum (no protocol chosen)" or "the absolute ceiling".
    max_dose_rule: str = "the protocol maximum"
    #: What to do about that stop besides lowering the dose.
    max_dose_remedy: str = "have the protocol maximum changed"
    #: The same two for ``max_dose_rate_mg_per_kg_per_h``.
    max_dose_rate_rule: str = "the protocol maximum"
    max_dose_rate_remedy: str = "have the protocol maximum changed"
    # Smallest total dose accepted: below 1 mg is no ketamine session in the reference
    # (the lowest studied IV dose, 0.1 mg/kg [3][4], is 3 mg at 30 kg), and it is how a
    # microgram/milligram mix-up shows [?]. Refused as a data-entry error, not a stop.
    min_dose_mg: float = 1.0
    # Protocol maximum rate: 2 mg/kg/h, the top of the outpatient infusion range in
    # the ASRA/AAPM/ASA chronic-pain guideline [21] (7 mg/kg/h is ICU only). Hard stop.
    max_dose_rate_mg_per_kg_per_h: float | None = 2.0
    # Vials at or above this strength must be diluted before IV use; never an
    # undiluted IV push (Ketalar label [22]: dilute 100 mg/mL with an equal volume).
    must_dilute_vial_mg_per_ml: float = 100.0
    # Strongest concentration allowed to reach the vein: 100 mg/mL diluted with an
    # equal volume gives 50 mg/mL [22]. Above it: hard stop.
    max_iv_concentration_mg_per_ml: float = 50.0
    # The clinic's usual vial strength; a selected vial ten times stronger or weaker
    # gets a warning naming both draw volumes (the 10× error site, §1 [22]).
    usual_vial_mg_per_ml: float = 10.0
    tenfold_strength_ratio: float = 10.0
    # Adjusted body weight = IBW + factor × (actual − IBW) [9].
    adjusted_weight_factor: float = 0.4
    # When the actual weight is below IBW, dose on actual weight rather than the
    # larger IBW or adjusted weight [?]: usual pharmacy practice, unsourced here.
    use_actual_weight_below_ibw: bool = True


@dataclass(frozen=True)
class DoseInputs:
    """Everything one session's dose calculation needs, as one typed value.

    Built by the calculator and plan forms, by the API schema and from a stored plan
    version, and checked in one place: :meth:`errors`. Units are in the names; ``None``
    means "not given".
    """

    weight_kg: float | None = None
    height_cm: float | None = None
    sex: Sex | None = None
    weight_basis: WeightBasis = "actual"
    dose_mg_per_kg: float | None = None
    dose_mg: float | None = None
    dose_mg_per_kg_per_h: float | None = None
    dose_mg_per_h: float | None = None
    duration_min: float | None = None
    vial_mg_per_ml: float | None = None
    bag_volume_ml: float | None = None
    withdraw_equal_volume: bool = False

    @classmethod
    def from_values(cls, values: object) -> DoseInputs:
        """Return inputs read from a mapping or an object's attributes (Decimals → floats).

        Names missing from ``values`` are not given; an empty ``sex`` means not given.
        """

        def get(name: str) -> object:
            if isinstance(values, dict):
                return values.get(name)
            return getattr(values, name, None)

        def number(name: str) -> float | None:
            value = get(name)
            if value is None or value == "":
                return None
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise InvalidDoseInput(name, f"Enter the {field_words(name)} as a number.")
            try:
                number = float(value)
            except OverflowError:
                raise InvalidDoseInput(
                    name, f"The {field_words(name)} is far too large; check the number."
                ) from None
            if not math.isfinite(number):
                raise InvalidDoseInput(name, f"Enter the {field_words(name)} as a number.")
            return number

        sex = get("sex") or None
        return cls(
            weight_kg=number("weight_kg"),
            height_cm=number("height_cm"),
            sex=sex,  # type: ignore[arg-type]
            weight_basis=get("weight_basis") or "actual",  # type: ignore[arg-type]
            dose_mg_per_kg=number("dose_mg_per_kg"),
            dose_mg=number("dose_mg"),
            dose_mg_per_kg_per_h=number("dose_mg_per_kg_per_h"),
            dose_mg_per_h=number("dose_mg_per_h"),
            duration_min=number("duration_min"),
            vial_mg_per_ml=number("vial_mg_per_ml"),
            bag_volume_ml=number("bag_volume_ml"),
            withdraw_equal_volume=bool(get("withdraw_equal_volume")),
        )

    @property
    def dose_forms_given(self) -> list[str]:
        """Return the names of the dose fields that have a value."""
        return [name for name in DOSE_FIELDS if getattr(self, name) is not None]

    def order_errors(self, route: str) -> dict[str, str]:
        """Return field -> message for the dose as ordered: one dose form fitting the route.

        IV needs a duration; IM and intranasal doses have none. Protocols use this check too.
        """
        errors: dict[str, str] = {}
        given = self.dose_forms_given
        allowed = ROUTE_DOSE_FIELDS.get(route, DOSE_FIELDS)
        if len(given) != 1:
            errors["dose_mg_per_kg"] = (
                f"Enter exactly one dose: mg/kg, mg, mg/kg/h or mg/h ({len(given)} given)."
            )
        elif given[0] not in allowed:
            forms = ", ".join(_DOSE_FORM_WORDS[name] for name in allowed)
            errors[given[0]] = f"This route is dosed as {forms}."
        if route == "iv" and not self.duration_min:
            errors["duration_min"] = (
                "This field is required for an IV infusion: its length in minutes."
            )
        if route != "iv" and self.duration_min:
            errors["duration_min"] = "Leave the duration empty for IM and intranasal doses."
        return errors

    def errors(self, route: str) -> dict[str, str]:
        """Return field -> message for everything missing before a session can be calculated."""
        errors = self.order_errors(route)
        if route in ("iv", "im") and self.weight_kg is None:
            errors.setdefault("weight_kg", "Enter the weight in kilograms.")
        if route == "iv":
            for name in ("vial_mg_per_ml", "bag_volume_ml"):
                if getattr(self, name) is None:
                    errors.setdefault(name, "This field is required for an IV infusion.")
        if route == "im" and self.vial_mg_per_ml is None:
            errors.setdefault("vial_mg_per_ml", "Choose the vial strength for an IM dose.")
        return errors

    def check(self, route: str) -> None:
        """Raise :class:`InvalidDoseInput` naming every missing or conflicting field."""
        errors = self.errors(route)
        if errors:
            field_name, message = next(iter(errors.items()))
            raise InvalidDoseInput(field_name, message, errors=errors)


@dataclass(frozen=True)
class DoseWarning:
    """Describe one finding about a dose: a machine code, a message, a severity."""

    code: str
    message: str
    severity: Severity = "warning"


@dataclass(frozen=True)
class DosingWeight:
    """Hold the weight a dose is calculated on and how it was obtained.

    ``warnings`` name a formula used outside its published range (Devine below 60 in).
    """

    kg: float
    basis: WeightBasis
    formula: str
    warnings: tuple[DoseWarning, ...] = ()


@dataclass(frozen=True)
class WeightCheck:
    """Hold an entered weight with its pounds equivalent, BMI and change, and the findings.

    Every finding has severity ``"confirm"``: the weight may be right, but a clinician must
    confirm it before a dose calculated from it is used.
    """

    weight_kg: float
    weight_lb: float
    height_cm: float | None = None
    bmi_kg_per_m2: float | None = None
    previous_weight_kg: float | None = None
    previous_weight_lb: float | None = None
    change_pct: float | None = None
    findings: tuple[DoseWarning, ...] = ()


@dataclass(frozen=True)
class PumpProgram:
    """Hold what is keyed into the pump for a premixed bag or syringe."""

    dose_mg: float
    dose_rate_mg_per_h: float
    concentration_mg_per_ml: float
    pump_rate_ml_per_h: float
    vtbi_ml: float
    duration_min: float


@dataclass(frozen=True)
class InfusionCalculation:
    """Hold a complete infusion plan; every figure carries its unit in its name."""

    dose_mg: float
    dose_mg_per_kg: float
    dose_rate_mg_per_h: float
    dose_rate_mg_per_kg_per_h: float
    duration_min: float
    vial_mg_per_ml: float
    draw_volume_ml: float
    bag_volume_ml: float
    withdraw_volume_ml: float
    final_volume_ml: float
    final_concentration_mg_per_ml: float
    pump_rate_ml_per_h: float
    vtbi_ml: float
    dosing_weight_kg: float
    actual_weight_kg: float
    weight_basis: WeightBasis
    weight_formula: str
    warnings: list[DoseWarning] = field(default_factory=list)

    def as_display(self) -> dict[str, str]:
        """Return the plan as display strings with units, rounded half-up."""
        return {
            "dose": f"{_fmt(round_half_up(self.dose_mg, 2))} mg",
            "dose_per_kg": f"{_fmt(round_half_up(self.dose_mg_per_kg, 3))} mg/kg",
            "dose_rate": f"{_fmt(round_half_up(self.dose_rate_mg_per_h, 2))} mg/h",
            "dose_rate_per_kg": (
                f"{_fmt(round_half_up(self.dose_rate_mg_per_kg_per_h, 3))} mg/kg/h"
            ),
            "draw_volume": f"{_fmt(round_half_up(self.draw_volume_ml, 2))} mL",
            "withdraw_volume": f"{_fmt(round_half_up(self.withdraw_volume_ml, 2))} mL",
            "final_volume": f"{_fmt(round_half_up(self.final_volume_ml, 1))} mL",
            "final_concentration": (
                f"{_fmt(round_sig(self.final_concentration_mg_per_ml, 3))} mg/mL"
            ),
            "pump_rate": f"{_fmt(round_half_up(self.pump_rate_ml_per_h, 1))} mL/h",
            "vtbi": f"{_fmt(round_half_up(self.vtbi_ml, 1))} mL",
            "dosing_weight": f"{_fmt(round_half_up(self.dosing_weight_kg, 1))} kg",
        }


class DoseError(ValueError):
    """Base class for every refusal to produce a dose."""


class InvalidDoseInput(DoseError):
    """Signal an input that is missing, malformed or implausible; name the field.

    ``errors`` maps every bad field to its message; ``field`` and ``message`` are the first.
    """

    def __init__(
        self, field_name: str, message: str, *, errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.errors = errors or {field_name: message}


class DoseStop(DoseError):
    """Signal a hard stop: the plan breaks a protocol limit and must not be given."""

    def __init__(self, calculation: InfusionCalculation) -> None:
        self.calculation = calculation
        self.warnings = list(calculation.warnings)
        self.stops = [w for w in self.warnings if w.severity == "stop"]
        super().__init__(" ".join(w.message for w in self.stops))


# --- display rounding -------------------------------------------------------------


def _clean_decimal(value: float) -> Decimal:
    # Drop float noise (155.24999999999997) before half-up rounding to display places.
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-9), rounding=ROUND_HALF_UP)


def round_half_up(value: float, places: int) -> Decimal:
    """Return ``value`` rounded half-up to ``places`` decimals, as a Decimal."""
    return _clean_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_sig(value: float, figures: int) -> Decimal:
    """Return ``value`` rounded half-up to ``figures`` significant figures."""
    if value == 0:
        return Decimal(0)
    exponent = math.floor(math.log10(abs(value)))
    return round_half_up(value, max(figures - 1 - exponent, 0))


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --- input checks -----------------------------------------------------------------


def plausible_weight_kg(weight_kg: object, limits: DoseLimits) -> float:
    """Return the weight as a number, or raise when it is outside the clinic's plausible range."""
    actual_kg = require_number("weight_kg", weight_kg)
    if not limits.min_weight_kg <= actual_kg <= limits.max_weight_kg:
        raise InvalidDoseInput(
            "weight_kg",
            f"The weight, {actual_kg:g} kg, is outside the plausible range "
            f"{limits.min_weight_kg:g}–{limits.max_weight_kg:g} kg; check the weight and "
            "its unit (kilograms, not pounds).",
        )
    return actual_kg


def plausible_height_cm(height_cm: object, limits: DoseLimits) -> float:
    """Return the height as a number, or raise when it is outside the clinic's plausible range."""
    height = require_number("height_cm", height_cm)
    if not limits.min_height_cm <= height <= limits.max_height_cm:
        raise InvalidDoseInput(
            "height_cm",
            f"The height, {height:g} cm, is outside the plausible range "
            f"{limits.min_height_cm:g}–{limits.max_height_cm:g} cm; check the height "
            "and its unit (centimetres, not inches).",
        )
    return height


def pounds_from_kg(weight_kg: float) -> float:
    """Return ``weight_kg`` in pounds (1 lb = 0.45359237 kg exactly)."""
    return require_number("weight_kg", weight_kg) / KG_PER_LB


def bmi_kg_per_m2(weight_kg: float, height_cm: float) -> float:
    """Return the body-mass index: weight (kg) ÷ height (m)²."""
    height_m = require_number("height_cm", height_cm) / 100.0
    return require_number("weight_kg", weight_kg) / height_m**2


def check_weight(
    weight_kg: float,
    *,
    height_cm: float | None = None,
    previous_weight_kg: float | None = None,
    limits: DoseLimits | None = None,
) -> WeightCheck:
    """Return an entered weight's pounds equivalent, BMI and change, with what to confirm.

    Catches the kind "a weight in pounds in the kilogram field" below the plausible range's
    ceiling: a BMI outside the clinic's plausible range when the height is known, and a
    change from the patient's last recorded weight beyond the clinic's percentage (both
    [?] settings). Raises :class:`InvalidDoseInput` for a weight or height outside its
    plausible range (:func:`plausible_weight_kg`, :func:`plausible_height_cm`).
    """
    limits = limits or DoseLimits()
    weight = plausible_weight_kg(weight_kg, limits)
    weight_lb = weight / KG_PER_LB
    findings: list[DoseWarning] = []
    bmi = None
    if height_cm is not None:
        height = plausible_height_cm(height_cm, limits)
        bmi = bmi_kg_per_m2(weight, height)
        low, high = limits.min_bmi_kg_per_m2, limits.max_bmi_kg_per_m2
        too_low = low is not None and bmi < low
        too_high = high is not None and bmi > high
        if too_low or too_high:
            hint = (
                f"If {weight:g} was typed in pounds, the weight is {weight * KG_PER_LB:.1f} kg."
                if too_high
                else "Check the weight and the height and their units."
            )
            findings.append(
                DoseWarning(
                    "bmi_implausible",
                    f"Weight {weight:g} kg ({weight_lb:.1f} lb) at {height:g} cm gives a BMI of "
                    f"{bmi:.1f} kg/m², outside the plausible {_range_text(low, high)} kg/m². "
                    f"{hint} Confirm the weight in kilograms before a dose is used.",
                    "confirm",
                )
            )
    low_kg, high_kg = limits.confirm_weight_below_kg, limits.confirm_weight_above_kg
    uncorroborated = height_cm is None and previous_weight_kg is None
    if uncorroborated and (
        (low_kg is not None and weight < low_kg) or (high_kg is not None and weight > high_kg)
    ):
        hint = (
            f"If {weight:g} was typed in pounds, the weight is {weight * KG_PER_LB:.1f} kg. "
            if high_kg is not None and weight > high_kg
            else ""
        )
        findings.append(
            DoseWarning(
                "weight_outside_usual_range",
                f"Weight {weight:g} kg ({weight_lb:.1f} lb) is outside the usual adult range "
                f"{_range_text(low_kg, high_kg)} kg, and no height or last recorded weight "
                f"confirms it. {hint}Confirm the weight in kilograms before a dose is used, "
                "or enter the height.",
                "confirm",
            )
        )
    previous = previous_lb = change_pct = None
    if previous_weight_kg is not None:
        previous = require_number("previous_weight_kg", previous_weight_kg)
        previous_lb = previous / KG_PER_LB
        change_pct = (weight - previous) / previous * 100.0
        if not math.isfinite(change_pct):
            raise InvalidDoseInput(
                "previous_weight_kg",
                f"The last recorded weight, {previous:g} kg, is far too small.",
            )
        most = limits.max_weight_change_pct
        if most is not None and abs(change_pct) > most * (1 + 1e-9):
            ratio = weight / previous
            hint = ""
            if abs(ratio * KG_PER_LB - 1) <= 0.05:
                hint = (
                    f" It is about {1 / KG_PER_LB:.1f} times the last weight: was it typed in "
                    f"pounds? {weight:g} lb is {weight * KG_PER_LB:.1f} kg."
                )
            elif abs(ratio / KG_PER_LB - 1) <= 0.05:
                hint = (
                    f" It is about {KG_PER_LB:.2f} times the last weight: was the last weight "
                    "recorded in pounds?"
                )
            findings.append(
                DoseWarning(
                    "weight_change_large",
                    f"Weight {weight:g} kg ({weight_lb:.1f} lb) is {change_pct:+.1f}% from the "
                    f"last recorded {previous:g} kg ({previous_lb:.1f} lb); above "
                    f"{most:g}% the weight must be confirmed.{hint}",
                    "confirm",
                )
            )
    return WeightCheck(
        weight_kg=weight,
        weight_lb=weight_lb,
        height_cm=None if height_cm is None else float(height_cm),
        bmi_kg_per_m2=bmi,
        previous_weight_kg=previous,
        previous_weight_lb=previous_lb,
        change_pct=change_pct,
        findings=tuple(findings),
    )


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    return f"≥ {low:g}" if low is not None else f"≤ {high:g}"


# An infusion shorter than this is a push, which a pump program does not describe; it also
# keeps mg/h and mL/h finite for any input.
SHORTEST_INFUSION_MIN = 1.0


def _infusion_minutes(duration_min: object) -> float:
    minutes = require_number("duration_min", duration_min)
    if minutes < SHORTEST_INFUSION_MIN:
        raise InvalidDoseInput(
            "duration_min",
            f"The duration, {minutes:g} min, is shorter than {SHORTEST_INFUSION_MIN:g} min; an "
            "infusion runs at least a minute (give a push as a bolus, not an infusion).",
        )
    return minutes


def require_number(field_name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return a finite, positive (or, with allow_zero, non-negative) number or raise."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidDoseInput(field_name, f"Enter the {field_words(field_name)} as a number.")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidDoseInput(field_name, f"Enter the {field_words(field_name)} as a number.")
    if number < 0 or (number == 0 and not allow_zero):
        need = "zero or more" if allow_zero else "greater than zero"
        raise InvalidDoseInput(
            field_name, f"The {field_words(field_name)} must be {need}; {value:g} was entered."
        )
    return number


# --- body weight ------------------------------------------------------------------


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Return Devine ideal body weight in kg [9].

    Below 60 in (152.4 cm) the formula is extended linearly, as it is usually applied;
    that is outside its published range, and :func:`checked_dosing_weight` says so.
    """
    if sex not in SEXES:
        raise InvalidDoseInput("sex", "Choose the sex (female or male) for the weight formula.")
    height_in = require_number("height_cm", height_cm) / CM_PER_INCH
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * (height_in - DEVINE_BASE_HEIGHT_IN)


def adjusted_body_weight_kg(
    weight_kg: float, height_cm: float, sex: Sex, *, factor: float = 0.4
) -> float:
    """Return adjusted body weight in kg: IBW + factor × (actual − IBW) [9]."""
    ibw_kg = ideal_body_weight_kg(height_cm, sex)
    return ibw_kg + factor * (require_number("weight_kg", weight_kg) - ibw_kg)


def fat_free_mass_kg(weight_kg: float, height_cm: float, sex: Sex) -> float:
    """Return Janmahasatian fat-free mass in kg [V] (BMI not rounded)."""
    if sex not in SEXES:
        raise InvalidDoseInput("sex", "Choose the sex (female or male) for the weight formula.")
    weight = require_number("weight_kg", weight_kg)
    height_m = require_number("height_cm", height_cm) / 100.0
    bmi_kg_per_m2 = weight / height_m**2
    base, per_bmi = JANMAHASATIAN_DENOMINATOR[sex]
    return JANMAHASATIAN_NUMERATOR * weight / (base + per_bmi * bmi_kg_per_m2)


def dosing_weight(
    weight_kg: float,
    basis: WeightBasis = "actual",
    height_cm: float | None = None,
    sex: Sex | None = None,
    *,
    adjusted_weight_factor: float = 0.4,
    use_actual_weight_below_ibw: bool = True,
) -> DosingWeight:
    """Return the dosing weight for ``basis`` with the formula text to store beside it.

    Trials dose on actual weight [7]; IBW and adjusted weight are clinic choices [9].
    """
    actual_kg = require_number("weight_kg", weight_kg)
    if basis not in WEIGHT_BASES:
        raise InvalidDoseInput("weight_basis", "Choose actual, ideal or adjusted body weight.")
    if basis == "actual":
        return DosingWeight(kg=actual_kg, basis="actual", formula=f"actual weight {actual_kg:g} kg")
    if height_cm is None:
        raise InvalidDoseInput(
            "height_cm", f"Enter the height in centimetres: the {_BASIS_WORDS[basis]} needs it."
        )
    if sex not in SEXES:
        raise InvalidDoseInput(
            "sex", f"Choose the sex (female or male): the {_BASIS_WORDS[basis]} formula needs it."
        )
    height = require_number("height_cm", height_cm)
    ibw_kg = ideal_body_weight_kg(height, sex)
    base_kg = DEVINE_BASE_KG[sex]
    ibw_text = (
        f"Devine IBW [9] = {base_kg:g} + {DEVINE_KG_PER_INCH:g} × "
        f"({height:g} cm ÷ {CM_PER_INCH:g} − {DEVINE_BASE_HEIGHT_IN:g} in) "
        f"= {ibw_kg:.1f} kg ({sex})"
    )
    if use_actual_weight_below_ibw and actual_kg < ibw_kg:
        return DosingWeight(
            kg=actual_kg,
            basis="actual",
            formula=(
                f"{basis} weight requested, but actual weight {actual_kg:g} kg is below "
                f"{ibw_text}; actual weight used"
            ),
        )
    if basis == "ideal":
        return DosingWeight(kg=ibw_kg, basis="ideal", formula=ibw_text)
    adjusted_kg = ibw_kg + adjusted_weight_factor * (actual_kg - ibw_kg)
    return DosingWeight(
        kg=adjusted_kg,
        basis="adjusted",
        formula=(
            f"adjusted weight [9] = IBW + {adjusted_weight_factor:g} × (actual − IBW) "
            f"= {ibw_kg:.1f} + {adjusted_weight_factor:g} × ({actual_kg:g} − {ibw_kg:.1f}) "
            f"= {adjusted_kg:.1f} kg; {ibw_text}"
        ),
    )


_BASIS_WORDS: dict[str, str] = {
    "actual": "actual weight",
    "ideal": "ideal body weight",
    "adjusted": "adjusted body weight",
}


def checked_dosing_weight(
    weight_kg: float,
    basis: WeightBasis = "actual",
    height_cm: float | None = None,
    sex: Sex | None = None,
    *,
    limits: DoseLimits | None = None,
) -> DosingWeight:
    """Return :func:`dosing_weight` under the clinic's limits, with its formula warnings.

    A derived weight (ideal, adjusted, or any other) must pass the same plausible range as
    an entered one, or :class:`InvalidDoseInput` names ``weight_basis``: 80 kg at 120 cm,
    female, has a Devine IBW of 16.2 kg, which no dose may be calculated on. Devine's
    formula below 60 in (152.4 cm) is extrapolated outside its published range [9]: the
    result carries a ``formula_outside_published_range`` warning.
    """
    limits = limits or DoseLimits()
    weight = dosing_weight(
        weight_kg,
        basis,
        height_cm,
        sex,
        adjusted_weight_factor=limits.adjusted_weight_factor,
        use_actual_weight_below_ibw=limits.use_actual_weight_below_ibw,
    )
    if not limits.min_weight_kg <= weight.kg <= limits.max_weight_kg:
        raise InvalidDoseInput(
            "weight_basis",
            f"The {_BASIS_WORDS[weight.basis]} {weight.kg:.1f} kg is outside the plausible "
            f"range {limits.min_weight_kg:g}–{limits.max_weight_kg:g} kg that every dosing "
            f"weight must pass ({weight.formula}). Check the height, the sex and the basis, "
            "or dose on actual weight.",
        )
    warnings: list[DoseWarning] = []
    if basis != "actual" and height_cm is not None:
        height = float(height_cm)
        if height < DEVINE_MIN_HEIGHT_CM - 1e-9:
            warnings.append(
                DoseWarning(
                    "formula_outside_published_range",
                    f"Devine's ideal body weight is published for heights from "
                    f"{DEVINE_BASE_HEIGHT_IN:g} in ({DEVINE_MIN_HEIGHT_CM:g} cm); at {height:g} cm "
                    f"({height / CM_PER_INCH:.1f} in) it is extrapolated below that range, so the "
                    f"{_BASIS_WORDS[basis]} used here ({weight.kg:.1f} kg) rests on no published "
                    "formula. Consider dosing on actual weight.",
                )
            )
    return replace(weight, warnings=tuple(warnings))


# --- pump maths -------------------------------------------------------------------


def pump_program(
    *, dose_rate_mg_per_h: float, concentration_mg_per_ml: float, duration_min: float
) -> PumpProgram:
    """Return pump rate and VTBI for a premixed bag (e.g. 500 mg in 250 mL = 2 mg/mL [22]).

    Rate (mL/h) = mg/h ÷ mg/mL; VTBI = rate × hours (§1).
    """
    rate_mg_per_h = require_number("dose_rate_mg_per_h", dose_rate_mg_per_h)
    conc = require_number("concentration_mg_per_ml", concentration_mg_per_ml)
    minutes = _infusion_minutes(duration_min)
    pump_rate_ml_per_h = rate_mg_per_h / conc
    return PumpProgram(
        dose_mg=rate_mg_per_h * minutes / MIN_PER_H,
        dose_rate_mg_per_h=rate_mg_per_h,
        concentration_mg_per_ml=conc,
        pump_rate_ml_per_h=pump_rate_ml_per_h,
        vtbi_ml=pump_rate_ml_per_h * minutes / MIN_PER_H,
        duration_min=minutes,
    )


def calculate_infusion(
    *,
    weight_kg: float,
    dose_mg_per_kg: float | None = None,
    dose_mg: float | None = None,
    dose_mg_per_kg_per_h: float | None = None,
    dose_mg_per_h: float | None = None,
    duration_min: float,
    vial_mg_per_ml: float,
    bag_volume_ml: float,
    withdraw_equal_volume: bool = False,
    weight_basis: WeightBasis = "actual",
    height_cm: float | None = None,
    sex: Sex | None = None,
    vial_volume_ml: float | None = None,
    limits: DoseLimits | None = None,
) -> InfusionCalculation:
    """Return the infusion plan for one session, or raise on bad input or a hard stop.

    Give exactly one dose: ``dose_mg_per_kg`` or ``dose_mg`` (a session total), or
    ``dose_mg_per_kg_per_h`` or ``dose_mg_per_h`` (a rate held for ``duration_min``).
    ``bag_volume_ml`` is the diluent before the drug is added (0 for a neat syringe);
    the drawn drug adds to it unless ``withdraw_equal_volume``, when that volume is
    first taken out of the bag so the final volume equals the bag volume.
    ``vial_volume_ml`` defaults to the Ketalar size for the strength [22].

    Raises :class:`InvalidDoseInput` (field named) or :class:`DoseStop` (limit broken).
    """
    limits = limits or DoseLimits()
    actual_kg = plausible_weight_kg(weight_kg, limits)
    if height_cm is not None:
        plausible_height_cm(height_cm, limits)
    minutes = _infusion_minutes(duration_min)
    vial_conc = require_number("vial_mg_per_ml", vial_mg_per_ml)
    bag_ml = require_number("bag_volume_ml", bag_volume_ml, allow_zero=True)
    if vial_volume_ml is not None:
        vial_volume_ml = require_number("vial_volume_ml", vial_volume_ml)
    else:
        vial_volume_ml = ketalar_vial_volume_ml(vial_conc)

    given = {
        "dose_mg_per_kg": dose_mg_per_kg,
        "dose_mg": dose_mg,
        "dose_mg_per_kg_per_h": dose_mg_per_kg_per_h,
        "dose_mg_per_h": dose_mg_per_h,
    }
    order = DoseInputs(**given, duration_min=minutes)  # type: ignore[arg-type]
    named = order.dose_forms_given
    if len(named) != 1:
        raise InvalidDoseInput("dose_mg_per_kg", order.order_errors("iv")["dose_mg_per_kg"])
    dose_field = named[0]
    dose_value = require_number(dose_field, given[dose_field])

    weight = checked_dosing_weight(actual_kg, weight_basis, height_cm, sex, limits=limits)
    hours = minutes / MIN_PER_H
    # dose (mg) = mg/kg × dosing kg; dose rate (mg/h) = dose ÷ hours, or mg/kg/h × kg (§1).
    if dose_field == "dose_mg_per_kg":
        total_mg = dose_value * weight.kg
    elif dose_field == "dose_mg":
        total_mg = dose_value
    elif dose_field == "dose_mg_per_kg_per_h":
        total_mg = dose_value * weight.kg * hours
    else:
        total_mg = dose_value * hours
    if not math.isfinite(total_mg) or total_mg < limits.min_dose_mg:
        raise InvalidDoseInput(
            dose_field,
            f"The {field_words(dose_field)} {dose_value:g} gives a dose of {total_mg:.3g} mg, "
            f"below the smallest dose of {limits.min_dose_mg:g} mg; check the number and its "
            "unit (milligrams, not micrograms).",
        )
    rate_mg_per_h = total_mg / hours

    draw_ml = total_mg / vial_conc
    withdraw_ml = draw_ml if withdraw_equal_volume else 0.0
    if withdraw_ml > bag_ml:
        raise InvalidDoseInput(
            "bag_volume_ml",
            f"Cannot withdraw {draw_ml:.2f} mL from a {bag_ml:g} mL bag; use a larger bag "
            "or do not withdraw an equal volume.",
        )
    final_ml = bag_ml - withdraw_ml + draw_ml
    # conc (mg/mL) = mg ÷ final bag mL; rate (mL/h) = mg/h ÷ mg/mL; VTBI = rate × h (§1).
    final_conc = total_mg / final_ml
    pump_ml_per_h = rate_mg_per_h / final_conc
    vtbi_ml = pump_ml_per_h * hours

    calculation = InfusionCalculation(
        dose_mg=total_mg,
        dose_mg_per_kg=total_mg / weight.kg,
        dose_rate_mg_per_h=rate_mg_per_h,
        dose_rate_mg_per_kg_per_h=rate_mg_per_h / weight.kg,
        duration_min=minutes,
        vial_mg_per_ml=vial_conc,
        draw_volume_ml=draw_ml,
        bag_volume_ml=bag_ml,
        withdraw_volume_ml=withdraw_ml,
        final_volume_ml=final_ml,
        final_concentration_mg_per_ml=final_conc,
        pump_rate_ml_per_h=pump_ml_per_h,
        vtbi_ml=vtbi_ml,
        dosing_weight_kg=weight.kg,
        actual_weight_kg=actual_kg,
        weight_basis=weight.basis,
        weight_formula=weight.formula,
    )
    found = [*_check(calculation, limits, vial_volume_ml), *weight.warnings]
    found.sort(key=lambda w: w.severity != "stop")
    calculation = replace(calculation, warnings=found)
    if any(w.severity == "stop" for w in calculation.warnings):
        raise DoseStop(calculation)
    return calculation


def _check(
    calc: InfusionCalculation, limits: DoseLimits, vial_volume_ml: float | None
) -> list[DoseWarning]:
    """Return the warnings and stops for a computed plan, stops first."""
    found: list[DoseWarning] = []
    tolerance = 1e-9

    if limits.max_dose_mg_per_kg is not None and calc.dose_mg_per_kg > limits.max_dose_mg_per_kg * (
        1 + tolerance
    ):
        found.append(
            DoseWarning(
                "dose_above_protocol_max",
                f"Dose {calc.dose_mg_per_kg:.3g} mg/kg ({calc.dose_mg:.1f} mg) is above "
                f"{limits.max_dose_rule} of {limits.max_dose_mg_per_kg:g} mg/kg; lower the "
                f"dose or {limits.max_dose_remedy}.",
                "stop",
            )
        )
    if (
        limits.max_dose_rate_mg_per_kg_per_h is not None
        and calc.dose_rate_mg_per_kg_per_h > limits.max_dose_rate_mg_per_kg_per_h * (1 + tolerance)
    ):
        found.append(
            DoseWarning(
                "dose_rate_above_protocol_max",
                f"Dose rate {calc.dose_rate_mg_per_kg_per_h:.3g} mg/kg/h is above "
                f"{limits.max_dose_rate_rule} of {limits.max_dose_rate_mg_per_kg_per_h:g} "
                f"mg/kg/h; lengthen the infusion, lower the dose or {limits.max_dose_rate_remedy}.",
                "stop",
            )
        )

    found = merge_ceiling_stops(
        found,
        ceiling_warnings(
            "iv",
            dose_mg=calc.dose_mg,
            dose_mg_per_kg=calc.dose_mg_per_kg,
            dose_rate_mg_per_kg_per_h=calc.dose_rate_mg_per_kg_per_h,
        ),
    )
    concentrated = calc.vial_mg_per_ml >= limits.must_dilute_vial_mg_per_ml * (1 - tolerance)
    if concentrated and calc.bag_volume_ml == 0:
        found.append(
            DoseWarning(
                "undiluted_iv_forbidden",
                f"The {calc.vial_mg_per_ml:g} mg/mL vial must never be given IV undiluted; "
                "enter a diluent bag volume (Ketalar label: dilute at least with an equal "
                "volume).",
                "stop",
            )
        )
    elif calc.final_concentration_mg_per_ml > limits.max_iv_concentration_mg_per_ml * (
        1 + tolerance
    ):
        found.append(
            DoseWarning(
                "concentration_above_iv_max",
                f"Final concentration {calc.final_concentration_mg_per_ml:.3g} mg/mL is above "
                f"the {limits.max_iv_concentration_mg_per_ml:g} mg/mL IV maximum; use a larger "
                "diluent volume.",
                "stop",
            )
        )
    elif concentrated:
        found.append(
            DoseWarning(
                "concentrated_vial_diluted",
                f"{calc.vial_mg_per_ml:g} mg/mL vial: draw {calc.draw_volume_ml:.2f} mL and "
                f"dilute it in the {calc.bag_volume_ml:g} mL bag before use; undiluted IV push "
                "is forbidden.",
            )
        )

    ratio = calc.vial_mg_per_ml / limits.usual_vial_mg_per_ml
    if ratio >= limits.tenfold_strength_ratio * (1 - tolerance) or ratio <= (1 + tolerance) / (
        limits.tenfold_strength_ratio
    ):
        usual_draw_ml = calc.dose_mg / limits.usual_vial_mg_per_ml
        found.append(
            DoseWarning(
                "vial_strength_tenfold",
                f"Check the vial: {calc.dose_mg:.4g} mg is {calc.draw_volume_ml:.3g} mL of "
                f"{calc.vial_mg_per_ml:g} mg/mL but {usual_draw_ml:.3g} mL of the usual "
                f"{limits.usual_vial_mg_per_ml:g} mg/mL; draw {calc.draw_volume_ml:.3g} mL "
                f"only if the vial reads {calc.vial_mg_per_ml:g} mg/mL.",
            )
        )

    if vial_volume_ml is not None and calc.draw_volume_ml > vial_volume_ml * (1 + tolerance):
        vials_needed = math.ceil(calc.draw_volume_ml / vial_volume_ml - tolerance)
        found.append(
            DoseWarning(
                "draw_exceeds_vial",
                f"Draw volume {calc.draw_volume_ml:.2f} mL is more than one {vial_volume_ml:g} mL "
                f"vial; {vials_needed} vials are needed. Check the strength and the dose.",
            )
        )

    found.sort(key=lambda w: w.severity != "stop")
    return found
