"""Sending questionnaires: only worded instruments, languages shown and confirmed; where each
request stands; what a closed link says; short names for staff; the safety state before any
reassuring badge; a chart drawn for phones.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.lib import instruments
from infusionist.measurements import selectors, services
from infusionist.measurements.charts import NARROW_WIDTH, trajectory_chart
from infusionist.measurements.models import (
    AccessLink,
    Assignment,
    MeasurementProfile,
    MeasurementSettings,
    QuestionnaireResponse,
    SafetyAlert,
)
from infusionist.measurements.tests.safety_plans import GOOD_PLAN
from infusionist.measurements.tests.test_links import DOB

STAFF = QuestionnaireResponse.Source.STAFF
WORDLESS = [i.code for i in instruments.all_instruments() if not i.patient_languages()]


def _spanish(cast):
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    return cast.patient


def _send(client, cast, code: str, **extra: str):
    client.force_login(cast.nurse)
    return client.post(
        reverse("measurements:send", args=[cast.patient.pk]), {"instrument": code, **extra}
    )


def _page(client, cast, user=None) -> str:
    client.force_login(user or cast.nurse)
    return client.get(reverse("measurements:patient", args=[cast.patient.pk])).content.decode()


# ---- which instruments a patient can be sent ---------------------------------------------------


@pytest.mark.parametrize("instrument", instruments.all_instruments(), ids=lambda i: i.code)
def test_an_instrument_is_answerable_only_when_every_item_is_worded(instrument) -> None:
    for lang in instrument.patient_languages():
        for item in instrument.items:
            assert item.text.get(lang), (instrument.code, item.link_id, lang)
            labels = [option.label.get(lang, "") for option in item.options]
            values = [str(option.value) for option in item.options]
            worded = [label != value for label, value in zip(labels, values, strict=True)]
            assert all(labels) and worded[0] and worded[-1], (instrument.code, item.link_id)


def test_qids_ships_no_wording_so_it_is_not_sendable_but_phq9_is() -> None:
    assert instruments.get("qids_sr16").patient_languages() == ()
    assert instruments.get("phq9").patient_languages() == ("en", "es")
    assert instruments.get("pain_nrs").patient_languages() == ("en", "es")
    assert instruments.get("pcl5").patient_languages() == ("en",)
    assert "qids_sr16" in WORDLESS


@pytest.mark.parametrize("code", ["qids_sr16", "bpi_short", "madrs", "cssrs_screener"])
def test_an_instrument_without_patient_wording_cannot_be_sent(client, cast, code) -> None:
    response = _send(client, cast, code)
    assert response.status_code == 422
    assert "cannot be sent to patients" in response.content.decode() or (
        "Choose one of the questionnaires listed" in response.content.decode()
    )
    assert not Assignment.objects.exists()
    with pytest.raises(ValidationError):
        services.assignment_create_manual(
            patient=cast.patient, instrument_code=code, actor=cast.nurse
        )


def test_the_send_form_lists_languages_and_says_why_qids_is_not_sendable(client, cast) -> None:
    page = _page(client, cast)
    assert "PHQ-9 (English, Spanish)" in page and "PCL-5 (English)" in page
    assert 'value="qids_sr16"' not in page
    assert "QIDS-SR16 cannot be sent to patients" in page


def test_scheduling_a_wordless_instrument_is_refused() -> None:
    row = MeasurementSettings(scheduled_instruments="phq9,qids_sr16")
    with pytest.raises(ValidationError, match="qids_sr16 cannot be sent to patients"):
        row.full_clean(exclude=["organization"])


# ---- the patient's language -------------------------------------------------------------------


def test_an_english_only_questionnaire_for_a_spanish_patient_needs_confirmation(
    client, cast
) -> None:
    _spanish(cast)
    page = _page(client, cast)
    assert "PCL-5 (English) — not in the patient&#x27;s language (Spanish)" in page
    response = _send(client, cast, "pcl5")
    assert response.status_code == 422
    body = response.content.decode()
    assert "PCL-5 is available only in English; this patient prefers Spanish" in body
    assert 'name="confirm_language"' in body
    assert not Assignment.objects.exists()
    assert _send(client, cast, "pcl5", confirm_language="on").status_code == 302
    assignment = Assignment.objects.get()
    event = AuditEvent.objects.get(
        object_type="measurement_assignment", object_id=assignment.pk, action="create"
    )
    assert event.detail["patient_language"] == "es"
    assert event.detail["instrument_languages"] == ["en"]


@pytest.mark.parametrize("code", ["phq9", "gad7", "phq2", "pain_nrs"])
def test_a_questionnaire_in_the_patients_language_needs_no_confirmation(client, cast, code) -> None:
    _spanish(cast)
    assert _send(client, cast, code).status_code == 302


def test_the_service_refuses_a_language_mismatch_without_confirmation(cast) -> None:
    _spanish(cast)
    with pytest.raises(ValidationError, match="available only in English"):
        services.assignment_create_manual(
            patient=cast.patient, instrument_code="pcl5", actor=cast.nurse
        )


def test_the_spanish_patient_is_told_the_questions_are_in_english(client, cast) -> None:
    _spanish(cast)
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="pcl5", actor=cast.nurse, language_confirmed=True
    )
    _, token = services.link_issue(assignment=assignment, channel="email")
    client.post(reverse("questionnaire:start", args=[token]), DOB)
    page = client.get(reverse("questionnaire:answer")).content.decode()
    assert "solo están disponibles en inglés" in page
    assert "llame a su clínica" in page


# ---- where each request stands ------------------------------------------------------------------


def test_a_request_never_sent_does_not_say_waiting(client, cast) -> None:
    cast.patient.email = cast.patient.phone = ""
    cast.patient.save(update_fields=["email", "phone"])
    _send(client, cast, "phq9")
    page = _page(client, cast)
    assert "Never sent: no email or phone" in page
    assert "Waiting for the patient" not in page and "waiting for the patient" not in page


def test_a_request_for_a_paper_patient_says_never_sent(client, cast) -> None:
    MeasurementProfile.objects.create(patient=cast.patient, channel="none")
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    assert "Never sent" in _page(client, cast)


def test_a_sent_request_says_when_and_waits(client, cast) -> None:
    _send(client, cast, "phq9")
    assert "· waiting for the patient" in _page(client, cast)


def test_a_locked_link_does_not_say_waiting(client, cast, settings) -> None:
    _send(client, cast, "phq9")
    AccessLink.objects.update(locked_at=timezone.now(), failed_attempts=5)
    page = _page(client, cast)
    assert "Link locked after wrong dates of birth" in page
    assert "waiting for the patient" not in page


def test_an_expired_link_says_so(client, cast) -> None:
    _send(client, cast, "phq9")
    AccessLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert "Link expired: send a new link" in _page(client, cast)


def test_staff_see_short_names_never_internal_codes(client, cast) -> None:
    for code in ("phq9", "pcl5", "pain_nrs"):
        _send(client, cast, code)
    services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="qids_sr16",
        answers={"q12": 1},
        source=STAFF,
        entered_by=cast.nurse,
    )
    page = _page(client, cast, cast.physician)
    for shown in ("PHQ-9", "PCL-5", "Pain NRS"):
        assert shown in page
    for code in ("PHQ9", "PCL5", "PAIN_NRS", "QIDS_SR16", "pain_nrs ·"):
        assert code not in page
    client.force_login(cast.physician)
    for url in (reverse("measurements:alerts"), reverse("today:index")):
        listing = client.get(url).content.decode()
        assert "QIDS-SR16 item 12" in listing and "QIDS_SR16" not in listing


# ---- a closed link says why ------------------------------------------------------------------


def _link_page(client, cast, record_token) -> str:
    _, token = record_token
    return client.get(reverse("questionnaire:start", args=[token])).content.decode()


def test_a_questionnaire_answered_for_the_patient_does_not_claim_a_newer_link(client, cast) -> None:
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    issued = services.link_issue(assignment=assignment, channel="email")
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": 0 for i in range(1, 10)},
        source=STAFF,
        entered_by=cast.nurse,
    )
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED
    page = _link_page(client, cast, issued)
    assert "newer link" not in page and "your answers were received" in page


@pytest.mark.parametrize(
    "cancel",
    [
        lambda cast: services.measurement_infusion_recorded(
            patient=cast.patient, infusion_at=timezone.now()
        ),
        lambda cast: Assignment.objects.update(
            status=Assignment.Status.CANCELLED, cancelled_reason="no longer needed"
        ),
    ],
    ids=["superseded by an infusion", "cancelled without revoking"],
)
def test_a_cancelled_request_link_says_no_longer_needed(client, cast, cancel) -> None:
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    issued = services.link_issue(assignment=assignment, channel="email")
    cancel(cast)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    page = _link_page(client, cast, issued)
    assert "This questionnaire is no longer needed" in page and "newer link" not in page
    _spanish(cast)
    client.cookies.clear()
    assert "ya no es necesario" in _link_page(client, cast, issued)


def test_a_reminders_new_link_still_says_a_newer_link_was_sent(client, cast) -> None:
    assignment = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    first = services.link_issue(assignment=assignment, channel="email")
    services.link_issue(assignment=assignment, channel="email")
    assert "A newer link was sent to you" in _link_page(client, cast, first)


# ---- the portal lists the newest request of each questionnaire ---------------------------------


def test_the_portal_lists_only_the_newest_request_and_never_a_past_due_date(client, cast) -> None:
    now = timezone.now()
    older = services.assignment_create_manual(
        patient=cast.patient,
        instrument_code="phq9",
        actor=cast.nurse,
        now=now - dt.timedelta(days=5),
    )
    newer = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:answer", args=[newer.pk]) in page
    assert reverse("portal:answer", args=[older.pk]) not in page
    Assignment.objects.filter(pk=newer.pk).update(
        available_at=now - dt.timedelta(hours=3), due_at=now - dt.timedelta(hours=1)
    )
    page = client.get(reverse("portal:home")).content.decode()
    assert "You can still answer it." in page and "Please answer by" not in page


# ---- the safety state comes before any reassuring badge -----------------------------------------


def _phq9(cast, total_items: int, item9: int):
    return services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": total_items for i in range(1, 9)} | {"q9": item9},
        source=STAFF,
        entered_by=cast.nurse,
    )


def test_no_green_remission_badge_beside_an_open_suicidality_alert(client, cast) -> None:
    """The reviewer's case: PHQ-9 total 4 (remission range) with item 9 answered."""
    _phq9(cast, 0, 0)
    Assignment.objects.all().delete()
    _phq9(cast, 0, 1)  # total 1, in remission range, item 9 positive: alert
    page = _page(client, cast, cast.physician)
    assert '<span class="pill pill-ok">Remission</span>' not in page
    assert "Suicidality: safety alert open" in page
    assert page.index("Suicidality: safety alert open") < page.index("Score in remission range")
    assert "Score only: suicidality answer" in page  # the table's remission column too


