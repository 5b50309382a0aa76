from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.signing import SIGN_FAILURES_ALLOWED, SigningError
from infusionist.audit.models import AuditEvent
from infusionist.consultations import selectors, services
from infusionist.consultations.models import (
    Consultation,
    EligibilityDecision,
    EligibilitySettings,
)
from infusionist.consultations.tests.factories import answers, packet_save
from infusionist.integrity import AppendOnlyError
from infusionist.test import PASSWORD, clinic_today

APPROVED = EligibilityDecision.Outcome.APPROVED
DECLINED = EligibilityDecision.Outcome.DECLINED
DEFERRED = EligibilityDecision.Outcome.DEFERRED


def _sign(cast, outcome=APPROVED, *, patient=None, password=PASSWORD, **kwargs):
    return services.eligibility_decision_sign(
        patient=patient or cast.patient,
        signer=kwargs.pop("signer", cast.physician),
        outcome=outcome,
        note=kwargs.pop("note", "Reviewed with the patient by video; suitable."),
        password=password,
        attested=kwargs.pop("attested", True),
        **kwargs,
    )


# --- consultations ---------------------------------------------------------------------------


def _schedule(cast, *, actor=None, physician=None, when=None):
    return services.consultation_schedule(
        patient=cast.patient,
        actor=actor or cast.frontdesk,
        physician=physician or cast.physician,
        modality=Consultation.Modality.TELEHEALTH_VIDEO,
        scheduled_at=when or timezone.now() + dt.timedelta(days=2),
        notes="Video link sent by e-mail.",
    )


def test_front_desk_schedules_and_the_physician_records_it_held(cast) -> None:
    consultation = _schedule(cast, when=timezone.now() + dt.timedelta(hours=3))
    assert consultation.status == Consultation.Status.SCHEDULED
    held = services.consultation_record_held(
        consultation=consultation, actor=cast.physician, notes="Discussed risks and history."
    )
    assert held.status == Consultation.Status.HELD and held.held_at is not None
    assert held.notes == "Discussed risks and history."
    events = AuditEvent.objects.filter(object_type=AuditEvent.ObjectType.CONSULTATION)
    assert [e.action for e in events.order_by("pk")] == ["create", "update"]
    update = events.order_by("pk").last()
    assert update.detail["before"]["status"] == "scheduled"
    assert update.detail["after"]["status"] == "held"


def test_only_a_current_physician_of_the_clinic_supervises(cast) -> None:
    with pytest.raises(ValidationError) as refused:
        _schedule(cast, physician=cast.nurse)
    assert "physician" in refused.value.message_dict
    User.objects.filter(pk=cast.physician.pk).update(
        licence_expires_on=clinic_today() - dt.timedelta(days=1)
    )
    cast.physician.refresh_from_db()
    with pytest.raises(ValidationError, match="credentials are current"):
        _schedule(cast)
    assert selectors.supervising_physicians(organization=cast.org, today=clinic_today()) == []


def test_a_consultation_cannot_be_scheduled_in_the_past(cast) -> None:
    with pytest.raises(ValidationError) as refused:
        _schedule(cast, when=timezone.now() - dt.timedelta(hours=1))
    assert "scheduled_at" in refused.value.message_dict


