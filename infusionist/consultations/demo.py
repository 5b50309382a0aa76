"""Fictional consultations and an eligibility decision for the demo clinic (seed_demo).

Two new patients, after those with plans and questionnaires: one with a submitted intake and
a telehealth consultation scheduled for tomorrow (waiting on the physician's Today), one
seen by video last week and approved by the physician. None of it is real.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.consultations import selectors, services
from infusionist.consultations.models import Consultation, EligibilityDecision
from infusionist.intake.models import IntakePacket
from infusionist.intake.selectors import patient_facts
from infusionist.patients.models import Patient

#: Which demo patients (by registration order) this seeds: after the plans and questionnaires.
FIRST_PATIENT_INDEX = 10
DEMO_NOTE = "Demo decision (fictional): history reviewed with the patient by video."


def _answers(*, systolic_mmhg: int, trials: tuple[str, ...]) -> dict[str, Any]:
    """Fictional intake answers in the packet's shape (``intake/facts.py``)."""
    return {
        "psychiatric": {"conditions": []},
        "medical": {
            "conditions": [],
            "systolic_mmhg": systolic_mmhg,
            "diastolic_mmhg": 78,
            "pregnant": False,
            "breastfeeding": False,
        },
        "antidepressant_trials": {
            "trials": [
                {
                    "drug": drug,
                    "daily_dose_mg": dose,
                    "duration_weeks": 8,
                    "adequate": True,
                    "response": "none",
                    "current_episode": True,
                }
                for drug, dose in zip(trials, (150, 300, 225), strict=False)
            ]
        },
        "medications": {"items": [{"name": "sertraline", "dose_mg": 150, "times_per_day": 1}]},
    }


def _packet(patient: Patient, answers: dict[str, Any], *, submitted_days_ago: int) -> None:
    """Give ``patient`` a submitted demo intake unless they already have one."""
    if IntakePacket.objects.filter(patient=patient).exists():
        return
    _facts, digest = patient_facts(patient=patient, answers=answers)
    submitted = timezone.now() - dt.timedelta(days=submitted_days_ago)
    IntakePacket.objects.create(
        organization_id=patient.organization_id,
        patient=patient,
        answers=answers,
        completed_sections=[code for code, _label in selectors.INTAKE_SECTIONS],
        facts_sha256=digest,
        created_at=submitted - dt.timedelta(days=1),
        updated_at=submitted,
        submitted_at=submitted,
    )


def seed_consultations(*, organization: Organization, staff: dict[str, User]) -> int:
    """Seed one scheduled telehealth consultation and one approved patient; idempotent.

    Returns how many consultations were made.
    """
    patients = list(
        Patient.objects.filter(organization=organization).order_by("id")[
            FIRST_PATIENT_INDEX : FIRST_PATIENT_INDEX + 2
        ]
    )
    if len(patients) < 2:
        return 0
    waiting, approved = patients
    physician = staff[Role.PHYSICIAN]
    made = 0
    _packet(
        waiting,
        _answers(systolic_mmhg=126, trials=("sertraline", "bupropion")),
        submitted_days_ago=1,
    )
    if not Consultation.objects.filter(patient=waiting).exists():
        tomorrow = timezone.localtime() + dt.timedelta(days=1)
        services.consultation_schedule(
            patient=waiting,
            actor=staff[Role.FRONT_DESK],
            physician=physician,
            modality=Consultation.Modality.TELEHEALTH_VIDEO,
            scheduled_at=tomorrow.replace(hour=10, minute=0, second=0, microsecond=0),
            notes="Demo (fictional): video link sent by e-mail.",
        )
        made += 1
    _packet(
        approved,
        _answers(systolic_mmhg=122, trials=("escitalopram", "bupropion", "venlafaxine")),
        submitted_days_ago=9,
    )
    if not Consultation.objects.filter(patient=approved).exists():
        # Held last week: written as it stands (the service records "held" only as it happens).
        Consultation.objects.create(
            organization=organization,
            patient=approved,
            physician=physician,
            modality=Consultation.Modality.TELEHEALTH_VIDEO,
            scheduled_at=timezone.now() - dt.timedelta(days=7),
            status=Consultation.Status.HELD,
            held_at=timezone.now() - dt.timedelta(days=7),
            notes="Demo (fictional): history, medicines and risks discussed by video.",
            created_by=staff[Role.FRONT_DESK],
            updated_by=physician,
        )
        made += 1
    if not EligibilityDecision.objects.filter(patient=approved).exists():
        review = selectors.eligibility_review(patient=approved)
        result = review.result
        stopped = result is None or bool(result.hard_stops)
        services.eligibility_decision_sign(
            patient=approved,
            signer=physician,
            outcome=(
                EligibilityDecision.Outcome.DEFERRED
                if stopped
                else EligibilityDecision.Outcome.APPROVED
            ),
            note=DEMO_NOTE,
            overrides={
                check.code: "Demo (fictional): discussed at the consultation; benefit "
                "outweighs the risk."
                for check in (result.needs_override if result else ())
            },
            password=settings.DEMO_PASSWORD,
            attested=True,
        )
    return made
