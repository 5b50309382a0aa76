"""The pre-infusion gate: one call that gathers every condition before the dose.

``visit_gate(visit=)`` asks the patient-level gate (``readiness.gates.infusion_readiness``:
questionnaire safety, eligibility, consent), the signed order (``treatment``), the
questionnaires due before a session (``measurements``), and the visit's own pre-infusion
checks: baseline vital signs within the clinic's limits [27], fasting as the drug's rule asks
([18] for esketamine; a clinic setting for ketamine [?]), an escort's name and phone (the label
asks that outpatients leave with a responsible adult [22][40]), pregnancy status where it
applies (esketamine is not for use in pregnancy [29]; pregnancy is a relative
contraindication to ketamine [21]) and today's weight with the dose recalculated on it (a
change above the clinic's percentage is flagged [?]).

Each condition says its rule, its source keys and the inputs it read, so a clinician can
check it. A failed condition is a hard stop unless a physician overrides it with a reason
(``GateOverride``); an override holds only while the condition's inputs are unchanged, so a
new blood pressure after an override is judged again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from infusionist.contact import phone_normalize
from infusionist.infusions.models import ChartSettings, GateOverride, Visit, VitalSign
from infusionist.infusions.selectors import baseline_vital, chart_settings_for, visit_zone
from infusionist.lib import dosing
from infusionist.measurements.selectors import pre_infusion_questionnaires
from infusionist.patients.models import Patient
from infusionist.readiness.gates import infusion_readiness
from infusionist.treatment.models import TreatmentPlanVersion
from infusionist.treatment.selectors import current_plan_version

__all__ = [
    "VisitCheck",
    "VisitGate",
    "fasting_rule",
    "pregnancy_applies",
    "recalculated_dose",
    "visit_gate",
]

#: Phases in which the gate's answer still matters (before the dose).
GATE_PHASES = frozenset({Visit.Phase.CHECKED_IN, Visit.Phase.PRE_CHECKS})

#: The sources of the patient-level checks the readiness gate answers.
_READINESS_SOURCES = {"questionnaire_safety": "[63][57]", "eligibility": "", "consent": ""}


@dataclass(frozen=True)
class VisitCheck:
    """One condition: ``code``, ``title``, whether it ``passed``, the ``reasons`` it does not
    (plain sentences), a ``summary`` when it passed, its basis (``rule`` in words,
    ``source_keys`` such as "[27]", the ``inputs`` it read as label -> value text), where staff
    resolve it (``fix_url``, "" when it is resolved on the chart itself) and the physician's
    override that lets it pass (``override``: who, when, why) when one holds."""

    code: str
    title: str
    passed: bool
    reasons: tuple[str, ...]
    summary: str
    rule: str
    source_keys: str
    inputs: dict[str, str] = field(default_factory=dict)
    fix_url: str = ""
    override: GateOverride | None = None
    overridable: bool = True

    @property
    def satisfied(self) -> bool:
        """True when the condition passed or a physician's override of it holds."""
        return self.passed or self.override is not None


@dataclass(frozen=True)
class VisitGate:
    """Every condition, in the order staff resolve them; ``ready`` when each is satisfied."""

    checks: tuple[VisitCheck, ...]

    @property
    def ready(self) -> bool:
        return all(check.satisfied for check in self.checks)

    @property
    def blocking(self) -> tuple[VisitCheck, ...]:
        return tuple(check for check in self.checks if not check.satisfied)

    def as_json(self) -> list[dict[str, Any]]:
        """Return the checks as JSON-ready values (stored with the visit when the dose starts)."""
        return [
            {
                "code": c.code,
                "title": c.title,
                "passed": c.passed,
                "overridden": c.override is not None,
                "override_reason": c.override.reason if c.override else "",
                "reasons": list(c.reasons),
                "rule": c.rule,
                "source_keys": c.source_keys,
                "inputs": c.inputs,
            }
            for c in self.checks
        ]


def _check(
    code: str,
    title: str,
    *,
    reasons: tuple[str, ...] | list[str],
    summary: str,
    rule: str,
    source_keys: str,
    inputs: dict[str, str],
    fix_url: str = "",
) -> VisitCheck:
    reasons = tuple(reasons)
    return VisitCheck(
        code=code,
        title=title,
        passed=not reasons,
        reasons=reasons,
        summary=summary,
        rule=rule,
        source_keys=source_keys,
        inputs=inputs,
        fix_url=fix_url,
    )


def pregnancy_applies(patient: Patient) -> bool:
    """True unless the patient's sex at birth is male (then pregnancy status is not asked)."""
    return patient.sex_at_birth != Patient.SexAtBirth.MALE


