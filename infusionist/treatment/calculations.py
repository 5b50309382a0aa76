"""Glue between clinic settings, protocols and the framework-free dose kernels.

One entry point, `calculate_session`, serves the calculator page, the plan form, the
plan page, signing and the JSON API, so every surface shows the same numbers, warnings,
weight checks and hard stops with the same basis (rule, limit, source, inputs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from infusionist.lib import dosing, exposure, regimens
from infusionist.lib.dosing import DoseLimits, DoseWarning
from infusionist.lib.products import ESKETAMINE
from infusionist.treatment.models import DosingSettings, Protocol

#: What the product says of a [?] value, wherever it is shown.
UNSOURCED = "no published source; a conservative default this clinic can change"

# Every warning code -> the rule it applies and where the rule comes from.
WARNING_BASIS: dict[str, tuple[str, str]] = {
    "dose_above_protocol_max": (
        "Maximum dose per session (mg/kg or mg)",
        "protocol setting; [4] [18]",
    ),
    "dose_rate_above_protocol_max": ("Maximum dose rate (mg/kg/h)", "protocol setting; [21]"),
    "dose_above_absolute_ceiling": (
        "Absolute ceiling per session for this route; no clinic can raise it",
        "clinical reference §1; [18] [22]",
    ),
    "dose_rate_above_absolute_ceiling": (
        "Absolute ceiling of the IV dose rate (mg/kg/h); no clinic can raise it",
        "clinical reference §1; [21]",
    ),
    "undiluted_iv_forbidden": ("100 mg/mL is never given IV undiluted", "Ketalar label [22]"),
    "concentration_above_iv_max": ("Strongest concentration allowed IV", "clinic setting; [22]"),
    "concentrated_vial_diluted": ("Concentrated vial must be diluted", "Ketalar label [22]"),
    "vial_strength_tenfold": ("Draw volume is a 10× error site", "clinical reference §1; [22]"),
    "draw_exceeds_vial": ("Draw exceeds one vial", "Ketalar vial sizes [22] [23]"),
    "not_whole_devices": ("Esketamine is given in whole 28-mg devices", "Spravato label [18] [19]"),
    "older_adult_start_dose": ("Patients 65 or older start at 28 mg", "Spravato label [18] [19]"),
    "formula_outside_published_range": (
        "Devine ideal body weight is published from 60 in (152.4 cm)",
        "Devine 1974 [9]",
    ),
    "bmi_implausible": (
        "Plausible BMI when the height is known (kg/m²)",
        f"clinic setting; [?] {UNSOURCED}",
    ),
    "weight_outside_usual_range": (
        "Weight outside the usual adult range, to be confirmed (kg)",
        f"clinic setting; [?] {UNSOURCED}",
    ),
    "weight_change_large": (
        "Largest change from the last recorded weight without a confirmation (%)",
        f"clinic setting; [?] {UNSOURCED}",
    ),
}


#: The input each hard stop is about, so the stop is shown beside it; "dose" is the dose
#: field the order used (mg/kg, mg, mg/kg/h or mg/h).
STOP_FIELDS: dict[str, str] = {
    "dose_above_protocol_max": "dose",
    "dose_rate_above_protocol_max": "duration_min",
    "dose_above_absolute_ceiling": "dose",
    "dose_rate_above_absolute_ceiling": "duration_min",
    "undiluted_iv_forbidden": "bag_volume_ml",
    "concentration_above_iv_max": "bag_volume_ml",
    "not_whole_devices": "dose_mg",
}

#: (label, unit) of every dose input, as a person reads it.
INPUT_LABELS: dict[str, tuple[str, str]] = {
    "route": ("Route", ""),
    "weight_kg": ("Weight", "kg"),
    "height_cm": ("Height", "cm"),
    "sex": ("Sex (for the weight formulas)", ""),
    "weight_basis": ("Dose on", ""),
    "dose_mg_per_kg": ("Dose", "mg/kg"),
    "dose_mg": ("Dose", "mg"),
    "dose_mg_per_kg_per_h": ("Dose rate", "mg/kg/h"),
    "dose_mg_per_h": ("Dose rate", "mg/h"),
    "duration_min": ("Duration", "min"),
    "vial_mg_per_ml": ("Vial strength", "mg/mL"),
    "bag_volume_ml": ("Diluent bag", "mL"),
    "withdraw_equal_volume": ("Withdraw an equal volume from the bag first", ""),
}
_WORDS = {
    "iv": "intravenous infusion",
    "im": "intramuscular injection",
    "intranasal": "intranasal (esketamine)",
    "actual": "actual body weight",
    "ideal": "ideal body weight (Devine)",
    "adjusted": "adjusted body weight",
    "female": "female",
    "male": "male",
}


def input_rows(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the inputs a calculation used as (label, value with its unit) rows."""
    rows = []
    for name, (label, unit) in INPUT_LABELS.items():
        value = inputs.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int | float | Decimal):
            text = f"{_number(float(value), 3)} {unit}".strip()
        else:
            text = _WORDS.get(str(value), str(value))
        rows.append((label, text))
    return rows


