from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.consultations import services
from infusionist.consultations.models import Consultation, EligibilityDecision
from infusionist.consultations.tests.factories import answers, packet_save
from infusionist.patients.models import Patient
from infusionist.test import PASSWORD


def _review(client, patient) -> str:
    return client.get(reverse("consultations:review", args=[patient.pk])).content.decode()


def _decide(cast, patient=None, outcome="approved", **overrides) -> EligibilityDecision:
    return services.eligibility_decision_sign(
        patient=patient or cast.patient,
        signer=cast.physician,
        outcome=outcome,
        note="Reviewed by video; suitable.",
        password=PASSWORD,
        attested=True,
        overrides=overrides,
    )


def _consultation(cast, patient=None, *, hours=2) -> Consultation:
    return services.consultation_schedule(
        patient=patient or cast.patient,
        actor=cast.frontdesk,
        physician=cast.physician,
        modality=Consultation.Modality.TELEHEALTH_VIDEO,
        scheduled_at=timezone.now() + dt.timedelta(hours=hours),
    )


# --- consultations -------------------------------------------------------------------------


def test_front_desk_schedules_in_clinic_time(client, cast) -> None:
    client.force_login(cast.frontdesk)
    day = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        reverse("consultations:schedule", args=[cast.patient.pk]),
        {
            "physician": cast.physician.pk,
            "modality": "telehealth_video",
            "scheduled_date": day.isoformat(),
            "scheduled_time": "10:30",
            "notes": "First visit.",
        },
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    local = timezone.localtime(consultation.scheduled_at, cast.location.tzinfo)
    assert (local.date(), local.hour, local.minute) == (day, 10, 30)
    html = client.get(reverse("consultations:patient", args=[cast.patient.pk])).content.decode()
    assert "Telehealth video" in html and "Dr. Phil Physician" in html
    assert "Record as held" not in html  # the front desk does not record it held


