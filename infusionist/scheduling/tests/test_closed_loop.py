"""The closed loop on Today: who lost response or is due maintenance sessions, with free times."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from infusionist.measurements.models import QuestionnaireResponse
from infusionist.measurements.services import questionnaire_response_submit
from infusionist.patients.models import Patient
from infusionist.scheduling import closed_loop, services
from infusionist.scheduling.tests.factories import Bookable, bookable, next_weekday
from infusionist.test import PASSWORD, Cast, clinic_today
from infusionist.treatment import services as treatment_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def b(cast: Cast) -> Bookable:
    return bookable(cast)


def phq9(total: int) -> dict[str, int]:
    """PHQ-9 answers adding up to ``total`` (item 9, about self-harm, always 0)."""
    answers = {f"q{i}": 0 for i in range(1, 10)}
    for i in range(1, 9):
        answers[f"q{i}"] = min(3, total)
        total -= answers[f"q{i}"]
    return answers


def scores(patient: Patient, totals: list[int]) -> None:
    start = timezone.now() - dt.timedelta(days=7 * len(totals))
    for n, total in enumerate(totals):
        questionnaire_response_submit(
            patient=patient,
            instrument_code="phq9",
            answers=phq9(total),
            source=QuestionnaireResponse.Source.PATIENT_LINK,
            completed_at=start + dt.timedelta(days=7 * n),
        )


def maintenance_plan(b: Bookable, patient: Patient, sessions: int = 4) -> None:
    protocol = b.protocols["depression-iv-maintenance"]
    spec = treatment_services.PlanVersionSpec.from_values(
        {
            "protocol": protocol,
            "indication": protocol.indication,
            "phase": "maintenance",
            "planned_sessions": sessions,
            "sessions_per_week": 1,
            "planned_start_date": clinic_today(),
            "dose_mg_per_kg": protocol.dose_mg_per_kg,
            "duration_min": 40,
            "weight_kg": 70,
            "weight_basis": "actual",
            "vial_mg_per_ml": 10,
            "bag_volume_ml": 100,
        }
    )
    draft = treatment_services.plan_version_draft_save(
        patient=patient, actor=b.cast.provider, spec=spec
    )
    treatment_services.plan_version_sign(
        version=draft, signer=b.cast.physician, password=PASSWORD, attested=True
    )


def new_patient(b: Bookable, n: int) -> Patient:
    patient = Patient(
        organization=b.cast.org,
        mrn=f"WTC9{n:05d}",
        legal_first_name=f"Loop{n}",
        legal_last_name="Fictional",
        date_of_birth=dt.date(1980, 1, 1),
        sex_at_birth="female",
    )
    patient.refresh_search_keys()
    patient.save()
    return patient


def test_a_patient_who_lost_response_is_due_with_three_free_chair_times(b: Bookable):
    scores(b.cast.patient, [20, 8, 15, 16])  # responded, then two scores above half
    scores(b.cast.other_patient, [20, 8, 7])  # still responding
    section = closed_loop.closed_loop_today_section(user=b.cast.frontdesk)
    assert section["visible"]
    [row] = section["rows"]
    assert row["patient_id"] == b.cast.patient.pk
    assert row["reasons"] == ["Lost response on PHQ-9"] or "Lost response" in row["reasons"][0]
    assert row["type_name"] == "Ketamine infusion"
    assert len(row["slots"]) == 3
    query = parse_qs(urlparse(row["slots"][0]["url"]).query)
    assert urlparse(row["slots"][0]["url"]).path == f"/schedule/book/{b.cast.patient.pk}/"
    assert query["appointment_type"] == [str(b.types["ketamine-infusion"].pk)]
    assert query["location"] == [str(b.cast.location.pk)]
    assert dt.datetime.fromisoformat(query["start"][0]) == row["slots"][0]["starts_at"]
    html = render_to_string("scheduling/_due_for_booking.html", {"section": section})
    assert "Due for booking" in html
    assert b.cast.patient.display_name in html


def test_a_patient_already_booked_ahead_is_not_listed_for_lost_response(b: Bookable):
    scores(b.cast.patient, [20, 8, 15, 16])
    services.appointment_book(
        organization=b.cast.org,
        appointment_type=b.types["ketamine-infusion"],
        location=b.cast.location,
        service_starts_at=b.at(next_weekday(0, after=clinic_today()), 9),
        patient=b.cast.patient,
        by=b.cast.frontdesk,
    )
    assert closed_loop.due_for_booking(organization=b.cast.org) == []


def test_a_maintenance_plan_counts_sessions_booked_against_those_planned(b: Bookable):
    maintenance_plan(b, b.cast.patient, sessions=2)
    [row] = closed_loop.due_for_booking(organization=b.cast.org)
    assert row.remaining_sessions == 2
    assert "2 of 2 sessions not booked" in row.reasons[0]
    for weeks in (1, 2):
        services.appointment_book(
            organization=b.cast.org,
            appointment_type=b.types["ketamine-infusion"],
            location=b.cast.location,
            service_starts_at=b.at(next_weekday(0, after=clinic_today(), weeks_ahead=weeks), 9),
            patient=b.cast.patient,
            by=b.cast.frontdesk,
        )
    assert closed_loop.due_for_booking(organization=b.cast.org) == []


def test_other_clinics_patients_never_appear_and_patients_see_nothing(b: Bookable):
    scores(b.cast.outsider_patient, [20, 8, 15, 16])
    assert closed_loop.due_for_booking(organization=b.cast.org) == []
    assert closed_loop.closed_loop_today_section(user=b.cast.patient_user)["visible"] is False


def test_the_query_count_is_fixed_as_patients_grow(b: Bookable, django_assert_num_queries):
    scores(b.cast.patient, [20, 8, 15, 16])
    maintenance_plan(b, b.cast.other_patient)
    now = timezone.now()
    with django_assert_num_queries(14):
        closed_loop.closed_loop_today_section(user=b.cast.frontdesk, now=now)
    for n in range(5):
        patient = new_patient(b, n)
        scores(patient, [22, 9, 16, 18])
    # plans, measurement settings, scores, dosing appointments, appointment types, the primary
    # location (6); one availability read for the infusion type: scheduling settings, hours,
    # closures, chairs, staffing, shifts, time off, appointments (8). Same with 2 or 7 patients.
    with django_assert_num_queries(14):
        section = closed_loop.closed_loop_today_section(user=b.cast.frontdesk, now=now)
    assert len(section["rows"]) == 7
