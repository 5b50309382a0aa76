"""Closing a safety alert: the C-SSRS triage floor, override reasons and a safety plan that says
something; the alert page shows what raised it, what became of those answers and the screener.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.lib.instruments import cssrs
from infusionist.measurements import selectors, services
from infusionist.measurements.models import QuestionnaireResponse, RiskAssessment, SafetyAlert
from infusionist.measurements.services.safety import safety_plan_step_error
from infusionist.measurements.tests.html_checks import is_checked
from infusionist.measurements.tests.safety_plans import GOOD_PLAN, plan_post
from infusionist.measurements.tests.test_views import submit

STAFF = QuestionnaireResponse.Source.STAFF
#: The reviewer's screener: suicidal thoughts with intent and a plan.
INTENT_AND_PLAN = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 0}
BEHAVIOUR_RECENT = {"q1": 0, "q2": 0, "q6": 1, "q6b": 1}
INTENT_ONLY = {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}
WISH_ONLY = {"q1": 1, "q2": 0, "q6": 0}
NEGATIVE = {"q1": 0, "q2": 0, "q6": 0}


def _alert(cast) -> SafetyAlert:
    submit(cast, item9=2)
    return SafetyAlert.objects.get()


def _close(alert, cast, answers, level, plan=None, reason=""):
    return services.safety_alert_close(
        alert=alert,
        actor=cast.physician,
        cssrs_answers=answers,
        risk_level=level,
        plan_steps=GOOD_PLAN if plan is None else plan,
        override_reason=reason,
    )


# ---- the triage floor -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("screener", "floor"),
    [(0, "low"), (1, "low"), (2, "high")],
)
def test_the_triage_floor_follows_the_screener_risk_level(screener, floor) -> None:
    assert cssrs.triage_floor(screener) == floor


def test_the_reviewers_low_level_with_intent_and_plan_and_an_x_plan_is_refused(cast) -> None:
    alert = _alert(cast)
    plan = dict.fromkeys(GOOD_PLAN, "x")
    with pytest.raises(ValidationError) as exc:
        _close(alert, cast, INTENT_AND_PLAN, "low", plan=plan)
    errors = exc.value.message_dict
    assert set(errors) == {"override_reason", *GOOD_PLAN}
    assert "at least “High”" in errors["override_reason"][0]
    alert.refresh_from_db()
    assert alert.status == "open"
    assert not QuestionnaireResponse.objects.filter(instrument_code="cssrs_screener").exists()


@pytest.mark.parametrize("answers", [INTENT_AND_PLAN, BEHAVIOUR_RECENT, INTENT_ONLY])
@pytest.mark.parametrize("level", ["low", "moderate"])
def test_a_level_below_an_imminent_triage_needs_a_reason(cast, answers, level) -> None:
    alert = _alert(cast)
    with pytest.raises(ValidationError) as exc:
        _close(alert, cast, answers, level)
    assert set(exc.value.message_dict) == {"override_reason"}
    with pytest.raises(ValidationError):
        _close(alert, cast, answers, level, reason="x")  # a placeholder is not a reason


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        (INTENT_AND_PLAN, "high"),
        (INTENT_AND_PLAN, "imminent"),
        (BEHAVIOUR_RECENT, "high"),
        (WISH_ONLY, "low"),
        (NEGATIVE, "low"),
    ],
)
def test_a_level_at_or_above_the_triage_needs_no_reason(cast, answers, level) -> None:
    assessment = _close(_alert(cast), cast, answers, level, reason="kept only when overriding")
    assert assessment.override_reason == "" and not assessment.is_override


def test_an_override_is_recorded_audited_and_shown(client, cast) -> None:
    alert = _alert(cast)
    reason = "Plan was last month; now engaged, partner removed firearms, daily contact agreed."
    assessment = _close(alert, cast, INTENT_AND_PLAN, "moderate", reason=reason)
    assert assessment.is_override and assessment.override_reason == reason
    assert assessment.triage_floor == "high"
    event = AuditEvent.objects.get(object_type="risk_assessment", action="create")
    assert event.detail["override_reason"] == reason
    assert event.detail["cssrs_risk_level"] == 2 and event.detail["triage_floor"] == "high"
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    assert "Below the C-SSRS triage (at least High)" in page and reason in page


def test_the_close_form_shows_the_override_error_beside_the_level(client, cast) -> None:
    alert = _alert(cast)
    client.force_login(cast.physician)
    prefix = f"alert-{alert.pk}-"
    data = {f"{prefix}{k}": str(v) for k, v in INTENT_AND_PLAN.items()}
    data |= {f"{prefix}risk_level": "low", f"{prefix}notes": "typed", **plan_post(prefix)}
    url = reverse("measurements:alert_close", args=[cast.patient.pk, alert.pk])
    response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{prefix}override_reason_error"' in page and "typed" in page
    assert GOOD_PLAN["means_safety"] in page  # nothing typed is lost
    data[f"{prefix}override_reason"] = "Ideation was last month; now future-oriented, supported."
    assert client.post(url, data).status_code == 302
    assert RiskAssessment.objects.get().is_override


# ---- a safety plan that says something --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x",
        "X.",
        "none",
        "None.",
        "n/a",
        "N/A",
        "na",
        "see notes",
        "as above",
        "...",
        "x x x x x x",
        "ok ok",
        "tbd",
        "-",
        "12",
    ],
)
def test_a_placeholder_safety_plan_step_is_refused(text) -> None:
    assert safety_plan_step_error(text)


@pytest.mark.parametrize(
    "text", ["Call 988", "Mom 555-0100", "Walk the dog", "Sister Ana; the library", "Text 741741"]
)
def test_a_short_real_safety_plan_step_is_accepted(text) -> None:
    assert safety_plan_step_error(text) == ""


def test_every_plan_step_is_kept_under_its_heading(cast) -> None:
    assessment = _close(_alert(cast), cast, NEGATIVE, "low")
    assert assessment.means_safety == GOOD_PLAN["means_safety"]
    assert "Making the environment safe (means safety): Medicines locked" in assessment.safety_plan


# ---- the alert page -------------------------------------------------------------------------


def _safety_page(client, cast) -> str:
    client.force_login(cast.physician)
    return client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()


def test_the_screener_answers_are_kept_and_shown_on_the_closed_alert(client, cast) -> None:
    _close(_alert(cast), cast, INTENT_ONLY, "high")
    page = _safety_page(client, cast)
    assert "Intent, without plan (past month): Yes" in page
    assert "Thoughts of method (past month): No" in page
    assert "triage Imminent risk" in page


def test_the_alert_page_names_the_triggering_item_and_answer(client, cast) -> None:
    services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="qids_sr16",
        answers={"q12": 2},
        source=STAFF,
        entered_by=cast.nurse,
    )
    page = _safety_page(client, cast)
    assert "Item 12 (Thoughts of death or suicide): <strong>2</strong>" in page
    assert "QIDS-SR16 item 12 (Thoughts of death or suicide) answered 2" in page
    assert "Quick Inventory of Depressive Symptomatology, Self-Report (QIDS-…" not in page
    assert "not finished (not scored)" in page


def test_a_phq9_trigger_shows_the_answer_wording(client, cast) -> None:
    submit(cast, item9=3)
    page = _safety_page(client, cast)
    assert "Item 9 (Thoughts of death or self-harm): <strong>Nearly every day</strong>" in page


def test_a_cssrs_alert_shows_its_triage_never_total_none(client, cast) -> None:
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=INTENT_AND_PLAN,
        source=STAFF,
        entered_by=cast.nurse,
    )
    page = _safety_page(client, cast)
    assert "total None" not in page and "None" not in page.split("History")[0].split("<h1")[1]
    assert "not scored; triage Imminent risk" in page


def test_a_changed_item9_answer_is_traced(client, cast) -> None:
    """Item 9 answered 2 (alert), then changed to 0 before sending: both are shown."""
    draft = services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q1": 1, "q9": 2},
        source=STAFF,
        entered_by=cast.nurse,
    )
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": 1 for i in range(1, 9)} | {"q9": 0},
        source=STAFF,
        entered_by=cast.nurse,
        response=draft,
    )
    alert = SafetyAlert.objects.get()
    assert alert.is_open and alert.trigger_answers == {"q9": 2}
    detail = selectors.alert_detail(alert)
    assert detail.changed_since
    assert [shown.value for _at, shown in detail.history] == [2, 0]
    page = _safety_page(client, cast)
    assert "Changed after the alert was raised; the alert stays open" in page
    assert "item 9 → More than half the days" in page and "item 9 → Not at all" in page


def test_the_before_any_infusion_banner_shows_once_for_several_alerts(client, cast) -> None:
    submit(cast, item9=1)
    submit(cast, item9=2)
    page = _safety_page(client, cast)
    assert page.count("Before any infusion") == 1
    assert "2 suicidality answers are waiting" in page
    record = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert record.count("Safety alert open.") == 1


def test_a_nurse_entered_screener_fills_in_the_assessment(client, cast) -> None:
    alert = _alert(cast)
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=WISH_ONLY,
        source=STAFF,
        entered_by=cast.nurse,
    )
    page = _safety_page(client, cast)
    prefix = f"alert-{alert.pk}-"
    assert "Filled in from the C-SSRS screener" in page
    assert is_checked(page, f"id_{prefix}q1_1") and is_checked(page, f"id_{prefix}q2_0")


def test_a_cssrs_alert_prefills_its_own_answers(client, cast) -> None:
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="cssrs_screener",
        answers=INTENT_AND_PLAN,
        source=STAFF,
        entered_by=cast.nurse,
    )
    alert = SafetyAlert.objects.get()
    page = _safety_page(client, cast)
    assert is_checked(page, f"id_alert-{alert.pk}-q5_1")
