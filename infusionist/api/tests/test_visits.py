"""The visits endpoints: a day's visits, one visit's chart, and monitor readings with alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from infusionist.accounts.services import api_token_create
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Chair, Location, Room
from infusionist.infusions import vitals as vital_services
from infusionist.infusions.models import AdministrationEvent, Visit, VitalAlert, VitalSign
from infusionist.test import Cast, clinic_today

pytestmark = pytest.mark.django_db


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token(cast: Cast) -> str:
    return api_token_create(user=cast.nurse)


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


def make_visit(cast: Cast, now: dt.datetime, phase: str = Visit.Phase.INFUSING, **kw: Any) -> Visit:
    kw.setdefault("scheduled_at", now - dt.timedelta(minutes=30))
    kw.setdefault("checked_in_at", now - dt.timedelta(minutes=30))
    kw.setdefault("patient", cast.patient)
    return Visit.objects.create(organization=cast.org, location=cast.location, phase=phase, **kw)


@pytest.fixture
def visit(cast: Cast, now: dt.datetime) -> Visit:
    return make_visit(cast, now)


def post_vitals(client: Any, visit_id: int, token: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/visits/{visit_id}/vitals", body, content_type="application/json", **auth(token)
    )


def reading(at: dt.datetime, **values: Any) -> dict[str, Any]:
    return {"measured_at": at.isoformat(), **values}


# ---- posting readings -------------------------------------------------------------------------


def test_a_monitor_reading_is_stored_marked_as_the_monitors(
    client: Any, cast: Cast, visit: Visit, token: str, now: dt.datetime
) -> None:
    body = reading(
        now - dt.timedelta(minutes=1),
        systolic_mmhg=132,
        diastolic_mmhg=84,
        heart_rate_per_min=78,
        spo2_pct=98,
        respiratory_rate_per_min=14,
        device="Bay 2 monitor",
    )
    response = post_vitals(client, visit.pk, token, **body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["created"] is True and data["alerts"] == [] and data["recheck"] is None
    out = data["reading"]
    assert out["source"] == "monitor" and out["stage"] == "during"
    assert out["device"] == "Bay 2 monitor" and out["systolic_mmhg"] == 132
    # Answered in the location's offset.
    assert dt.datetime.fromisoformat(out["measured_at"]) == now - dt.timedelta(minutes=1)
    offset = (now - dt.timedelta(minutes=1)).astimezone(cast.location.tzinfo).strftime("%z")
    assert out["measured_at"].endswith(f"{offset[:3]}:{offset[3:]}")
    vital = VitalSign.objects.get()
    assert vital.source == "monitor" and vital.recorded_by == cast.nurse


def test_a_clinician_may_mark_a_reading_as_the_nurses(
    client: Any, visit: Visit, token: str, now: dt.datetime
) -> None:
    response = post_vitals(client, visit.pk, token, **reading(now, spo2_pct=97, source="nurse"))
    assert response.status_code == 201 and response.json()["reading"]["source"] == "nurse"


def test_185_over_115_twice_raises_an_alert_with_its_threshold_and_source(
    client: Any, visit: Visit, token: str, now: dt.datetime
) -> None:
    first = post_vitals(
        client,
        visit.pk,
        token,
        **reading(now - dt.timedelta(minutes=5), systolic_mmhg=185, diastolic_mmhg=115),
    ).json()
    assert first["alerts"] == [] and "repeat it in 5 minutes" in first["recheck"]
    second = post_vitals(
        client, visit.pk, token, **reading(now, systolic_mmhg=185, diastolic_mmhg=115)
    )
    assert second.status_code == 201
    (alert,) = second.json()["alerts"]
    assert alert["rule"] == "bp_hold" and alert["open"] is True
    assert alert["threshold"] == (
        "systolic ≥ 180 mmHg or diastolic ≥ 110 mmHg on two readings 5–20 min apart"
    )
    assert alert["source_keys"] == "[10][42] [?]"
    assert alert["vital"] == second.json()["reading"]["id"]


def test_a_repeat_of_the_same_reading_answers_200_and_raises_nothing(
    client: Any, visit: Visit, token: str, now: dt.datetime
) -> None:
    body = reading(now, spo2_pct=88)
    first = post_vitals(client, visit.pk, token, **body)
    again = post_vitals(client, visit.pk, token, **body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["reading"]["id"] == first.json()["reading"]["id"]
    assert [a["id"] for a in again.json()["alerts"]] == [a["id"] for a in first.json()["alerts"]]
    assert VitalSign.objects.count() == 1 and VitalAlert.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"systolic_mmhg": 261, "diastolic_mmhg": 90}, "systolic_mmhg", "between 50 and 260"),
        ({"systolic_mmhg": 49, "diastolic_mmhg": 30}, "systolic_mmhg", "between 50 and 260"),
        ({"heart_rate_per_min": "fast"}, "heart_rate_per_min", "whole number"),
        ({"spo2_pct": 97.5}, "spo2_pct", "without decimals"),
        ({"spo2_pct": 101}, "spo2_pct", "between 50 and 100"),
        ({"respiratory_rate_per_min": -3}, "respiratory_rate_per_min", "between 4 and 60"),
        ({"systolic_mmhg": 140}, "diastolic_mmhg", "both numbers"),
        ({"systolic_mmhg": 90, "diastolic_mmhg": 95}, "diastolic_mmhg", "below the systolic"),
        ({}, "", "at least one"),
    ],
)
def test_implausible_values_answer_422_naming_the_field(
    client: Any,
    visit: Visit,
    token: str,
    now: dt.datetime,
    values: dict[str, Any],
    field: str,
    words: str,
) -> None:
    response = post_vitals(client, visit.pk, token, **reading(now, **values))
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert errors[0]["field"] == field and words in errors[0]["message"]
    assert not VitalSign.objects.exists()


def test_bad_times_answer_422_naming_measured_at(
    client: Any, visit: Visit, token: str, now: dt.datetime
) -> None:
    for measured_at in (
        "2026-12-07T10:25:00",  # no offset
        "yesterday",
        (now + dt.timedelta(minutes=10)).isoformat(),  # the future
        (now - dt.timedelta(hours=3)).isoformat(),  # long before check-in
    ):
        response = post_vitals(
            client, visit.pk, token, measured_at=measured_at, heart_rate_per_min=70
        )
        assert response.status_code == 422, (measured_at, response.content)
        assert response.json()["errors"][0]["field"] == "measured_at"
    response = post_vitals(client, visit.pk, token, heart_rate_per_min=70)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "measured_at"


def test_unknown_fields_and_sources_answer_422(
    client: Any, visit: Visit, token: str, now: dt.datetime
) -> None:
    response = post_vitals(client, visit.pk, token, **reading(now, temperature_c=37))
    assert response.status_code == 422
    response = post_vitals(client, visit.pk, token, **reading(now, spo2_pct=97, source="guess"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "source"


@pytest.mark.parametrize("phase", [Visit.Phase.SCHEDULED, Visit.Phase.DISCHARGED])
def test_a_visit_not_in_progress_answers_409(
    client: Any, cast: Cast, token: str, now: dt.datetime, phase: str
) -> None:
    visit = make_visit(cast, now, phase)
    response = post_vitals(client, visit.pk, token, **reading(now, spo2_pct=97))
    assert (
        response.status_code == 409
        and "only while the patient is here" in response.json()["detail"]
    )


def test_another_clinics_visit_answers_404_and_is_audited(
    client: Any, cast: Cast, token: str, now: dt.datetime
) -> None:
    foreign = Visit.objects.create(
        organization=cast.other_org,
        location=Location.objects.get(organization=cast.other_org),
        patient=cast.outsider_patient,
        scheduled_at=now,
        phase=Visit.Phase.INFUSING,
    )
    response = post_vitals(client, foreign.pk, token, **reading(now, spo2_pct=97))
    assert response.status_code == 404 and not VitalSign.objects.exists()
    assert client.get(f"/api/v1/visits/{foreign.pk}", **auth(token)).status_code == 404
    assert client.get("/api/v1/visits/99999999999", **auth(token)).status_code == 404
    event = AuditEvent.objects.filter(outcome="denied").order_by("-id").first()
    assert event is not None and event.detail["status"] == 404


def test_roles_without_the_chart_are_refused(
    client: Any, cast: Cast, visit: Visit, now: dt.datetime
) -> None:
    for user in (cast.frontdesk, cast.admin, cast.patient_user):
        token = api_token_create(user=user)
        assert post_vitals(client, visit.pk, token, **reading(now, spo2_pct=97)).status_code == 403
        assert client.get(f"/api/v1/visits/{visit.pk}", **auth(token)).status_code == 403
        assert client.get("/api/v1/visits", **auth(token)).status_code == 403
    assert client.get("/api/v1/visits").status_code == 401
    assert post_vitals(client, visit.pk, "nope", **reading(now, spo2_pct=97)).status_code == 401


# ---- reading visits ---------------------------------------------------------------------------


def test_one_visit_with_its_vitals_delivered_amount_and_open_alerts(
    client: Any,
    cast: Cast,
    token: str,
    now: dt.datetime,
    django_assert_num_queries: Any,
) -> None:
    room = Room.objects.create(location=cast.location, name="Bay")
    chair = Chair.objects.create(room=room, name="Chair 2", capabilities=["iv_infusion"])
    visit = make_visit(
        cast,
        now,
        chair=chair,
        drug="ketamine",
        route="iv",
        ordered_dose_mg=Decimal("35"),
        concentration_mg_per_ml=Decimal("0.35"),
        infusion_started_at=now - dt.timedelta(minutes=20),
        duration_min=40,
    )
    AdministrationEvent.objects.create(
        visit=visit, kind="start", at=now - dt.timedelta(minutes=20), rate_ml_per_h=Decimal(150)
    )
    AdministrationEvent.objects.create(visit=visit, kind="pause", at=now - dt.timedelta(minutes=10))
    vital_services.vital_record(
        visit=visit,
        values={"spo2_pct": 90},
        measured_at=now - dt.timedelta(minutes=2),
        source="monitor",
        by=cast.nurse,
    )
    vital_services.vital_record(
        visit=visit,
        values={"systolic_mmhg": 130, "diastolic_mmhg": 80},
        measured_at=now - dt.timedelta(minutes=1),
        source="nurse",
        by=cast.nurse,
    )
    url = f"/api/v1/visits/{visit.pk}"
    client.get("/api/v1/me", **auth(token))  # the token's last use is stamped on the first call
    # The token with its user; the visit with its patient, location and chair; the readings;
    # the open alerts; the pump events; the organization and the audit event. (No gate: the
    # dose started without one recorded.)
    with django_assert_num_queries(QUERIES_DETAIL):
        response = client.get(url, **auth(token))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["phase"] == "infusing"
    assert data["patient"] == {
        "id": cast.patient.pk,
        "mrn": cast.patient.mrn,
        "name": cast.patient.display_name,
    }
    assert data["chair"] == {"id": chair.pk, "name": "Chair 2"}
    assert Decimal(data["ordered_dose_mg"]) == Decimal("35")
    # 150 mL/h for 10 minutes = 25 mL × 0.35 mg/mL = 8.75 mg; paused since.
    assert Decimal(data["delivered_mg"]) == Decimal("8.75")
    assert data["pump"] == {"running": False, "paused": True, "volume_ml": "25.0"}
    assert [v["source"] for v in data["vitals"]] == ["monitor", "nurse"]
    assert [a["rule"] for a in data["alerts"]] == ["spo2_low"]
    assert data["open_alerts"] == 1
    assert data["gate"] is None
    assert AuditEvent.objects.filter(
        action="view", object_type="visit", object_id=str(visit.pk), patient=cast.patient
    ).exists()
    # The count does not grow with the chart.
    for minutes in range(3, 8):
        vital_services.vital_record(
            visit=visit,
            values={"spo2_pct": 88},
            measured_at=now - dt.timedelta(minutes=minutes),
            source="monitor",
            by=cast.nurse,
        )
    with django_assert_num_queries(QUERIES_DETAIL):
        assert client.get(url, **auth(token)).status_code == 200


QUERIES_DETAIL = 7
QUERIES_LIST = 5
QUERIES_DETAIL_WITH_GATE = 22


def test_before_the_dose_the_gate_is_computed_with_each_basis(
    client: Any,
    cast: Cast,
    token: str,
    now: dt.datetime,
    django_assert_num_queries: Any,
) -> None:
    visit = make_visit(cast, now, Visit.Phase.PRE_CHECKS)
    vital_services.vital_record(
        visit=visit,
        values={"systolic_mmhg": 150, "diastolic_mmhg": 85},
        measured_at=now - dt.timedelta(minutes=1),
        source="nurse",
        by=cast.nurse,
    )
    url = f"/api/v1/visits/{visit.pk}"
    client.get("/api/v1/me", **auth(token))
    # 7 as for any visit, then the gate's own (fixed) 15: settings, order, readiness (safety
    # alerts, intake, eligibility, consultations, organization, consent settings, location,
    # documents, signatures, measurement settings, questionnaires), baseline, overrides.
    with django_assert_num_queries(QUERIES_DETAIL_WITH_GATE):
        response = client.get(url, **auth(token))
    gate = response.json()["gate"]
    assert gate["ready"] is False and gate["recorded"] is False
    baseline = next(c for c in gate["checks"] if c["code"] == "baseline_vitals")
    assert baseline["passed"] is False
    assert "150/85 mmHg" in baseline["reasons"][0]
    assert baseline["basis"]["source_keys"] == "[27]"
    assert "140/90 mmHg" in baseline["basis"]["rule"]
    assert {"consent", "eligibility"} <= {c["code"] for c in gate["checks"]}


def test_once_the_dose_started_the_gate_is_the_one_recorded(
    client: Any, cast: Cast, token: str, now: dt.datetime
) -> None:
    snapshot = [
        {
            "code": "baseline_vitals",
            "title": "Baseline vital signs",
            "passed": False,
            "overridden": True,
            "override_reason": "Anxious; 138/88 on recheck with the physician present.",
            "reasons": ["Baseline blood pressure 150/85 mmHg is above the clinic's limit."],
            "rule": "Blood pressure before the dose at most 140/90 mmHg.",
            "source_keys": "[27]",
            "inputs": {"Baseline": "150/85 mmHg at 09:05"},
        }
    ]
    visit = make_visit(cast, now, gate_passed_at=now, gate_snapshot=snapshot)
    gate = client.get(f"/api/v1/visits/{visit.pk}", **auth(token)).json()["gate"]
    assert gate["ready"] is True and gate["recorded"] is True
    assert dt.datetime.fromisoformat(gate["as_of"]) == now
    (check,) = gate["checks"]
    assert check["overridden"] is True and check["basis"]["source_keys"] == "[27]"
    assert check["basis"]["inputs"] == {"Baseline": "150/85 mmHg at 09:05"}


def test_a_days_visits_by_phase_and_location(
    client: Any,
    cast: Cast,
    token: str,
    django_assert_num_queries: Any,
) -> None:
    today = clinic_today()
    tz = cast.location.tzinfo
    nine = dt.datetime.combine(today, dt.time(9), tzinfo=tz)
    infusing = make_visit(cast, nine, scheduled_at=nine)
    waiting = make_visit(
        cast,
        nine,
        Visit.Phase.SCHEDULED,
        scheduled_at=nine + dt.timedelta(hours=2),
        patient=cast.other_patient,
        checked_in_at=None,
    )
    make_visit(cast, nine, scheduled_at=nine - dt.timedelta(days=1))  # yesterday
    VitalAlert.objects.create(
        visit=infusing, rule="spo2_low", message="m", threshold="t", source_keys="[50]"
    )
    client.get("/api/v1/me", **auth(token))  # the token's last use is stamped on the first call
    # The token with its user; the locations (each its own date); the count; the page with its
    # patients, locations, chairs and open-alert counts; the audit events (one insert).
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/api/v1/visits", {"date": today.isoformat()}, **auth(token))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 2
    assert [r["id"] for r in data["results"]] == [infusing.pk, waiting.pk]
    assert [r["open_alerts"] for r in data["results"]] == [1, 0]
    assert data["results"][0]["scheduled_at"].startswith(f"{today.isoformat()}T09:00:00")
    only = client.get(
        "/api/v1/visits", {"date": today.isoformat(), "status": "scheduled"}, **auth(token)
    ).json()
    assert [r["id"] for r in only["results"]] == [waiting.pk]
    here = client.get(
        "/api/v1/visits",
        {"date": today.isoformat(), "location": cast.location.pk},
        **auth(token),
    ).json()
    assert here["count"] == 2
    # Default: today.
    assert client.get("/api/v1/visits", **auth(token)).json()["count"] == 2
    # The count does not grow with the day's visits.
    for hour in range(10, 15):
        make_visit(cast, nine, scheduled_at=nine + dt.timedelta(hours=hour - 9))
    with django_assert_num_queries(QUERIES_LIST):
        response = client.get("/api/v1/visits", {"date": today.isoformat()}, **auth(token))
    assert response.json()["count"] == 7
    named = set(
        AuditEvent.objects.filter(action="view", object_type="visit").values_list(
            "patient_id", flat=True
        )
    )
    assert named == {cast.patient.pk, cast.other_patient.pk}


def test_the_list_is_the_clinics_own(client: Any, cast: Cast, token: str, now: dt.datetime) -> None:
    mine = make_visit(cast, now, scheduled_at=now)
    Visit.objects.create(
        organization=cast.other_org,
        location=Location.objects.get(organization=cast.other_org),
        patient=cast.outsider_patient,
        scheduled_at=now,
        phase=Visit.Phase.INFUSING,
    )
    day = now.astimezone(cast.location.tzinfo).date().isoformat()
    body = client.get("/api/v1/visits", {"date": day}, **auth(token)).json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    # The outsider is a clinic admin, who has no chart at all.
    outsider = api_token_create(user=cast.outsider)
    assert client.get("/api/v1/visits", **auth(outsider)).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2026-13-01"}, "date"),
        ({"date": "tomorrow"}, "date"),
        ({"status": "asleep"}, "status"),
        ({"location": "x"}, "location"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_list_parameters_answer_422_naming_them(
    client: Any, cast: Cast, token: str, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/visits", params, **auth(token))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_another_clinics_location_answers_404(client: Any, cast: Cast, token: str) -> None:
    foreign = Location.objects.get(organization=cast.other_org)
    assert client.get("/api/v1/visits", {"location": foreign.pk}, **auth(token)).status_code == 404


def test_the_openapi_document_describes_the_visit_endpoints(client: Any, db: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert {
        "/api/v1/visits",
        "/api/v1/visits/{visit_id}",
        "/api/v1/visits/{visit_id}/vitals",
    } <= set(paths)
    post = paths["/api/v1/visits/{visit_id}/vitals"]["post"]
    assert {"200", "201", "404", "409", "422"} <= set(post["responses"])
    schema = doc["components"]["schemas"]["VitalsIn"]["properties"]
    assert "mmHg" in schema["systolic_mmhg"]["description"]
    assert "50–260" in schema["systolic_mmhg"]["description"]
    assert "%" in schema["spo2_pct"]["description"]
    assert "UTC offset" in schema["measured_at"]["description"]
    alert = doc["components"]["schemas"]["AlertOut"]["properties"]
    assert "units" in alert["threshold"]["description"]
