"""POST /api/v1/patients (issue 8, item 14): the web form's rules for integrations.

201 with the patient; 422 naming each bad field; 409 listing possible duplicates and why,
unless the request confirms with a reason; 403 for a role that may not, before the body is
read. Audited like the web form.
"""

from __future__ import annotations

import datetime as dt

import pytest

from infusionist.accounts.services import api_token_create
from infusionist.audit.models import AuditEvent
from infusionist.patients.models import Patient
from infusionist.patients.services import patient_create

DOB = dt.date(1985, 4, 12)


@pytest.fixture
def felix(cast) -> Patient:
    return patient_create(
        organization=cast.org,
        actor=cast.frontdesk,
        data={
            "legal_first_name": "Felix",
            "legal_last_name": "Ibarra",
            "date_of_birth": DOB,
            "sex_at_birth": "male",
        },
    )


def _post(client, user, body: dict, path: str = "/api/v1/patients"):
    token = api_token_create(user=user)
    return client.post(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


API_BODY = {
    "legal_first_name": "Ibarra",
    "legal_last_name": "Felix",
    "date_of_birth": "1985-04-12",
    "sex_at_birth": "male",
}


def test_the_api_answers_409_with_the_matches_and_why(client, cast, felix) -> None:
    response = _post(client, cast.frontdesk, API_BODY)
    assert response.status_code == 409
    body = response.json()
    assert "not_duplicate_reason" in body["detail"]
    assert body["duplicates"] == [
        {
            "id": felix.pk,
            "mrn": felix.mrn,
            "legal_first_name": "Felix",
            "legal_last_name": "Ibarra",
            "preferred_name": "",
            "date_of_birth": "1985-04-12",
            "reasons": [
                {"code": "names_swapped", "message": "First and last names swapped"},
                {"code": "same_date_of_birth", "message": "Same date of birth"},
            ],
        }
    ]
    assert not Patient.objects.filter(legal_first_name="Ibarra").exists()


def test_the_api_creates_with_a_reason_and_audits_it(client, cast, felix) -> None:
    response = _post(client, cast.frontdesk, {**API_BODY, "not_duplicate_reason": "Twin."})
    assert response.status_code == 201
    created = Patient.objects.get(pk=response.json()["id"])
    event = AuditEvent.objects.get(action="create", patient=created)
    assert event.actor == cast.frontdesk and event.path == "/api/v1/patients"
    assert event.detail["not_duplicate_reason"] == "Twin."
    assert event.detail["possible_duplicates"][0]["patient_id"] == felix.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"legal_last_name": ""}, "legal_last_name"),
        ({"legal_first_name": "---"}, "legal_first_name"),
        ({"legal_first_name": "Ana\x00"}, "legal_first_name"),
        ({"city": "Test\ud800ville"}, "city"),
        ({"date_of_birth": "02/30/1990"}, "date_of_birth"),
        ({"date_of_birth": 19850412}, "date_of_birth"),
        ({"sex_at_birth": "robot"}, "sex_at_birth"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "555-01"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"preferred_language": "fr"}, "preferred_language"),
        ({"mrn": "WTC999999"}, "mrn"),
        ({"not_duplicate_reason": "   "}, "not_duplicate_reason"),
        ({"legal_last_name": "x" * 81}, "legal_last_name"),
    ],
)
def test_the_api_names_each_bad_field(client, cast, change: dict, field: str) -> None:
    body = {**API_BODY, "legal_first_name": "Marisol", "legal_last_name": "Quintanilla", **change}
    response = _post(client, cast.frontdesk, body)
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Patient.objects.filter(legal_first_name__in=["Marisol", "---"]).exists()


def test_front_desk_may_create_by_api_and_a_patient_may_not(client, cast) -> None:
    body = {**API_BODY, "legal_first_name": "Marisol", "legal_last_name": "Quintanilla"}
    response = _post(client, cast.frontdesk, body)
    assert response.status_code == 201
    assert response.json()["mrn"] == "WTC000003"
    event = AuditEvent.objects.get(action="create", patient_id=response.json()["id"])
    assert event.actor == cast.frontdesk and event.actor_role == "front_desk"
    # A patient's token is refused before the body is read: 403, not 422.
    for bad in ({**body, "legal_first_name": "Other"}, {"nonsense": True}, {}):
        refused = _post(client, cast.patient_user, bad)
        assert refused.status_code == 403, bad
        assert refused.json() == {"detail": "Your role may not do this."}
    assert (
        AuditEvent.objects.filter(
            action="access", outcome="denied", actor=cast.patient_user
        ).count()
        == 3
    )
    assert not Patient.objects.filter(legal_first_name="Other").exists()


def test_the_api_without_a_token_is_401(client, db) -> None:
    assert client.post("/api/v1/patients", {}, content_type="application/json").status_code == 401


def test_the_openapi_document_describes_patient_creation(client, db) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    create = doc["paths"]["/api/v1/patients"]["post"]
    assert {"201", "403", "409", "422"} <= set(create["responses"])
    assert create["security"] == [{"BearerToken": []}]
    assert "get" in doc["paths"]["/api/v1/patients"]


def test_the_api_reads_two_digit_years_in_the_past_and_refuses_future_ones(client, cast) -> None:
    body = {
        "legal_first_name": "Marisol",
        "legal_last_name": "Quintanilla",
        "sex_at_birth": "female",
    }
    created = _post(client, cast.frontdesk, {**body, "date_of_birth": "06/28/61"})
    assert created.status_code == 201, created.json()
    assert created.json()["date_of_birth"] == "1961-06-28"
    for future in ("2061-06-28", "06/28/2061"):
        refused = _post(client, cast.frontdesk, {**body, "date_of_birth": future})
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {
                "field": "date_of_birth",
                "message": "Date of birth cannot be in the future. Check the year.",
            }
        ]
    search = _post(client, cast.nurse, {"q": "06/28/2061"}, "/api/v1/patients/search")
    assert search.status_code == 422 and "future" in search.json()["detail"]
    search = _post(client, cast.nurse, {"q": "06/28/61"}, "/api/v1/patients/search")
    assert [r["legal_last_name"] for r in search.json()["results"]] == ["Quintanilla"]