def ceiling_rows() -> list[tuple[str, str, str]]:
    """Return each route's absolute ceilings as (route, ceilings with units, source keys)."""
    words = {"iv": "Ketamine, intravenous", "im": "Ketamine, intramuscular"}
    rows = []
    for route, ceiling in dosing.ABSOLUTE_CEILINGS.items():
        parts = []
        if ceiling.max_dose_rate_mg_per_kg_per_h is not None:
            parts.append(
                f"at most {ceiling.max_dose_rate_mg_per_kg_per_h:g} mg/kg/h "
                f"(so at most {ceiling.max_dose_rate_mg_per_kg_per_h:g} mg/kg per hour infused)"
            )
        if ceiling.max_duration_min is not None:
            parts.append(f"infusions of at most {ceiling.max_duration_min / 60 / 24:g} days")
        if ceiling.max_dose_mg_per_kg is not None:
            parts.append(f"at most {ceiling.max_dose_mg_per_kg:g} mg/kg per session")
        if route == "intranasal":
            parts.append(f"at most {ceiling.max_dose_mg:g} mg per session")
        rows.append(
            (
                words.get(route, "Esketamine, intranasal (only route)"),
                "; ".join(parts),
                " ".join(dict.fromkeys(f"{ceiling.source} {ceiling.rate_source}".split())),
            )
        )
    rows.append(
        (
            "Without a protocol (dose calculator)",
            f"a clinic's session maximum of at most "
            f"{dosing.MAX_DEFAULT_SESSION_DOSE_MG_PER_KG:g} mg/kg",
            "[22]",
        )
    )
    return rows


#: One line naming every absolute ceiling, for help texts beside the fields they bound.
CEILINGS_TEXT = (
    "Absolute ceilings no clinic can raise: ketamine IV 2 mg/kg/h for up to 4 days [21]; "
    "ketamine IM 13 mg/kg [22]; esketamine 84 mg [18], intranasal only."
)


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _capped(value: float | None, ceiling: float | None) -> float | None:
    """Return the lower of a clinic's limit and the absolute ceiling (a limit only lowers)."""
    if ceiling is None:
        return value
    return ceiling if value is None else min(value, ceiling)