def fasting_rule(drug: str, settings: ChartSettings) -> tuple[int, int, str]:
    """Return (no food minutes, no liquids minutes, source keys) before a dose of ``drug``."""
    if drug == "esketamine":
        return (
            settings.esketamine_fasting_food_min,
            settings.esketamine_fasting_liquids_min,
            ChartSettings.SOURCES["esketamine_fasting_food_min"],
        )
    return (
        settings.fasting_food_min,
        settings.fasting_liquids_min,
        ChartSettings.SOURCES["fasting_food_min"],
    )


def _minutes_text(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("" if hours == 1 else "s")
    return f"{minutes} minutes"


def recalculated_dose(
    version: TreatmentPlanVersion, weight_today_kg: Decimal
) -> tuple[Decimal, str]:
    """Return the session dose (mg) the order gives on today's weight, and how it was found.

    Weight-based orders (mg/kg, mg/kg/h) scale with the dosing weight, found with the order's
    own basis and formula (actual, ideal or adjusted [9]); a fixed dose (mg, mg/h) does not
    change. Raises ``dosing.DoseError`` when the order's basis cannot be computed.
    """
    ordered = Decimal(version.session_dose_mg)
    if version.dose_mg_per_kg is None and version.dose_mg_per_kg_per_h is None:
        return ordered, "a fixed dose does not change with weight"
    weight = dosing.dosing_weight(
        float(weight_today_kg),
        version.weight_basis,  # type: ignore[arg-type]
        float(version.height_cm) if version.height_cm is not None else None,
        version.sex or None,  # type: ignore[arg-type]
    )
    on_order = Decimal(version.dosing_weight_kg)
    today = Decimal(str(round(weight.kg, 2)))
    dose = (ordered * today / on_order).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return dose, f"{ordered} mg × {today} kg ÷ {on_order} kg dosing weight ({weight.formula})"


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _readiness_checks(patient: Patient) -> list[VisitCheck]:
    readiness = infusion_readiness(patient=patient)
    return [
        VisitCheck(
            code=check.code,
            title=check.title,
            passed=check.passed,
            reasons=check.reasons,
            summary=check.summary,
            rule=check.title,
            source_keys=_READINESS_SOURCES.get(check.code, ""),
            inputs={},
            fix_url=check.fix_url,
        )
        for check in readiness.checks
    ]


def _order_check(visit: Visit, version: TreatmentPlanVersion | None, used: int) -> VisitCheck:
    inputs: dict[str, str] = {}
    reasons: list[str] = []
    if version is None:
        reasons.append("There is no signed treatment order for this patient.")
    else:
        inputs = {
            "Order": f"version {version.number}, signed "
            + date_format(timezone.localtime(version.signed_at, visit_zone(visit)), "DATE_FORMAT")
            if version.signed_at
            else f"version {version.number}",
            "Dose per session": f"{version.session_dose_mg} mg",
            "Route": version.get_route_display(),
            "Sessions given / ordered": f"{used} / {version.planned_sessions}",
        }
        if visit.plan_version_id and visit.plan_version_id != version.pk:
            reasons.append(
                f"The order changed after check-in (now version {version.number}): check the "
                "patient in again to chart on the current order."
            )
        if used >= version.planned_sessions:
            reasons.append(
                f"The order's {version.planned_sessions} sessions have all been given; the "
                "physician must sign a new order."
            )
    check = _check(
        "signed_order",
        "Signed treatment order",
        reasons=reasons,
        summary="A signed order covers this session.",
        rule="A physician's signed treatment order with sessions left.",
        source_keys="",
        inputs=inputs,
        fix_url=reverse("treatment:plan_detail", args=[visit.patient_id]),
    )
    if version is None or (visit.plan_version_id and visit.plan_version_id != version.pk):
        # Without an order (or on an outdated one) there is no dose to give: no override.
        return dataclasses.replace(check, overridable=False)
    return check


def _questionnaire_check(visit: Visit, settings: ChartSettings, now: dt.datetime) -> VisitCheck:
    window = pre_infusion_questionnaires(
        patient=visit.patient, at=now, window_hours=settings.questionnaire_window_hours
    )
    inputs = {
        code.upper(): "completed "
        + date_format(timezone.localtime(at, visit_zone(visit)), "DATETIME_FORMAT")
        for code, at in window.completed.items()
    }
    inputs.update({code.upper(): "not completed in the window" for code in window.missing})
    reasons = []
    if window.missing:
        names = ", ".join(code.upper() for code in window.missing)
        reasons.append(
            f"Not completed in the last {window.window_hours} hours: {names}. The patient can "
            "fill it in now on the clinic's tablet."
        )
    return _check(
        "questionnaire_window",
        "Questionnaires before the session",
        reasons=reasons,
        summary=f"Completed within the last {window.window_hours} hours.",
        rule=(
            f"Each questionnaire the clinic sends on schedule completed within "
            f"{window.window_hours} hours before the session."
        ),
        source_keys=ChartSettings.SOURCES["questionnaire_window_hours"],
        inputs=inputs,
        fix_url=reverse("measurements:patient", args=[visit.patient_id]),
    )


def _baseline_check(visit: Visit, settings: ChartSettings) -> VisitCheck:
    reading: VitalSign | None = baseline_vital(visit=visit)
    limit = f"{settings.pre_systolic_max_mmhg}/{settings.pre_diastolic_max_mmhg} mmHg"
    inputs = {"Limit": f"at most {limit}"}
    reasons = []
    if reading is None:
        reasons.append("Record the baseline vital signs (blood pressure at least) before the dose.")
    else:
        bp = f"{reading.systolic_mmhg}/{reading.diastolic_mmhg} mmHg"
        inputs["Baseline"] = (
            f"{bp} at {timezone.localtime(reading.measured_at, visit_zone(visit)):%H:%M}"
        )
        if reading.heart_rate_per_min is not None:
            inputs["Heart rate"] = f"{reading.heart_rate_per_min} /min"
        if reading.spo2_pct is not None:
            inputs["SpO2"] = f"{reading.spo2_pct}%"
        assert reading.systolic_mmhg is not None and reading.diastolic_mmhg is not None
        if (
            reading.systolic_mmhg > settings.pre_systolic_max_mmhg
            or reading.diastolic_mmhg > settings.pre_diastolic_max_mmhg
        ):
            reasons.append(
                f"Baseline blood pressure {bp} is above the clinic's limit of {limit}: "
                "recheck after rest, or a physician decides."
            )
        if reading.spo2_pct is not None and reading.spo2_pct < settings.spo2_min_pct:
            reasons.append(f"Baseline SpO2 {reading.spo2_pct}% is below {settings.spo2_min_pct}%.")
    return _check(
        "baseline_vitals",
        "Baseline vital signs",
        reasons=reasons,
        summary=f"Baseline blood pressure within {limit}.",
        rule=f"Blood pressure before the dose at most {limit}.",
        source_keys=ChartSettings.SOURCES["pre_systolic_max_mmhg"],
        inputs=inputs,
    )


def _fasting_check(visit: Visit, settings: ChartSettings) -> VisitCheck:
    food_min, liquids_min, sources = fasting_rule(visit.drug, settings)
    if not food_min and not liquids_min:
        return _check(
            "fasting",
            "Fasting",
            reasons=(),
            summary="The clinic asks no fasting before this drug.",
            rule="No fasting asked.",
            source_keys=sources,
            inputs={},
        )
    rule = (
        f"No food for {_minutes_text(food_min)} and no liquids for "
        f"{_minutes_text(liquids_min)} before the dose."
    )
    inputs = {"Confirmed": "yes" if visit.fasting_confirmed else "not yet"}
    if visit.fasting_note:
        inputs["Note"] = visit.fasting_note
    reasons = [] if visit.fasting_confirmed else [f"Confirm with the patient: {rule}"]
    return _check(
        "fasting",
        "Fasting",
        reasons=reasons,
        summary="Fasting confirmed.",
        rule=rule,
        source_keys=sources,
        inputs=inputs,
    )


def _escort_check(visit: Visit) -> VisitCheck:
    reasons = []
    if not visit.escort_name.strip():
        reasons.append("Record the name of the adult who will take the patient home.")
    phone_ok = bool(visit.escort_phone) and bool(_normalized(visit.escort_phone))
    if not phone_ok:
        reasons.append("Record the escort's phone number.")
    return _check(
        "escort",
        "Escort home",
        reasons=reasons,
        summary=f"{visit.escort_name} will take the patient home.",
        rule="A responsible adult takes the patient home; no driving until the next day.",
        source_keys="[22][40][18]",
        inputs={
            "Escort": visit.escort_name or "not recorded",
            "Phone": visit.escort_phone or "not recorded",
        },
    )


def _normalized(phone: str) -> str:
    try:
        return phone_normalize(phone)
    except Exception:  # noqa: BLE001 - any unreadable number is "not recorded"
        return ""


def _pregnancy_check(visit: Visit) -> VisitCheck:
    if not pregnancy_applies(visit.patient):
        return _check(
            "pregnancy",
            "Pregnancy status",
            reasons=(),
            summary="Not asked (sex at birth: male).",
            rule="Asked of every patient who could be pregnant.",
            source_keys="[29][21]",
            inputs={"Sex at birth": visit.patient.get_sex_at_birth_display()},
        )
    reasons = []
    if not visit.pregnancy:
        reasons.append("Record the pregnancy status.")
    elif visit.pregnancy == Visit.Pregnancy.PREGNANT:
        reasons.append(
            "The patient is or may be pregnant: esketamine is not for use in pregnancy and "
            "pregnancy is a relative contraindication to ketamine. A physician decides."
        )
    return _check(
        "pregnancy",
        "Pregnancy status",
        reasons=reasons,
        summary=f"{visit.get_pregnancy_display()}.",
        rule="Not pregnant, or not applicable, recorded before every dose.",
        source_keys="[29][21]",
        inputs={"Status": visit.get_pregnancy_display() if visit.pregnancy else "not recorded"},
    )


def _weight_check(
    visit: Visit, version: TreatmentPlanVersion | None, settings: ChartSettings
) -> VisitCheck:
    limit = settings.weight_change_max_pct
    inputs: dict[str, str] = {"Flag above": f"{limit}% change"}
    reasons: list[str] = []
    if visit.weight_today_kg is None:
        reasons.append("Weigh the patient and record today's weight in kilograms.")
    else:
        inputs["Today"] = f"{visit.weight_today_kg} kg"
        if version is not None:
            inputs["On the order"] = f"{version.weight_kg} kg"
            change = (
                (Decimal(visit.weight_today_kg) - Decimal(version.weight_kg))
                / Decimal(version.weight_kg)
                * 100
            )
            inputs["Change"] = _pct(change)
            inputs["Ordered dose"] = f"{version.session_dose_mg} mg"
            if visit.recalculated_dose_mg is not None:
                inputs["Dose on today's weight"] = f"{visit.recalculated_dose_mg} mg"
            if abs(change) > limit:
                reasons.append(
                    f"Today's weight differs from the order's by {_pct(change)} (more than "
                    f"{limit}%): the dose on today's weight would be "
                    f"{visit.recalculated_dose_mg} mg against {version.session_dose_mg} mg "
                    "ordered. A physician confirms the dose or signs a new order."
                )
    return _check(
        "weight",
        "Today's weight",
        reasons=reasons,
        summary="Today's weight is within the clinic's limit of the order's.",
        rule=f"Weighed today; a change of more than {limit}% from the order's weight is flagged.",
        source_keys=ChartSettings.SOURCES["weight_change_max_pct"],
        inputs=inputs,
    )


def sessions_given(*, version: TreatmentPlanVersion, exclude_visit_id: int | None) -> int:
    """Return how many sessions were started under ``version``'s plan (any version of it)."""
    qs = Visit.objects.filter(
        patient_id=version.patient_id,
        plan_version__plan_id=version.plan_id,
        infusion_started_at__isnull=False,
    )
    if exclude_visit_id is not None:
        qs = qs.exclude(pk=exclude_visit_id)
    return qs.count()


def visit_gate(*, visit: Visit, now: dt.datetime | None = None) -> VisitGate:
    """Return every pre-infusion condition for ``visit`` with its basis and any override.

    The caller has already checked the user may see the visit. Raises nothing.
    """
    now = now or timezone.now()
    settings = chart_settings_for(organization=visit.organization)
    version = current_plan_version(patient=visit.patient)
    used = sessions_given(version=version, exclude_visit_id=visit.pk) if version is not None else 0
    checks = [
        *_readiness_checks(visit.patient),
        _order_check(visit, version, used),
        _questionnaire_check(visit, settings, now),
        _baseline_check(visit, settings),
        _fasting_check(visit, settings),
        _escort_check(visit),
        _pregnancy_check(visit),
        _weight_check(visit, version, settings),
    ]
    overrides: dict[str, GateOverride] = {}
    for override in GateOverride.objects.filter(visit=visit).select_related("by"):
        overrides[override.code] = override  # the latest per code wins (ordered by time)
    result = []
    for check in checks:
        override = overrides.get(check.code)
        holds = (
            override is not None
            and not check.passed
            and check.overridable
            and override.inputs == override_inputs(check)
        )
        result.append(_with_override(check, override if holds else None))
    return VisitGate(checks=tuple(result))


def override_inputs(check: VisitCheck) -> dict[str, Any]:
    """Return what an override of ``check`` records: it holds while these are unchanged."""
    return {"reasons": list(check.reasons), **check.inputs}


def _with_override(check: VisitCheck, override: GateOverride | None) -> VisitCheck:
    if override is None:
        return check
    return dataclasses.replace(check, override=override)
