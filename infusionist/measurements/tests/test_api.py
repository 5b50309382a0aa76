"""The instrument API: definitions, exact scoring, bounded input, 404 and 422 per item."""

from __future__ import annotations

import json

import pytest

from infusionist.accounts.services import api_token_create
from infusionist.measurements.models import MeasurementSettings


@pytest.fixture
def auth(cast) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.nurse)}"}


def _score(client, auth, code: str, body: object):
    return client.post(
        f"/api/v1/instruments/{code}/score",
        data=json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        **auth,
    )


def phq9(**answers: int) -> dict[str, int]:
    return {f"q{i}": 0 for i in range(1, 10)} | answers


def test_it_lists_every_instrument(client, auth) -> None:
    body = client.get("/api/v1/instruments", **auth).json()
    codes = [row["code"] for row in body]
    assert codes[:3] == ["phq9", "phq2", "gad7"]
    assert "cssrs_screener" in codes
    assert {"code", "version", "title", "languages", "administration", "total_range"} <= set(
        body[0]
    )


def test_it_returns_one_definition_with_items_in_order(client, auth) -> None:
    body = client.get("/api/v1/instruments/phq9", **auth).json()
    assert [item["link_id"] for item in body["items"]] == [
        *(f"q{i}" for i in range(1, 10)),
        "difficulty",
    ]
    item9 = body["items"][8]
    assert item9["loinc"] == "44260-8"
    assert [o["value"] for o in item9["options"]] == [0, 1, 2, 3]
    assert body["loinc_total"] == "44261-6"
    assert body["lang"] == "en"
    assert body["items"][0]["text"] == "Little interest or pleasure in doing things"


def test_it_returns_spanish_where_available(client, auth) -> None:
    body = client.get("/api/v1/instruments/gad7", {"lang": "es"}, **auth).json()
    assert body["lang"] == "es"
    assert body["items"][0]["options"][0]["label"] == "Ningún día"
    fallback = client.get("/api/v1/instruments/qids_sr16", {"lang": "es"}, **auth).json()
    assert fallback["lang"] == "en"


def test_cssrs_definition_ships_no_wording(client, auth) -> None:
    body = client.get("/api/v1/instruments/cssrs_screener", **auth).json()
    assert all(item["text"] == "" and item["name"] for item in body["items"])


def test_unknown_instrument_is_404(client, auth) -> None:
    assert client.get("/api/v1/instruments/nope", **auth).status_code == 404
    response = _score(client, auth, "nope", {"answers": {}})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_it_scores_exactly(client, auth) -> None:
    response = _score(client, auth, "phq9", {"answers": phq9(q1=3, q2=3, q3=2, q9=1)})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"instrument", "version", "total", "severity", "subscores", "flags"}
    assert body["total"] == 9
    assert body["severity"]["code"] == "mild"
    assert "suicidality" in body["flags"]


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(client, auth, total: int, band: str) -> None:
    answers = {f"q{i}": min(3, max(0, total - 3 * (i - 1))) for i in range(1, 10)}
    assert sum(answers.values()) == total
    body = _score(client, auth, "phq9", {"answers": answers}).json()
    assert (body["total"], body["severity"]["code"]) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"), [(4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (15, "severe")]
)
def test_gad7_band_edges(client, auth, total: int, band: str) -> None:
    answers = {f"q{i}": min(3, max(0, total - 3 * (i - 1))) for i in range(1, 8)}
    body = _score(client, auth, "gad7", {"answers": answers}).json()
    assert (body["total"], body["severity"]["code"]) == (total, band)


def test_qids_uses_domain_maxima(client, auth) -> None:
    answers = {f"q{i}": 0 for i in range(1, 17)} | {"q1": 3, "q2": 3, "q3": 3, "q4": 3}
    body = _score(client, auth, "qids_sr16", {"answers": answers}).json()
    assert body["total"] == 3


def test_422_names_every_bad_item(client, auth) -> None:
    answers = phq9(q3=7) | {"q4": "2", "q7": True, "q99": 1}
    del answers["q5"]
    response = _score(client, auth, "phq9", {"answers": answers})
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"answers.q3", "answers.q4", "answers.q5", "answers.q7", "answers.q99"}
    assert "out of range" in errors["answers.q3"]
    assert "whole number" in errors["answers.q4"]
    assert "required" in errors["answers.q5"]
    assert "unknown item" in errors["answers.q99"]