def limits_for(*, dosing_settings: DosingSettings, protocol: Protocol | None = None) -> DoseLimits:
    """Return the guards for a clinic, narrowed by a protocol's limits when one is chosen."""
    max_mg_per_kg = _f(dosing_settings.default_max_dose_mg_per_kg)
    max_rate = _f(dosing_settings.default_max_dose_rate_mg_per_kg_per_h)
    route = "iv"
    rule = "the clinic's default maximum (no protocol chosen)"
    remedy = "choose a protocol, or have the clinic's default maximum changed in dosing settings"
    if protocol is not None:
        max_mg_per_kg = _f(protocol.max_dose_mg_per_kg)
        max_rate = _f(protocol.max_dose_rate_mg_per_kg_per_h)
        route = protocol.route
        rule = f"the maximum of protocol “{protocol.name}”"
        remedy = "have the protocol maximum changed"
    ceiling = dosing.ABSOLUTE_CEILINGS.get(route, dosing.ABSOLUTE_CEILINGS["iv"])
    dose_rule = rate_rule = rule
    dose_remedy = rate_remedy = remedy
    ceiling_rule = "the absolute ceiling (no clinic setting or protocol can raise it)"
    ceiling_remedy = "give less: no setting can raise this ceiling"
    if ceiling.max_dose_mg_per_kg is not None and (
        max_mg_per_kg is None or max_mg_per_kg > ceiling.max_dose_mg_per_kg
    ):
        dose_rule, dose_remedy = ceiling_rule, ceiling_remedy
    if ceiling.max_dose_rate_mg_per_kg_per_h is not None and (
        max_rate is None or max_rate > ceiling.max_dose_rate_mg_per_kg_per_h
    ):
        rate_rule, rate_remedy = ceiling_rule, ceiling_remedy
    max_mg_per_kg = _capped(max_mg_per_kg, ceiling.max_dose_mg_per_kg)
    max_rate = _capped(max_rate, ceiling.max_dose_rate_mg_per_kg_per_h)
    return DoseLimits(
        max_dose_rule=dose_rule,
        max_dose_remedy=dose_remedy,
        max_dose_rate_rule=rate_rule,
        max_dose_rate_remedy=rate_remedy,
        min_weight_kg=float(dosing_settings.min_weight_kg),
        max_weight_kg=float(dosing_settings.max_weight_kg),
        min_height_cm=float(dosing_settings.min_height_cm),
        max_height_cm=float(dosing_settings.max_height_cm),
        max_dose_mg_per_kg=max_mg_per_kg,
        max_dose_rate_mg_per_kg_per_h=max_rate,
        must_dilute_vial_mg_per_ml=float(dosing_settings.must_dilute_vial_mg_per_ml),
        max_iv_concentration_mg_per_ml=float(dosing_settings.max_iv_concentration_mg_per_ml),
        usual_vial_mg_per_ml=float(dosing_settings.usual_vial_mg_per_ml),
        adjusted_weight_factor=float(dosing_settings.adjusted_weight_factor),
        use_actual_weight_below_ibw=dosing_settings.use_actual_weight_below_ibw,
        min_bmi_kg_per_m2=float(dosing_settings.min_bmi_kg_per_m2),
        max_bmi_kg_per_m2=float(dosing_settings.max_bmi_kg_per_m2),
        max_weight_change_pct=float(dosing_settings.max_weight_change_pct),
        confirm_weight_below_kg=float(dosing_settings.confirm_weight_below_kg),
        confirm_weight_above_kg=float(dosing_settings.confirm_weight_above_kg),
    )


@dataclass(frozen=True)
class Finding:
    """A warning, a weight to confirm or a hard stop: the rule, its source and the inputs.

    ``severity`` is "warning", "confirm" (a clinician must confirm an input before the
    numbers are used), "override" (signing needs a recorded override with a reason) or
    "stop" (the dose must not be given).
    """

    code: str
    message: str
    severity: str
    rule: str
    source: str
    inputs: dict[str, str] = field(default_factory=dict)
    #: The form field the finding is about ("" when it is about the whole calculation).
    field: str = ""

    @classmethod
    def of(
        cls,
        warning: DoseWarning,
        *,
        protocol: Protocol | None = None,
        inputs: dict[str, str] | None = None,
        dose_field: str = "",
    ) -> Finding:
        rule, source = WARNING_BASIS.get(warning.code, ("Dose check", "clinical reference §1"))
        if warning.code.startswith("dose") and protocol is not None:
            source = f"protocol “{protocol.name}” ({protocol.source_keys})"
        elif warning.code == "dose_above_protocol_max":
            source = "clinic setting without a protocol; [4]"
        elif warning.code == "dose_rate_above_protocol_max":
            source = "clinic setting without a protocol; [21]"
        if warning.code.endswith("absolute_ceiling"):
            source = WARNING_BASIS[warning.code][1]
        about = STOP_FIELDS.get(warning.code, "")
        if about == "dose":
            about = dose_field
        return cls(
            warning.code, warning.message, warning.severity, rule, source, inputs or {}, about
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "rule": self.rule,
            "source": self.source,
            "inputs": dict(self.inputs),
            "field": self.field,
        }


