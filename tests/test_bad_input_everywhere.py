"""No request a user can send produces a server error.

Every page in the permission matrix is opened by a role that may use it; every form on it
is then posted with hostile values (NUL bytes, huge numbers, overlong text, markup, blanks),
and the page is asked for with nonsense query parameters. The test client re-raises any
exception a view lets escape, so a 500 fails here.
"""

from __future__ import annotations

import re

import pytest

from infusionist.accounts.roles import Role
from infusionist.measurements.models import QuestionnaireResponse
from infusionist.measurements.services import questionnaire_response_save
from infusionist.treatment import services
from tests.site import RULES, SiteRecords, url_for

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
METHOD_POST = re.compile(r"method=\"post\"", re.I)
ACTION = re.compile(r"\baction=\"([^\"]*)\"", re.I)
FORMACTION = re.compile(r"\bformaction=\"([^\"]*)\"", re.I)

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
    {"lang": "\u0000"},
]
PREFERRED = [
    Role.PHYSICIAN,
    Role.CLINIC_ADMIN,
    Role.NURSE,
    Role.PROVIDER,
    Role.FRONT_DESK,
    Role.PATIENT,
]


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
        # A button may send the same fields to another action ("save for later").
        for other in FORMACTION.findall(body):
            forms.append((other.replace("&amp;", "&"), names))
    return forms


@pytest.fixture
def busy_clinic(cast, site: SiteRecords) -> SiteRecords:
    """Give the cast's patient a draft plan and a half-answered questionnaire too."""
    version = site.own.version
    spec = services.PlanVersionSpec(
        protocol=version.protocol,
        indication=version.indication,
        phase="maintenance",
        planned_sessions=4,
        sessions_per_week=version.sessions_per_week,
        planned_start_date=version.planned_start_date,
        inputs=version.dose_inputs(),
    )
    services.plan_version_draft_save(patient=cast.patient, actor=cast.provider, spec=spec)
    questionnaire_response_save(
        patient=cast.patient,
        instrument_code="gad7",
        answers={"q1": 1},
        source=QuestionnaireResponse.Source.STAFF,
        actor=cast.nurse,
        entered_by=cast.nurse,
    )
    return site


@pytest.mark.parametrize("name", sorted(n for n, rule in RULES.items() if rule.method == "GET"))
def test_no_page_answers_hostile_input_with_a_server_error(
    client, cast, busy_clinic, name: str
) -> None:
    role = next(r for r in PREFERRED if r in RULES[name].roles)
    client.force_login(cast.by_role()[role])
    url = url_for(name, busy_clinic)
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
