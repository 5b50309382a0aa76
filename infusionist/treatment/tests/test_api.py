from __future__ import annotations

import json
from typing import Any

import pytest

from infusionist.accounts.services import api_token_create
from infusionist.audit.models import AuditEvent

WORKED = {
    "weight_kg": 70,
    "dose_mg_per_kg": 0.5,
    "duration_min": 40,
    "vial_mg_per_ml": 10,
    "bag_volume_ml": 100,
}
DOMINO = {
    "model": "domino",
    "weight_kg": 70,
    "age_years": 40,
    "schedule": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": 35 / 40}],
    "times_min": [0, 40, 60],
}


@pytest.fixture
def auth(cast) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.nurse)}"}


def post(client, path: str, body: Any, auth: dict[str, str]):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/api/v1/{path}", raw, content_type="application/json", **auth)


def test_worked_example(client, auth) -> None:
    body = post(client, "dose-calculations", WORKED, auth).json()
    assert body["dose_mg"] == pytest.approx(35)
    assert body["dose_rate_mg_per_h"] == pytest.approx(52.5)
    assert body["draw_volume_ml"] == pytest.approx(3.5)
    assert body["final_volume_ml"] == pytest.approx(103.5)
    assert body["final_concentration_mg_per_ml"] == pytest.approx(0.338, abs=5e-4)
    assert body["pump_rate_ml_per_h"] == pytest.approx(155.25)  # 155.3 mL/h rounded half-up
    assert body["vtbi_ml"] == pytest.approx(103.5)
    assert body["dosing_weight_kg"] == 70 and body["warnings"] == []
    assert body["display"]["final_concentration"] == "0.338 mg/mL"
    assert body["display"]["pump_rate"] == "155.3 mL/h"


def test_worked_example_withdrawing_an_equal_volume(client, auth) -> None:
    body = post(client, "dose-calculations", {**WORKED, "withdraw_equal_volume": True}, auth).json()
    assert body["final_volume_ml"] == pytest.approx(100)
    assert body["final_concentration_mg_per_ml"] == pytest.approx(0.35)
    assert body["pump_rate_ml_per_h"] == pytest.approx(150)
    assert body["withdraw_volume_ml"] == pytest.approx(3.5)


def test_adjusted_weight_basis_returns_the_formula(client, auth) -> None:
    body = post(
        client,
        "dose-calculations",
        {**WORKED, "weight_kg": 120, "weight_basis": "adjusted", "height_cm": 170, "sex": "male"},
        auth,
    ).json()
    assert body["weight_basis"] == "adjusted"
    assert "adjusted weight [9] = IBW + 0.4" in body["weight_formula"]
    assert body["dosing_weight_kg"] == pytest.approx(body["dose_mg"] / 0.5)


def test_hard_stop_is_422_with_every_reason_and_the_numbers(client, auth) -> None:
    response = post(client, "dose-calculations", {**WORKED, "dose_mg_per_kg": 2}, auth)
    body = response.json()
    assert response.status_code == 422
    codes = {s["code"] for s in body["stops"]}
    assert codes == {"dose_above_protocol_max", "dose_rate_above_protocol_max"}
    assert body["detail"].startswith("Hard stop:")
    assert all(s["source"] and s["rule"] for s in body["stops"])
    assert body["calculation"]["dose_mg"] == pytest.approx(140)


def test_undiluted_100_mg_per_ml_is_a_hard_stop(client, auth) -> None:
    body = post(
        client, "dose-calculations", {**WORKED, "vial_mg_per_ml": 100, "bag_volume_ml": 0}, auth
    ).json()
    assert [s["code"] for s in body["stops"]] == ["undiluted_iv_forbidden"]


def test_tenfold_vial_gets_a_warning_not_a_stop(client, auth) -> None:
    body = post(client, "dose-calculations", {**WORKED, "vial_mg_per_ml": 100}, auth).json()
    assert "vial_strength_tenfold" in {w["code"] for w in body["warnings"]}
    assert body["draw_volume_ml"] == pytest.approx(0.35)


def test_a_protocol_key_applies_that_protocols_limits(client, auth, protocols) -> None:
    # The low-dose pain protocol caps the rate at 2 mg/kg/h but not the session mg/kg.
    body = {**WORKED, "dose_mg_per_kg": None, "dose_mg_per_kg_per_h": 0.35, "duration_min": 240}
    body = {k: v for k, v in body.items() if v is not None}
    ok = post(client, "dose-calculations", {**body, "protocol_key": "pain-iv-low-dose"}, auth)
    assert ok.status_code == 200 and ok.json()["dose_mg"] == pytest.approx(98)
    # Without the protocol the clinic default 1.0 mg/kg session maximum stops 1.4 mg/kg.
    assert post(client, "dose-calculations", body, auth).status_code == 422
    missing = post(client, "dose-calculations", {**WORKED, "protocol_key": "nope"}, auth)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({**WORKED, "weight_kg": 700}, "weight_kg", "kilograms, not pounds"),
        ({**WORKED, "weight_kg": "NaN"}, "weight_kg", "finite"),
        ({**WORKED, "weight_kg": "Infinity"}, "weight_kg", "finite"),
        ({**WORKED, "weight_kg": 1e308}, "weight_kg", "less than or equal"),
        ({**WORKED, "weight_kg": "7\x000"}, "weight_kg", "valid number"),
        ({**WORKED, "dose_mg": 35}, "payload", "exactly one"),
        ({**WORKED, "vial_mg_per_ml": 20}, "vial_mg_per_ml", "10, 50 or 100"),
        ({**WORKED, "weight_basis": "ideal"}, "height_cm", "Enter the height in centimetres"),
        ({**WORKED, "weight_basis": "lean"}, "weight_basis", "actual"),
        ({**WORKED, "duration_min": 0}, "duration_min", "greater than 0"),
        (
            {**WORKED, "withdraw_equal_volume": True, "bag_volume_ml": 1},
            "bag_volume_ml",
            "withdraw",
        ),
        ({**WORKED, "dose_mg_kg": 1}, "dose_mg_kg", "Extra inputs"),
        ({**WORKED, "protocol_key": "DROP TABLE"}, "protocol_key", "pattern"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, auth, body, field: str, text: str) -> None:
    response = post(client, "dose-calculations", body, auth)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"].split(".")[-1] == field and text in e["message"] for e in errors), errors


