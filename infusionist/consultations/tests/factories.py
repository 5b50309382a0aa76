"""Intake packets and a small stand-in eligibility kernel for the consultation tests.

The review and decision logic is tested against a kernel whose rules are known here (one
hard stop, two overridable rules, one information rule), so these tests do not depend on the
clinical rules' wording; ``lib/eligibility``'s own tests cover the rules.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from infusionist.intake.models import IntakePacket
from infusionist.intake.selectors import patient_facts
from infusionist.lib.eligibility import (
    EligibilityLimits,
    EligibilityResult,
    IntakeFacts,
    InvalidFacts,
    RuleCheck,
)
from infusionist.patients.models import Patient

ALL_SECTIONS = [
    "contacts",
    "psychiatric",
    "antidepressant_trials",
    "medical",
    "medications",
    "allergies",
    "body",
    "baseline",
]


def answers(
    *,
    conditions: tuple[str, ...] = (),
    systolic_mmhg: int | None = 128,
    medications: tuple[tuple[str, float, int], ...] = (),
    failed_trials: int = 2,
) -> dict[str, Any]:
    """Return packet answers in the intake's JSON shape (``intake/facts.py``)."""
    psychiatric = [c for c in conditions if c in {"psychosis_active", "ptsd", "bipolar_disorder"}]
    medical = [c for c in conditions if c not in psychiatric]
    return {
        "psychiatric": {"conditions": psychiatric},
        "medical": {
            "conditions": medical,
            "systolic_mmhg": systolic_mmhg,
            "diastolic_mmhg": 80,
            "pregnant": False,
            "breastfeeding": False,
        },
        "antidepressant_trials": {
            "trials": [
                {
                    "drug": drug,
                    "daily_dose_mg": 150,
                    "duration_weeks": 8,
                    "adequate": True,
                    "response": "none",
                    "current_episode": True,
                }
                for drug in ("sertraline", "bupropion", "venlafaxine")[:failed_trials]
            ]
        },
        "medications": {
            "items": [
                {"name": name, "dose_mg": dose, "times_per_day": times}
                for name, dose, times in medications
            ]
        },
    }


def packet_save(
    patient: Patient,
    data: dict[str, Any],
    *,
    submitted: bool = True,
    completed: list[str] | None = None,
) -> IntakePacket:
    """Create or replace ``patient``'s intake packet with ``data``, its digest kept in step."""
    digest = patient_facts(patient=patient, answers=data)[1]
    packet, _ = IntakePacket.objects.update_or_create(
        patient=patient,
        defaults={
            "organization_id": patient.organization_id,
            "answers": data,
            "completed_sections": ALL_SECTIONS if completed is None else completed,
            "facts_sha256": digest,
            "updated_at": timezone.now(),
            "submitted_at": timezone.now() if submitted else None,
        },
    )
    return packet


def fake_evaluate(facts: IntakeFacts, limits: EligibilityLimits | None = None) -> EligibilityResult:
    """A stand-in kernel: psychosis now is a hard stop; blood pressure above the limit and
    bladder symptoms need an override; lamotrigine is information."""
    limits = limits or EligibilityLimits()
    if "unknown_condition" in facts.conditions:
        raise InvalidFacts("conditions", "unknown condition code unknown_condition")
    sbp = facts.systolic_mmhg
    high = sbp is not None and sbp > limits.max_systolic_mmhg
    names = {m.name.lower() for m in facts.medications}
    lorazepam = sum(
        (m.daily_dose_mg or 0) * 5 for m in facts.medications if m.name.lower() == "lorazepam"
    )
    failed = sum(
        1 for t in facts.antidepressant_trials if t.adequate and t.response in ("none", "partial")
    )
    checks = (
        RuleCheck(
            "psychosis_active",
            "Psychosis now",
            "stop",
            "psychosis_active" in facts.conditions,
            "Active psychosis: ketamine can worsen it."
            if "psychosis_active" in facts.conditions
            else "No active psychosis reported.",
            ("22",),
            {"psychosis_active": "psychosis_active" in facts.conditions},
        ),
        RuleCheck(
            "blood_pressure_high",
            "Blood pressure above the clinic's limit",
            "override",
            high,
            f"Systolic {sbp} mmHg is above {limits.max_systolic_mmhg} mmHg."
            if high
            else "Blood pressure within the limit.",
            ("27",),
            {"systolic_mmhg": sbp, "max_systolic_mmhg": limits.max_systolic_mmhg},
        ),
        RuleCheck(
            "bladder_symptoms",
            "Bladder or urinary symptoms",
            "override",
            "bladder_symptoms" in facts.conditions,
            "Bladder symptoms reported."
            if "bladder_symptoms" in facts.conditions
            else "No bladder symptoms reported.",
            ("22",),
            {"bladder_symptoms": "bladder_symptoms" in facts.conditions},
        ),
        RuleCheck(
            "lamotrigine",
            "Lamotrigine",
            "info",
            "lamotrigine" in names,
            "Takes lamotrigine." if "lamotrigine" in names else "No lamotrigine.",
            ("?",),
            {"medications": sorted(names)},
        ),
    )
    return EligibilityResult(
        checks=checks,
        diazepam_equivalent_mg_per_day=float(lorazepam),
        treatment_resistant=failed >= limits.min_failed_adequate_trials,
        failed_adequate_trials=failed,
    )
