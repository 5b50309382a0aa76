"""A staff-entered completion time is checked: not in the future, not before the patient's date
of birth, and more than a year ago only when confirmed with a reason; charts show the year when
the scores are not all in the current year.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.measurements import services
from infusionist.measurements.charts import _date_formats
from infusionist.measurements.forms import STAFF_ENTRY_MAX_AGE_DAYS
from infusionist.measurements.models import QuestionnaireResponse

GAD7 = {f"q{i}": "1" for i in range(1, 8)}
REASON = "Paper GAD-7 from her previous clinic, scanned into the chart today."


def _post(client, cast, when: str, **extra: str):
    client.force_login(cast.nurse)
    url = reverse("measurements:enter", args=[cast.patient.pk, "gad7"])
    return client.post(url, GAD7 | {"completed_at": when, **extra})


@pytest.fixture
def toddler(cast):
    """The reviewer's patient: three years old."""
    cast.patient.date_of_birth = timezone.localdate().replace(month=1, day=15) - dt.timedelta(
        days=3 * 365
    )
    cast.patient.save(update_fields=["date_of_birth"])
    return cast


def _ago(cast, days: int) -> str:
    """A completion time typed in the clinic's time zone, ``days`` ago."""
    when = timezone.now().astimezone(cast.location.tzinfo) - dt.timedelta(days=days)
    return f"{when:%Y-%m-%dT%H:%M}"


@pytest.mark.parametrize("when", ["1990-01-01T09:00", "1900-06-01T00:00", "2000-12-31T23:59"])
def test_the_reviewers_1990_date_before_birth_is_refused(client, toddler, when) -> None:
    response = _post(client, toddler, when)
    assert response.status_code == 422
    page = response.content.decode()
    assert "before the patient&#x27;s date of birth" in page or "before the patient's date" in page
    assert 'id="id_completed_at_error"' in page and when in page  # kept as typed
    assert not QuestionnaireResponse.objects.exists()


def test_a_date_before_birth_is_refused_even_if_confirmed(client, toddler) -> None:
    response = _post(
        client, toddler, "1990-01-01T09:00", confirm_old_date="on", old_date_reason=REASON
    )
    assert response.status_code == 422
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("days", [STAFF_ENTRY_MAX_AGE_DAYS + 1, 400, 700])
def test_an_old_date_needs_a_confirmation_and_a_reason(client, cast, days) -> None:
    when = _ago(cast, days)
    first = _post(client, cast, when)
    assert first.status_code == 422
    page = first.content.decode()
    assert "Check the year" in page and 'name="confirm_old_date"' in page
    assert not QuestionnaireResponse.objects.exists()
    placeholder = _post(client, cast, when, confirm_old_date="on", old_date_reason="x")
    assert placeholder.status_code == 422
    assert 'id="id_old_date_reason_error"' in placeholder.content.decode()
    done = _post(client, cast, when, confirm_old_date="on", old_date_reason=REASON)
    assert done.status_code == 302
    response = QuestionnaireResponse.objects.get()
    event = AuditEvent.objects.filter(
        object_type="questionnaire_response", object_id=response.pk
    ).latest("id")
    assert event.detail["completed_at_reason"] == REASON


@pytest.mark.parametrize("days", [0, 1, 30, STAFF_ENTRY_MAX_AGE_DAYS - 1])
def test_a_date_within_the_window_needs_no_confirmation(client, cast, days) -> None:
    assert _post(client, cast, _ago(cast, days)).status_code == 302


@pytest.mark.parametrize("days", [1, 400])
def test_a_future_date_is_refused(client, cast, days) -> None:
    when = f"{timezone.localtime() + dt.timedelta(days=days):%Y-%m-%dT%H:%M}"
    response = _post(client, cast, when)
    assert response.status_code == 422
    assert "cannot be in the future" in response.content.decode()


def test_the_service_refuses_a_date_before_birth(toddler) -> None:
    with pytest.raises(ValidationError):
        services.questionnaire_response_submit(
            patient=toddler.patient,
            instrument_code="gad7",
            answers={f"q{i}": 1 for i in range(1, 8)},
            source="staff",
            entered_by=toddler.nurse,
            completed_at=dt.datetime(1990, 1, 1, 9, tzinfo=dt.UTC),
        )


def test_chart_dates_show_the_year_unless_all_in_this_year() -> None:
    now = timezone.now()
    this_year = timezone.localtime(now).replace(month=6, day=1)
    assert _date_formats(this_year, this_year + dt.timedelta(days=20)) == ("%b %-d", "%b %-d")
    last_year = this_year.replace(year=this_year.year - 1)
    assert _date_formats(last_year, last_year + dt.timedelta(days=20))[0] == "%b %-d, %Y"
    day, tick = _date_formats(this_year.replace(year=1990), this_year)
    assert "%Y" in day and "%Y" in tick


def test_the_patient_chart_labels_an_old_score_with_its_year(client, cast) -> None:
    old = timezone.now() - dt.timedelta(days=500)
    for when in (old, timezone.now()):
        services.questionnaire_response_submit(
            patient=cast.patient,
            instrument_code="gad7",
            answers={f"q{i}": 1 for i in range(1, 8)},
            source="staff",
            entered_by=cast.nurse,
            completed_at=when,
        )
    client.force_login(cast.physician)
    page = client.get(reverse("measurements:patient", args=[cast.patient.pk])).content.decode()
    # The page shows times in the clinic's zone, not the server's (they differ near midnight).
    assert f"7 on {timezone.localtime(old, cast.location.tzinfo):%b %-d, %Y}" in page
