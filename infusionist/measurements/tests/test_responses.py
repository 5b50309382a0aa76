"""Storing responses: exact scores, partial answers kept but never scored, baselines and change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.lib import instruments
from infusionist.measurements import selectors, services
from infusionist.measurements.models import MeasurementSettings, QuestionnaireResponse

STAFF = QuestionnaireResponse.Source.STAFF


def phq9_total(total: int) -> dict[str, int]:
    """Return PHQ-9 answers with this total and item 9 = 0."""
    answers = {f"q{i}": 0 for i in range(1, 10)}
    left = total
    for i in range(1, 9):
        answers[f"q{i}"] = min(3, left)
        left -= answers[f"q{i}"]
    assert left == 0
    return answers


def record(cast, total: int, days_ago: int, code: str = "phq9") -> QuestionnaireResponse:
    answers = phq9_total(total) if code == "phq9" else {f"q{i}": 0 for i in range(1, 8)}
    return services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code=code,
        answers=answers,
        source=STAFF,
        actor=cast.nurse,
        entered_by=cast.nurse,
        completed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_a_complete_response_is_scored_exactly_and_audited(cast) -> None:
    response = record(cast, 12, 0)
    response.refresh_from_db()
    assert response.status == "completed"
    assert (response.total, response.severity_code) == (12, "moderate")
    assert response.instrument_version == "1.0.0"
    assert response.entered_by == cast.nurse and response.source == "staff"
    event = AuditEvent.objects.get(object_type="questionnaire_response", object_id=str(response.pk))
    assert event.action == "create" and event.patient == cast.patient
    assert "q1" not in str(event.detail)  # no answers in the audit trail


def test_partial_answers_are_kept_but_never_scored(cast) -> None:
    partial = services.questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q1": 2, "q2": 3, "q3": None},
        source=STAFF,
        actor=cast.nurse,
        entered_by=cast.nurse,
    )
    partial.refresh_from_db()
    assert partial.status == "in_progress"
    assert partial.answers == {"q1": 2, "q2": 3}
    assert partial.total is None and partial.completed_at is None and partial.severity_code == ""
    assert (
        selectors.trajectories(patient=cast.patient, measurement_settings=MeasurementSettings())
        == []
    )
    # Finishing it later completes the same row.
    done = services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers=phq9_total(5),
        source=STAFF,
        actor=cast.nurse,
        entered_by=cast.nurse,
        response=partial,
    )
    assert done.pk == partial.pk and done.total == 5


def test_partial_answers_are_still_validated(cast) -> None:
    with pytest.raises(instruments.InvalidAnswers) as exc:
        services.questionnaire_response_save(
            patient=cast.patient,
            instrument_code="phq9",
            answers={"q1": 9},
            source=STAFF,
            entered_by=cast.nurse,
        )
    assert set(exc.value.errors) == {"q1"}
    assert not QuestionnaireResponse.objects.exists()


def test_incomplete_submission_names_missing_items_and_writes_nothing(cast) -> None:
    with pytest.raises(instruments.InvalidAnswers) as exc:
        services.questionnaire_response_submit(
            patient=cast.patient,
            instrument_code="gad7",
            answers={"q1": 1},
            source=STAFF,
            entered_by=cast.nurse,
        )
    assert set(exc.value.errors) == {f"q{i}" for i in range(2, 8)}
    assert not QuestionnaireResponse.objects.exists()


def test_staff_entries_must_record_who_entered_them(cast) -> None:
    with pytest.raises(ValueError, match="who entered"):
        services.questionnaire_response_submit(
            patient=cast.patient, instrument_code="phq9", answers=phq9_total(3), source=STAFF
        )


def test_a_completed_response_cannot_be_changed(cast) -> None:
    response = record(cast, 3, 0)
    with pytest.raises(ValueError, match="already completed"):
        services.questionnaire_response_save(
            patient=cast.patient,
            instrument_code="phq9",
            answers={"q1": 0},
            source=STAFF,
            entered_by=cast.nurse,
            response=response,
        )


def test_response_and_remission_against_the_first_score(cast) -> None:
    for total, days in [(20, 30), (12, 20), (10, 10), (4, 1)]:
        record(cast, total, days)
    (trajectory,) = selectors.trajectories(
        patient=cast.patient, measurement_settings=MeasurementSettings()
    )
    assert trajectory.baseline.total == 20
    assert [p.is_response for p in trajectory.points] == [None, False, True, True]
    assert [p.pct_change for p in trajectory.points] == [None, -40.0, -50.0, -80.0]
    assert [p.is_remission for p in trajectory.points] == [False, False, False, True]
    assert trajectory.response_threshold == 10
    assert trajectory.remission_max == 4
    assert trajectory.loss_of_response is False


def test_clinic_settings_change_response_and_remission(cast) -> None:
    record(cast, 20, 10)
    record(cast, 11, 1)
    settings = MeasurementSettings(response_reduction_pct=45, remission_max_phq9=11)
    (trajectory,) = selectors.trajectories(patient=cast.patient, measurement_settings=settings)
    assert trajectory.latest.is_response is True
    assert trajectory.latest.is_remission is True


def test_loss_of_response_after_two_consecutive_non_responding_scores(cast) -> None:
    for total, days in [(20, 40), (8, 30), (12, 20), (14, 10)]:
        record(cast, total, days)
    (trajectory,) = selectors.trajectories(
        patient=cast.patient, measurement_settings=MeasurementSettings()
    )
    assert trajectory.loss_of_response is True
    three = MeasurementSettings(loss_of_response_consecutive=3)
    (trajectory,) = selectors.trajectories(patient=cast.patient, measurement_settings=three)
    assert trajectory.loss_of_response is False


def test_an_explicitly_chosen_baseline_replaces_the_first_score(cast) -> None:
    record(cast, 8, 30)
    chosen = record(cast, 22, 20)
    record(cast, 10, 1)
    services.baseline_choose(response=chosen, actor=cast.physician)
    (trajectory,) = selectors.trajectories(
        patient=cast.patient, measurement_settings=MeasurementSettings()
    )
    assert trajectory.baseline.total == 22 and trajectory.baseline_chosen
    assert trajectory.latest.is_response is True
    assert trajectory.points[0].pct_change is None  # before the baseline: not compared
    # Choosing another baseline moves the flag (one per instrument).
    services.baseline_choose(
        response=QuestionnaireResponse.objects.get(total=8), actor=cast.physician
    )
    assert QuestionnaireResponse.objects.filter(is_chosen_baseline=True).count() == 1


def test_trajectories_are_per_instrument(cast) -> None:
    record(cast, 10, 5)
    record(cast, 0, 4, code="gad7")
    codes = [
        t.code
        for t in selectors.trajectories(
            patient=cast.patient, measurement_settings=MeasurementSettings()
        )
    ]
    assert codes == ["phq9", "gad7"]


def test_a_completion_time_in_the_future_is_refused(cast) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        record(cast, 3, -2)
