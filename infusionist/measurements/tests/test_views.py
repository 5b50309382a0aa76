"""Staff pages: who sees what, outsiders refused, errors beside items, query budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.measurements import services
from infusionist.measurements.models import Assignment, QuestionnaireResponse, SafetyAlert
from infusionist.measurements.tests.safety_plans import plan_post
from infusionist.patients.models import Patient

PATIENT_PAGES = ["measurements:patient", "measurements:enter", "measurements:safety"]


def page_url(name: str, patient) -> str:
    if name == "measurements:enter":
        return reverse(name, args=[patient.pk, "phq9"])
    return reverse(name, args=[patient.pk])


def phq9(total_items: int = 1, item9: int = 0) -> dict[str, int]:
    return {f"q{i}": total_items for i in range(1, 9)} | {"q9": item9}


def submit(cast, patient=None, item9: int = 0, days_ago: int = 0) -> QuestionnaireResponse:
    return services.questionnaire_response_submit(
        patient=patient or cast.patient,
        instrument_code="phq9",
        answers=phq9(item9=item9),
        source="staff",
        entered_by=cast.nurse,
        completed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def overdue(cast, patient=None) -> Assignment:
    assignment = services.assignment_create_manual(
        patient=patient or cast.patient,
        instrument_code="phq9",
        actor=cast.nurse,
        now=timezone.now() - dt.timedelta(days=5),
    )
    return assignment


@pytest.mark.parametrize("name", PATIENT_PAGES)
def test_outsiders_get_404(client, cast, name) -> None:
    client.force_login(cast.nurse)
    assert client.get(page_url(name, cast.outsider_patient)).status_code == 404
    from allauth.mfa.totp.internal.auth import TOTP

    from infusionist.test import TOTP_SECRET

    outsider_nurse = cast.outsider
    outsider_nurse.role = "nurse"
    outsider_nurse.save(update_fields=["role"])
    TOTP.activate(outsider_nurse, TOTP_SECRET)
    client.force_login(outsider_nurse)
    assert client.get(page_url(name, cast.patient)).status_code == 404


def test_front_desk_sees_overdue_but_never_answers(client, cast) -> None:
    submit(cast, item9=2)
    overdue(cast)
    client.force_login(cast.frontdesk)
    for name in PATIENT_PAGES:
        assert client.get(page_url(name, cast.patient)).status_code == 403
    assert client.get(reverse("measurements:alerts")).status_code == 403
    page = client.get(reverse("measurements:overdue")).content.decode()
    assert "Alice Testpatient" in page and "PHQ9" not in page
    today = client.get(reverse("today:index")).content.decode()
    assert "Overdue questionnaires" in today and "Safety alerts" not in today


def test_the_patient_page_shows_the_trajectory_chart_and_table(client, cast) -> None:
    submit(cast, days_ago=20)
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": 0 for i in range(1, 10)},
        source="staff",
        entered_by=cast.nurse,
    )
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:patient", args=[cast.patient.pk])).content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "50% below baseline: 4" in page and "Remission ≤ 4" in page
    assert "<table>" in page and "-100%" in page
    assert "Response" in page and "Remission" in page
    assert AuditEvent.objects.filter(
        action="view", object_type="measurements", patient=cast.patient
    ).exists()


def test_staff_entry_shows_errors_beside_items_and_keeps_what_was_typed(client, cast) -> None:
    client.force_login(cast.nurse)
    url = reverse("measurements:enter", args=[cast.patient.pk, "phq9"])
    data = {f"q{i}": "2" for i in range(1, 8)}
    response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    for link_id in ("q8", "q9"):
        assert f'id="{link_id}-error"' in page
    q3 = page.split('id="item-q3"')[1].split("</fieldset>")[0]
    assert 'value="2"' in q3 and "checked" in q3
    assert not QuestionnaireResponse.objects.exists()


def test_staff_entry_is_recorded_as_on_behalf(client, cast) -> None:
    client.force_login(cast.nurse)
    url = reverse("measurements:enter", args=[cast.patient.pk, "gad7"])
    data = {f"q{i}": "0" for i in range(1, 8)}
    response = client.post(url, data)
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get()
    assert (saved.source, saved.entered_by, saved.total) == ("staff", cast.nurse, 0)


def test_staff_can_save_in_progress_and_continue(client, cast) -> None:
    client.force_login(cast.nurse)
    url = reverse("measurements:enter", args=[cast.patient.pk, "phq9"])
    client.post(reverse("measurements:enter_save", args=[cast.patient.pk, "phq9"]), {"q1": "3"})
    assert QuestionnaireResponse.objects.get().status == "in_progress"
    page = client.get(url).content.decode()
    assert "Continuing your unfinished entry" in page


def test_staff_item9_entry_goes_to_the_safety_page(client, cast) -> None:
    client.force_login(cast.nurse)
    url = reverse("measurements:enter", args=[cast.patient.pk, "phq9"])
    data = {k: str(v) for k, v in phq9(item9=1).items()}
    response = client.post(url, data)
    assert response["Location"] == reverse("measurements:safety", args=[cast.patient.pk])
    assert SafetyAlert.objects.count() == 1


def test_a_nurse_acknowledges_but_only_a_prescriber_closes(client, cast) -> None:
    submit(cast, item9=1)
    alert = SafetyAlert.objects.get()
    url = reverse("measurements:safety", args=[cast.patient.pk])
    acknowledge = reverse("measurements:alert_acknowledge", args=[cast.patient.pk, alert.pk])
    close = reverse("measurements:alert_close", args=[cast.patient.pk, alert.pk])
    client.force_login(cast.nurse)
    page = client.get(url).content.decode()
    assert "A provider or physician documents the risk assessment" in page
    client.post(acknowledge)
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == cast.nurse
    assert client.post(close).status_code == 403
    client.force_login(cast.provider)
    prefix = f"alert-{alert.pk}-"
    data = {
        f"{prefix}q1": "1",
        f"{prefix}q2": "0",
        f"{prefix}q6": "0",
        f"{prefix}risk_level": "low",
        **plan_post(prefix),
    }
    assert client.post(close, data).status_code == 302
    alert.refresh_from_db()
    assert alert.status == "closed" and alert.assessment.risk_level == "low"


def test_closing_without_an_assessment_shows_errors(client, cast) -> None:
    submit(cast, item9=1)
    alert = SafetyAlert.objects.get()
    client.force_login(cast.physician)
    url = reverse("measurements:alert_close", args=[cast.patient.pk, alert.pk])
    prefix = f"alert-{alert.pk}-"
    response = client.post(url, {f"{prefix}q1": "1", f"{prefix}notes": "kept"})
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="{prefix}q2-error"' in page and "kept" in page
    assert "Choose the risk level you assessed." in page
    assert "Write this step of the safety plan with the patient." in page
    alert.refresh_from_db()
    assert alert.status == "open"


def test_cssrs_licensed_wording_from_settings_is_shown(client, cast) -> None:
    from infusionist.measurements.models import MeasurementSettings

    MeasurementSettings.objects.create(
        organization=cast.org, cssrs_licensed_wording="q1: Licensed wording one"
    )
    submit(cast, item9=1)
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:safety", args=[cast.patient.pk])).content.decode()
    assert "Licensed wording one" in page and "Suicidal thoughts (past month)" in page


def test_today_shows_alerts_to_clinicians(client, cast) -> None:
    submit(cast, item9=1)
    client.force_login(cast.physician)
    page = client.get(reverse("today:index")).content.decode()
    assert "Safety alerts" in page and "Alice Testpatient" in page


def _many_patients(cast, n: int) -> None:
    for i in range(n):
        patient = Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC9{i:05d}",
            legal_first_name=f"P{i}",
            legal_last_name="Load",
            date_of_birth=dt.date(1980, 1, 1),
            sex_at_birth="female",
        )
        submit(cast, patient=patient, item9=1)
        overdue(cast, patient=patient)


@pytest.mark.parametrize("n", [1, 6])
def test_list_pages_and_today_have_fixed_query_budgets(
    client, cast, n, django_assert_num_queries
) -> None:
    _many_patients(cast, n)
    client.force_login(cast.physician)
    client.get(reverse("today:index"))  # warm the session's clinic time zone
    # 1 session, 2 user (+organization), 3 authenticator check, 4 open alerts (+patient,
    # clinician, response), 5 audit insert, 6 savepoint, 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        client.get(reverse("measurements:alerts"))
    # 1 session, 2 user, 3 authenticator check, 4 overdue (+patient), 5 audit insert,
    # 6 savepoint, 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        client.get(reverse("measurements:overdue"))
    # 1 session, 2 user, 3 authenticator check, 4 locations, 5 their hours, 6 their
    # closures, 7 open alerts, 8 overdue questionnaires, 9 clinical changes waiting for the
    # physician's signature, 10 recently opened patients, scheduling (11 locations, 12 today's
    # appointments, 13 chairs), 14 patients waiting for an eligibility decision, 15 approvals
    # whose intake changed, 16 view events naming the patients shown, 17 savepoint,
    # 18 session save, 19 release savepoint
    with django_assert_num_queries(21):  # + REMS forms due, + notes to co-sign
        client.get(reverse("today:index"))


@pytest.mark.parametrize("n", [2, 8])
def test_the_patient_page_has_a_fixed_query_budget(
    client, cast, n, django_assert_num_queries
) -> None:
    for day in range(n):
        submit(cast, days_ago=day)
        overdue(cast)
    client.force_login(cast.physician)
    client.get(reverse("today:index"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 patient, 5 measurement
    # profile, 6 default clinician (no profile yet), 7 measurement settings, 8 responses,
    # 9 audit insert, 10 assignments, 11 their links, 12 alerts, 13 clinician choices,
    # 14 savepoint, 15 session save, 16 release savepoint
    with django_assert_num_queries(16):
        client.get(reverse("measurements:patient", args=[cast.patient.pk]))