def test_a_nurse_cannot_record_a_consultation_held(cast) -> None:
    consultation = _schedule(cast, when=timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        services.consultation_record_held(consultation=consultation, actor=cast.nurse)


def test_a_cancelled_consultation_cannot_be_recorded_held(cast) -> None:
    consultation = _schedule(cast, when=timezone.now() + dt.timedelta(hours=1))
    services.consultation_cancel(consultation=consultation, actor=cast.frontdesk)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.consultation_record_held(consultation=consultation, actor=cast.physician)


def test_another_clinics_patient_cannot_be_scheduled(cast) -> None:
    with pytest.raises(PermissionDenied):
        services.consultation_schedule(
            patient=cast.outsider_patient,
            actor=cast.frontdesk,
            physician=cast.physician,
            modality=Consultation.Modality.TELEPHONE,
            scheduled_at=timezone.now() + dt.timedelta(days=1),
        )


# --- limits --------------------------------------------------------------------------------


def test_limits_default_to_the_kernels_documented_values(cast) -> None:
    from infusionist.lib.eligibility import EligibilityLimits

    assert selectors.eligibility_limits_for(organization=cast.org) == EligibilityLimits()
    EligibilitySettings.objects.create(organization=cast.org, max_systolic_mmhg=150)
    assert selectors.eligibility_limits_for(organization=cast.org).max_systolic_mmhg == 150


# --- the decision --------------------------------------------------------------------------


def test_approve_is_refused_with_a_hard_stop(cast) -> None:
    packet_save(cast.patient, answers(conditions=("psychosis_active",)))
    with pytest.raises(SigningError, match="Hard stop: Psychosis now"):
        _sign(cast)
    assert not EligibilityDecision.objects.exists()
    declined = _sign(cast, DECLINED, note="Active psychosis; referred to psychiatry.")
    assert declined.outcome == DECLINED and declined.version == 1


def test_approve_is_refused_without_an_override_reason_for_each_rule(cast) -> None:
    packet_save(cast.patient, answers(conditions=("bladder_symptoms",), systolic_mmhg=152))
    with pytest.raises(SigningError, match="overriding “Blood pressure"):
        _sign(cast, overrides={"bladder_symptoms": "Urology review was normal in October."})
    with pytest.raises(SigningError, match="says nothing"):
        _sign(
            cast,
            overrides={
                "bladder_symptoms": "Urology review was normal in October.",
                "blood_pressure_high": "ok",
            },
        )
    assert not EligibilityDecision.objects.exists()


def test_approve_with_override_reasons_signs_and_keeps_what_was_seen(cast) -> None:
    packet = packet_save(cast.patient, answers(conditions=("bladder_symptoms",)))
    EligibilitySettings.objects.create(organization=cast.org, max_systolic_mmhg=150)
    decision = _sign(
        cast,
        overrides={
            "bladder_symptoms": "Urology review was normal in October.",
            "lamotrigine": "Not a rule that needs an override: not kept.",
        },
        reviewed_facts_sha256=packet.facts_sha256,
    )
    assert decision.version == 1 and decision.outcome == APPROVED
    assert decision.overrides == {"bladder_symptoms": "Urology review was normal in October."}
    assert decision.facts_sha256 == packet.facts_sha256
    assert decision.limits["max_systolic_mmhg"] == 150
    codes = {row["code"]: row for row in decision.checklist}
    assert set(codes) == {
        "psychosis_active",
        "blood_pressure_high",
        "bladder_symptoms",
        "lamotrigine",
    }
    assert codes["bladder_symptoms"]["fired"] is True
    bp_inputs = codes["blood_pressure_high"]["inputs"]
    assert bp_inputs == {"systolic_mmhg": 128, "max_systolic_mmhg": 150}
    assert codes["psychosis_active"]["source_keys"] == ["22"]
    assert decision.content_sha256 == services.decision_content_sha256(decision)
    assert decision.treatment_resistant and decision.failed_adequate_trials == 2
    event = AuditEvent.objects.get(
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION, outcome="allowed"
    )
    assert event.patient_id == cast.patient.pk
    assert event.detail["overrides"] == decision.overrides
    assert event.detail["fired"] == ["bladder_symptoms"]


def test_a_wrong_password_is_refused_audited_and_locks_after_five(cast) -> None:
    packet_save(cast.patient, answers())
    for _ in range(SIGN_FAILURES_ALLOWED):
        with pytest.raises(SigningError, match="not correct"):
            _sign(cast, password="wrong-password")
    denied = AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION, outcome="denied"
    )
    assert denied.count() == SIGN_FAILURES_ALLOWED
    assert denied.first().detail["reason"] == "password"
    with pytest.raises(SigningError, match="locked"):
        _sign(cast)
    assert not EligibilityDecision.objects.exists()


def test_the_attestation_and_a_note_are_required(cast) -> None:
    packet_save(cast.patient, answers())
    with pytest.raises(SigningError, match="attestation"):
        _sign(cast, attested=False)
    with pytest.raises(SigningError, match="The note is missing"):
        _sign(cast, note="  ")


def test_only_a_licensed_physician_decides(cast) -> None:
    packet_save(cast.patient, answers())
    with pytest.raises(PermissionDenied):
        _sign(cast, signer=cast.provider)
    User.objects.filter(pk=cast.physician.pk).update(licence_number="")
    cast.physician.refresh_from_db()
    with pytest.raises(SigningError, match="You cannot sign"):
        _sign(cast)


def test_versions_increment_and_supersede_without_editing_a_signed_one(cast) -> None:
    packet_save(cast.patient, answers())
    first = _sign(cast, DEFERRED, note="Waiting for the cardiology letter.")
    second = _sign(cast, note="Cardiology letter received; suitable.")
    assert (first.version, second.version) == (1, 2)
    assert selectors.current_decision(patient=cast.patient) == second
    assert [d.version for d in selectors.decisions_for_patient(patient=cast.patient)] == [2, 1]
    first.note = "changed"
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        EligibilityDecision.objects.filter(pk=first.pk).update(note="changed")
    assert AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION, detail__supersedes=1
    ).exists()


