"""Every URL pattern has an access rule, every role gets exactly that access, and every id in
a URL is scoped: another organization's id answers 404 (never another clinic's data).
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from infusionist.accounts.roles import CAPABILITIES
from infusionist.audit.models import AuditEvent
from tests.site import RULES, foreign_ids, is_exempt, url_for, url_parameters


def test_every_url_pattern_has_a_rule() -> None:
    unruled = [n for n in sorted(url_parameters()) if not is_exempt(n) and n not in RULES]
    assert unruled == [], f"Add these URL names to RULES in tests/site.py: {unruled}"


def test_every_ruled_view_declares_the_matching_capability(site) -> None:
    resolver = get_resolver()
    for name, rule in RULES.items():
        view = resolver.resolve(url_for(name, site)).func
        capability = getattr(view, "capability", None)
        assert capability in CAPABILITIES, f"{name} has no require_capability decorator"
        assert set(CAPABILITIES[capability]) == rule.roles, f"{name}: {capability} roles differ"


def _call(client, method: str, url: str):
    return client.post(url) if method == "POST" else client.get(url)


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_role_gets_exactly_its_access(client, cast, site, name: str) -> None:
    rule = RULES[name]
    url = url_for(name, site)
    for role, user in cast.by_role().items():
        client.force_login(user)
        url = url_for(name, site, role=role)
        response = _call(client, rule.method, url)
        if role not in rule.roles:
            assert response.status_code == 403, f"{role} must be refused {name}"
        elif rule.method == "GET":
            assert response.status_code == 200, f"{role} should open {name}"
        else:
            assert response.status_code in (200, 302, 422), f"{role} should reach {name}"
            reload = client.get(url)  # a reloaded tab: back to the form's page, never run
            assert reload.status_code == 303, f"{name} is an action: POST only"
    client.logout()
    response = _call(client, rule.method, url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _id_cases() -> list[tuple[str, str]]:
    return [(name, param) for name in sorted(RULES) for param in foreign_ids(name)]


@pytest.mark.parametrize(("name", "param"), _id_cases())
def test_another_organizations_id_answers_404(client, cast, site, name: str, param: str) -> None:
    rule = RULES[name]
    allowed = next(user for role, user in cast.by_role().items() if role in rule.roles)
    client.force_login(allowed)
    response = _call(client, rule.method, url_for(name, site, foreign=param))
    assert response.status_code == 404, f"{name} with another clinic's {param}"


def test_the_outsider_never_sees_this_clinics_patient(client, cast, site) -> None:
    client.force_login(cast.outsider)
    assert client.get(url_for("record:patient", site)).status_code == 404
    assert client.get(url_for("patients:edit", site)).status_code == 404


def test_refusal_is_audited(client, cast) -> None:
    client.force_login(cast.nurse)
    assert client.get(reverse("administration:audit_report")).status_code == 403
    event = AuditEvent.objects.get(actor=cast.nurse, outcome="denied")
    assert event.object_id == "administration:audit_report"
    assert event.detail == {"capability": "audit.report"}
