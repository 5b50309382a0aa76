"""Recording vital signs on a visit, the alerts they raise, and answering an alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Location
from infusionist.infusions import vitals as services
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import ChartSettings, Visit, VitalAlert, VitalSign
from infusionist.test import Cast

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 18, 0, tzinfo=dt.UTC)


def make_visit(cast: Cast, phase: str = Visit.Phase.INFUSING, **kw: Any) -> Visit:
    kw.setdefault("checked_in_at", NOW - dt.timedelta(minutes=30))
    return Visit.objects.create(
        organization=cast.org,
        location=cast.location,
        patient=cast.patient,
        scheduled_at=NOW - dt.timedelta(minutes=30),
        phase=phase,
        **kw,
    )


def record(
    visit: Visit,
    by: Any,
    minutes: float = 0,
    *,
    source: str = "nurse",
    **values: object,
) -> services.RecordedVital:
    return services.vital_record(
        visit=visit,
        values=values,
        measured_at=NOW + dt.timedelta(minutes=minutes),
        source=source,
        by=by,
        now=NOW + dt.timedelta(minutes=max(minutes, 0)),
    )


@pytest.fixture
def visit(cast: Cast) -> Visit:
    return make_visit(cast)


def test_a_reading_is_stored_with_its_stage_source_and_audit(cast: Cast, visit: Visit) -> None:
    result = record(visit, cast.nurse, systolic_mmhg="128", diastolic_mmhg=82, spo2_pct=98)
    assert result.created and result.alerts == [] and result.recheck is None
    vital = result.vital
    assert (vital.systolic_mmhg, vital.diastolic_mmhg, vital.spo2_pct) == (128, 82, 98)
    assert vital.heart_rate_per_min is None
    assert vital.stage == VitalSign.Stage.DURING and vital.source == "nurse"
    assert vital.recorded_by == cast.nurse and len(vital.fingerprint) == 64
    event = AuditEvent.objects.get(object_type="vital_sign", object_id=str(vital.pk))
    assert event.action == "create" and event.patient_id == cast.patient.pk
    assert event.detail["systolic_mmhg"] == 128 and event.detail["source"] == "nurse"


@pytest.mark.parametrize(
    ("phase", "stage"),
    [
        (Visit.Phase.CHECKED_IN, "baseline"),
        (Visit.Phase.PRE_CHECKS, "baseline"),
        (Visit.Phase.INFUSING, "during"),
        (Visit.Phase.PAUSED, "during"),
        (Visit.Phase.OBSERVATION, "after"),
        (Visit.Phase.READY, "after"),
    ],
)
def test_the_stage_follows_the_phase(cast: Cast, phase: str, stage: str) -> None:
    result = record(make_visit(cast, phase), cast.nurse, heart_rate_per_min=70)
    assert result.vital.stage == stage


@pytest.mark.parametrize(
    "phase",
    [Visit.Phase.SCHEDULED, Visit.Phase.DISCHARGED, Visit.Phase.SIGNED, Visit.Phase.CANCELLED],
)
def test_a_visit_not_in_progress_refuses_readings(cast: Cast, phase: str) -> None:
    with pytest.raises(ChartError) as caught:
        record(make_visit(cast, phase), cast.nurse, heart_rate_per_min=70)
    assert caught.value.status == 409
    assert not VitalSign.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"systolic_mmhg": 261, "diastolic_mmhg": 90}, "systolic_mmhg", "between 50 and 260"),
        ({"systolic_mmhg": 140}, "diastolic_mmhg", "both numbers"),
        ({"spo2_pct": "97.5"}, "spo2_pct", "without decimals"),
        ({}, "", "at least one"),
    ],
)
def test_implausible_values_are_refused_naming_the_field(
    cast: Cast, visit: Visit, values: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ChartError) as caught:
        record(visit, cast.nurse, **values)
    assert caught.value.status == 422 and caught.value.field == field
    assert words in caught.value.message
    assert not VitalSign.objects.exists()


def test_times_in_the_future_or_long_before_check_in_are_refused(cast: Cast, visit: Visit) -> None:
    def at(measured_at: dt.datetime) -> None:
        services.vital_record(
            visit=visit,
            values={"heart_rate_per_min": 70},
            measured_at=measured_at,
            source="nurse",
            by=cast.nurse,
            now=NOW,
        )

    at(NOW + dt.timedelta(minutes=2))  # a monitor's clock a little ahead
    with pytest.raises(ChartError, match="future") as caught:
        at(NOW + dt.timedelta(minutes=2, seconds=1))
    assert caught.value.field == "measured_at" and caught.value.status == 422
    checked_in = visit.checked_in_at
    assert checked_in is not None
    at(checked_in - dt.timedelta(hours=1))
    with pytest.raises(ChartError, match="before the patient checked in"):
        at(checked_in - dt.timedelta(hours=1, seconds=1))
    with pytest.raises(ChartError, match="time zone"):
        at(dt.datetime(2026, 12, 7, 10, 0))  # noqa: DTZ001
    with pytest.raises(ChartError) as caught:
        services.vital_record(
            visit=visit,
            values={"heart_rate_per_min": 70},
            measured_at=NOW,
            source="guess",
            by=cast.nurse,
            now=NOW,
        )
    assert caught.value.field == "source"


def test_a_repeat_of_the_same_reading_is_harmless(cast: Cast, visit: Visit) -> None:
    first = record(visit, cast.nurse, 0, systolic_mmhg=185, diastolic_mmhg=115)
    second = record(visit, cast.nurse, 5, systolic_mmhg=185, diastolic_mmhg=115)
    assert [a.rule for a in second.alerts] == ["bp_hold"]
    again = record(visit, cast.nurse, 5, systolic_mmhg="185", diastolic_mmhg="115")
    assert not again.created and again.vital == second.vital
    assert [a.pk for a in again.alerts] == [a.pk for a in second.alerts]
    assert VitalSign.objects.count() == 2 and VitalAlert.objects.count() == 1
    assert first.created
    # The same values from the monitor are another reading.
    assert record(visit, cast.nurse, 5, source="monitor", systolic_mmhg=185, diastolic_mmhg=115)


def test_a_concurrent_duplicate_keeps_the_first(
    cast: Cast, visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = record(visit, cast.nurse, heart_rate_per_min=70).vital
    # The duplicate check misses (the other request has not committed yet); the database's
    # unique constraint catches the second insert.
    real_filter = VitalSign.objects.filter
    calls = {"n": 0}

    def filter_missing_first(*args: Any, **kwargs: Any) -> Any:
        if "fingerprint" in kwargs and calls["n"] == 0:
            calls["n"] += 1
            return VitalSign.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(VitalSign.objects, "filter", filter_missing_first)
    again = record(visit, cast.nurse, heart_rate_per_min=70)
    assert not again.created and again.vital == stored
    assert VitalSign.objects.count() == 1


def test_the_unique_fingerprint_is_enforced_by_the_database(cast: Cast, visit: Visit) -> None:
    vital = record(visit, cast.nurse, heart_rate_per_min=70).vital
    vital.pk = None
    with pytest.raises(IntegrityError):
        vital.save()


def test_185_over_115_twice_five_minutes_apart_raises_a_hold_alert(
    cast: Cast, visit: Visit
) -> None:
    first = record(visit, cast.nurse, 0, systolic_mmhg=185, diastolic_mmhg=115)
    assert first.alerts == []
    assert first.recheck == (
        "Blood pressure 185/115 mmHg is at or above 180/110 mmHg: repeat it in 5 minutes."
    )
    early = record(visit, cast.nurse, 4, systolic_mmhg=186, diastolic_mmhg=115)
    assert early.alerts == [] and early.recheck
    second = record(visit, cast.nurse, 5, systolic_mmhg=185, diastolic_mmhg=115)
    (alert,) = second.alerts
    assert alert.rule == "bp_hold" and alert.vital == second.vital and alert.is_open
    assert alert.threshold.startswith("systolic ≥ 180 mmHg or diastolic ≥ 110 mmHg")
    assert alert.source_keys == "[10][42] [?]"
    assert alert.inputs["minutes_apart"] == "5"
    assert second.recheck is None
    event = AuditEvent.objects.get(object_type="vital_alert", object_id=str(alert.pk))
    assert event.action == "create" and event.detail["rule"] == "bp_hold"


def test_an_open_alert_is_not_raised_twice(cast: Cast, visit: Visit) -> None:
    record(visit, cast.nurse, 0, systolic_mmhg=185, diastolic_mmhg=115)
    record(visit, cast.nurse, 5, systolic_mmhg=185, diastolic_mmhg=115)
    third = record(visit, cast.nurse, 10, systolic_mmhg=188, diastolic_mmhg=116)
    assert third.alerts == [] and third.recheck is None
    alert = VitalAlert.objects.get()
    services.alert_respond(alert=alert, responses=["paused"], note="", by=cast.nurse, now=NOW)
    fourth = record(visit, cast.nurse, 15, systolic_mmhg=186, diastolic_mmhg=115)
    assert [a.rule for a in fourth.alerts] == ["bp_hold"]


def test_the_clinics_thresholds_apply(cast: Cast, visit: Visit) -> None:
    ChartSettings.objects.create(organization=cast.org, spo2_min_pct=95)
    assert [a.rule for a in record(visit, cast.nurse, spo2_pct=94).alerts] == ["spo2_low"]
    alert = VitalAlert.objects.get()
    assert alert.threshold == "SpO2 < 95%" and alert.source_keys == "[50]"


def test_a_severe_reading_alerts_at_once(cast: Cast, visit: Visit) -> None:
    result = record(visit, cast.nurse, source="monitor", systolic_mmhg=202, diastolic_mmhg=100)
    assert [a.rule for a in result.alerts] == ["bp_severe"]
    assert result.recheck is None


def test_only_clinical_roles_of_the_clinic_may_record(cast: Cast, visit: Visit) -> None:
    with pytest.raises(PermissionDenied):
        record(visit, cast.frontdesk, heart_rate_per_min=70)
    with pytest.raises(PermissionDenied):
        record(visit, cast.outsider, heart_rate_per_min=70)
    other = Location.objects.get(organization=cast.other_org)
    foreign = Visit.objects.create(
        organization=cast.other_org,
        location=other,
        patient=cast.outsider_patient,
        scheduled_at=NOW,
        phase=Visit.Phase.INFUSING,
    )
    with pytest.raises(PermissionDenied):
        record(foreign, cast.nurse, heart_rate_per_min=70)
    assert record(visit, cast.physician, heart_rate_per_min=70).created


# ---- answering an alert -----------------------------------------------------------------------


@pytest.fixture
def alert(cast: Cast, visit: Visit) -> VitalAlert:
    (found,) = record(visit, cast.nurse, spo2_pct=88).alerts
    return found


def test_an_alert_is_answered_once_with_an_audit(cast: Cast, alert: VitalAlert) -> None:
    answered = services.alert_respond(
        alert=alert,
        responses=["observed", "treated", "observed"],
        note="Oxygen 2 L/min; 95% after 3 minutes.",
        by=cast.nurse,
        now=NOW,
    )
    assert answered.responses == ["observed", "treated"] and not answered.is_open
    assert answered.responded_by == cast.nurse and answered.responded_at == NOW
    event = AuditEvent.objects.get(
        object_type="vital_alert", object_id=str(alert.pk), action="update"
    )
    assert event.detail["new"]["responses"] == ["observed", "treated"]
    assert event.detail["old"] == {"responses": [], "response_note": ""}
    assert services.open_alerts_for(alert.visit) == []
    with pytest.raises(ChartError, match="already answered") as caught:
        services.alert_respond(alert=alert, responses=["paused"], note="", by=cast.nurse)
    assert caught.value.status == 409


def test_an_answer_needs_a_response_and_a_named_physician(cast: Cast, alert: VitalAlert) -> None:
    with pytest.raises(ChartError, match="Choose what was done") as caught:
        services.alert_respond(alert=alert, responses=[], note="x", by=cast.nurse)
    assert caught.value.field == "responses"
    with pytest.raises(ChartError, match="Unknown"):
        services.alert_respond(alert=alert, responses=["prayed"], note="", by=cast.nurse)
    with pytest.raises(ChartError, match="Name the physician") as caught:
        services.alert_respond(
            alert=alert, responses=["physician_notified"], note="  ", by=cast.nurse
        )
    assert caught.value.field == "note"
    with pytest.raises(ChartError, match="Shorten"):
        services.alert_respond(alert=alert, responses=["treated"], note="x" * 2001, by=cast.nurse)
    with pytest.raises(PermissionDenied):
        services.alert_respond(alert=alert, responses=["treated"], note="", by=cast.frontdesk)
    with pytest.raises(PermissionDenied):
        services.alert_respond(alert=alert, responses=["treated"], note="", by=cast.outsider)
    assert services.open_alerts_for(alert.visit) == [alert]
    services.alert_respond(
        alert=alert, responses=["physician_notified"], note="Dr. Physician", by=cast.nurse
    )


def test_open_alerts_come_oldest_first_in_one_query(
    cast: Cast, visit: Visit, django_assert_num_queries: Any
) -> None:
    first = record(visit, cast.nurse, 0, spo2_pct=88).alerts[0]
    second = record(visit, cast.nurse, 1, respiratory_rate_per_min=6).alerts[0]
    with django_assert_num_queries(1):  # the open alerts with their readings
        found = services.open_alerts_for(visit)
        assert [a.vital.measured_at for a in found]
    assert found == [first, second]


def test_limits_come_from_the_settings_created_with_defaults(cast: Cast) -> None:
    limits = services.alert_limits(cast.org)
    assert limits.hold_systolic_mmhg == 180 and limits.spo2_min_pct == 92
    assert ChartSettings.objects.filter(organization=cast.org).count() == 1


def test_oxygen_may_come_with_the_values(cast: Cast, visit: Visit) -> None:
    result = record(visit, cast.nurse, spo2_pct=95, on_oxygen=True)
    assert result.vital.on_oxygen is True
    assert record(visit, cast.nurse, 1, spo2_pct=95).vital.on_oxygen is False
