"""The clinic's eligibility limits page: a physician signs a change; others read it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.consultations.models import EligibilitySettings
from infusionist.test import PASSWORD

URL = reverse("consultations:limits")


def _post(client, **changes):
    data = {
        "max_benzodiazepine_diazepam_mg_per_day": "8",
        "min_failed_adequate_trials": "2",
        "max_systolic_mmhg": "140",
        "max_diastolic_mmhg": "90",
        "stop_systolic_mmhg": "180",
        "stop_diastolic_mmhg": "110",
        "attested": "on",
        "password": PASSWORD,
    }
    data.update(changes)
    return client.post(URL, data)


def test_each_limit_shows_its_default_and_source(client, cast) -> None:
    client.force_login(cast.nurse)
    html = client.get(URL).content.decode()
    assert "Documented default: <strong>8.0</strong>" in html
    assert 'href="/reference/#source-32"' in html and 'href="/reference/#source-27"' in html
    assert "Only a physician can change these limits." in html
    assert 'name="password"' not in html


def test_a_physician_signs_a_change_and_it_is_audited(client, cast) -> None:
    client.force_login(cast.physician)
    response = _post(client, max_systolic_mmhg="150")
    assert response.status_code == 302
    stored = EligibilitySettings.objects.get(organization=cast.org)
    assert stored.max_systolic_mmhg == 150 and stored.updated_by == cast.physician
    event = AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.ELIGIBILITY_SETTINGS, action="update"
    ).last()
    assert event is not None and event.detail["before"]["max_systolic_mmhg"] == 140
    assert event.detail["after"]["max_systolic_mmhg"] == 150


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "wrong"}, "The password is not correct"),
        ({"attested": ""}, "Tick the attestation"),
        ({"max_systolic_mmhg": "400"}, "at most 200"),
        ({"max_diastolic_mmhg": "ninety"}, "whole number"),
        ({"max_benzodiazepine_diazepam_mg_per_day": "8.25"}, "decimal place"),
        ({"min_failed_adequate_trials": ""}, "Enter the"),
    ],
)
def test_a_refused_change_is_named_and_keeps_what_was_typed(client, cast, changes, message):
    client.force_login(cast.physician)
    response = _post(client, **{"max_diastolic_mmhg": "95", **changes})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    typed = changes.get("max_diastolic_mmhg", "95")
    assert f'value="{typed}"' in html
    assert not EligibilitySettings.objects.filter(organization=cast.org).exists()


def test_only_a_physician_may_post(client, cast) -> None:
    client.force_login(cast.admin)
    assert client.get(URL).status_code == 200
    assert _post(client, max_systolic_mmhg="150").status_code == 403
    assert not EligibilitySettings.objects.filter(organization=cast.org).exists()


def test_the_review_uses_the_signed_limits(client, cast) -> None:
    client.force_login(cast.physician)
    _post(client, max_benzodiazepine_diazepam_mg_per_day="4")
    from infusionist.consultations.selectors import eligibility_limits_for

    limits = eligibility_limits_for(organization=cast.org)
    assert Decimal(str(limits.max_benzodiazepine_diazepam_mg_per_day)) == Decimal("4")


def test_the_hard_stop_must_sit_above_the_override_limit(client, cast) -> None:
    client.force_login(cast.physician)
    response = _post(client, stop_systolic_mmhg="140")
    assert response.status_code == 422
    assert "must be above the systolic limit that needs an override (140 mmHg)" in (
        response.content.decode()
    )
    assert not EligibilitySettings.objects.filter(organization=cast.org).exists()
    assert _post(client, stop_systolic_mmhg="170").status_code == 302
    assert EligibilitySettings.objects.get(organization=cast.org).limits().stop_systolic_mmhg == 170
