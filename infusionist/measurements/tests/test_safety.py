"""The suicidality safety workflow: alert, notify without PHI, escalate, close with assessment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.lib import instruments
from infusionist.measurements import selectors, services
from infusionist.measurements.models import (
    TRIGGER_MAX_LENGTH,
    MeasurementSettings,
    QuestionnaireResponse,
    SafetyAlert,
)
from infusionist.measurements.tests.safety_plans import GOOD_PLAN

STAFF = QuestionnaireResponse.Source.STAFF
CSSRS_NEGATIVE = {"q1": 0, "q2": 0, "q6": 0}
CSSRS_IMMINENT = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}


def phq9(item9: int) -> dict[str, int]:
    return {f"q{i}": 1 for i in range(1, 9)} | {"q9": item9}


def flagged_response(cast, captured, item9: int = 1) -> QuestionnaireResponse:
    with captured(execute=True):
        return services.questionnaire_response_submit(
            patient=cast.patient,
            instrument_code="phq9",
            answers=phq9(item9),
            source=STAFF,
            actor=cast.nurse,
            entered_by=cast.nurse,
        )


def test_item9_opens_an_alert_for_the_medical_director_by_default(
    cast, django_capture_on_commit_callbacks
) -> None:
    response = flagged_response(cast, django_capture_on_commit_callbacks)
    alert = SafetyAlert.objects.get()
    assert alert.response == response and alert.patient == cast.patient
    assert alert.assigned_to == cast.physician
    assert alert.status == "open"
    assert AuditEvent.objects.filter(object_type="safety_alert", action="create").exists()
    (email,) = mail.outbox
    assert email.to == [cast.physician.email]
    body = email.subject + email.body
    assert "a patient needs review" in body.lower() and "sign in" in body.lower()
    for phi in ("Alice", "Testpatient", "PHQ", "item 9", cast.patient.mrn, "1985"):
        assert phi not in body
    assert "https://clinic.test/measurements/alerts/" in email.body


def test_the_responsible_clinician_gets_the_alert(cast, django_capture_on_commit_callbacks) -> None:
    services.measurement_profile_update(
        patient=cast.patient,
        actor=cast.physician,
        responsible_clinician=cast.provider,
        channel="email",
    )
    flagged_response(cast, django_capture_on_commit_callbacks)
    assert SafetyAlert.objects.get().assigned_to == cast.provider
    assert mail.outbox[0].to == [cast.provider.email]


def test_no_alert_when_item9_is_zero_or_below_the_clinic_level(cast) -> None:
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers=phq9(0),
        source=STAFF,
        entered_by=cast.nurse,
    )
    MeasurementSettings.objects.create(organization=cast.org, phq9_item9_alert_at_least=2)
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers=phq9(1),
        source=STAFF,
        entered_by=cast.nurse,
    )
    assert not SafetyAlert.objects.exists()


def test_a_partial_answer_with_item9_raises_the_alert_at_once(cast) -> None:
    partial = services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q9": 2},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
    )
    assert partial.status == "in_progress" and partial.total is None
    assert SafetyAlert.objects.get().response == partial
    # Saving again or finishing does not open a second alert.
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers=phq9(2),
        source=QuestionnaireResponse.Source.PATIENT_LINK,
        response=partial,
    )
    assert SafetyAlert.objects.count() == 1


def test_cssrs_alerts_at_the_clinic_threshold(cast) -> None:
    positive = {"q1": 1, "q2": 0, "q6": 0}
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=positive,
        source=STAFF,
        entered_by=cast.nurse,
    )
    assert not SafetyAlert.objects.exists()  # default level: imminent
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=CSSRS_IMMINENT,
        source=STAFF,
        entered_by=cast.nurse,
    )
    assert SafetyAlert.objects.count() == 1
    MeasurementSettings.objects.create(organization=cast.org, cssrs_alert_at_least_risk_level=1)
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=positive,
        source=STAFF,
        entered_by=cast.nurse,
    )
    assert SafetyAlert.objects.count() == 2


def test_the_gate_blocks_until_the_alert_is_closed(
    cast, django_capture_on_commit_callbacks
) -> None:
    assert selectors.infusion_gate(patient=cast.patient) == []
    flagged_response(cast, django_capture_on_commit_callbacks)
    alert = SafetyAlert.objects.get()
    (block,) = selectors.infusion_gate(patient=cast.patient)
    assert block.code == "open_safety_alert" and block.alert_id == alert.pk
    services.safety_alert_acknowledge(alert=alert, actor=cast.nurse)
    assert selectors.infusion_gate(patient=cast.patient)  # acknowledging does not unblock
    assert selectors.infusion_gate(patient=cast.other_patient) == []
    services.safety_alert_close(
        alert=alert,
        actor=cast.physician,
        cssrs_answers=CSSRS_NEGATIVE,
        risk_level="low",
        plan_steps=GOOD_PLAN,
    )
    assert selectors.infusion_gate(patient=cast.patient) == []


def test_closing_requires_a_complete_risk_assessment(
    cast, django_capture_on_commit_callbacks
) -> None:
    flagged_response(cast, django_capture_on_commit_callbacks)
    alert = SafetyAlert.objects.get()
    with pytest.raises(instruments.InvalidAnswers) as exc:
        services.safety_alert_close(
            alert=alert,
            actor=cast.physician,
            cssrs_answers={"q1": 0},
            risk_level="low",
            plan_steps=GOOD_PLAN,
        )
    assert "q2" in exc.value.errors
    with pytest.raises(ValidationError) as verr:
        services.safety_alert_close(
            alert=alert,
            actor=cast.physician,
            cssrs_answers=CSSRS_NEGATIVE,
            risk_level="",
            plan_steps={},
        )
    assert set(verr.value.message_dict) == {"risk_level", *GOOD_PLAN}
    alert.refresh_from_db()
    assert alert.status == "open"
    assert QuestionnaireResponse.objects.filter(instrument_code="cssrs_screener").count() == 0


def test_closing_records_the_assessment_and_an_imminent_screener_raises_no_new_alert(
    cast, django_capture_on_commit_callbacks
) -> None:
    flagged_response(cast, django_capture_on_commit_callbacks)
    alert = SafetyAlert.objects.get()
    assessment = services.safety_alert_close(
        alert=alert,
        actor=cast.physician,
        cssrs_answers=CSSRS_IMMINENT,
        risk_level="high",
        plan_steps=GOOD_PLAN,
        notes="Discussed with family.",
    )
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.closed_by == cast.physician
    assert alert.acknowledged_by == cast.physician
    assert assessment.cssrs_response.subscores == {"risk_level": 2}
    assert assessment.cssrs_response.entered_by == cast.physician
    assert SafetyAlert.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="risk_assessment", action="create").exists()
    with pytest.raises(ValidationError, match="already closed"):
        services.safety_alert_close(
            alert=alert,
            actor=cast.physician,
            cssrs_answers=CSSRS_NEGATIVE,
            risk_level="low",
            plan_steps=GOOD_PLAN,
        )


def test_escalation_after_the_clinic_time_and_only_once(
    cast, django_capture_on_commit_callbacks
) -> None:
    flagged_response(cast, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    alert = SafetyAlert.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.safety_alerts_escalate(now=alert.created_at + dt.timedelta(minutes=59)) == 0
    assert mail.outbox == []
    later = alert.created_at + dt.timedelta(minutes=61)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.safety_alerts_escalate(now=later) == 1
        assert services.safety_alerts_escalate(now=later + dt.timedelta(hours=1)) == 0
    alert.refresh_from_db()
    assert alert.escalated_to == cast.physician and alert.escalated_at == later
    (email,) = mail.outbox
    assert "Alice" not in email.body and "sign in" in email.body.lower()


def test_escalation_uses_the_clinic_setting_and_skips_acknowledged_alerts(
    cast, django_capture_on_commit_callbacks
) -> None:
    MeasurementSettings.objects.create(organization=cast.org, safety_escalation_minutes=15)
    flagged_response(cast, django_capture_on_commit_callbacks)
    alert = SafetyAlert.objects.get()
    assert services.safety_alerts_escalate(now=alert.created_at + dt.timedelta(minutes=16)) == 1
    other = services.questionnaire_response_submit(
        patient=cast.other_patient,
        instrument_code="phq9",
        answers=phq9(3),
        source=STAFF,
        entered_by=cast.nurse,
    )
    services.safety_alert_acknowledge(alert=other.safety_alert, actor=cast.nurse)
    assert services.safety_alerts_escalate(now=timezone.now() + dt.timedelta(hours=5)) == 0


def test_escalate_command_is_idempotent(cast, django_capture_on_commit_callbacks) -> None:
    flagged_response(cast, django_capture_on_commit_callbacks)
    SafetyAlert.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    call_command("escalate_safety_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("escalate_safety_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SafetyAlert.objects.filter(escalated_at__isnull=False).count() == 1


def _highest_answer(instrument: instruments.Instrument, link_id: str) -> int:
    item = next(item for item in instrument.items if item.link_id == link_id)
    return max(option.value for option in item.options)


@pytest.mark.parametrize(
    ("code", "link_id"),
    [
        (instrument.code, crisis.link_id)
        for instrument in instruments.all_instruments()
        for crisis in instrument.crisis_items
    ],
)
def test_every_crisis_item_of_every_instrument_raises_an_alert_that_saves(
    cast, code, link_id
) -> None:
    """Each crisis answer, alone, opens an alert whose trigger text fits its column."""
    instrument = instruments.get(code)
    response = services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code=code,
        answers={link_id: _highest_answer(instrument, link_id)},
        source=STAFF,
        entered_by=cast.nurse,
    )
    alert = SafetyAlert.objects.get(response=response)
    assert 0 < len(alert.trigger) <= TRIGGER_MAX_LENGTH


@pytest.mark.parametrize(
    ("code", "answers", "expected"),
    [
        ("phq9", {"q9": 2}, "PHQ-9 item 9 (Thoughts of death or self-harm) answered 2"),
        ("qids_sr16", {"q12": 3}, "QIDS-SR16 item 12 (Thoughts of death or suicide) answered 3"),
        ("madrs", {"q10": 4}, "MADRS item 10"),
        (
            "cssrs_screener",
            {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 1, "q6": 0},
            "C-SSRS screener: imminent risk (Yes to questions 1, 2, 4, 5)",
        ),
    ],
)
def test_the_trigger_names_the_instrument_item_and_answer_in_full(
    cast, code, answers, expected
) -> None:
    """The reviewer saw "Quick Inventory of Depressive Symptomatology, Self-Report (QIDS-…"."""
    services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code=code,
        answers=answers,
        source=STAFF,
        entered_by=cast.nurse,
    )
    alert = SafetyAlert.objects.get()
    assert alert.trigger.startswith(expected) and "…" not in alert.trigger
    assert len(alert.trigger) <= TRIGGER_MAX_LENGTH
    assert alert.trigger_answers == {
        k: v
        for k, v in answers.items()
        if k in {c.link_id for c in instruments.get(code).crisis_items}
    }


def test_a_cssrs_alert_names_questions_as_the_form_numbers_them(client, cast) -> None:
    """The reviewer's all-Yes screener: "Yes to questions 1, …, 6b", never "q6b" or "Item 7"."""
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers={"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 1, "q6b": 1},
        source=STAFF,
        entered_by=cast.nurse,
    )
    alert = SafetyAlert.objects.get()
    assert alert.trigger == (
        "C-SSRS screener: imminent risk (Yes to questions 1, 2, 3, 4, 5, 6, 6b)"
    )
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    assert "Item 6b (Behaviour within past 3 months)" in page
    assert "Item 7" not in page and "q6b" not in page.replace('name="', "").split("<form")[0]
    entry = client.get(reverse("measurements:enter", args=[cast.patient.pk, "cssrs_screener"]))
    assert '<span class="mbc-num">6b</span>' in entry.content.decode()
