"""The intake packet's writes: drafts, kept typing, exact conversions, submission and audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict

from infusionist.audit.models import AuditEvent
from infusionist.intake import sections, selectors, services
from infusionist.intake.facts import facts_digest, facts_from_answers
from infusionist.intake.models import IntakePacket
from infusionist.measurements.models import Assignment

COMPLETE: dict[str, dict] = {
    "contacts": {
        "preferred_name": "",
        "phone": "+15415550101",
        "email": "alice.testpatient@test.example",
        "address_line1": "2 Elm Street",
        "address_line2": "",
        "city": "Testville",
        "state": "OR",
        "postal_code": "97401",
        "emergency_contact_name": "Bob Testcontact",
        "emergency_contact_relationship": "brother",
        "emergency_contact_phone": "+15415550177",
    },
    "psychiatric": {
        "conditions": [],
        "none": True,
        "diagnoses": "Major depression",
        "hospitalizations": 0,
        "substance_details": "",
        "prior_ketamine_details": "",
    },
    "antidepressant_trials": {
        "trials": [
            {
                "drug": "sertraline",
                "daily_dose_mg": 150,
                "duration_weeks": 8,
                "adequate": True,
                "response": "none",
                "current_episode": True,
            }
        ],
        "none": False,
    },
    "medical": {
        "conditions": ["hypertension"],
        "none": False,
        "systolic_mmhg": 132,
        "diastolic_mmhg": 84,
        "pregnant": False,
        "breastfeeding": None,
        "other": "",
    },
    "medications": {"items": [{"name": "lorazepam", "dose_mg": 1, "times_per_day": 2}]},
    "allergies": {"items": [], "none_known": True},
    "body": sections.body_from_typed(units="metric", height_cm="168", weight_kg="70"),
}


def fill(cast, actor=None, skip=()) -> None:
    for code, answers in COMPLETE.items():
        if code not in skip:
            services.intake_section_save(
                patient=cast.patient, actor=actor or cast.patient_user, code=code, answers=answers
            )


def test_a_partial_section_is_kept_as_a_draft_and_is_not_done(cast) -> None:
    partial = {**COMPLETE["psychiatric"], "none": False, "hospitalizations": None}
    saved = services.intake_section_save(
        patient=cast.patient, actor=cast.patient_user, code="psychiatric", answers=partial
    )
    assert saved.changed and not saved.done and saved.problems == {}
    packet = IntakePacket.objects.get(patient=cast.patient)  # a new read: what a new device sees
    assert packet.answers["psychiatric"]["diagnoses"] == "Major depression"
    assert packet.completed_sections == []
    state = selectors.section_state("psychiatric", packet)
    assert state.state == "started" and len(state.missing) == 2


def test_an_invalid_number_is_kept_as_typed_with_its_message(cast) -> None:
    post = QueryDict(mutable=True)
    post.update({"systolic_mmhg": "12o", "diastolic_mmhg": "80", "other": "knee surgery"})
    post.setlist("conditions", ["hypertension", "not-a-code"])
    answers = sections.from_post("medical", post)
    saved = services.intake_section_save(
        patient=cast.patient, actor=cast.patient_user, code="medical", answers=answers
    )
    assert saved.problems == {"systolic_mmhg": "Please enter a number, like 120."}
    stored = IntakePacket.objects.get(patient=cast.patient).answers["medical"]
    assert stored["systolic_mmhg"] == "12o" and stored["diastolic_mmhg"] == 80
    assert stored["conditions"] == ["hypertension"] and stored["other"] == "knee surgery"
    # The rules read an unusable number as unknown, never as a wrong number.
    assert facts_from_answers({"medical": stored}).systolic_mmhg is None


def test_pounds_and_feet_convert_exactly_and_the_bmi_is_computed() -> None:
    body = sections.body_from_typed(units="us", height_ft="5", height_in="7", weight_lb="160")
    assert Decimal(body["weight_kg"]) == Decimal("160") * Decimal("0.45359237")
    assert body["weight_kg"] == "72.57477920"
    assert Decimal(body["height_cm"]) == Decimal("170.18")
    assert sections.bmi_kg_per_m2(body) == Decimal("25.1")
    assert sections.problems("body", body) == {}
    assert body["weight_lb"] == "160" and body["units"] == "us"


def test_implausible_weight_and_height_are_pointed_out_and_kept() -> None:
    body = sections.body_from_typed(units="metric", height_cm="17", weight_kg="700")
    found = sections.problems("body", body)
    assert "height_cm_typed" in found and "120" in found["height_cm_typed"]
    assert "weight_kg_typed" in found and "250" in found["weight_kg_typed"]
    assert body["height_cm_typed"] == "17" and body["weight_kg_typed"] == "700"


def test_submitting_sets_the_digest_of_the_facts(cast) -> None:
    fill(cast)
    packet = services.intake_submit(patient=cast.patient, actor=cast.patient_user)
    assert packet.submitted_at is not None
    snapshot = selectors.intake_snapshot(patient=cast.patient)
    assert snapshot is not None and snapshot.submitted
    assert packet.facts_sha256 == snapshot.facts_sha256
    assert packet.facts_sha256 == facts_digest(
        facts_from_answers(packet.answers, age_years=selectors.patient_age_years(cast.patient)),
        date_of_birth=cast.patient.date_of_birth,
    )
    assert sorted(packet.completed_sections) == sorted(sections.FORM_SECTIONS)


def test_an_unfinished_intake_cannot_be_submitted(cast) -> None:
    fill(cast, skip=("allergies",))
    with pytest.raises(ValidationError) as error:
        services.intake_submit(patient=cast.patient, actor=cast.patient_user)
    assert "Allergies" in " ".join(error.value.messages)
    assert IntakePacket.objects.get(patient=cast.patient).submitted_at is None


def test_an_edit_after_submission_changes_the_digest(cast) -> None:
    fill(cast)
    first = services.intake_submit(patient=cast.patient, actor=cast.patient_user)
    submitted_at, digest = first.submitted_at, first.facts_sha256
    meds = {"items": [{"name": "lorazepam", "dose_mg": 2, "times_per_day": 2}]}
    services.intake_section_save(
        patient=cast.patient, actor=cast.nurse, code="medications", answers=meds
    )
    packet = IntakePacket.objects.get(patient=cast.patient)
    assert packet.facts_sha256 != digest and packet.submitted_at == submitted_at
    assert packet.facts_sha256 == selectors.intake_snapshot(patient=cast.patient).facts_sha256
    # A change the rules do not read (an allergy's reaction) leaves the digest alone.
    services.intake_section_save(
        patient=cast.patient,
        actor=cast.nurse,
        code="allergies",
        answers={"items": [{"substance": "penicillin", "reaction": "rash"}]},
    )
    assert IntakePacket.objects.get(patient=cast.patient).facts_sha256 == packet.facts_sha256


def test_a_staff_edit_is_audited_with_old_and_new_values_and_shown_as_last_change(cast) -> None:
    fill(cast)
    new = {**COMPLETE["medical"], "systolic_mmhg": 150}
    services.intake_section_save(
        patient=cast.patient, actor=cast.nurse, code="medical", answers=new
    )
    event = AuditEvent.objects.filter(
        object_type="intake_packet", actor=cast.nurse, action="update"
    ).get()
    assert event.patient_id == cast.patient.pk
    assert event.detail["section"] == "medical" and event.detail["on_behalf"] is True
    assert (
        event.detail["old"]["systolic_mmhg"] == 132 and event.detail["new"]["systolic_mmhg"] == 150
    )
    state = selectors.section_state("medical", IntakePacket.objects.get(patient=cast.patient))
    assert state.changed_by == "Nell Nurse" and state.changed_by_role == "nurse"
    # Saving the same answers again changes nothing and records nothing.
    services.intake_section_save(
        patient=cast.patient, actor=cast.nurse, code="medical", answers=new
    )
    assert AuditEvent.objects.filter(object_type="intake_packet", actor=cast.nurse).count() == 1


def test_contacts_update_the_patient_record_only_when_valid(cast) -> None:
    bad = {**COMPLETE["contacts"], "emergency_contact_phone": "12"}
    saved = services.intake_section_save(
        patient=cast.patient, actor=cast.patient_user, code="contacts", answers=bad
    )
    assert "emergency_contact_phone" in saved.problems
    cast.patient.refresh_from_db()
    assert cast.patient.emergency_contact_name == ""
    stored = IntakePacket.objects.get(patient=cast.patient).answers["contacts"]
    assert stored["emergency_contact_phone"] == "12"
    services.intake_section_save(
        patient=cast.patient, actor=cast.patient_user, code="contacts", answers=COMPLETE["contacts"]
    )
    cast.patient.refresh_from_db()
    assert cast.patient.emergency_contact_name == "Bob Testcontact"
    assert str(cast.patient.emergency_contact_phone) == "+15415550177"
    assert AuditEvent.objects.filter(
        object_type="patient", actor=cast.patient_user, detail__via="intake"
    ).exists()


def test_only_the_patient_or_intake_staff_of_the_clinic_may_write(cast) -> None:
    with pytest.raises(PermissionDenied):
        services.intake_section_save(
            patient=cast.outsider_patient, actor=cast.nurse, code="allergies", answers={}
        )
    with pytest.raises(PermissionDenied):
        services.intake_submit(patient=cast.outsider_patient, actor=cast.patient_user)


def test_the_baselines_are_asked_once_and_pcl5_only_with_ptsd(cast) -> None:
    opened = services.intake_baseline_start(patient=cast.patient, actor=cast.patient_user)
    assert [a.instrument_code for a in opened] == ["phq9", "gad7"]
    assert {a.reason for a in opened} == {"intake"}
    again = services.intake_baseline_start(patient=cast.patient, actor=cast.patient_user)
    assert [a.pk for a in again] == [a.pk for a in opened]
    services.intake_section_save(
        patient=cast.patient,
        actor=cast.patient_user,
        code="psychiatric",
        answers={**COMPLETE["psychiatric"], "conditions": ["ptsd"], "none": False},
    )
    codes = [
        a.instrument_code
        for a in services.intake_baseline_start(patient=cast.patient, actor=cast.frontdesk)
    ]
    assert codes == ["phq9", "gad7", "pcl5"]
    assert Assignment.objects.filter(patient=cast.patient).count() == 3
    states = selectors.baseline_states(
        patient=cast.patient, packet=IntakePacket.objects.get(patient=cast.patient)
    )
    assert [(s.code, s.done, bool(s.open_assignment_id)) for s in states] == [
        ("phq9", False, True),
        ("gad7", False, True),
        ("pcl5", False, True),
    ]


def test_pregnancy_is_asked_only_when_it_can_apply() -> None:
    assert sections.pregnancy_applies(sex_at_birth="female", age_years=34)
    assert sections.pregnancy_applies(sex_at_birth="unknown", age_years=None)
    assert not sections.pregnancy_applies(sex_at_birth="male", age_years=34)
    assert not sections.pregnancy_applies(sex_at_birth="female", age_years=72)
    # Never required: a medical section without a pregnancy answer is done.
    assert sections.is_done("medical", {**COMPLETE["medical"], "pregnant": None})


def test_control_characters_are_dropped_and_the_rest_kept() -> None:
    post = QueryDict(mutable=True)
    post.update({"systolic_mmhg": "\x00130", "other": "line one\nline\x00 two"})
    answers = sections.from_post("medical", post)
    assert answers["systolic_mmhg"] == 130 and answers["other"] == "line one\nline two"


def test_a_birthday_does_not_change_the_digest_but_a_corrected_birth_date_does(cast) -> None:
    import datetime as dt

    from infusionist.intake.facts import facts_digest, facts_from_answers
    from infusionist.lib.eligibility import IntakeFacts

    facts = facts_from_answers({"medical": {"conditions": ["hypertension"]}}, age_years=40)
    older = IntakeFacts(**{**facts.__dict__, "age_years": 41})
    born = dt.date(1986, 5, 4)
    assert facts_digest(facts, date_of_birth=born) == facts_digest(older, date_of_birth=born)
    assert facts_digest(facts, date_of_birth=born) != facts_digest(
        facts, date_of_birth=dt.date(2009, 5, 4)
    )
