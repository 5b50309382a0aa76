"""Late and repeated posts on the patient's link pages are harmless, and the thank-you page
follows the stored answers (issue 8, item 3).

The fault: a save that arrives after "Send my answers" (a late autosave, a second tap, a
"finish later" from another tab) reached the response service after the questionnaire was
completed and failed with a server error; and the thank-you page read a session flag that a
late request could overwrite. Each kind is tried here with several inputs.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.urls import reverse

from infusionist.measurements import patient_pages, services
from infusionist.measurements.models import QuestionnaireResponse, SafetyAlert
from infusionist.measurements.services.responses import questionnaire_response_submit

DOB = {"month": "4", "day": "12", "year": "1985"}
ANSWER, SAVE, DONE = "questionnaire:answer", "questionnaire:answer_save", "questionnaire:done"


def phq9(item9: int = 0) -> dict[str, str]:
    return {f"q{i}": "1" for i in range(1, 9)} | {"q9": str(item9)}


@pytest.fixture
def verified(client, cast):
    """A verified link session; returns the link."""
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    link, token = services.link_issue(assignment=assignment, channel="email")
    assert client.post(reverse("questionnaire:start", args=[token]), DOB).status_code == 302
    return link


LATE_POSTS = [
    pytest.param(SAVE, {"q1": "2"}, {"HTTP_X_AUTOSAVE": "1"}, id="late-autosave"),
    pytest.param(SAVE, {"q9": "3"}, {"HTTP_X_AUTOSAVE": "1"}, id="late-autosave-crisis-answer"),
    pytest.param(SAVE, {}, {"HTTP_X_AUTOSAVE": "1"}, id="late-empty-autosave"),
    pytest.param(SAVE, {"q1": "2"}, {}, id="late-finish-later"),
    pytest.param(ANSWER, phq9(), {}, id="second-send"),
    pytest.param(ANSWER, phq9(item9=2), {}, id="second-send-with-other-answers"),
    pytest.param(ANSWER, {"q1": "\x00"}, {}, id="second-send-hostile"),
]


@pytest.mark.parametrize(("name", "data", "headers"), LATE_POSTS)
def test_a_post_after_sending_is_harmless(client, verified, name, data, headers) -> None:
    assert client.post(reverse(ANSWER), phq9()).status_code == 302
    late = client.post(reverse(name), data, **headers)
    assert late.status_code < 500
    if headers:
        assert late.status_code == 200
        assert late.json() == {
            "saved": False,
            "crisis": False,
            "completed": True,
            "done_url": reverse(DONE),
        }
    else:
        assert late.status_code == 302 and late["Location"] == reverse(DONE)
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.total, stored.flags) == ("completed", 8, [])
    assert not SafetyAlert.objects.exists()


def test_a_late_autosave_reports_the_urgent_state_of_what_was_sent(client, verified) -> None:
    client.post(reverse(ANSWER), phq9(item9=1))
    late = client.post(reverse(SAVE), {"q9": "0"}, HTTP_X_AUTOSAVE="1")
    assert late.json()["completed"] is True and late.json()["crisis"] is True


def _completing_first(real):
    """Wrap a response service so that the questionnaire is sent just before it runs.

    This is the race itself: the view saw an open questionnaire, then a concurrent "Send"
    committed before this save took its lock, so the service finds it completed.
    """

    def racing(**kwargs):
        questionnaire_response_submit(
            patient=kwargs["patient"],
            instrument_code="phq9",
            answers={f"q{i}": 1 for i in range(1, 9)} | {"q9": 2},
            source=QuestionnaireResponse.Source.PATIENT_LINK,
            assignment=kwargs["assignment"],
        )
        return real(**kwargs)

    return racing


@pytest.mark.parametrize(
    ("name", "data", "headers", "service"),
    [
        (SAVE, {"q1": "2"}, {"HTTP_X_AUTOSAVE": "1"}, "questionnaire_response_save"),
        (SAVE, {"q1": "2"}, {}, "questionnaire_response_save"),
        (ANSWER, phq9(), {}, "questionnaire_response_submit"),
    ],
)
def test_a_save_that_loses_the_race_to_send_is_harmless(
    client, verified, monkeypatch, name, data, headers, service
) -> None:
    monkeypatch.setattr(services, service, _completing_first(getattr(services, service)))
    response = client.post(reverse(name), data, **headers)
    assert response.status_code < 500
    if headers:
        assert response.json()["completed"] is True and response.json()["crisis"] is True
    else:
        assert response["Location"] == reverse(DONE)
    # The thank-you page follows what was stored: the racing "Send" had a crisis answer.
    done = client.get(reverse(DONE)).content.decode()
    assert "You told us you have had thoughts of death or hurting yourself" in done


def test_two_first_saves_at_once_keep_one_response(client, verified, monkeypatch) -> None:
    """PostgreSQL: both saves find no response and insert; the loser saves onto the winner's."""
    real = services.questionnaire_response_save
    calls = []

    def first_insert_conflicts(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            real(**{**kwargs, "answers": {"q2": 1}})  # the other request's insert commits
            raise IntegrityError("UNIQUE constraint failed: measurements_questionnaireresponse")
        return real(**kwargs)

    monkeypatch.setattr(services, "questionnaire_response_save", first_insert_conflicts)
    response = client.post(reverse(SAVE), {"q1": "2"}, HTTP_X_AUTOSAVE="1")
    assert response.json() == {"saved": True, "crisis": False}
    assert QuestionnaireResponse.objects.get().answers == {"q1": 2}


@pytest.mark.parametrize("late", ["autosave", "finish-later", "second-send"])
def test_the_urgent_thank_you_always_follows_a_flagged_answer(client, verified, late) -> None:
    """The thank-you page reads the stored response, never a flag a late request overwrote."""
    assert client.post(reverse(ANSWER), phq9(item9=1)).status_code == 302
    if late == "autosave":
        client.post(reverse(SAVE), {"q9": "0"}, HTTP_X_AUTOSAVE="1")
    elif late == "finish-later":
        client.post(reverse(SAVE), {"q9": "0"})
    else:
        client.post(reverse(ANSWER), phq9(item9=0))
    # What an old session could still say after a late request saved it.
    session = client.session
    session["mbc_flagged"] = False
    session.save()
    done = client.get(reverse(DONE)).content.decode()
    assert "You told us you have had thoughts of death or hurting yourself" in done
    assert 'role="alert"' in done


def test_twenty_quick_flagged_submissions_all_get_the_urgent_page(client, cast) -> None:
    for _ in range(20):
        assignment = services.assignment_create_manual(
            patient=cast.patient, instrument_code="phq9", actor=cast.nurse
        )
        _, token = services.link_issue(assignment=assignment, channel="sms")
        client.post(reverse("questionnaire:start", args=[token]), DOB)
        client.post(reverse(SAVE), {"q9": "2"}, HTTP_X_AUTOSAVE="1")
        client.post(reverse(ANSWER), phq9(item9=2))
        client.post(reverse(SAVE), {"q9": "2"}, HTTP_X_AUTOSAVE="1")  # a late one
        done = client.get(reverse(DONE)).content.decode()
        assert "You told us you have had thoughts of death or hurting yourself" in done
    assert SafetyAlert.objects.count() == 20


def test_an_unflagged_answer_after_a_flagged_draft_gets_the_ordinary_thank_you(
    client, verified
) -> None:
    client.post(reverse(SAVE), {"q9": "2"}, HTTP_X_AUTOSAVE="1")
    client.post(reverse(ANSWER), phq9(item9=0))
    done = client.get(reverse(DONE)).content.decode()
    assert "Thank you — your answers were sent" in done
    assert "You told us you have had thoughts" not in done
    assert "If you are thinking about hurting yourself, help is available now" in done


def test_a_save_after_the_session_ended_answers_json(client, db) -> None:
    response = client.post(reverse(SAVE), {"q1": "1"}, HTTP_X_AUTOSAVE="1")
    assert response.status_code == 403
    assert response.json() == {"saved": False, "session_ended": True}


def test_an_invalid_autosave_answers_json_without_saving(client, verified) -> None:
    response = client.post(reverse(SAVE), {"q1": "7", "q2": "\x00"}, HTTP_X_AUTOSAVE="1")
    assert response.status_code == 422 and response.json() == {"saved": False, "crisis": False}
    assert not QuestionnaireResponse.objects.exists()


def test_an_empty_first_save_writes_nothing(client, verified) -> None:
    response = client.post(reverse(SAVE), {}, HTTP_X_AUTOSAVE="1")
    assert response.json() == {"saved": True, "crisis": False}
    assert not QuestionnaireResponse.objects.exists()


def test_the_done_page_before_sending_returns_to_the_questionnaire(client, verified) -> None:
    response = client.get(reverse(DONE))
    assert response.status_code == 302 and response["Location"] == reverse(ANSWER)


def test_the_urgent_decision_reads_only_a_sent_response(cast) -> None:
    draft = services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q9": 2},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
    )
    assert draft.has_suicidality_flag and not patient_pages.urgent_after(draft)
    assert not patient_pages.urgent_after(None)


