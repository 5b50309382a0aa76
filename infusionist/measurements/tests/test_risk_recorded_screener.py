"""The triage floor of a risk assessment comes from every C-SSRS already recorded for the alert
(the nurse's, the patient's) as well as the clinician's own answers; a recorded Yes changed to
No needs a reason, which is kept, audited and shown.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.measurements import services
from infusionist.measurements.models import QuestionnaireResponse, RiskAssessment, SafetyAlert
from infusionist.measurements.tests.safety_plans import GOOD_PLAN, plan_post
from infusionist.measurements.tests.test_views import submit

STAFF = QuestionnaireResponse.Source.STAFF
LINK = QuestionnaireResponse.Source.PATIENT_LINK
ALL_YES = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 1, "q6b": 1}
ALL_NO = {"q1": 0, "q2": 0, "q6": 0}
WISH_ONLY = {"q1": 1, "q2": 0, "q6": 0}
BEHAVIOUR_RECENT = {"q1": 0, "q2": 0, "q6": 1, "q6b": 1}
REASON = "Patient clarified she meant last year; denies current thoughts, partner present."


def _screener(cast, answers, source=STAFF) -> QuestionnaireResponse:
    return services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=answers,
        source=source,
        entered_by=cast.nurse if source == STAFF else None,
    )


def _close(cast, answers, level, *, reason="", changed_reason=""):
    return services.safety_alert_close(
        alert=SafetyAlert.objects.filter(status__in=["open", "acknowledged"]).first(),
        actor=cast.physician,
        cssrs_answers=answers,
        risk_level=level,
        plan_steps=GOOD_PLAN,
        override_reason=reason,
        answers_changed_reason=changed_reason,
    )


def test_the_reviewers_flipped_answers_and_low_level_are_refused(cast) -> None:
    _screener(cast, ALL_YES)
    with pytest.raises(ValidationError) as exc:
        _close(cast, ALL_NO, "low")
    errors = exc.value.message_dict
    assert set(errors) == {"override_reason", "answers_changed_reason"}
    assert "1, 2, 3, 4, 5, 6, 6b" in errors["answers_changed_reason"][0]
    assert "at least “High”" in errors["override_reason"][0]
    assert SafetyAlert.objects.get().status == "open"


def test_a_reason_for_the_change_alone_does_not_lower_the_floor(cast) -> None:
    _screener(cast, ALL_YES)
    with pytest.raises(ValidationError) as exc:
        _close(cast, ALL_NO, "low", changed_reason=REASON)
    assert set(exc.value.message_dict) == {"override_reason"}


@pytest.mark.parametrize("placeholder", ["", "x", "none", "asdf asdf"])
def test_a_placeholder_change_reason_is_refused(cast, placeholder) -> None:
    _screener(cast, ALL_YES)
    with pytest.raises(ValidationError) as exc:
        _close(cast, ALL_NO, "high", changed_reason=placeholder)
    assert set(exc.value.message_dict) == {"answers_changed_reason"}


def test_both_reasons_are_kept_audited_and_shown(client, cast) -> None:
    _screener(cast, ALL_YES)
    assessment = _close(cast, ALL_NO, "low", reason=REASON, changed_reason=REASON)
    assert assessment.triage_floor == "high" and assessment.is_override
    assert assessment.answers_changed == ["q1", "q2", "q3", "q4", "q5", "q6", "q6b"]
    assert assessment.answers_changed_reason == REASON
    event = AuditEvent.objects.get(object_type="risk_assessment", action="create")
    assert event.detail["answers_changed"] == assessment.answers_changed
    assert event.detail["answers_changed_reason"] == REASON
    assert event.detail["recorded_screeners"]
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    assert "Answers changed from the recorded screener (questions 1, 2, 3, 4, 5, 6, 6b)" in page
    assert "Below the C-SSRS triage (at least High)" in page


def test_a_patient_entered_screener_sets_the_floor_too(cast) -> None:
    _screener(cast, BEHAVIOUR_RECENT, source=LINK)
    with pytest.raises(ValidationError) as exc:
        _close(cast, ALL_NO, "moderate")
    assert set(exc.value.message_dict) == {"override_reason", "answers_changed_reason"}
    assert "6, 6b" in exc.value.message_dict["answers_changed_reason"][0]


def test_a_later_nurse_screener_for_a_phq9_alert_sets_the_floor(cast) -> None:
    submit(cast, item9=2)
    _screener(cast, {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0})
    with pytest.raises(ValidationError) as exc:
        _close(cast, {"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}, "low")
    assert set(exc.value.message_dict) == {"override_reason", "answers_changed_reason"}


def test_adding_a_yes_needs_no_change_reason(cast) -> None:
    _screener(cast, WISH_ONLY | {"q6": 1, "q6b": 1})
    assessment = _close(cast, ALL_YES, "imminent")
    assert assessment.answers_changed == [] and assessment.answers_changed_reason == ""


def test_confirming_the_recorded_answers_needs_no_reason(cast) -> None:
    _screener(cast, ALL_YES)
    assessment = _close(cast, ALL_YES, "high", changed_reason="ignored when nothing changed")
    assert assessment.answers_changed_reason == "" and not assessment.is_override


def test_the_close_form_shows_the_change_error_beside_its_field(client, cast) -> None:
    _screener(cast, ALL_YES)
    alert = SafetyAlert.objects.get()
    client.force_login(cast.physician)
    prefix = f"alert-{alert.pk}-"
    data = {f"{prefix}{k}": str(v) for k, v in ALL_NO.items()}
    data |= {f"{prefix}risk_level": "low", f"{prefix}notes": "typed", **plan_post(prefix)}
    url = reverse("measurements:alert_close", args=[cast.patient.pk, alert.pk])
    response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{prefix}answers_changed_reason_error"' in page
    assert f'id="id_{prefix}override_reason_error"' in page and "typed" in page
    data[f"{prefix}answers_changed_reason"] = REASON
    data[f"{prefix}override_reason"] = REASON
    assert client.post(url, data).status_code == 302
    assert RiskAssessment.objects.get().answers_changed_reason == REASON
