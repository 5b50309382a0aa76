from __future__ import annotations

import pytest

from infusionist.accounts.services import api_token_create
from infusionist.audit.models import AuditEvent


@pytest.fixture
def token(cast) -> str:
    return api_token_create(user=cast.nurse)


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_document_is_served(client, db) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["title"] == "Infusionist API"
    assert "/api/v1/patients" in doc["paths"]


def test_requests_without_a_valid_token_get_401(client, db) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_token_acts_as_its_user(client, cast, token) -> None:
    body = client.get("/api/v1/me", **_auth(token)).json()
    assert body == {
        "email": "nurse@test.example",
        "full_name": "Nell Nurse",
        "role": "nurse",
        "organization": "Willowbrook Test Clinic",
    }


def test_patient_search_is_scoped_and_audited(client, cast, token) -> None:
    body = client.get("/api/v1/patients", **_auth(token)).json()
    assert {r["mrn"] for r in body["results"]} == {cast.patient.mrn, cast.other_patient.mrn}
    body = client.post(
        "/api/v1/patients/search",
        {"q": "testpat"},
        content_type="application/json",
        **_auth(token),
    ).json()
    assert [r["mrn"] for r in body["results"]] == [cast.patient.mrn]
    assert AuditEvent.objects.filter(action="search", actor=cast.nurse).exists()


def test_patient_detail_of_another_organization_is_404(client, cast, token) -> None:
    url = f"/api/v1/patients/{cast.outsider_patient.pk}"
    assert client.get(url, **_auth(token)).status_code == 404
    assert client.get(f"/api/v1/patients/{cast.patient.pk}", **_auth(token)).status_code == 200


def test_patient_role_is_refused_staff_endpoints(client, cast) -> None:
    token = api_token_create(user=cast.patient_user)
    response = client.get("/api/v1/patients", **_auth(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role may not do this."}


def test_bad_query_values_get_422_with_field_messages(client, cast, token) -> None:
    response = client.get("/api/v1/patients", {"limit": "lots"}, **_auth(token))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
    response = client.post(
        "/api/v1/patients/search",
        {"q": "a\x00b"},
        content_type="application/json",
        **_auth(token),
    )
    assert response.status_code == 422
    response = client.post(
        "/api/v1/patients/search",
        {"q": "x" * 101},
        content_type="application/json",
        **_auth(token),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"
