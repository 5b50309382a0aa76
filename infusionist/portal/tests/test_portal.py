"""The patient's own pages: where sign-in lands, what the home shows, answering in the portal."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from infusionist.measurements import services
from infusionist.measurements.models import Assignment, QuestionnaireResponse, SafetyAlert
from infusionist.test import PASSWORD, TOTP_SECRET

PHQ9_MILD = {f"q{i}": "1" for i in range(1, 9)} | {"q9": "0"}


def _assign(cast, code: str = "phq9", patient=None, **fields) -> Assignment:
    assignment = services.assignment_create_manual(
        patient=patient or cast.patient, instrument_code=code, actor=cast.nurse
    )
    if fields:
        Assignment.objects.filter(pk=assignment.pk).update(**fields)
        assignment.refresh_from_db()
    return assignment


def _totp_code() -> str:
    import time

    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


# ---- where a patient lands ------------------------------------------------------------------


def test_a_patient_who_signs_in_lands_on_their_own_home(client, cast) -> None:
    response = client.post(
        reverse("account_login"), {"login": "alice@test.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Hello, Alice" in page.content.decode()


def test_staff_who_sign_in_land_on_today(client, cast) -> None:
    response = client.post(
        reverse("account_login"), {"login": "frontdesk@test.example", "password": PASSWORD}
    )
    assert response["Location"] == reverse("today:index")


def test_a_patient_with_an_authenticator_lands_on_their_home_after_the_code(client, cast) -> None:
    TOTP.activate(cast.patient_user, TOTP_SECRET)
    response = client.post(
        reverse("account_login"), {"login": "alice@test.example", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code()})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_a_clinician_lands_on_today_after_the_code(client, cast) -> None:
    client.post(reverse("account_login"), {"login": "nurse@test.example", "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code()})
    assert response["Location"] == reverse("today:index")


@pytest.mark.parametrize(
    ("who", "home"),
    [("patient_user", "portal:home"), ("frontdesk", "today:index"), ("physician", "today:index")],
)
def test_the_root_address_opens_the_roles_home(client, cast, who: str, home: str) -> None:
    client.force_login(getattr(cast, who))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse(home)
    assert client.get(response["Location"]).status_code == 200


def test_the_root_address_asks_a_visitor_to_sign_in(client, db) -> None:
    response = client.get("/")
    assert response["Location"] == reverse("account_login")


@pytest.mark.parametrize(
    "name", ["today:index", "patients:list", "measurements:alerts", "administration:locations"]
)
def test_staff_pages_refuse_a_patient_with_a_link_to_their_own_home(client, cast, name) -> None:
    client.force_login(cast.patient_user)
    response = client.get(reverse(name))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is for clinic staff" in page
    assert f'href="{reverse("portal:home")}"' in page
    assert "Go to Today" not in page and f'href="{reverse("today:index")}"' not in page
    assert "Your role cannot open this page" not in page


def test_staff_refusals_still_offer_today(client, cast) -> None:
    client.force_login(cast.nurse)
    page = client.get(reverse("administration:audit_report")).content.decode()
    assert "Your role cannot open this page" in page and "Go to Today" in page


def test_the_brand_link_leads_a_patient_home(client, cast) -> None:
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert f'class="brand" href="{reverse("portal:home")}"' in page


@pytest.mark.parametrize("name", ["portal:home", "portal:answer", "portal:done"])
def test_staff_cannot_open_the_portal(client, cast, name) -> None:
    assignment = _assign(cast)
    args = [] if name == "portal:home" else [assignment.pk]
    for user in cast.staff().values():
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 403


# ---- the home page ----------------------------------------------------------------------------


def test_the_home_lists_the_patients_open_questionnaires_to_start_or_resume(client, cast) -> None:
    fresh = _assign(cast, "gad7")
    started = _assign(cast, "phq9")
    services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q1": 2, "q2": 1},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
        assignment=started,
    )
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Generalized Anxiety Disorder-7 (GAD-7)" in page
    assert "Patient Health Questionnaire-9 (PHQ-9)" in page
    assert f'href="{reverse("portal:answer", args=[fresh.pk])}"' in page
    assert f'href="{reverse("portal:answer", args=[started.pk])}"' in page
    assert "Started: 2 of 10 questions answered." in page and "Not started yet." in page
    assert ">Continue<" in page and ">Start<" in page
    assert "988" in page and "741741" in page and "911" in page
    assert page.count("not monitored in real time") == 1  # said once, in the crisis panel


def test_the_home_shows_nothing_that_is_not_the_patients_own(client, cast) -> None:
    mine = _assign(cast, "gad7")
    other = _assign(cast, "phq9", patient=cast.other_patient)
    outsider_physician = User.objects.create_user(
        "phys@other.example", PASSWORD, role=Role.PHYSICIAN, organization=cast.other_org
    )
    foreign = services.assignment_create_manual(
        patient=cast.outsider_patient, instrument_code="phq9", actor=outsider_physician
    )
    later = _assign(cast, "pcl5", available_at=timezone.now() + dt.timedelta(days=2))
    later.due_at = later.available_at + dt.timedelta(days=1)
    later.save(update_fields=["due_at"])
    cancelled = _assign(cast, "pcl5", status=Assignment.Status.CANCELLED)
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:answer", args=[mine.pk]) in page
    for hidden in (other, foreign, later, cancelled):
        assert reverse("portal:answer", args=[hidden.pk]) not in page
    assert "Bruno" not in page and "Olga" not in page
    assert "QIDS" not in page and "PCL-5" not in page


def test_the_home_says_when_nothing_is_open(client, cast) -> None:
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "You have no questionnaires to answer right now." in page
    assert "(541) 555-0199" in page  # the clinic's phone


def test_a_patient_login_without_a_record_gets_a_plain_page(client, cast) -> None:
    loner = User.objects.create_user(
        "loner@test.example", PASSWORD, role=Role.PATIENT, organization=cast.org
    )
    client.force_login(loner)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "not linked to your clinic record" in response.content.decode()
    assignment = _assign(cast)
    assert client.get(reverse("portal:answer", args=[assignment.pk])).status_code == 404


def test_opening_the_home_is_audited_with_the_patient(client, cast) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    client.get(reverse("portal:home"))
    event = AuditEvent.objects.get(actor=cast.patient_user, action="view")
    assert event.patient_id == cast.patient.pk and event.object_type == "measurement_assignment"
    assert event.detail == {"page": "portal_home", "open": [assignment.pk]}


@pytest.mark.parametrize("n", [1, 6])
def test_the_home_has_a_fixed_query_budget(client, cast, n, django_assert_num_queries) -> None:
    for i in range(n):
        assignment = _assign(cast, "gad7" if i % 2 else "phq9")
        if i % 3 == 0:
            services.questionnaire_response_save(
                patient=cast.patient,
                instrument_code=assignment.instrument_code,
                answers={"q1": 1},
                source=QuestionnaireResponse.Source.PATIENT_PORTAL,
                actor=cast.patient_user,
                assignment=assignment,
            )
    client.force_login(cast.patient_user)
    client.get(reverse("portal:home"))  # the clinic's time zone is then kept in the session
    # 1 session, 2 user (+organization: its name, logo digest, phone and crisis wording for
    # the header and the crisis panel), 3 the patient's preferred language, 4 the patient record
    # (+organization), 5 open questionnaires (+their responses), 6 consent settings, 7 current
    # consent versions, 8 the patient's consent signatures, 9-11 the intake card (packet,
    # baseline answers, baseline requests), 12 audit event, 13 savepoint, 14 session save,
    # 15 release savepoint
    with django_assert_num_queries(15):
        assert client.get(reverse("portal:home")).status_code == 200


# ---- answering in the portal -------------------------------------------------------------------


def test_answering_in_the_portal_is_the_link_page_saved_as_the_patient(client, cast) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:answer", args=[assignment.pk])).content.decode()
    assert "Little interest or pleasure in doing things" in page
    assert 'data-crisis-at-least="1"' in page and 'id="crisisq9"' in page
    assert f'data-save-url="{reverse("portal:answer_save", args=[assignment.pk])}"' in page
    assert "measurements/questionnaire.js" in page
    saved = client.post(
        reverse("portal:answer_save", args=[assignment.pk]), {"q1": "2"}, HTTP_X_AUTOSAVE="1"
    )
    assert saved.json() == {"saved": True, "crisis": False}
    draft = QuestionnaireResponse.objects.get()
    assert draft.source == "patient_portal" and draft.answers == {"q1": 2}
    event = AuditEvent.objects.filter(object_type="questionnaire_response").latest("id")
    assert event.actor_id == cast.patient_user.pk and event.patient_id == cast.patient.pk
    sent = client.post(reverse("portal:answer_send", args=[assignment.pk]), PHQ9_MILD)
    assert sent.status_code == 302
    assert sent["Location"] == reverse("portal:done", args=[assignment.pk])
    draft.refresh_from_db()
    assert (draft.status, draft.total, draft.source) == ("completed", 8, "patient_portal")
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    done = client.get(sent["Location"]).content.decode()
    assert "Thank you — your answers were sent" in done
    assert "You told us you have had thoughts" not in done
    assert AuditEvent.objects.filter(
        actor=cast.patient_user, action="view", object_type="questionnaire", patient=cast.patient
    ).exists()


def test_missing_answers_in_the_portal_are_pointed_out_and_kept(client, cast) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    answers = dict(PHQ9_MILD)
    del answers["q4"]
    response = client.post(reverse("portal:answer_send", args=[assignment.pk]), answers)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="q4-error"' in page and "Please choose an answer to this question." in page
    assert QuestionnaireResponse.objects.get().answers["q3"] == 1


def test_save_and_finish_later_goes_home_and_the_home_offers_to_continue(client, cast) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    response = client.post(reverse("portal:answer_save", args=[assignment.pk]), {"q1": "3"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home")).content.decode()
    assert "Started: 1 of 10 questions answered." in home
    page = client.get(reverse("portal:answer", args=[assignment.pk])).content.decode()
    fieldset = page.split('id="item-q1"')[1].split("</fieldset>")[0]
    assert 'value="3"' in fieldset and "checked" in fieldset


def test_a_crisis_answer_in_the_portal_alerts_a_clinician_and_the_thank_you_is_urgent(
    client, cast
) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    saved = client.post(
        reverse("portal:answer_save", args=[assignment.pk]), {"q9": "1"}, HTTP_X_AUTOSAVE="1"
    )
    assert saved.json() == {"saved": True, "crisis": True}
    assert SafetyAlert.objects.count() == 1  # raised from the partial answers already
    client.post(reverse("portal:answer_send", args=[assignment.pk]), PHQ9_MILD | {"q9": "2"})
    done = client.get(reverse("portal:done", args=[assignment.pk])).content.decode()
    assert "You told us you have had thoughts of death or hurting yourself" in done
    assert done.index("thoughts of death") < done.index("Thank you")
    assert SafetyAlert.objects.count() == 1


@pytest.mark.parametrize("name", ["portal:answer", "portal:done"])
def test_another_patients_questionnaire_is_404(client, cast, name) -> None:
    theirs = _assign(cast, patient=cast.other_patient)
    client.force_login(cast.patient_user)
    assert client.get(reverse(name, args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize("name", ["portal:answer_send", "portal:answer_save"])
def test_another_patients_questionnaire_cannot_be_answered(client, cast, name) -> None:
    theirs = _assign(cast, patient=cast.other_patient)
    client.force_login(cast.patient_user)
    assert client.post(reverse(name, args=[theirs.pk]), PHQ9_MILD).status_code == 404
    assert client.post(reverse(name, args=[999999]), PHQ9_MILD).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_a_cancelled_or_future_questionnaire_is_closed_harmlessly(client, cast) -> None:
    cancelled = _assign(cast, status=Assignment.Status.CANCELLED)
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:answer", args=[cancelled.pk]))
    assert page.status_code == 200 and "This questionnaire is not open" in page.content.decode()
    late = client.post(
        reverse("portal:answer_save", args=[cancelled.pk]), {"q1": "1"}, HTTP_X_AUTOSAVE="1"
    )
    assert late.status_code == 409 and late.json() == {"saved": False, "closed": True}
    assert client.post(reverse("portal:answer_send", args=[cancelled.pk]), PHQ9_MILD).status_code
    assert not QuestionnaireResponse.objects.exists()


def test_a_post_after_the_session_ended_returns_to_the_questionnaire(client, cast) -> None:
    assignment = _assign(cast)
    response = client.post(reverse("portal:answer_send", args=[assignment.pk]), PHQ9_MILD)
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?next={reverse('portal:answer', args=[assignment.pk])}"
    )
    autosave = client.post(
        reverse("portal:answer_save", args=[assignment.pk]), {"q1": "1"}, HTTP_X_AUTOSAVE="1"
    )
    assert autosave.status_code == 401 and autosave.json() == {"saved": False, "signed_out": True}


def test_the_done_page_of_an_unsent_questionnaire_offers_to_continue(client, cast) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:done", args=[assignment.pk])).content.decode()
    assert "This questionnaire has not been sent yet" in page
    assert reverse("portal:answer", args=[assignment.pk]) in page


def test_a_questionnaire_sent_by_link_shows_as_sent_in_the_portal(client, cast) -> None:
    assignment = _assign(cast)
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": 0 for i in range(1, 10)},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
        assignment=assignment,
    )
    client.force_login(cast.patient_user)
    response = client.get(reverse("portal:answer", args=[assignment.pk]))
    assert response["Location"] == reverse("portal:done", args=[assignment.pk])
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:answer", args=[assignment.pk]) not in home


def test_the_portal_never_answers_for_another_patient_even_if_the_service_is_asked(cast) -> None:
    from django.core.exceptions import PermissionDenied

    assignment = _assign(cast, patient=cast.other_patient)
    with pytest.raises(PermissionDenied):
        services.questionnaire_response_save(
            patient=cast.other_patient,
            instrument_code="phq9",
            answers={"q1": 1},
            source=QuestionnaireResponse.Source.PATIENT_PORTAL,
            actor=cast.patient_user,
            assignment=assignment,
        )


# ---- crisis resources at once, in the portal too (item 2) ------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("code", ["phq9", "qids_sr16", "madrs", "cssrs_screener"])
def test_each_crisis_item_has_its_panel_in_the_portal(client, cast, code, lang) -> None:
    from infusionist.lib import instruments
    from infusionist.measurements.tests.test_patient_crisis import (
        HEADINGS,
        crisis_panels,
        open_assignment,
    )

    cast.patient.preferred_language = lang
    cast.patient.save(update_fields=["preferred_language"])
    assignment = open_assignment(cast.patient, code)
    client.force_login(cast.patient_user)
    html = client.get(reverse("portal:answer", args=[assignment.pk])).content.decode()
    instrument = instruments.get(code)
    thresholds = instrument.crisis_thresholds(instruments.resolve_params(instrument, {}))
    assert crisis_panels(html) == {k: str(v) for k, v in thresholds.items()}
    assert html.count(HEADINGS[lang]) == len(thresholds)
    assert 'role="alert" aria-live="assertive"' in html


# ---- late and repeated posts (item 3) ---------------------------------------------------------

LATE = [
    pytest.param("portal:answer_save", {"q1": "2"}, {"HTTP_X_AUTOSAVE": "1"}, id="late-autosave"),
    pytest.param("portal:answer_save", {"q9": "3"}, {"HTTP_X_AUTOSAVE": "1"}, id="late-crisis"),
    pytest.param("portal:answer_save", {"q1": "2"}, {}, id="late-finish-later"),
    pytest.param("portal:answer_send", PHQ9_MILD, {}, id="second-send"),
    pytest.param("portal:answer_send", {"q1": "\x00"}, {}, id="second-send-hostile"),
]


@pytest.mark.parametrize(("name", "data", "headers"), LATE)
def test_a_post_after_sending_in_the_portal_is_harmless(client, cast, name, data, headers) -> None:
    assignment = _assign(cast)
    client.force_login(cast.patient_user)
    client.post(reverse("portal:answer_send", args=[assignment.pk]), PHQ9_MILD)
    late = client.post(reverse(name, args=[assignment.pk]), data, **headers)
    done_url = reverse("portal:done", args=[assignment.pk])
    if headers:
        assert late.status_code == 200
        assert late.json() == {
            "saved": False,
            "crisis": False,
            "completed": True,
            "done_url": done_url,
        }
    else:
        assert late.status_code == 302 and late["Location"] == done_url
    stored = QuestionnaireResponse.objects.get()
    assert (stored.status, stored.total, stored.flags) == ("completed", 8, [])


def test_a_portal_save_that_loses_the_race_to_send_is_harmless(client, cast, monkeypatch) -> None:
    from infusionist.measurements.services.responses import questionnaire_response_submit

    assignment = _assign(cast)
    real = services.questionnaire_response_save

    def racing(**kwargs):
        questionnaire_response_submit(
            patient=cast.patient,
            instrument_code="phq9",
            answers={f"q{i}": 1 for i in range(1, 9)} | {"q9": 1},
            source=QuestionnaireResponse.Source.PATIENT_PORTAL,
            actor=cast.patient_user,
            assignment=assignment,
        )
        return real(**kwargs)

    monkeypatch.setattr(services, "questionnaire_response_save", racing)
    client.force_login(cast.patient_user)
    late = client.post(
        reverse("portal:answer_save", args=[assignment.pk]), {"q1": "0"}, HTTP_X_AUTOSAVE="1"
    )
    assert late.status_code == 200 and late.json()["completed"] is True
    done = client.get(reverse("portal:done", args=[assignment.pk])).content.decode()
    assert "You told us you have had thoughts of death or hurting yourself" in done


def test_twenty_quick_flagged_portal_submissions_all_get_the_urgent_page(client, cast) -> None:
    client.force_login(cast.patient_user)
    for _ in range(20):
        assignment = _assign(cast)
        args = [assignment.pk]
        client.post(reverse("portal:answer_save", args=args), {"q9": "1"}, HTTP_X_AUTOSAVE="1")
        client.post(reverse("portal:answer_send", args=args), PHQ9_MILD | {"q9": "1"})
        client.post(reverse("portal:answer_save", args=args), {"q9": "0"}, HTTP_X_AUTOSAVE="1")
        done = client.get(reverse("portal:done", args=args)).content.decode()
        assert "You told us you have had thoughts of death or hurting yourself" in done


def test_demo_patients_have_questionnaires_to_answer_in_their_language(
    client, db, settings
) -> None:
    from django.core.management import call_command

    from infusionist.patients.models import Patient

    call_command("seed_demo", "--quiet")
    call_command("seed_demo", "--quiet")
    first = Patient.objects.get(email="patient1@demo.example")
    spanish = Patient.objects.filter(preferred_language="es", user__isnull=False).order_by("id")[0]
    for patient in (first, spanish):
        assert Assignment.objects.filter(patient=patient, status="pending").count() >= 2
    client.post(
        reverse("account_login"), {"login": spanish.email, "password": settings.DEMO_PASSWORD}
    )
    page = client.get("/", follow=True).content.decode()
    assert "Sus cuestionarios" in page and "Empezar" in page


@pytest.mark.django_db(transaction=True)
def test_portal_sends_and_saves_at_the_same_moment_never_fail(cast) -> None:
    """Real concurrency (PostgreSQL): two sends and two autosaves in one instant."""
    import threading

    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database does not serve concurrent requests")
    first = Client()
    first.force_login(cast.patient_user)
    for run in range(6):
        assignment = _assign(cast)
        args = [assignment.pk]
        posts = [
            ("portal:answer_send", PHQ9_MILD | {"q9": str(1 + run % 3)}, {}),
            ("portal:answer_send", PHQ9_MILD | {"q9": "1"}, {}),
            ("portal:answer_save", {"q1": "3"}, {"HTTP_X_AUTOSAVE": "1"}),
            ("portal:answer_save", {"q9": "0"}, {"HTTP_X_AUTOSAVE": "1"}),
        ]
        barrier = threading.Barrier(len(posts))
        outcomes: list[object] = []

        def post(name, data, headers, outcomes=outcomes, barrier=barrier, args=args):
            client = Client()
            client.cookies = first.cookies
            try:
                barrier.wait()
                outcomes.append(client.post(reverse(name, args=args), data, **headers).status_code)
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
        assert stored.source == "patient_portal"
        done = first.get(reverse("portal:done", args=args)).content.decode()
        assert "You told us you have had thoughts of death or hurting yourself" in done


def test_a_questionnaire_finished_in_the_portal_is_the_portals(client, cast) -> None:
    """Started from an emailed link, finished signed in: recorded and shown as the portal."""
    assignment = _assign(cast)
    services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q1": 2},
        source=QuestionnaireResponse.Source.PATIENT_LINK,
        assignment=assignment,
    )
    client.force_login(cast.patient_user)
    sent = client.post(reverse("portal:answer_send", args=[assignment.pk]), PHQ9_MILD)
    assert sent.status_code == 302
    response = QuestionnaireResponse.objects.get()
    assert (response.status, response.source) == ("completed", "patient_portal")
    assert response.get_source_display() == "Patient, in the portal"
    event = AuditEvent.objects.filter(object_type="questionnaire_response").latest("id")
    assert event.detail["source"] == "patient_portal"
    assert event.detail["source_before"] == "patient_link"
