"""The audit trail records every view of patient data and every refusal (45 CFR 164.312(b)).

Built on tests/site.py like the permission matrix, so a new page, action, id or API endpoint
is covered by construction: every page that shows a patient names them in a view event (lists
and forms re-shown with errors included); every 403, every other-clinic id (404), every API
401/403 and every failed sign-in step writes a denied event.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.accounts.services import api_token_create
from infusionist.api.api import api
from infusionist.audit.models import AuditEvent
from infusionist.patients.models import Patient
from infusionist.test import PASSWORD
from tests.site import RULES, foreign_ids, url_for, url_parameters
from tests.test_bad_input_everywhere import _post_forms

ORDER = [
    Role.PHYSICIAN,
    Role.NURSE,
    Role.PROVIDER,
    Role.CLINIC_ADMIN,
    Role.FRONT_DESK,
    Role.PATIENT,
]


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _patients_shown(html: str) -> list[Patient]:
    shown = []
    for patient in Patient.objects.all():
        marks = (
            patient.mrn,
            patient.display_name,
            f"{patient.legal_last_name}, {patient.legal_first_name}",
        )
        if any(mark in html for mark in marks):
            shown.append(patient)
    return shown


def _assert_named(user: User, html: str, since: int, where: str) -> None:
    for patient in _patients_shown(html):
        assert AuditEvent.objects.filter(
            id__gt=since,
            actor=user,
            patient=patient,
            outcome="allowed",
            action__in=["view", "search", "create", "update"],
        ).exists(), f"{where} showed {patient.display_name} without a view event naming them"


@pytest.mark.parametrize("name", sorted(n for n, rule in RULES.items() if rule.method == "GET"))
def test_every_page_that_shows_a_patient_names_them(client, cast, site, name: str) -> None:
    role = next(r for r in ORDER if r in RULES[name].roles)
    user = cast.by_role()[role]
    client.force_login(user)
    url = url_for(name, site)
    since = _last_event_id()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode() if page.get("Content-Type", "").startswith("text/html") else ""
    _assert_named(user, html, since, name)
    # Forms re-shown with errors name the patients on them too.
    for target, fields in _post_forms(html, url):
        since = _last_event_id()
        response = client.post(target, {field: "" for field in fields})
        if response.status_code in (200, 422):
            _assert_named(user, response.content.decode(), since, f"{target} re-shown")


def test_a_patient_page_names_its_patient(client, cast, site) -> None:
    params = url_parameters()
    for name, rule in sorted(RULES.items()):
        if rule.method != "GET" or "patient_id" not in params[name]:
            continue
        role = next(r for r in ORDER if r in rule.roles)
        user = cast.by_role()[role]
        client.force_login(user)
        since = _last_event_id()
        assert client.get(url_for(name, site)).status_code == 200
        assert AuditEvent.objects.filter(
            id__gt=since, actor=user, patient=cast.patient, outcome="allowed", action="view"
        ).exists(), f"{name} showed patient data without an audit event"


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_refusal_is_audited(client, cast, site, name: str) -> None:
    rule = RULES[name]
    url = url_for(name, site)
    for role, user in cast.by_role().items():
        if role in rule.roles:
            continue
        client.force_login(user)
        since = _last_event_id()
        response = client.post(url) if rule.method == "POST" else client.get(url)
        assert response.status_code == 403
        assert AuditEvent.objects.filter(
            id__gt=since, actor=user, outcome="denied", object_id=name
        ).exists(), f"{role} refused {name} without a denied event"


def _id_cases() -> list[tuple[str, str]]:
    return [(name, param) for name in sorted(RULES) for param in foreign_ids(name)]


@pytest.mark.parametrize(("name", "param"), _id_cases())
def test_another_clinics_id_is_audited(client, cast, site, name: str, param: str) -> None:
    rule = RULES[name]
    user = next(u for role, u in cast.by_role().items() if role in rule.roles)
    client.force_login(user)
    since = _last_event_id()
    url = url_for(name, site, foreign=param)
    response = client.post(url) if rule.method == "POST" else client.get(url)
    assert response.status_code == 404
    event = AuditEvent.objects.filter(id__gt=since, actor=user, outcome="denied").get()
    assert event.detail["status"] == 404 and param in event.detail["ids"]


# ---- the JSON API ---------------------------------------------------------------------------


def _api_operations(cast) -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    fillers = {
        "patient_id": str(cast.patient.pk),
        "code": "phq9",
        "appointment_id": "1",
        "visit_id": "1",
    }
    operations = []
    for path, methods in schema["paths"].items():
        if "openapi" in path:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: fillers[m.group(1)], path)
        for method in methods:
            operations.append((method, url))
    return operations


def test_every_api_refusal_is_audited_and_the_role_comes_before_the_body(client, cast) -> None:
    patient_token = api_token_create(user=cast.patient_user)
    operations = _api_operations(cast)
    assert len(operations) >= 8
    for method, url in operations:
        for headers, status in (
            ({}, 401),
            ({"HTTP_AUTHORIZATION": "Bearer not-a-token"}, 401),
            ({"HTTP_AUTHORIZATION": f"Bearer {patient_token}"}, 403),
        ):
            since = _last_event_id()
            # A body that fails validation: the role must be refused before it is read.
            if method == "get":
                response = client.get(url, **headers)
            else:
                response = client.generic(
                    method.upper(), url, data="{", content_type="application/json", **headers
                )
            assert response.status_code == status, (method, url, headers)
            assert (
                AuditEvent.objects.filter(
                    id__gt=since, outcome="denied", detail__status=status
                ).exists()
                or AuditEvent.objects.filter(
                    id__gt=since, outcome="denied", actor=cast.patient_user
                ).exists()
            ), f"{method.upper()} {url} answered {status} without a denied event"


def test_the_api_audits_another_clinics_patient_id(client, cast) -> None:
    token = api_token_create(user=cast.frontdesk)
    since = _last_event_id()
    url = f"/api/v1/patients/{cast.outsider_patient.pk}"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    event = AuditEvent.objects.filter(id__gt=since, outcome="denied").get()
    assert event.actor == cast.frontdesk and event.detail["status"] == 404


def test_the_api_names_every_patient_it_lists(client, cast) -> None:
    token = api_token_create(user=cast.frontdesk)
    since = _last_event_id()
    body = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    named = set(
        AuditEvent.objects.filter(id__gt=since, action="view").values_list("patient_id", flat=True)
    )
    assert named == {row["id"] for row in body["results"]} and named


# ---- sign-in steps --------------------------------------------------------------------------


def _denied_logins(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=since, action="login_failed", outcome="denied"))


def test_a_wrong_password_and_the_lockout_are_audited(client, cast, settings) -> None:
    cache.clear()
    since = _last_event_id()
    for _ in range(6):
        client.post(
            reverse("account_login"), {"login": "frontdesk@test.example", "password": "wrong"}
        )
    events = _denied_logins(since)
    assert len(events) == 6
    assert any(e.detail.get("reason") == "locked out after repeated failures" for e in events)


def test_a_wrong_second_factor_and_its_lockout_are_audited(client, cast) -> None:
    cache.clear()
    response = client.post(
        reverse("account_login"), {"login": "nurse@test.example", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    since = _last_event_id()
    for _ in range(6):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    events = _denied_logins(since)
    assert events and all(e.actor == cast.nurse for e in events)
    assert {e.detail["reason"] for e in events} == {
        "wrong code",
        "locked out after repeated failures",
    }