def test_a_changed_intake_flags_the_approval_for_re_review(cast) -> None:
    packet_save(cast.patient, answers())
    assert selectors.eligibility_status(patient=cast.patient).code == "no_decision"
    _sign(cast)
    status = selectors.eligibility_status(patient=cast.patient)
    assert status.code == "approved_current" and status.approved_and_current
    packet_save(cast.patient, answers(medications=(("lamotrigine", 100, 2),)))
    status = selectors.eligibility_status(patient=cast.patient)
    assert status.code == "approved_intake_changed" and not status.approved_and_current
    assert "intake changed after the approval" in status.message
    _sign(cast, note="Lamotrigine noted; still suitable.")
    assert selectors.eligibility_status(patient=cast.patient).code == "approved_current"


def test_the_status_names_every_state(cast) -> None:
    assert selectors.eligibility_status(patient=cast.patient).code == "no_intake"
    packet_save(cast.patient, answers(), submitted=False)
    assert selectors.eligibility_status(patient=cast.patient).code == "no_decision"
    _sign(cast, DECLINED, note="Not suitable at present.")
    assert selectors.eligibility_status(patient=cast.patient).code == "declined"
    _sign(cast, DEFERRED, note="Waiting for the full intake.")
    assert selectors.eligibility_status(patient=cast.patient).code == "deferred"


def test_an_unsubmitted_intake_cannot_be_approved(cast) -> None:
    packet_save(cast.patient, answers(), submitted=False)
    with pytest.raises(SigningError, match="not been submitted"):
        _sign(cast)


def test_an_intake_changed_during_review_is_refused(cast) -> None:
    packet = packet_save(cast.patient, answers())
    packet_save(cast.patient, answers(systolic_mmhg=132))
    with pytest.raises(SigningError, match="changed while you were reviewing"):
        _sign(cast, reviewed_facts_sha256=packet.facts_sha256)


def test_facts_the_kernel_refuses_cannot_be_signed(cast) -> None:
    packet_save(cast.patient, answers(conditions=("unknown_condition",)))
    with pytest.raises(SigningError, match="cannot be checked"):
        _sign(cast, DEFERRED, note="Intake to be corrected.")


def test_another_clinics_patient_is_refused(cast) -> None:
    packet_save(cast.outsider_patient, answers())
    with pytest.raises(PermissionDenied):
        _sign(cast, patient=cast.outsider_patient)


def test_a_physician_signs_a_change_to_the_limits_and_it_is_audited(cast) -> None:
    from decimal import Decimal

    changed = services.eligibility_settings_update(
        organization=cast.org,
        signer=cast.physician,
        data={"max_systolic_mmhg": 150, "max_benzodiazepine_diazepam_mg_per_day": Decimal("8.0")},
        password=PASSWORD,
        attested=True,
    )
    assert changed == ["max_systolic_mmhg"]
    assert selectors.eligibility_limits_for(organization=cast.org).max_systolic_mmhg == 150
    event = AuditEvent.objects.get(object_type=AuditEvent.ObjectType.ELIGIBILITY_SETTINGS)
    assert event.detail["before"] == {"max_systolic_mmhg": 140}
    assert event.detail["after"] == {"max_systolic_mmhg": 150}
    with pytest.raises(ValidationError):
        services.eligibility_settings_update(
            organization=cast.org,
            signer=cast.physician,
            data={"max_systolic_mmhg": 400},
            password=PASSWORD,
            attested=True,
        )
    with pytest.raises(PermissionDenied):
        services.eligibility_settings_update(
            organization=cast.org,
            signer=cast.admin,
            data={"max_systolic_mmhg": 145},
            password=PASSWORD,
            attested=True,
        )
    with pytest.raises(SigningError, match="not correct"):
        services.eligibility_settings_update(
            organization=cast.org,
            signer=cast.physician,
            data={"max_systolic_mmhg": 145},
            password="wrong",
            attested=True,
        )


def test_postgres_refuses_to_change_a_signed_decision(cast) -> None:
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the model guard")
    packet_save(cast.patient, answers())
    decision = _sign(cast)
    for sql in (
        "UPDATE consultations_eligibilitydecision SET outcome = 'declined' WHERE id = %s",
        "DELETE FROM consultations_eligibilitydecision WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [decision.pk])
    assert EligibilityDecision.objects.get(pk=decision.pk).outcome == APPROVED