@pytest.mark.parametrize(("items", "item9"), [(0, 1), (0, 3), (1, 2)])
def test_a_positive_crisis_item_after_closing_still_withholds_the_badge(
    client, cast, items, item9
) -> None:
    _phq9(cast, 3, 0)  # baseline 24
    _phq9(cast, items, item9)
    alert = SafetyAlert.objects.get()
    services.safety_alert_close(
        alert=alert,
        actor=cast.physician,
        cssrs_answers={"q1": 0, "q2": 0, "q6": 0},
        risk_level="low",
        plan_steps=GOOD_PLAN,
    )
    page = _page(client, cast, cast.physician)
    assert "Suicidality answer on the latest questionnaire" in page
    assert '<span class="pill pill-ok">' not in page


def test_the_badge_returns_once_the_latest_answers_are_clear(client, cast) -> None:
    _phq9(cast, 3, 0)
    _phq9(cast, 0, 1)
    services.safety_alert_close(
        alert=SafetyAlert.objects.get(),
        actor=cast.physician,
        cssrs_answers={"q1": 0, "q2": 0, "q6": 0},
        risk_level="low",
        plan_steps=GOOD_PLAN,
    )
    _phq9(cast, 0, 0)
    page = _page(client, cast, cast.physician)
    assert '<span class="pill pill-ok">Remission</span>' in page
    assert "Suicidality:" not in page


def test_the_safety_state_reads_open_alerts_and_latest_crisis_answers(cast) -> None:
    response = _phq9(cast, 0, 2)
    state = selectors.safety_state(
        alerts=list(selectors.alerts_for_patient(patient=cast.patient)), responses=[response]
    )
    assert state.unresolved and state.open_alerts == 1 and state.crisis_positive == {"phq9"}


# ---- the chart on a phone --------------------------------------------------------------------


def test_a_narrow_chart_is_drawn_for_phones(client, cast) -> None:
    _phq9(cast, 3, 0)
    _phq9(cast, 1, 0)
    page = _page(client, cast, cast.physician)
    assert f'viewBox="0 0 {NARROW_WIDTH} ' in page and "mbc-chart-narrow" in page
    trajectory = selectors.trajectories(
        patient=cast.patient, measurement_settings=MeasurementSettings()
    )[0]
    chart = trajectory_chart(trajectory, narrow=True)
    assert chart.width == NARROW_WIDTH and chart.plot_right <= NARROW_WIDTH
    assert all(0 <= tick.x <= NARROW_WIDTH for tick in chart.x_ticks)
