"""Fictional measurement histories for the demo clinic (seed_demo). None of it is real."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.measurements import services
from infusionist.measurements.models import Assignment, QuestionnaireResponse
from infusionist.patients.models import Patient

# patient slot -> weekly PHQ-9 totals, oldest first (improving trajectories of induction)
PHQ9_HISTORIES = [
    [21, 17, 12, 9, 7, 5, 4],
    [18, 16, 13, 10, 8, 8],
    [24, 22, 19, 14, 11, 9, 7, 6],
    [16, 15, 15, 13, 12],
    [19, 11, 8, 12, 14],  # responded, then lost response
    [22, 18, 15, 12],  # the last answer has item 9 = 1: an open safety alert
]
GAD7_HISTORIES = [[15, 12, 9, 6, 5, 4, 3], [12, 11, 9, 8, 6, 6], [17, 15, 13, 10, 8, 7, 6, 5]]
SAFETY_SLOT = 5


def _answers(total: int, items: int, item9: int | None = None) -> dict[str, int]:
    """Return answers 0–3 to ``items`` items summing to ``total`` (PHQ-9 item 9 set apart)."""
    spread = items if item9 is None else items - 1
    base, extra = divmod(total - (item9 or 0), spread)
    answers = {f"q{i}": min(3, base + (1 if i <= extra else 0)) for i in range(1, spread + 1)}
    if item9 is not None:
        answers["q9"] = item9
    return answers


def seed_measurements(
    *, organization: Organization, staff: dict[str, User], now: dt.datetime | None = None
) -> int:
    """Give the first demo patients PHQ-9/GAD-7 histories; return how many were seeded.

    Idempotent: patients who already have questionnaires are left alone.
    """
    now = now or timezone.now()
    services.measurement_settings_ensure(organization=organization)
    nurse = staff[Role.NURSE]
    patients = list(Patient.objects.filter(organization=organization).order_by("id")[:8])
    seeded = 0
    for slot, patient in enumerate(patients[: len(PHQ9_HISTORIES)]):
        if QuestionnaireResponse.objects.filter(patient=patient).exists():
            continue
        services.measurement_profile_ensure(patient=patient)
        history = PHQ9_HISTORIES[slot]
        for week, total in enumerate(history):
            last = week == len(history) - 1
            item9 = 1 if (slot == SAFETY_SLOT and last) else 0
            services.questionnaire_response_submit(
                patient=patient,
                instrument_code="phq9",
                answers=_answers(total, 9, item9=item9),
                source=(
                    QuestionnaireResponse.Source.PATIENT_LINK
                    if week % 3
                    else QuestionnaireResponse.Source.STAFF
                ),
                entered_by=None if week % 3 else nurse,
                actor=None if week % 3 else nurse,
                language=patient.preferred_language,
                completed_at=now - dt.timedelta(days=7 * (len(history) - 1 - week), hours=slot + 2),
            )
        if slot < len(GAD7_HISTORIES):
            gad = GAD7_HISTORIES[slot]
            for week, total in enumerate(gad):
                services.questionnaire_response_submit(
                    patient=patient,
                    instrument_code="gad7",
                    answers=_answers(total, 7),
                    source=QuestionnaireResponse.Source.PATIENT_LINK,
                    language=patient.preferred_language,
                    completed_at=now - dt.timedelta(days=7 * (len(gad) - 1 - week), hours=slot + 1),
                )
        seeded += 1
    # One overdue check-in (the front desk sees it on Today) and one half-finished questionnaire.
    if len(patients) > 7 and not Assignment.objects.filter(patient=patients[6]).exists():
        services.assignment_create_manual(
            patient=patients[6], instrument_code="phq9", actor=nurse, now=now - dt.timedelta(days=4)
        )
        services.questionnaire_response_save(
            patient=patients[7],
            instrument_code="gad7",
            answers={"q1": 2, "q2": 1, "q3": 2},
            source=QuestionnaireResponse.Source.PATIENT_LINK,
        )
    return seeded
