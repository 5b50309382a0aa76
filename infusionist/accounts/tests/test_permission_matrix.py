"""Every URL pattern has an access rule, and every role gets exactly the access it should.

A new view that is not listed in EXPECTED fails `test_every_url_pattern_has_a_rule`, so
nothing ships without a decision about who may open it.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from infusionist.accounts.roles import CAPABILITIES, STAFF_ROLES, Role

ALL_STAFF = set(STAFF_ROLES)
ADMIN_ONLY = {Role.CLINIC_ADMIN}

# url name -> roles that get the page (everyone else: 403, anonymous: login redirect)
EXPECTED: dict[str, set[str]] = {
    "today:index": ALL_STAFF,
    "patients:list": ALL_STAFF,
    "patients:create": ALL_STAFF,
    "patients:detail": ALL_STAFF,
    "patients:edit": ALL_STAFF,
    "clinics:locations": ALL_STAFF,
    "audit:report": ADMIN_ONLY,
    "audit:export": ADMIN_ONLY,
    # Treatment (docs/decisions/0002): clinical roles read plans and use the calculator,
    # prescribers draft, physicians sign; physicians and clinic admins edit protocols.
    "treatment:plan_list": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
    "treatment:plan_detail": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
    "treatment:plan_draft": {Role.PROVIDER, Role.PHYSICIAN},
    "treatment:plan_sign": {Role.PHYSICIAN},
    "treatment:calculator": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
    "treatment:protocol_list": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN, Role.CLINIC_ADMIN},
    "treatment:protocol_edit": {Role.PHYSICIAN, Role.CLINIC_ADMIN},
    "treatment:settings_edit": {Role.PHYSICIAN, Role.CLINIC_ADMIN},
    # Measurement answers and safety alerts: clinical roles; overdue list: all staff.
    "measurements:alerts": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
    "measurements:overdue": ALL_STAFF,
    "measurements:patient": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
    "measurements:enter": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
    "measurements:safety": {Role.NURSE, Role.PROVIDER, Role.PHYSICIAN},
}
# Patterns whose access is decided elsewhere, and why.
EXEMPT_PREFIXES = {
    "account_": "django-allauth's own login, logout, password reset",
    "mfa_": "django-allauth MFA set-up and sign-in steps (login required by allauth)",
    "admin:": "Django admin: is_staff superusers only, enforced by Django",
    "api:": "JSON API: bearer tokens, checked per endpoint in infusionist/api (see api tests)",
}
PUBLIC = {
    "root": "redirects to Today",
    "health": "load-balancer health check, no data",
    "questionnaire:start": "patient link: hashed single-use token, then date of birth check",
    "questionnaire:answer": "patient link: only after the date-of-birth step, from the session",
    "questionnaire:done": "patient link: thank-you page with crisis resources, no data",
}


def _walk(patterns, prefix: str = "") -> list[str]:
    names: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else prefix
            names += _walk(p.url_patterns, ns if p.namespace else prefix)
        elif isinstance(p, URLPattern):
            names.append(f"{prefix}{p.name}" if p.name else f"{prefix}<unnamed:{p.pattern}>")
    return names


def _url_names() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def _is_exempt(name: str) -> bool:
    if name in PUBLIC:
        return True
    return any(name.startswith(prefix) or f":{prefix}" in name for prefix in EXEMPT_PREFIXES)


def test_every_url_pattern_has_a_rule() -> None:
    unruled = [n for n in _url_names() if not _is_exempt(n) and n not in EXPECTED]
    assert unruled == [], f"Add these URL names to EXPECTED with their roles: {unruled}"


def test_every_ruled_view_declares_the_matching_capability() -> None:
    resolver = get_resolver()
    for name, roles in EXPECTED.items():
        url = _reverse(name, patient_id=1)
        view = resolver.resolve(url).func
        capability = getattr(view, "capability", None)
        assert capability in CAPABILITIES, f"{name} has no require_capability decorator"
        assert set(CAPABILITIES[capability]) == roles, f"{name}: {capability} roles differ"


def _reverse(name: str, **ids: int) -> str:
    try:
        return reverse(name)
    except Exception:
        return reverse(name, kwargs=ids)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_exactly_its_access(client, cast, name: str) -> None:
    url = _reverse(name, patient_id=cast.patient.pk)
    for role, user in cast.by_role().items():
        client.force_login(user)
        response = client.get(url)
        if role in EXPECTED[name]:
            assert response.status_code == 200, f"{role} should open {name}"
        else:
            assert response.status_code == 403, f"{role} must be refused {name}"
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["patients:detail", "patients:edit"])
def test_outsider_never_sees_another_organizations_patient(client, cast, name: str) -> None:
    client.force_login(cast.outsider)
    assert client.get(reverse(name, kwargs={"patient_id": cast.patient.pk})).status_code == 404
    client.force_login(cast.frontdesk)
    url = reverse(name, kwargs={"patient_id": cast.outsider_patient.pk})
    assert client.get(url).status_code == 404


def test_refusal_is_audited(client, cast) -> None:
    from infusionist.audit.models import AuditEvent

    client.force_login(cast.nurse)
    assert client.get(reverse("audit:report")).status_code == 403
    event = AuditEvent.objects.get(actor=cast.nurse, outcome="denied")
    assert event.object_id == "audit:report"
    assert event.detail == {"capability": "audit.report"}
