"""The patient's link: date of birth first (rate-limited, audited), expiry, single use, crisis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.measurements import services
from infusionist.measurements.models import AccessLink, QuestionnaireResponse, SafetyAlert

DOB = {"month": "4", "day": "12", "year": "1985"}  # the cast patient's date of birth
WRONG = {"month": "4", "day": "13", "year": "1985"}


@pytest.fixture
def link(cast):
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    record, token = services.link_issue(assignment=assignment, channel="email")
    return record, reverse("questionnaire:start", args=[token])


def phq9(item9: int = 0) -> dict[str, str]:
    return {f"q{i}": "1" for i in range(1, 9)} | {"q9": str(item9)}


def verified(client, link):
    record, url = link
    response = client.post(url, DOB)
    assert response.status_code == 302 and response["Location"] == reverse("questionnaire:answer")
    return record


def test_the_token_is_stored_only_as_a_digest(link) -> None:
    record, url = link
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 40
    assert token not in record.token_sha256
    assert not AccessLink.objects.filter(token_sha256=token).exists()


def test_it_asks_for_the_date_of_birth_before_the_questionnaire(client, link) -> None:
    _, url = link
    page = client.get(url).content.decode()
    assert "date of birth" in page and "Thoughts that you would be better off dead" not in page
    assert "988" in page and "741741" in page and "911" in page
    assert client.get(reverse("questionnaire:answer")).status_code == 403


def test_completing_the_questionnaire(client, cast, link) -> None:
    record = verified(client, link)
    page = client.get(reverse("questionnaire:answer")).content.decode()
    assert "Little interest or pleasure in doing things" in page
    assert "not monitored in real time" in page
    response = client.post(reverse("questionnaire:answer"), phq9() | {"action": "submit"})
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get()
    assert (saved.total, saved.source, saved.status) == (8, "patient_link", "completed")
    assert saved.assignment.status == "completed"
    record.refresh_from_db()
    assert record.used_at is not None
    done = client.get(reverse("questionnaire:done")).content.decode()
    assert "Thank you" in done and "not monitored in real time" in done
    assert AuditEvent.objects.filter(
        object_type="questionnaire_response", patient=cast.patient, actor=None
    ).exists()


def test_item9_shows_crisis_resources_at_once(client, link) -> None:
    verified(client, link)
    response = client.post(reverse("questionnaire:answer"), phq9(item9=1) | {"action": "submit"})
    done = client.get(response["Location"]).content.decode()
    assert "You told us you have had thoughts of death or hurting yourself" in done
    assert 'href="tel:988"' in done and "741741" in done and 'href="tel:911"' in done
    assert "not monitored in real time" in done
    assert done.index("thoughts of death") < done.index("Thank you")
    assert SafetyAlert.objects.count() == 1


def test_missing_answers_are_shown_beside_the_item_and_nothing_is_lost(client, link) -> None:
    verified(client, link)
    answers = phq9()
    del answers["q4"]
    response = client.post(reverse("questionnaire:answer"), answers | {"action": "submit"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="q4-error"' in page and "Please choose an answer to this question." in page
    assert (
        'value="1" id="id_q3_1" checked' in page
        or "checked" in page.split('id="item-q3"')[1].split("</fieldset>")[0]
    )
    assert QuestionnaireResponse.objects.get().status == "in_progress"


def test_partial_answers_are_saved_and_restored(client, link) -> None:
    verified(client, link)
    client.post(reverse("questionnaire:answer_save"), {"q1": "2", "q2": "3"})
    saved = QuestionnaireResponse.objects.get()
    assert saved.status == "in_progress" and saved.answers == {"q1": 2, "q2": 3}
    page = client.get(reverse("questionnaire:answer")).content.decode()
    fieldset = page.split('id="item-q2"')[1].split("</fieldset>")[0]
    assert 'value="3"' in fieldset and "checked" in fieldset


def test_autosave_answers_json_and_reports_crisis(client, link) -> None:
    verified(client, link)
    response = client.post(reverse("questionnaire:answer_save"), {"q9": "2"}, HTTP_X_AUTOSAVE="1")
    assert response.json() == {"saved": True, "crisis": True}


def test_a_used_link_is_refused(client, link) -> None:
    _, url = link
    verified(client, link)
    client.post(reverse("questionnaire:answer"), phq9() | {"action": "submit"})
    response = client.get(url)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert client.post(url, DOB).status_code == 410


def test_an_expired_link_is_refused_and_audited(client, link) -> None:
    record, url = link
    AccessLink.objects.filter(pk=record.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get(url)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert AuditEvent.objects.filter(
        object_type="questionnaire_link", outcome="denied", detail__reason="expired"
    ).exists()


def test_an_unknown_token_is_404(client, db) -> None:
    assert client.get(reverse("questionnaire:start", args=["nope"])).status_code == 404


def test_wrong_dates_of_birth_are_audited_and_lock_the_link(client, settings, link) -> None:
    settings.MEASUREMENT_LINK_DOB_MAX_ATTEMPTS = 3
    record, url = link
    first = client.post(url, WRONG)
    assert first.status_code == 422
    assert (
        "does not match" in first.content.decode()
        and "Attempts left before this link locks: 2" in first.content.decode()
    )
    client.post(url, WRONG)
    locked = client.post(url, WRONG)
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    # Even the right date no longer opens it.
    assert client.post(url, DOB).status_code == 429
    record.refresh_from_db()
    assert record.locked_at is not None and record.verified_at is None
    denied = AuditEvent.objects.filter(object_type="questionnaire_link", outcome="denied")
    assert denied.filter(detail__reason="wrong_date_of_birth").count() == 3
    assert all(e.patient_id == record.assignment.patient_id for e in denied)


def test_many_wrong_dates_from_one_address_are_rate_limited(client, cast, settings) -> None:
    settings.MEASUREMENT_LINK_DOB_MAX_ATTEMPTS = 1
    statuses = []
    for _ in range(5):
        assignment = services.assignment_create_manual(
            patient=cast.patient, instrument_code="gad7", actor=cast.nurse
        )
        _, token = services.link_issue(assignment=assignment, channel="email")
        statuses.append(
            client.post(reverse("questionnaire:start", args=[token]), WRONG).status_code
        )
    assert statuses[-1] == 429
    assert AuditEvent.objects.filter(detail__reason="rate_limited").exists()


def test_invalid_dates_are_explained(client, link) -> None:
    _, url = link
    response = client.post(url, {"month": "13", "day": "40", "year": "85"})
    assert response.status_code == 422
    assert "Enter a real date" in response.content.decode()
    assert AccessLink.objects.get().failed_attempts == 0


def test_spanish_patients_get_spanish_pages(client, cast, link) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    _, url = link
    page = client.get(url).content.decode()
    assert "Primero, confirme que es usted" in page
    verified(client, link)
    page = client.get(reverse("questionnaire:answer")).content.decode()
    assert "Poco interés o placer en hacer cosas" in page
    assert "Ningún día" in page and "no se vigilan en tiempo real" in page
    client.post(reverse("questionnaire:answer"), phq9() | {"action": "submit"})
    assert QuestionnaireResponse.objects.get().language == "es"


def test_link_pages_are_not_cached(client, link) -> None:
    _, url = link
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]