@pytest.mark.django_db(transaction=True)
def test_sends_and_saves_at_the_same_moment_never_fail(cast) -> None:
    """Real concurrency (PostgreSQL): a send, a second send and two autosaves in one instant."""
    import threading

    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database does not serve concurrent requests")
    for run in range(8):
        assignment = services.assignment_create_manual(
            patient=cast.patient, instrument_code="phq9", actor=cast.nurse
        )
        _, token = services.link_issue(assignment=assignment, channel="sms")
        first = Client()
        first.post(reverse("questionnaire:start", args=[token]), DOB)
        posts = [
            (ANSWER, phq9(item9=1 + run % 3), {}),
            (ANSWER, phq9(item9=1), {}),
            (SAVE, {"q1": "3"}, {"HTTP_X_AUTOSAVE": "1"}),
            (SAVE, {"q9": "0"}, {"HTTP_X_AUTOSAVE": "1"}),
        ]
        barrier = threading.Barrier(len(posts))
        outcomes: list[object] = []

        def post(name, data, headers, outcomes=outcomes, barrier=barrier, first=first):
            client = Client()
            client.cookies = first.cookies
            try:
                barrier.wait()
                outcomes.append(client.post(reverse(name), data, **headers).status_code)
            except Exception as exc:  # a 500 re-raised by the test client
                outcomes.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=p) for p in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(isinstance(o, int) and o < 500 for o in outcomes), outcomes
        stored = QuestionnaireResponse.objects.get(assignment=assignment)
        assert stored.status == "completed" and stored.has_suicidality_flag
        done = first.get(reverse(DONE)).content.decode()
        assert "You told us you have had thoughts of death or hurting yourself" in done