def test_a_time_in_the_past_is_refused_beside_the_field_and_kept(client, cast) -> None:
    client.force_login(cast.nurse)
    response = client.post(
        reverse("consultations:schedule", args=[cast.patient.pk]),
        {
            "physician": cast.physician.pk,
            "modality": "telephone",
            "scheduled_date": "2020-01-02",
            "scheduled_time": "09:00",
            "notes": "Typed notes stay.",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This time has passed" in html and "Typed notes stay." in html
    assert 'value="2020-01-02"' in html
    assert not Consultation.objects.exists()


def test_the_physician_records_a_consultation_held(client, cast) -> None:
    consultation = _consultation(cast)
    client.force_login(cast.physician)
    response = client.post(
        reverse("consultations:record_held", args=[cast.patient.pk, consultation.pk]),
        {f"c{consultation.pk}-notes": "History and risks discussed."},
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == "held" and consultation.notes == "History and risks discussed."


def test_another_patients_consultation_answers_404(client, cast) -> None:
    consultation = _consultation(cast, cast.other_patient)
    client.force_login(cast.physician)
    response = client.post(
        reverse("consultations:record_held", args=[cast.patient.pk, consultation.pk]), {}
    )
    assert response.status_code == 404


# --- the review page -------------------------------------------------------------------------


def test_the_review_shows_every_rule_its_basis_inputs_and_the_limits(client, cast) -> None:
    packet_save(
        cast.patient,
        answers(conditions=("bladder_symptoms",), medications=(("lorazepam", 1, 2),)),
        completed=["contacts", "psychiatric"],
    )
    client.force_login(cast.physician)
    html = _review(client, cast.patient)
    for title in ("Psychosis now", "Blood pressure above", "Bladder or urinary", "Lamotrigine"):
        assert title in html
    assert 'href="/reference/#source-27"' in html
    assert "Hard stop" in html and "Needs override" in html and "Information" in html
    assert "<code>systolic_mmhg</code> = 128" in html
    assert "10 mg/day diazepam-equivalent (clinic limit 8 mg/day)" in html
    assert "2 adequate failed trials in the current episode (at least 2 needed)" in html
    assert "Medical history, Current medications" in html  # missing sections
    assert "Highest systolic blood pressure (mmHg)" in html
    assert 'name="override_bladder_symptoms"' in html
    assert 'name="override_blood_pressure_high"' not in html  # not fired
    assert AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.ELIGIBILITY_REVIEW, patient=cast.patient
    ).exists()


def test_a_hard_stop_disables_approve_and_says_why(client, cast) -> None:
    packet_save(cast.patient, answers(conditions=("psychosis_active",)))
    client.force_login(cast.physician)
    html = _review(client, cast.patient)
    assert "Approval is not possible:" in html
    assert "A hard stop allows only decline or defer" in html
    assert 'value="approved" disabled' in html


def test_a_nurse_reads_the_checklist_but_cannot_decide(client, cast) -> None:
    packet_save(cast.patient, answers())
    client.force_login(cast.nurse)
    html = _review(client, cast.patient)
    assert "Psychosis now" in html and "Sign decision" not in html


def test_the_physician_overrides_approves_and_signs(client, cast) -> None:
    packet = packet_save(cast.patient, answers(conditions=("bladder_symptoms",)))
    client.force_login(cast.physician)
    url = reverse("consultations:decision_sign", args=[cast.patient.pk])
    data = {
        "outcome": "approved",
        "note": "Suitable for IV ketamine.",
        "facts_sha256": packet.facts_sha256,
        "attest": "on",
        "password": PASSWORD,
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "The reason for overriding “Bladder or urinary symptoms” is missing" in html
    assert "Suitable for IV ketamine." in html  # kept
    response = client.post(url, {**data, "override_bladder_symptoms": "Urology review normal."})
    assert response.status_code == 302
    decision = EligibilityDecision.objects.get()
    assert decision.overrides == {"bladder_symptoms": "Urology review normal."}
    history = client.get(reverse("consultations:decisions", args=[cast.patient.pk]))
    text = history.content.decode()
    assert "Version 1: Approved" in text and "Urology review normal." in text


def test_a_wrong_password_is_shown_beside_the_field(client, cast) -> None:
    packet_save(cast.patient, answers())
    client.force_login(cast.physician)
    response = client.post(
        reverse("consultations:decision_sign", args=[cast.patient.pk]),
        {"outcome": "deferred", "note": "Need records.", "attest": "on", "password": "nope"},
    )
    assert response.status_code == 422
    assert "The password is not correct" in response.content.decode()
    assert AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION, outcome="denied"
    ).exists()


def test_another_clinics_patient_answers_404(client, cast) -> None:
    packet_save(cast.outsider_patient, answers())
    client.force_login(cast.physician)
    for name in ("consultations:review", "consultations:decisions", "consultations:patient"):
        assert client.get(reverse(name, args=[cast.outsider_patient.pk])).status_code == 404


def test_the_record_and_review_say_plainly_when_the_intake_changed(client, cast) -> None:
    packet_save(cast.patient, answers())
    _decide(cast)
    packet_save(cast.patient, answers(systolic_mmhg=135))
    client.force_login(cast.physician)
    assert "The intake changed after this patient was approved." in _review(client, cast.patient)
    record = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert "The intake changed after approval." in record
    today = client.get(reverse("today:index")).content.decode()
    assert "Approved, but the intake changed: review again" in today


# --- query budgets -------------------------------------------------------------------------


def _patients(cast, n: int) -> list[Patient]:
    made = []
    for i in range(n):
        patient = Patient(
            organization=cast.org,
            mrn=f"WTC9{i:05d}",
            legal_first_name=f"Quinn{i}",
            legal_last_name="Budget",
            date_of_birth=dt.date(1980, 1, 1 + i),
            sex_at_birth="female",
        )
        patient.refresh_search_keys()
        patient.save()
        made.append(patient)
    return made


@pytest.mark.parametrize("size", [1, 4])
def test_the_review_page_has_a_fixed_query_budget(
    client, cast, size, django_assert_num_queries
) -> None:
    packet_save(cast.patient, answers(conditions=("bladder_symptoms",)))
    for _ in range(size):
        _consultation(cast)
        _decide(cast, outcome="deferred")
    client.force_login(cast.physician)
    url = reverse("consultations:review", args=[cast.patient.pk])
    client.get(url)
    # 1 session, 2 user (+organization), 3 authenticator check, 4 patient, 5 eligibility
    # settings, 6 intake packet, 7 current decision, 8 consultations (+physicians),
    # 9 savepoint, 10 view event, 11 release savepoint, 12 session save
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [1, 4])
def test_the_physicians_today_has_a_fixed_query_budget(
    client, cast, size, django_assert_num_queries
) -> None:
    for patient in _patients(cast, size):
        packet_save(patient, answers())
        _consultation(cast, patient)
    client.force_login(cast.physician)
    client.get(reverse("today:index"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 locations, 5 their hours,
    # 6 their closures, 7 open safety alerts, 8 overdue questionnaires, 9 clinical changes
    # waiting for a signature, 10 recently opened patients, scheduling (11 locations,
    # 12 today's appointments, 13 chairs), 14 patients waiting for a decision, 15 approvals
    # whose intake changed, 16 view events naming the patients shown, 17 savepoint,
    # 18 session save, 19 release savepoint
    with django_assert_num_queries(21):  # + REMS forms due, + notes to co-sign
        html = client.get(reverse("today:index")).content.decode()
    assert html.count("consultation scheduled") == size


def test_todays_lists_hold_waiting_patients_and_re_reviews_only(client, cast) -> None:
    waiting, no_consult, decided, changed = _patients(cast, 4)
    for patient in (waiting, no_consult, decided, changed):
        packet_save(patient, answers())
    for patient in (waiting, decided, changed):
        _consultation(cast, patient)
    _decide(cast, decided)
    _decide(cast, changed)
    packet_save(changed, answers(systolic_mmhg=131))
    client.force_login(cast.physician)
    html = client.get(reverse("today:index")).content.decode()
    section = html.split('id="reviews-h"')[1].split("</section>")[0]
    again = section.split("Waiting for your decision")[0]
    waiting_part = section.split("Waiting for your decision")[1]
    assert changed.display_name in again and decided.display_name not in again
    assert waiting.display_name in waiting_part
    assert no_consult.display_name not in section and decided.display_name not in waiting_part
    client.force_login(cast.nurse)
    assert 'id="reviews-h"' not in client.get(reverse("today:index")).content.decode()


def test_decision_radios_keep_their_size_beside_their_labels() -> None:
    """Review of issue 10: "Defer" sat off its line on a phone. The general input rule's 44 px
    min-height stretched every radio (approve, decline, defer alike); radios now keep their
    own size and never shrink or stretch inside a label."""
    from pathlib import Path

    from django.conf import settings

    app = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert 'input[type="radio"] { min-height: auto; }' in app
    rule = app.split('label.check input[type="radio"], label.check input[type="checkbox"] {')[1]
    assert "flex: none" in rule.split("}")[0] and "min-height: auto" in rule.split("}")[0]
    local = (
        Path(settings.BASE_DIR) / "infusionist/consultations/static/consultations/consultations.css"
    ).read_text()
    assert 'input[type="radio"] { width: 1.3rem; height: 1.3rem; min-height: auto; }' in local