@pytest.mark.parametrize(
    "raw",
    [
        '{"weight_kg": NaN, "dose_mg_per_kg": 0.5}',
        '{"weight_kg": 1' + "0" * 5000 + "}",
        "[" * 100_000 + "]" * 100_000,
        b"\xff\xfe",
        "not json",
    ],
    ids=["nan-literal", "5000-digit-int", "deep-nesting", "bad-utf8", "not-json"],
)
def test_unparseable_bodies_never_500(client, auth, raw) -> None:
    assert post(client, "dose-calculations", raw, auth).status_code in (400, 422)
    assert post(client, "pk-simulations", raw, auth).status_code in (400, 422)


def test_pk_check_value_domino_70_kg(client, auth) -> None:
    body = post(client, "pk-simulations", DOMINO, auth).json()
    assert body["cp_ng_per_ml"][1] == pytest.approx(240.3, abs=0.05)
    assert body["cp_ng_per_ml"][0] == 0 and len(body["ce_ng_per_ml"]) == 3
    assert body["model"] == "domino" and "opentiva" in body["citation"]
    assert body["warnings"] == []


def test_pk_bolus_and_model_population_warning(client, auth) -> None:
    body = post(
        client,
        "pk-simulations",
        {**DOMINO, "age_years": 90, "schedule": [{"start_min": 0, "bolus_mg": 20}]},
        auth,
    ).json()
    assert body["cp_ng_per_ml"][0] > 0
    assert [w["code"] for w in body["warnings"]] == ["age_outside_model"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"model": "propofol"}, "model"),
        ({"times_min": []}, "times_min"),
        ({"times_min": [0] * 100_001}, "times_min"),
        ({"times_min": [1e9]}, "0"),
        ({"schedule": [{"start_min": 0, "bolus_mg": 1}] * 1001}, "schedule"),
        ({"schedule": [{"start_min": 0}]}, "duration_min"),
        (
            {"schedule": [{"start_min": 0, "duration_min": 40, "rate_mg_per_min": -1}]},
            "rate_mg_per_min",
        ),
        ({"weight_kg": 0}, "weight_kg"),
    ],
)
def test_pk_inputs_are_bounded(client, auth, changes, field: str) -> None:
    response = post(client, "pk-simulations", {**DOMINO, **changes}, auth)
    assert response.status_code == 422
    assert any(e["field"].split(".")[-1] == field for e in response.json()["errors"])


def test_pk_largest_allowed_request_answers_quickly(client, auth) -> None:
    import time

    schedule = [{"start_min": i * 10, "duration_min": 5, "rate_mg_per_min": 1} for i in range(1000)]
    times = [i * 0.1 for i in range(100_000)]
    started = time.perf_counter()
    response = post(
        client, "pk-simulations", {**DOMINO, "schedule": schedule, "times_min": times}, auth
    )
    assert response.status_code == 200
    assert len(response.json()["cp_ng_per_ml"]) == 100_000
    assert time.perf_counter() - started < 20


def test_roles_without_clinical_access_get_403_and_it_is_audited(client, cast) -> None:
    for user in (cast.frontdesk, cast.admin, cast.patient_user):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}
        assert post(client, "dose-calculations", WORKED, auth).status_code == 403
        assert post(client, "pk-simulations", DOMINO, auth).status_code == 403
    assert AuditEvent.objects.filter(outcome="denied", actor=cast.frontdesk).count() == 2


def test_requests_without_a_token_get_401(client, db) -> None:
    assert post(client, "dose-calculations", WORKED, {}).status_code == 401


def test_openapi_documents_both_endpoints_with_examples(client, db) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    dose = doc["paths"]["/api/v1/dose-calculations"]["post"]
    assert "Worked example" in dose["description"] and "422" in dose["responses"]
    assert "/api/v1/pk-simulations" in doc["paths"]
    schemas = doc["components"]["schemas"]
    assert schemas["DoseCalculationIn"]["examples"][0]["weight_kg"] == 70
    assert schemas["PKSimulationIn"]["examples"][0]["model"] == "domino"
