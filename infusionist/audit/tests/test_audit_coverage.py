"""Every page that shows one patient's data records that it was viewed (45 CFR 164.312(b))."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infusionist.accounts.roles import Role
from infusionist.accounts.tests.test_permission_matrix import EXPECTED
from infusionist.audit.models import AuditEvent

ORDER = [Role.PHYSICIAN, Role.NURSE, Role.PROVIDER, Role.CLINIC_ADMIN, Role.FRONT_DESK]


def _patient_page_names() -> list[str]:
    names = []
    for name in sorted(EXPECTED):
        try:
            reverse(name)
        except Exception:
            names.append(name)
    return names


@pytest.mark.parametrize("name", _patient_page_names())
def test_opening_a_patient_page_is_audited_with_the_patient(client, cast, name: str) -> None:
    role = next(r for r in ORDER if r in EXPECTED[name])
    user = cast.by_role()[role]
    client.force_login(user)
    url = reverse(name, kwargs={"patient_id": cast.patient.pk})
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(
        actor=user, patient=cast.patient, outcome="allowed"
    ).exists(), f"{name} showed patient data without an audit event"
