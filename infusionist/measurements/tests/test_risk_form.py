"""The risk-assessment form and staff entry: C-SSRS branching, clearing answers, unique ids."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infusionist.lib import instruments
from infusionist.measurements.forms import RiskAssessmentForm, StaffEntryForm
from infusionist.measurements.models import QuestionnaireResponse, SafetyAlert
from infusionist.measurements.tests.html_checks import id_problems, is_checked
from infusionist.measurements.tests.safety_plans import plan_post
from infusionist.measurements.tests.test_views import submit

CSSRS = instruments.get("cssrs_screener")
ALL_NO = {link_id: "0" for link_id in ("q1", "q2", "q3", "q4", "q5", "q6", "q6b")}


def _alerts(cast, n: int = 1) -> list[SafetyAlert]:
    for _ in range(n):
        submit(cast, item9=1)
    return list(SafetyAlert.objects.order_by("pk"))


def _close(client, cast, alert, answers: dict[str, str], **extra: str):
    prefix = f"alert-{alert.pk}-"
    data = {f"{prefix}{key}": value for key, value in answers.items()}
    data |= {f"{prefix}risk_level": "low", **plan_post(prefix)}
    data |= {f"{prefix}{key}": value for key, value in extra.items()}
    return client.post(reverse("measurements:alert_close", args=[cast.patient.pk, alert.pk]), data)


def _screener() -> QuestionnaireResponse:
    return QuestionnaireResponse.objects.get(instrument_code="cssrs_screener")


# ---- branching: "No" to every question closes the alert ---------------------------------------


@pytest.mark.parametrize(
    ("answers", "stored"),
    [
        # The case: "No" to all seven, the conditional ones included.
        (ALL_NO, {"q1": 0, "q2": 0, "q6": 0}),
        # The conditional questions left unanswered, as the flow asks.
        ({"q1": "0", "q2": "0", "q6": "0"}, {"q1": 0, "q2": 0, "q6": 0}),
        # Some conditional "No"s answered, others cleared.
        (
            {"q1": "0", "q2": "0", "q3": "0", "q4": "", "q6": "0", "q6b": "0"},
            {"q1": 0, "q2": 0, "q6": 0},
        ),
        # Q1 yes is a positive screen; Q3-Q5 still not asked.
        ({**ALL_NO, "q1": "1"}, {"q1": 1, "q2": 0, "q6": 0}),
        # Q2 yes: Q3-Q5 are asked and kept; Q6 no drops a "No" to Q6b.
        (
            {**ALL_NO, "q1": "1", "q2": "1"},
            {"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0},
        ),
        # Q6 yes: Q6b is asked and kept.
        ({**ALL_NO, "q6": "1"}, {"q1": 0, "q2": 0, "q6": 1, "q6b": 0}),
    ],
)
def test_consistent_answers_close_the_alert(client, cast, answers, stored) -> None:
    (alert,) = _alerts(cast)
    client.force_login(cast.physician)
    response = _close(client, cast, alert, answers)
    assert response.status_code == 302, response.content.decode()[:2000]
    alert.refresh_from_db()
    assert alert.status == "closed"
    assert _screener().answers == stored


@pytest.mark.parametrize(
    ("answers", "item", "controller"),
    [
        ({**ALL_NO, "q4": "1"}, "q4", "2"),  # intent, although no suicidal thoughts
        ({**ALL_NO, "q3": "1"}, "q3", "2"),
        ({**ALL_NO, "q5": "1", "q1": "1"}, "q5", "2"),
        ({**ALL_NO, "q6b": "1"}, "q6b", "6"),  # recent behaviour, although none in a lifetime
    ],
)
def test_a_yes_to_a_question_not_asked_is_refused_beside_it_and_kept(
    client, cast, answers, item, controller
) -> None:
    (alert,) = _alerts(cast)
    client.force_login(cast.physician)
    response = _close(client, cast, alert, answers, notes="typed notes")
    assert response.status_code == 422
    page = response.content.decode()
    prefix = f"alert-{alert.pk}-"
    error = page.split(f'id="{prefix}{item}-error"')[1].split("</p>")[0]
    assert f"Asked only if question {controller} is “Yes”" in error
    assert "Not answered" in error
    assert is_checked(page, f"id_{prefix}{item}_1")  # the "Yes" typed is kept
    assert "typed notes" in page
    alert.refresh_from_db()
    assert alert.status == "open"
    assert not QuestionnaireResponse.objects.filter(instrument_code="cssrs_screener").exists()


# ---- clearing ---------------------------------------------------------------------------------


def test_every_item_has_a_not_answered_choice_checked_when_empty(client, cast) -> None:
    (alert,) = _alerts(cast)
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    prefix = f"alert-{alert.pk}-"
    for item in CSSRS.items:
        box = page.split(f'id="item-{prefix}{item.link_id}"')[1].split("</fieldset>")[0]
        assert "Not answered" in box
        assert f'name="{prefix}{item.link_id}" value=""' in box
        assert is_checked(page, f"id_{prefix}{item.link_id}_clear")


def test_clearing_an_answer_sends_it_as_not_answered(client, cast) -> None:
    (alert,) = _alerts(cast)
    client.force_login(cast.physician)
    # A cleared Q1 is missing, so the screener is incomplete: refused beside Q1, nothing lost.
    response = _close(client, cast, alert, {**ALL_NO, "q1": ""})
    assert response.status_code == 422
    page = response.content.decode()
    prefix = f"alert-{alert.pk}-"
    assert f'id="{prefix}q1-error"' in page and "Required: choose an answer." in page
    assert is_checked(page, f"id_{prefix}q1_clear")
    assert is_checked(page, f"id_{prefix}q2_0")
    # Clearing the refused "Yes" to a question not asked closes the alert.
    response = _close(client, cast, alert, {**ALL_NO, "q4": ""})
    assert response.status_code == 302


def test_the_form_treats_a_no_to_a_question_not_asked_as_not_asked() -> None:
    form = RiskAssessmentForm(
        {**ALL_NO, "risk_level": "low", **plan_post()}, instrument=CSSRS, wording={}
    )
    assert form.is_valid(), form.errors
    assert {k: v for k, v in form.answers().items() if v is not None} == {
        "q1": 0,
        "q2": 0,
        "q6": 0,
    }
    yes = RiskAssessmentForm({**ALL_NO, "q5": "1"}, instrument=CSSRS, wording={})
    yes.is_valid()
    assert yes.answers()["q5"] == 1  # kept, for the library to refuse beside the item
    unknown = RiskAssessmentForm({"q3": "0"}, instrument=CSSRS, wording={})
    unknown.is_valid()
    assert unknown.answers()["q3"] == 0  # Q2 not answered yet: nothing is dropped


def test_items_say_when_they_are_asked(client, cast) -> None:
    _alerts(cast)
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    assert page.count("Asked only if question 2 is “Yes”.") == 3
    assert page.count("Asked only if question 6 is “Yes”.") == 1
    assert 'data-asked-when-value="1"' in page
    assert "measurements/staff_items.js" in page


# ---- two open alerts: one form each, every id unique ------------------------------------------


def test_two_open_alerts_render_two_forms_with_unique_ids(client, cast) -> None:
    first, second = _alerts(cast, 2)
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    assert id_problems(page) == []
    for alert in (first, second):
        url = reverse("measurements:alert_close", args=[cast.patient.pk, alert.pk])
        assert page.count(f'action="{url}"') == 1
        assert f'name="alert-{alert.pk}-q1"' in page


def test_ids_stay_unique_when_one_of_two_forms_shows_errors(client, cast) -> None:
    first, second = _alerts(cast, 2)
    client.force_login(cast.physician)
    response = _close(client, cast, second, {"q1": "1", "q4": "1", "q2": "0"}, warning_signs="")
    assert response.status_code == 422
    page = response.content.decode()
    assert id_problems(page) == []
    assert f'id="form-errors-{second.pk}"' in page
    assert f'id="form-errors-{first.pk}"' not in page  # the other alert's form is untouched
    assert f'id="alert-{second.pk}-q4-error"' in page
    assert f'id="id_alert-{second.pk}-warning_signs_error"' in page
    # What was typed is in the posted alert's form only.
    assert is_checked(page, f"id_alert-{second.pk}-q1_1")
    assert is_checked(page, f"id_alert-{first.pk}-q1_clear")
    assert not is_checked(page, f"id_alert-{first.pk}-q1_1")
    # Closing one leaves the other open.
    assert _close(client, cast, second, ALL_NO).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("open", "closed")


def test_id_checker_finds_duplicates_and_dangling_references() -> None:
    page = (
        '<form><input type="radio" name="q1" id="a"><label for="b">x</label></form>'
        '<form><input type="radio" name="q1" id="a"></form>'
    )
    problems = id_problems(page)
    assert "duplicate id 'a' (2×)" in problems
    assert "<label for='b'> names no element" in problems
    assert "radio group 'q1' is in 2 forms" in problems


# ---- the staff entry page shares the items ------------------------------------------------------


def _enter(client, cast, code: str, data: dict[str, str], *, save: bool = False):
    name = "measurements:enter_save" if save else "measurements:enter"
    return client.post(reverse(name, args=[cast.patient.pk, code]), data)


@pytest.mark.parametrize(
    ("answers", "stored", "risk"),
    [
        (ALL_NO, {"q1": 0, "q2": 0, "q6": 0}, 0),
        ({**ALL_NO, "q2": "1"}, {"q1": 0, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}, 1),
        ({**ALL_NO, "q6": "1", "q6b": "1"}, {"q1": 0, "q2": 0, "q6": 1, "q6b": 1}, 2),
    ],
)
def test_staff_cssrs_entry_follows_the_branching(client, cast, answers, stored, risk) -> None:
    client.force_login(cast.nurse)
    response = _enter(client, cast, "cssrs_screener", answers)
    assert response.status_code == 302
    saved = _screener()
    assert saved.answers == stored and saved.subscores == {"risk_level": risk}


def test_staff_cssrs_entry_refuses_a_yes_not_asked_beside_it(client, cast) -> None:
    client.force_login(cast.nurse)
    response = _enter(client, cast, "cssrs_screener", {**ALL_NO, "q5": "1"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="q5-error"' in page and "Asked only if question 2 is “Yes”" in page
    assert id_problems(page) == []
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("code", ["phq9", "gad7", "cssrs_screener", "madrs", "qids_sr16"])
def test_entry_pages_have_unique_ids_and_a_clear_choice_per_item(client, cast, code) -> None:
    client.force_login(cast.nurse)
    page = client.get(reverse("measurements:enter", args=[cast.patient.pk, code])).content.decode()
    assert id_problems(page) == []
    assert page.count("Not answered") == len(instruments.get(code).items)
    # And after a refused post, errors included.
    response = _enter(client, cast, code, {"q1": "99"})
    assert response.status_code == 422
    assert id_problems(response.content.decode()) == []


def test_a_saved_answer_can_be_cleared_from_the_draft(client, cast) -> None:
    client.force_login(cast.nurse)
    _enter(client, cast, "phq9", {"q1": "3", "q2": "2"}, save=True)
    draft = QuestionnaireResponse.objects.get()
    assert draft.answers == {"q1": 3, "q2": 2}
    page = client.get(
        reverse("measurements:enter", args=[cast.patient.pk, "phq9"])
    ).content.decode()
    assert is_checked(page, "id_q1_3") and not is_checked(page, "id_q1_clear")
    _enter(client, cast, "phq9", {"q1": "", "q2": "2"}, save=True)
    draft.refresh_from_db()
    assert draft.answers == {"q2": 2} and draft.status == "in_progress"


def test_the_entry_form_drops_a_no_not_asked_only_for_branching_items() -> None:
    form = StaffEntryForm({"q1": "0", "q9": "0"}, instrument=instruments.get("phq9"))
    assert form.is_valid()
    assert form.answers()["q1"] == 0 and form.answers()["q9"] == 0


def _fieldset_tag(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"')[1].split(">")[0]


def test_items_not_asked_are_rendered_hidden_and_shown_without_a_script(client, cast) -> None:
    (alert,) = _alerts(cast)
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    prefix = f"item-alert-{alert.pk}-"
    for item in ("q3", "q4", "q5", "q6b"):
        assert " hidden" in _fieldset_tag(page, prefix + item)
    for item in ("q1", "q2", "q6"):
        assert " hidden" not in _fieldset_tag(page, prefix + item)
    assert "<noscript><style>.mbc-staff-items .mbc-item[hidden] { display: block; }" in page
    # Q2 "Yes" asks Q3-Q5: after a refused post (no risk level) they are in view, required.
    response = _close(client, cast, alert, {"q1": "1", "q2": "1", "q6": "0"}, risk_level="")
    page = response.content.decode()
    for item in ("q3", "q4", "q5"):
        assert " hidden" not in _fieldset_tag(page, prefix + item)
        assert f'id="alert-{alert.pk}-{item}-error"' in page
    assert " hidden" in _fieldset_tag(page, prefix + "q6b")
    # A "Yes" kept on a question no longer asked stays in view with its error.
    response = _close(client, cast, alert, {**ALL_NO, "q5": "1"})
    page = response.content.decode()
    assert " hidden" not in _fieldset_tag(page, prefix + "q5")
    assert " hidden" in _fieldset_tag(page, prefix + "q3")  # a "No" there is not asked