def _number(value: float | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{dosing.round_half_up(value, places).normalize():f}"


def _signed_pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{'+' if value > 0 else ''}{_number(value)}%"


def weight_check_inputs(check: dosing.WeightCheck) -> dict[str, str]:
    """Return the inputs of a weight check as labelled values with their units."""
    inputs = {"weight": f"{_number(check.weight_kg)} kg ({_number(check.weight_lb)} lb)"}
    if check.height_cm is not None:
        inputs["height"] = f"{_number(check.height_cm)} cm"
        inputs["BMI"] = f"{_number(check.bmi_kg_per_m2)} kg/m²"
    if check.previous_weight_kg is not None:
        inputs["last recorded weight"] = (
            f"{_number(check.previous_weight_kg)} kg ({_number(check.previous_weight_lb)} lb)"
        )
        inputs["change"] = _signed_pct(check.change_pct)
    return inputs


@dataclass
class SessionResult:
    """Everything one session's dose calculation produced, or why it must not be given."""

    route: str
    inputs: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    infusion: dosing.InfusionCalculation | None = None
    injection: regimens.InjectionCalculation | None = None
    intranasal: regimens.IntranasalCalculation | None = None
    weight_check: dosing.WeightCheck | None = None
    #: Findings about the entered weight (severity "confirm"), kept apart from the dose's.
    weight_findings: list[Finding] = field(default_factory=list)
    weight_confirmed: bool = False
    #: The weight as typed in pounds, when it was (the kilograms are its conversion).
    weight_entered_lb: Decimal | None = None

    def input_rows(self) -> list[tuple[str, str]]:
        """Return the inputs as (label, value with its unit) rows for display."""
        return input_rows(self.inputs)

    @property
    def stops(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "stop"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "stop"]

    @property
    def is_stopped(self) -> bool:
        return bool(self.stops)

    @property
    def needs_weight_confirmation(self) -> bool:
        """Return True while a flagged weight has not been confirmed by a clinician."""
        return bool(self.weight_findings) and not self.weight_confirmed

    @property
    def is_usable(self) -> bool:
        """Return True when the numbers may be used: no hard stop, no unconfirmed weight."""
        return not self.is_stopped and not self.needs_weight_confirmation

    def weight_rows(self) -> list[tuple[str, str]]:
        """Return the entered weight beside its pounds equivalent, the BMI and the change."""
        check = self.weight_check
        if check is None:
            return []
        if self.weight_entered_lb is not None:
            # The pounds as typed, then the kilograms used: 180 lb = 81.65 kg, not 179.9 lb.
            typed = format(self.weight_entered_lb.normalize(), "f")
            kg = format(dosing.round_half_up(check.weight_kg, 2).normalize(), "f")
            rows = [("Weight entered", f"{typed} lb = {kg} kg")]
        else:
            rows = [
                ("Weight entered", f"{_number(check.weight_kg)} kg = {_number(check.weight_lb)} lb")
            ]
        if check.bmi_kg_per_m2 is not None:
            rows.append(("BMI", f"{_number(check.bmi_kg_per_m2)} kg/m²"))
        if check.previous_weight_kg is not None:
            rows.append(
                (
                    "Last recorded weight",
                    f"{_number(check.previous_weight_kg)} kg = "
                    f"{_number(check.previous_weight_lb)} lb ({_signed_pct(check.change_pct)})",
                )
            )
        return rows

    @property
    def dose_mg(self) -> float | None:
        for calc in (self.infusion, self.injection, self.intranasal):
            if calc is not None:
                return calc.dose_mg
        return None

    @property
    def dosing_weight_kg(self) -> float | None:
        calc = self.infusion or self.injection
        return calc.dosing_weight_kg if calc is not None else None

    @property
    def weight_basis(self) -> str:
        calc = self.infusion or self.injection
        return calc.weight_basis if calc is not None else "actual"

    @property
    def weight_formula(self) -> str:
        calc = self.infusion or self.injection
        if calc is not None:
            return calc.weight_formula
        return "fixed intranasal dose; weight not used"

    def rows(self) -> list[tuple[str, str]]:
        """Return (label, value with unit) rows for display, every quantity side by side."""
        if self.infusion is not None:
            shown = self.infusion.as_display()
            return [
                ("Dose", shown["dose"]),
                ("Dose per kg", shown["dose_per_kg"]),
                ("Dose rate", shown["dose_rate"]),
                ("Dose rate per kg", shown["dose_rate_per_kg"]),
                (
                    "Draw from vial",
                    f"{shown['draw_volume']} of {self.infusion.vial_mg_per_ml:g} mg/mL",
                ),
                ("Withdraw from bag first", shown["withdraw_volume"]),
                ("Final volume", shown["final_volume"]),
                ("Final concentration", shown["final_concentration"]),
                ("Pump rate", shown["pump_rate"]),
                ("VTBI", shown["vtbi"]),
                ("Duration", f"{self.infusion.duration_min:g} min"),
                ("Dosing weight", shown["dosing_weight"]),
            ]
        if self.injection is not None:
            calc = self.injection
            return [
                ("Dose", f"{dosing.round_half_up(calc.dose_mg, 2).normalize():f} mg"),
                (
                    "Dose per kg",
                    f"{dosing.round_half_up(calc.dose_mg_per_kg, 3).normalize():f} mg/kg",
                ),
                (
                    "Draw from vial",
                    f"{dosing.round_half_up(calc.draw_volume_ml, 2).normalize():f} mL of "
                    f"{calc.vial_mg_per_ml:g} mg/mL",
                ),
                (
                    "Dosing weight",
                    f"{dosing.round_half_up(calc.dosing_weight_kg, 1).normalize():f} kg",
                ),
            ]
        if self.intranasal is not None:
            nasal = self.intranasal
            return [
                ("Dose", f"{nasal.dose_mg:g} mg"),
                ("Devices", f"{nasal.devices} × {nasal.device_mg:g} mg (5 min between devices)"),
            ]
        return []


def _stop_result(
    result: SessionResult, exc: Exception, protocol: Protocol | None, dose_field: str
) -> SessionResult:
    if isinstance(exc, dosing.DoseStop):
        result.infusion = exc.calculation
    result.findings = [
        Finding.of(w, protocol=protocol, dose_field=dose_field)
        for w in exc.warnings  # type: ignore[attr-defined]
    ]
    return result


def calculate_session(
    *,
    route: str,
    inputs: dosing.DoseInputs,
    limits: DoseLimits,
    protocol: Protocol | None = None,
    age_years: float | None = None,
    is_first_dose: bool = False,
    previous_weight_kg: float | None = None,
    weight_confirmed: bool = False,
) -> SessionResult:
    """Return the session's calculation; hard stops come back as findings, not numbers to use.

    ``inputs`` is checked here, once, for every surface (``DoseInputs.check``), and so is the
    entered weight, on every route: its plausible range, its BMI when the height is known and
    its change from ``previous_weight_kg`` (the patient's last recorded weight). A flagged
    weight comes back as ``weight_findings``; until ``weight_confirmed`` the numbers are not
    to be used (``is_usable``). Raises `dosing.InvalidDoseInput` (naming every bad field)
    for input that cannot be calculated.
    """
    inputs.check(route)
    dose_field = inputs.dose_forms_given[0]
    result = SessionResult(
        route=route,
        inputs={k: v for k, v in {"route": route, **asdict(inputs)}.items() if v is not None},
        weight_confirmed=weight_confirmed,
    )
    if inputs.weight_kg is not None:
        check = dosing.check_weight(
            inputs.weight_kg,
            height_cm=inputs.height_cm,
            previous_weight_kg=previous_weight_kg,
            limits=limits,
        )
        basis = weight_check_inputs(check)
        result.weight_check = check
        result.weight_findings = [Finding.of(w, inputs=basis) for w in check.findings]
    try:
        if route == "intranasal":
            result.intranasal = _intranasal(inputs, protocol, age_years, is_first_dose)
            result.findings = [
                Finding.of(w, protocol=protocol, dose_field=dose_field)
                for w in result.intranasal.warnings
            ]
        elif route == "im":
            result.injection = regimens.calculate_im_injection(
                weight_kg=_given(inputs.weight_kg),
                vial_mg_per_ml=_given(inputs.vial_mg_per_ml),
                dose_mg_per_kg=inputs.dose_mg_per_kg,
                dose_mg=inputs.dose_mg,
                weight_basis=inputs.weight_basis,
                height_cm=inputs.height_cm,
                sex=inputs.sex,
                limits=limits,
            )
            result.findings = [
                Finding.of(w, protocol=protocol, dose_field=dose_field)
                for w in result.injection.warnings
            ]
        else:
            result.infusion = dosing.calculate_infusion(
                weight_kg=_given(inputs.weight_kg),
                dose_mg_per_kg=inputs.dose_mg_per_kg,
                dose_mg=inputs.dose_mg,
                dose_mg_per_kg_per_h=inputs.dose_mg_per_kg_per_h,
                dose_mg_per_h=inputs.dose_mg_per_h,
                duration_min=_given(inputs.duration_min),
                vial_mg_per_ml=_given(inputs.vial_mg_per_ml),
                bag_volume_ml=_given(inputs.bag_volume_ml),
                withdraw_equal_volume=inputs.withdraw_equal_volume,
                weight_basis=inputs.weight_basis,
                height_cm=inputs.height_cm,
                sex=inputs.sex,
                limits=limits,
            )
            result.findings = [
                Finding.of(w, protocol=protocol, dose_field=dose_field)
                for w in result.infusion.warnings
            ]
    except (dosing.DoseStop, regimens.RegimenStop) as exc:
        return _stop_result(result, exc, protocol, dose_field)
    return result


def _intranasal(
    inputs: dosing.DoseInputs,
    protocol: Protocol | None,
    age_years: float | None,
    is_first_dose: bool,
) -> regimens.IntranasalCalculation:
    """Return the esketamine dose with the protocol's device limits, else the label's [18]."""
    return regimens.calculate_intranasal(
        dose_mg=_given(inputs.dose_mg),
        device_mg=_f(protocol.device_mg) or ESKETAMINE.device_mg
        if protocol
        else ESKETAMINE.device_mg,
        max_dose_mg=_f(protocol.max_dose_mg) if protocol else ESKETAMINE.max_dose_mg,
        age_years=age_years,
        older_adult_age_years=(
            _f(protocol.older_adult_age_years) if protocol else ESKETAMINE.older_adult_age_years
        ),
        older_adult_start_dose_mg=(
            _f(protocol.older_adult_start_dose_mg)
            if protocol
            else ESKETAMINE.older_adult_start_dose_mg
        ),
        is_first_dose=is_first_dose,
    )


def _given(value: float | None) -> float:
    """Return a value that ``DoseInputs.check`` has already required for this route."""
    assert value is not None
    return value


# --- the plan's schedule against its protocol's frequency limits ---------------------------

#: Planned sessions are placed at 09:00 on their day.
PLANNED_SESSION_HOUR = 9

#: Every frequency rule -> what it says, and the protocol field that sets it.
FREQUENCY_RULES: dict[str, tuple[str, str]] = {
    "interval_below_minimum": ("Minimum interval between sessions (h)", "min_interval_h"),
    "too_many_sessions_in_7_days": ("Maximum sessions in any 7 days", "max_sessions_per_7_days"),
    "course_longer_than_limit": ("Course length limit (days)", "course_max_days"),
}


def planned_session_times(
    *,
    planned_sessions: int,
    sessions_per_week: Decimal | float,
    start_date: dt.date,
    tz: dt.tzinfo = dt.UTC,
) -> list[dt.datetime]:
    """Return the planned sessions' start times: spread evenly from the first, at 09:00."""
    offsets = regimens.planned_session_offsets_days(planned_sessions, float(sessions_per_week))
    start = dt.datetime.combine(start_date, dt.time(PLANNED_SESSION_HOUR), tz)
    return [start + dt.timedelta(days=d) for d in offsets]


def age_stop(age_years: int | None, *, min_age_years: int) -> Finding | None:
    """Return the calculator's hard stop for an age below the clinic's minimum, or None.

    ``min_age_years`` is ``DosingSettings.min_patient_age_years`` (default 18: esketamine is
    approved for adults [18][19]). The calculator stores nothing and takes no override; a
    plan for a younger patient needs a physician's recorded override.
    """
    if age_years is None or age_years >= min_age_years:
        return None
    return Finding(
        code="age_below_minimum",
        message=(
            f"{age_years} years is younger than the clinic's minimum age of {min_age_years} "
            "years for ketamine or esketamine; a plan for this patient needs a physician's "
            "override with a reason."
        ),
        severity="stop",
        rule=f"Minimum patient age, {min_age_years} years (clinic setting)",
        source="clinic setting; esketamine is approved for adults [18][19]",
        inputs={"age": f"{age_years} years", "minimum age": f"{min_age_years} years"},
        field="age_years",
    )


def frequency_findings(
    *,
    protocol_values: Mapping[str, Any],
    planned_sessions: int,
    sessions_per_week: Decimal | float,
    start_date: dt.date,
) -> list[Finding]:
    """Return one finding per frequency rule the planned schedule breaks, with its basis.

    ``protocol_values`` is a protocol snapshot (`services.protocol_snapshot`): a signed plan
    is judged by the protocol it was written against. The schedule is laid out in UTC, so
    daylight-saving changes never shorten a planned gap. Each finding has severity
    "override": signing needs a recorded override with a reason.
    """
    times = planned_session_times(
        planned_sessions=planned_sessions,
        sessions_per_week=sessions_per_week,
        start_date=start_date,
    )
    min_interval_h = float(protocol_values.get("min_interval_h") or 0)
    most_per_week = int(protocol_values.get("max_sessions_per_7_days") or 7)
    course_max_days = protocol_values.get("course_max_days")
    found = exposure.frequency_rule_findings(
        times,
        min_interval_h=min_interval_h,
        max_sessions_per_7_days=most_per_week,
        course_max_days=int(course_max_days) if course_max_days else None,
    )
    source = (
        f"protocol “{protocol_values.get('name', '')}” setting "
        f"({protocol_values.get('source_keys', '')})"
    )
    schedule = {
        "planned sessions": str(planned_sessions),
        "sessions per week": _number(float(sessions_per_week), 2),
        "first session": f"{start_date:%Y-%m-%d}",
        "last session": f"{times[-1]:%Y-%m-%d}",
    }
    limits = {
        "interval_below_minimum": f"at least {min_interval_h:g} h apart",
        "too_many_sessions_in_7_days": f"at most {most_per_week} in any 7 days",
        "course_longer_than_limit": f"all within {course_max_days} days",
    }
    results = {
        "interval_below_minimum": lambda f: f"shortest gap {f.worst:.0f} h",
        "too_many_sessions_in_7_days": lambda f: f"up to {f.worst:g} in 7 days",
        "course_longer_than_limit": lambda f: f"span {f.worst:g} days",
    }
    return [
        Finding(
            code=f.code,
            message=f.message,
            severity="override",
            rule=FREQUENCY_RULES[f.code][0],
            source=source,
            inputs={
                **schedule,
                "protocol limit": limits[f.code],
                "planned": results[f.code](f),
                "sessions breaking it": str(f.breaches),
            },
        )
        for f in found
    ]
