"""Demo intakes (fictional): the first portal patient is halfway through, the second has
submitted theirs, so the demo shows the patient's "continue" card, the staff list with what is
missing, and a submitted intake ready for the physician's review."""

from __future__ import annotations

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.intake import sections, services
from infusionist.intake.models import IntakePacket
from infusionist.patients.models import Patient


def _contacts(patient: Patient) -> dict[str, str]:
    return {
        "preferred_name": patient.preferred_name,
        "phone": str(patient.phone or "+15415550100"),
        "email": patient.email,
        "address_line1": patient.address_line1 or "14 Alder Lane",
        "address_line2": patient.address_line2,
        "city": patient.city or "Eugene",
        "state": patient.state or "OR",
        "postal_code": patient.postal_code or "97401",
        "emergency_contact_name": patient.emergency_contact_name or "Robin Demo-Contact",
        "emergency_contact_relationship": patient.emergency_contact_relationship or "partner",
        "emergency_contact_phone": str(patient.emergency_contact_phone or "+15415550188"),
    }


HALF_DONE = {
    "psychiatric": {
        "conditions": ["ptsd"],
        "none": False,
        "diagnoses": "Major depressive disorder; PTSD",
        "hospitalizations": 1,
        "substance_details": "",
        "prior_ketamine_details": "",
    },
    "antidepressant_trials": {
        "trials": [
            {
                "drug": "sertraline",
                "daily_dose_mg": 150,
                "duration_weeks": 10,
                "adequate": True,
                "response": "none",
                "current_episode": True,
            },
            {
                "drug": "bupropion",
                "daily_dose_mg": 300,
                "duration_weeks": "about 6",  # typed as words: kept, and pointed out
                "adequate": None,
                "response": "partial",
                "current_episode": True,
            },
        ],
        "none": False,
    },
}
SUBMITTED = {
    "psychiatric": {
        "conditions": [],
        "none": True,
        "diagnoses": "Major depressive disorder, recurrent",
        "hospitalizations": 0,
        "substance_details": "A glass of wine at weekends",
        "prior_ketamine_details": "",
    },
    "antidepressant_trials": {
        "trials": [
            {
                "drug": "escitalopram",
                "daily_dose_mg": 20,
                "duration_weeks": 12,
                "adequate": True,
                "response": "none",
                "current_episode": True,
            },
            {
                "drug": "venlafaxine",
                "daily_dose_mg": 225,
                "duration_weeks": 8,
                "adequate": True,
                "response": "partial",
                "current_episode": True,
            },
        ],
        "none": False,
    },
    "medical": {
        "conditions": ["hypertension"],
        "none": False,
        "systolic_mmhg": 134,
        "diastolic_mmhg": 86,
        "pregnant": None,
        "breastfeeding": None,
        "other": "",
    },
    "medications": {
        "items": [
            {"name": "lisinopril", "dose_mg": 10, "times_per_day": 1},
            {"name": "lorazepam", "dose_mg": 0.5, "times_per_day": 2},
        ],
        "none": False,
    },
    "allergies": {"items": [{"substance": "penicillin", "reaction": "rash"}], "none_known": False},
    "body": sections.body_from_typed(units="us", height_ft="5", height_in="9", weight_lb="182"),
}


def seed_intake(*, organization: Organization, staff: dict[str, User]) -> list[Patient]:
    """Give the first portal patient a half-finished intake and the second a submitted one;
    idempotent (a patient who already has a packet is left alone). Return the two patients."""
    patients = list(
        Patient.objects.filter(organization=organization, user__isnull=False).order_by("id")[:2]
    )
    for number, patient in enumerate(patients):
        if IntakePacket.objects.filter(patient=patient).exists() or patient.user is None:
            continue
        own = patient.user
        services.intake_section_save(
            patient=patient, actor=own, code="contacts", answers=_contacts(patient)
        )
        answers = HALF_DONE if number == 0 else SUBMITTED
        for code, section_answers in answers.items():
            # The front desk typed the medicines in from a list the patient brought.
            actor = staff[Role.FRONT_DESK] if code == "medications" else own
            services.intake_section_save(
                patient=patient, actor=actor, code=code, answers=section_answers
            )
        if number == 1:
            services.intake_submit(patient=patient, actor=own)
    return patients