def test_cssrs_skipped_item_is_refused(client, auth) -> None:
    response = _score(
        client, auth, "cssrs_screener", {"answers": {"q1": 0, "q2": 0, "q3": 1, "q6": 0}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answers.q3"


def test_clinic_thresholds_apply(client, auth, cast) -> None:
    MeasurementSettings.objects.create(organization=cast.org, phq9_item9_alert_at_least=2)
    body = _score(client, auth, "phq9", {"answers": phq9(q9=1)}).json()
    assert "suicidality" not in body["flags"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": []},
        {"answers": "q1"},
        {"answers": None},
        [],
        "null",
        "not json",
        '{"answers": {"q1": 1e999}}',
        {"answers": {"q1": 10**30}},
        {"answers": {"q1": {"nested": [1, 2]}}},
        {"answers": {"q1": "x" * 100_000}},
        {"answers": {"q1\u0000": 1}},
        {"answers": {"x" * 5000: 1}},
        {"answers": {f"k{i}": 1 for i in range(5000)}},
        {"answers": {"q1": -1}},
        {"answers": {"q1": 1.0}},
    ],
)
def test_no_500_for_any_json(client, auth, body) -> None:
    response = _score(client, auth, "phq9", body)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert len(response.content) < 20_000


def test_score_requires_a_token_and_a_staff_role(client, cast) -> None:
    assert _score(client, {}, "phq9", {"answers": phq9()}).status_code == 401
    patient_auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.patient_user)}"}
    assert _score(client, patient_auth, "phq9", {"answers": phq9()}).status_code == 403


def test_endpoints_are_documented_in_openapi(client, db) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/instruments" in paths
    assert "/api/v1/instruments/{code}" in paths
    score = paths["/api/v1/instruments/{code}/score"]["post"]
    assert {"200", "404", "422"} <= set(score["responses"])


# ---- safety flags on every answer, refusals included ------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers", "flags"),
    [
        ("phq9", {"q1": 3, "q2": 3, "q9": 2}, ["suicidality"]),  # the example
        ("phq9", {"q9": 1}, ["suicidality"]),
        ("phq9", {"q9": 3, "q1": 7}, ["suicidality"]),  # another item out of range
        ("phq9", {"q9": 1, "q2": "3", "q99": 1}, ["suicidality"]),  # string and unknown item
        ("phq9", {"q9": 2, "q1": True}, ["suicidality"]),
        ("phq9", {"q9": 0, "q1": 3}, []),
        ("phq9", {"q9": 9}, []),  # out of range: no valid answer to act on
        ("phq9", {"q9": "2"}, []),  # a string is refused, not guessed
        ("qids_sr16", {"q12": 1}, ["suicidality"]),
        ("qids_sr16", {"q12": 2, "q6": 1, "q7": 1, "q1": 3}, ["suicidality"]),
        ("cssrs_screener", {"q1": 1, "q2": 1, "q4": 1}, ["imminent", "suicidality"]),
        ("cssrs_screener", {"q6": 1, "q6b": 1}, ["imminent", "suicidality"]),
        # Q4 is skipped when Q2 is no; the inconsistent yes is refused and still flagged.
        ("cssrs_screener", {"q1": 0, "q2": 0, "q4": 1, "q6": 0}, ["imminent", "suicidality"]),
        ("cssrs_screener", {"q1": 1}, ["positive"]),
        ("gad7", {"q1": 3}, []),
    ],
)
def test_a_refusal_carries_the_safety_flags_of_the_valid_answers(
    client, auth, code, answers, flags
) -> None:
    response = _score(client, auth, code, {"answers": answers})
    assert response.status_code == 422
    body = response.json()
    assert body["flags"] == flags
    assert body["errors"]  # still says what is wrong


def test_refusal_flags_follow_the_clinic_thresholds(client, auth, cast) -> None:
    MeasurementSettings.objects.create(
        organization=cast.org, phq9_item9_alert_at_least=2, cssrs_alert_at_least_risk_level=1
    )
    assert _score(client, auth, "phq9", {"answers": {"q9": 1}}).json()["flags"] == []
    assert _score(client, auth, "phq9", {"answers": {"q9": 2}}).json()["flags"] == ["suicidality"]
    assert _score(client, auth, "cssrs_screener", {"answers": {"q1": 1}}).json()["flags"] == [
        "positive",
        "suicidality",
    ]


def test_too_many_answers_still_carry_the_flags(client, auth) -> None:
    answers = {f"k{i}": 1 for i in range(200)} | {"q9": 2}
    response = _score(client, auth, "phq9", {"answers": answers})
    assert response.status_code == 422
    assert response.json()["flags"] == ["suicidality"]


@pytest.mark.parametrize("body", [{}, {"answers": []}, {"answers": None}, [], "not json"])
def test_unreadable_bodies_answer_with_empty_flags(client, auth, body) -> None:
    response = _score(client, auth, "phq9", body)
    assert 400 <= response.status_code < 500
    if response.status_code == 422:
        assert response.json()["flags"] == []


def test_a_complete_score_keeps_its_flags(client, auth) -> None:
    body = _score(client, auth, "phq9", {"answers": phq9(q9=2)}).json()
    assert body["flags"][0] == "suicidality" and body["total"] == 2


def test_the_refusal_flags_are_documented_in_openapi(client, db) -> None:
    document = client.get("/api/v1/openapi.json").json()
    score = document["paths"]["/api/v1/instruments/{code}/score"]["post"]
    assert "Safety flags on every answer" in score["description"]
    ref = score["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert "flags" in schema["properties"] and "flags" in schema["required"]
    assert "never hides a risk answer" in schema["properties"]["flags"]["description"]
