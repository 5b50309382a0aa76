"""POST /api/v1/eligibility-evaluations: the eligibility rules for integrators, stateless."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infusionist.accounts.services import api_token_create
from infusionist.api.routers.eligibility import EXAMPLE
from infusionist.audit.models import AuditEvent
from infusionist.lib import sources

URL = "/api/v1/eligibility-evaluations"


@pytest.fixture
def auth(cast) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.nurse)}"}


def post(client, body: Any, auth: dict[str, str]):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, raw, content_type="application/json", **auth)


def test_the_example_answers_every_check_with_its_findings(client, auth) -> None:
    response = post(client, EXAMPLE, auth)
    assert response.status_code == 200
    body = response.json()
    assert body["diazepam_equivalent_mg_per_day"] == 20.0
    assert body["treatment_resistant"] is True and body["failed_adequate_trials"] == 2
    assert body["hard_stop"] is False
    assert body["needs_override"] == ["benzodiazepine_load_above_limit"]
    assert [f["code"] for f in body["findings"]] == [
        "benzodiazepine_load_above_limit",
        "hypertension",
        "ptsd",
    ]
    benzo = body["findings"][0]
    assert benzo["severity"] == "override" and benzo["fired"] is True
    assert "20 mg/day diazepam-equivalent" in benzo["reason"]
    assert benzo["source_keys"] == ["32", "33", "104"]
    assert benzo["inputs"]["benzodiazepines"][0]["generic"] == "lorazepam"
    assert len(body["checks"]) > len(body["findings"])
    assert body["limits"] == {
        "max_benzodiazepine_diazepam_mg_per_day": 8.0,
        "min_failed_adequate_trials": 2,
        "max_systolic_mmhg": 140,
        "max_diastolic_mmhg": 90,
        "min_age_years": 18,
    }
    for check in body["checks"]:
        for key in check["source_keys"]:
            assert key == "?" or sources.get(key)


def test_a_hard_stop_and_unmet_resistance_are_answered_not_refused(client, auth) -> None:
    body = post(
        client,
        {"conditions": ["arteriovenous_malformation"], "planned_route": "intranasal"},
        auth,
    ).json()
    assert body["hard_stop"] is True
    assert body["findings"][0]["code"] == "arteriovenous_malformation"
    assert body["treatment_resistant"] is False
    assert "treatment_resistance_not_met" in body["needs_override"]


def test_an_empty_body_evaluates_with_everything_unknown(client, auth) -> None:
    body = post(client, {}, auth).json()
    assert body["failed_adequate_trials"] == 0
    assert [f["code"] for f in body["findings"]] == ["treatment_resistance_not_met"]


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        # The kernel's refusals (InvalidFacts).
        ({"conditions": ["gout"]}, "conditions", "Unknown condition code 'gout'"),
        ({"systolic_mmhg": 80, "diastolic_mmhg": 120}, "diastolic_mmhg", "below the systolic"),
        ({"medications": [{"name": "   "}]}, "medications.0.name", "name"),
        # The schema's refusals.
        ({"planned_route": "oral"}, "planned_route", "iv"),
        ({"medications": [{"name": "x", "daily_dose_mg": -1}]}, "medications.0.daily_dose_mg", ""),
        ({"medications": [{"name": "x", "daily_dose_mg": 1e9}]}, "medications.0.daily_dose_mg", ""),
        (
            {"medications": [{"name": "x", "daily_dose_mg": "NaN"}]},
            "medications.0.daily_dose_mg",
            "",
        ),
        ({"medications": [{"dose": 1}]}, "medications.0.name", ""),
        (
            {"antidepressant_trials": [{"drug": "x", "response": "great"}]},
            "antidepressant_trials.0.response",
            "",
        ),
        (
            {"antidepressant_trials": [{"drug": "x", "duration_weeks": -2}]},
            "antidepressant_trials.0.duration_weeks",
            "",
        ),
        ({"systolic_mmhg": 400}, "systolic_mmhg", "300"),
        ({"diastolic_mmhg": 10}, "diastolic_mmhg", "40"),
        ({"age_years": 131}, "age_years", "130"),
        ({"age_years": -1}, "age_years", "0"),
        ({"pregnant": "maybe"}, "pregnant", ""),
        ({"weight_kg": 70}, "weight_kg", "Extra inputs"),
        ({"medications": [{"name": "x"}] * 101}, "medications", ""),
    ],
)
def test_a_body_that_cannot_be_evaluated_is_422_naming_the_field(
    client, auth, changes, field, text
) -> None:
    response = post(client, {**EXAMPLE, **changes}, auth)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"] == field and text in e["message"] for e in errors), errors


@pytest.mark.parametrize(
    "raw",
    ['{"systolic_mmhg": NaN}', '{"age_years": 1' + "0" * 5000 + "}", "[" * 10_000, "not json"],
    ids=["nan-literal", "5000-digit-int", "deep-nesting", "not-json"],
)
def test_unparseable_bodies_never_500(client, auth, raw) -> None:
    assert post(client, raw, auth).status_code in (400, 422)


def test_roles_without_clinical_access_get_403_and_it_is_audited(client, cast) -> None:
    for user in (cast.frontdesk, cast.admin, cast.patient_user):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}
        assert post(client, EXAMPLE, auth).status_code == 403
        # Refused before the body is read: a bad body reveals nothing either.
        assert post(client, {"conditions": ["gout"]}, auth).status_code == 403
    denied = AuditEvent.objects.filter(outcome="denied", actor=cast.frontdesk)
    assert denied.count() == 2


def test_requests_without_a_valid_token_get_401(client, db) -> None:
    assert post(client, EXAMPLE, {}).status_code == 401
    assert post(client, EXAMPLE, {"HTTP_AUTHORIZATION": "Bearer nope"}).status_code == 401


def test_every_clinical_role_may_evaluate(client, cast) -> None:
    for user in (cast.nurse, cast.physician):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}
        assert post(client, EXAMPLE, auth).status_code == 200


def test_query_count_does_not_grow_with_the_facts(client, auth, django_assert_num_queries) -> None:
    many = {
        **EXAMPLE,
        "medications": [{"name": f"drug {i}", "daily_dose_mg": i} for i in range(100)],
        "antidepressant_trials": [{"drug": f"drug {i}"} for i in range(50)],
    }
    # The bearer token with its user and organization, and on the token's first use its
    # last-used time; then only the token; and the clinic's eligibility limits. The
    # evaluation reads nothing else and writes nothing, however many medications and trials
    # the body lists.
    with django_assert_num_queries(3):
        assert post(client, EXAMPLE, auth).status_code == 200
    with django_assert_num_queries(2):
        assert post(client, many, auth).status_code == 200


def test_the_clinics_own_limits_apply(client, cast, auth) -> None:
    from decimal import Decimal

    from infusionist.consultations.models import EligibilitySettings

    body = {**EXAMPLE, "medications": [{"name": "lorazepam", "daily_dose_mg": 0.5}]}
    answer = post(client, body, auth).json()
    assert answer["diazepam_equivalent_mg_per_day"] == 5.0
    assert "benzodiazepine_load_above_limit" not in {f["code"] for f in answer["findings"]}
    EligibilitySettings.objects.create(
        organization=cast.org, max_benzodiazepine_diazepam_mg_per_day=Decimal("4")
    )
    answer = post(client, body, auth).json()
    assert answer["limits"]["max_benzodiazepine_diazepam_mg_per_day"] == 4.0
    assert "benzodiazepine_load_above_limit" in {f["code"] for f in answer["findings"]}


def test_openapi_documents_the_endpoint_with_an_example(client, db) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"][URL]["post"]
    assert "Worked example" in operation["description"]
    assert {"200", "403", "422"} <= set(operation["responses"])
    schemas = doc["components"]["schemas"]
    example = schemas["EligibilityEvaluationIn"]["examples"][0]
    assert example["medications"][0] == {"name": "lorazepam", "daily_dose_mg": 2}
    conditions = schemas["EligibilityEvaluationIn"]["properties"]["conditions"]
    assert "arteriovenous_malformation" in conditions["items"]["enum"]
    assert "findings" in schemas["EligibilityEvaluationOut"]["properties"]
