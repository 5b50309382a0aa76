"""No request a user can send produces a server error.

Every page in the permission matrix is opened by a role that may use it; every form on it
is then posted with hostile values (NUL bytes, huge numbers, overlong text, markup, blanks),
and the page is asked for with nonsense query parameters. The test client re-raises any
exception a view lets escape, so a 500 fails here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from infusionist.accounts.roles import Role
from infusionist.accounts.tests.test_permission_matrix import EXPECTED

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
METHOD_POST = re.compile(r"method=\"post\"", re.I)
ACTION = re.compile(r"action=\"([^\"]*)\"", re.I)

HOSTILE_VALUES = [
    "\x00",
    "9" * 400,
    "-1e309",
    "NaN",
    "",
    "<script>alert(1)</script>",
    "2026-02-30",
    "x" * 20_000,
]
HOSTILE_QUERIES = [
    {"page": "-1"},
    {"page": "abc"},
    {"protocol": "not-a-number"},
    {"version": "999999999999999999999"},
    {"q": "%", "actor": "nope", "date_from": "13/45/2026"},
]
PREFERRED = [Role.PHYSICIAN, Role.CLINIC_ADMIN, Role.NURSE, Role.PROVIDER, Role.FRONT_DESK]


def _url(name: str, patient_id: int) -> str:
    try:
        return reverse(name)
    except Exception:
        return reverse(name, kwargs={"patient_id": patient_id})


def _post_forms(html: str, page_url: str) -> list[tuple[str, list[str]]]:
    forms = []
    for attrs, body in FORM.findall(html):
        if not METHOD_POST.search(attrs):
            continue
        action = ACTION.search(attrs)
        target = action.group(1).replace("&amp;", "&") if action and action.group(1) else page_url
        if "logout" in target:
            continue
        names = sorted({n for n in FIELD.findall(body) if n != "csrfmiddlewaretoken"})
        forms.append((target, names))
    return forms


@pytest.fixture
def busy_clinic(cast) -> dict[str, object]:
    """Give the cast's patient a draft plan and an open safety alert, so every form shows."""
    from infusionist.measurements.services import questionnaire_response_save
    from infusionist.treatment import selectors, services
    from infusionist.treatment.demo import _data

    services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocol = next(
        p
        for p in selectors.protocols_for_organization(organization=cast.org)
        if p.key == "depression-iv-induction"
    )
    spec = ("depression-iv-induction", "induction", "70.0", "175", {}, 0)
    services.plan_draft_save(
        patient=cast.patient, actor=cast.provider, data=_data(cast.patient, protocol, spec)
    )
    questionnaire_response_save(
        patient=cast.patient,
        instrument_code="phq9",
        answers={"q9": 1},
        source="staff",
        actor=cast.nurse,
        entered_by=cast.nurse,
    )
    return {"protocol": str(protocol.pk)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_page_answers_hostile_input_with_a_server_error(
    client, cast, busy_clinic, name: str
) -> None:
    role = next(r for r in PREFERRED if r in EXPECTED[name])
    client.force_login(cast.by_role()[role])
    url = _url(name, cast.patient.pk)
    if name == "treatment:protocol_edit":
        url += f"?protocol={busy_clinic['protocol']}"
    for query in HOSTILE_QUERIES:
        assert client.get(url, query).status_code < 500
    page = client.get(url)
    assert page.status_code < 500
    if not page.get("Content-Type", "").startswith("text/html"):
        return
    for target, fields in _post_forms(page.content.decode(), url):
        for value in HOSTILE_VALUES:
            response = client.post(target, {field: value for field in fields})
            assert response.status_code < 500, (target, value[:20])
