"""Every page that shows one patient's data records that it was viewed (45 CFR 164.312(b))."""

from __future__ import annotations

import pytest

from infusionist.accounts.roles import Role
from infusionist.audit.models import AuditEvent
from tests.site import RULES, url_for, url_parameters

ORDER = [Role.PHYSICIAN, Role.NURSE, Role.PROVIDER, Role.CLINIC_ADMIN, Role.FRONT_DESK]


def _patient_page_names() -> list[str]:
    params = url_parameters()
    return [
        name
        for name, rule in sorted(RULES.items())
        if rule.method == "GET" and "patient_id" in params[name]
    ]


@pytest.mark.parametrize("name", _patient_page_names())
def test_opening_a_patient_page_is_audited_with_the_patient(client, cast, site, name: str) -> None:
    role = next(r for r in ORDER if r in RULES[name].roles)
    user = cast.by_role()[role]
    client.force_login(user)
    assert client.get(url_for(name, site)).status_code == 200
    assert AuditEvent.objects.filter(
        actor=user, patient=cast.patient, outcome="allowed", action="view"
    ).exists(), f"{name} showed patient data without an audit event"
