"""Issue 12: the chart settings page (thresholds signed by a physician) and the REMS form rules.

The clinic admin reads every threshold with its default and source; a physician changes
them by signing with their password; a wrong password or a bad value saves nothing and says
why beside the field. REMS form rules are listed, added, edited and retired, each change
audited with old and new values, and every clinic starts with the Spravato monitoring form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.infusions.models import ChartSettings, RemsFormRule
from infusionist.infusions.rems_defaults import SPRAVATO_MONITORING_FORM
from infusionist.infusions.services_settings import (
    CHART_SETTINGS_FIELDS,
    rems_rules_ensure,
    source_keys_problem,
)
from infusionist.test import PASSWORD

PAGE = "administration:chart_settings"


def settings_post(**changes: object) -> dict[str, object]:
    """Return the page's form as posted with the documented defaults and ``changes``."""
    defaults = ChartSettings()
    data: dict[str, object] = {name: getattr(defaults, name) for name in CHART_SETTINGS_FIELDS}
    data.update({"attested": "on", "password": PASSWORD})
    data.update(changes)
    return data


def stored(cast: Any) -> ChartSettings:
    return ChartSettings.objects.get(organization=cast.org)


def test_the_admin_reads_every_value_with_its_default_and_source(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.get(reverse(PAGE))
    html = response.content.decode()
    assert response.status_code == 200
    assert ChartSettings.objects.filter(organization=cast.org).count() == 1  # made on first read
    assert 'name="pre_systolic_max_mmhg"' not in html and 'name="password"' not in html
    assert "Only a physician can change these limits" in html
    assert "Before the dose: systolic at most (mmHg): <strong>140</strong>" in html
    assert "Discharge needs a modified Aldrete total of at least (points of 10)" in html
    assert 'href="/reference/#source-27"' in html
    assert "no published source; a conservative clinic setting" in html
    assert html.count("Documented default") == len(CHART_SETTINGS_FIELDS)
    assert AuditEvent.objects.filter(
        actor=cast.admin, object_type="chart_settings", action="view"
    ).exists()


def test_the_admin_may_not_post_new_values(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.post(reverse(PAGE), settings_post(spo2_min_pct=90))
    assert response.status_code == 403
    assert ChartSettings.objects.get(organization=cast.org).spo2_min_pct == 92


def test_a_physician_signs_new_values_and_the_audit_keeps_old_and_new(client, cast) -> None:
    client.force_login(cast.physician)
    page = client.get(reverse(PAGE)).content.decode()
    assert 'name="spo2_min_pct"' in page and 'name="password"' in page
    response = client.post(
        reverse(PAGE), settings_post(spo2_min_pct=93, weight_change_max_pct="7.5")
    )
    assert response.status_code == 302
    row = stored(cast)
    assert (row.spo2_min_pct, row.weight_change_max_pct) == (93, Decimal("7.5"))
    assert row.updated_by == cast.physician
    event = AuditEvent.objects.get(object_type="chart_settings", action="update")
    assert event.actor == cast.physician and event.outcome == "allowed"
    assert event.detail["before"] == {"weight_change_max_pct": "5.0", "spo2_min_pct": 92}
    assert event.detail["after"] == {"weight_change_max_pct": "7.5", "spo2_min_pct": 93}
    assert "Last signed by Dr. Phil Physician" in client.get(reverse(PAGE)).content.decode()


def test_saving_the_same_values_writes_nothing(client, cast) -> None:
    client.force_login(cast.physician)
    client.post(reverse(PAGE), settings_post())
    assert not AuditEvent.objects.filter(object_type="chart_settings", action="update").exists()


def test_a_wrong_password_saves_nothing_and_keeps_what_was_typed(client, cast) -> None:
    client.force_login(cast.physician)
    response = client.post(reverse(PAGE), settings_post(spo2_min_pct=94, password="wrong"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "The password is not correct" in html
    assert 'name="spo2_min_pct" value="94"' in html
    assert stored(cast).spo2_min_pct == 92
    refused = AuditEvent.objects.get(object_type="chart_settings", outcome="denied")
    assert refused.detail["reason"] == "password"


def test_without_the_attestation_nothing_is_saved(client, cast) -> None:
    client.force_login(cast.physician)
    data = settings_post(spo2_min_pct=94)
    del data["attested"]
    response = client.post(reverse(PAGE), data)
    assert response.status_code == 422
    assert "Tick the attestation" in response.content.decode()
    assert stored(cast).spo2_min_pct == 92


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("spo2_min_pct", "70", "at least 80"),
        ("pre_systolic_max_mmhg", "abc", "whole number"),
        ("vitals_after_min", "", "enter the vitals during observation"),
        ("weight_change_max_pct", "5.55", "decimal place"),
    ],
)
def test_bad_values_are_refused_beside_their_field(client, cast, field, value, words) -> None:
    client.force_login(cast.physician)
    response = client.post(reverse(PAGE), settings_post(**{field: value}))
    html = response.content.decode()
    assert response.status_code == 422
    error = html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert words in error.lower() or words in error
    assert f'value="{value}"' in html or value == ""
    assert stored(cast) == ChartSettings.objects.get(organization=cast.org)
    assert not AuditEvent.objects.filter(object_type="chart_settings", action="update").exists()


@pytest.mark.parametrize("role", ["frontdesk", "nurse", "provider"])
def test_other_roles_may_not_open_the_page(client, cast, role) -> None:
    client.force_login(getattr(cast, role))
    assert client.get(reverse(PAGE)).status_code == 403


def test_the_navigation_links_the_page_for_those_who_may_use_it(client, cast) -> None:
    for user, shown in ((cast.physician, True), (cast.admin, True), (cast.nurse, False)):
        client.force_login(user)
        html = client.get(reverse("today:index")).content.decode()
        assert (f'href="{reverse(PAGE)}"' in html) is shown


# --- REMS form rules ------------------------------------------------------------------------


def test_every_clinic_gets_the_spravato_monitoring_form_once(cast) -> None:
    created = rems_rules_ensure(organization=cast.org)
    assert [(r.name, r.drug, r.when, r.due_days, r.source_keys) for r in created] == [
        (SPRAVATO_MONITORING_FORM, "esketamine", "every_session", 7, "[36][46][47]")
    ]
    assert rems_rules_ensure(organization=cast.org) == []
    created[0].is_active = False
    created[0].save()
    assert rems_rules_ensure(organization=cast.org) == []  # a retired default stays retired
    assert RemsFormRule.objects.filter(organization=cast.org).count() == 1


def test_the_page_lists_the_rules_and_makes_the_default(client, cast) -> None:
    client.force_login(cast.admin)
    html = client.get(reverse(PAGE)).content.decode()
    assert SPRAVATO_MONITORING_FORM in html and "Esketamine (Spravato)" in html
    assert "After every session" in html and "7 days" in html
    assert RemsFormRule.objects.filter(organization=cast.other_org).count() == 0


def rule_post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Fictional follow-up form",
        "drug": "ketamine",
        "when": "first_session",
        "due_days": "14",
        "source_keys": "[?]",
    }
    data.update(changes)
    return data


def test_the_clinic_admin_reads_the_rules_but_cannot_change_them(client, cast) -> None:
    client.force_login(cast.admin)
    html = client.get(reverse("administration:chart_settings")).content.decode()
    assert "Only a physician adds, changes or retires a REMS form rule." in html
    assert client.post(reverse("administration:rems_rule_create"), rule_post()).status_code == 403


@pytest.mark.parametrize("role", ["physician"])
def test_a_rule_is_added_edited_retired_and_put_back_with_audit(client, cast, role) -> None:
    user = getattr(cast, role)
    client.force_login(user)
    response = client.post(reverse("administration:rems_rule_create"), rule_post())
    assert response.status_code == 302
    rule = RemsFormRule.objects.get(organization=cast.org, name="Fictional follow-up form")
    assert (rule.drug, rule.when, rule.due_days, rule.is_active) == (
        "ketamine",
        "first_session",
        14,
        True,
    )
    edit = reverse("administration:rems_rule_edit", args=[rule.pk])
    assert 'value="Fictional follow-up form"' in client.get(edit).content.decode()
    client.post(edit, rule_post(due_days="10", source_keys="[36]"))
    rule.refresh_from_db()
    assert (rule.due_days, rule.source_keys) == (10, "[36]")
    client.post(reverse("administration:rems_rule_retire", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is False
    assert "Retired" in client.get(reverse(PAGE)).content.decode()
    client.post(reverse("administration:rems_rule_reinstate", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is True
    events = AuditEvent.objects.filter(object_type="rems_form_rule", object_id=str(rule.pk))
    assert [e.action for e in events.order_by("id")] == ["create", "update", "update", "update"]
    changed = events.order_by("id")[1]
    assert changed.actor == user
    assert changed.detail["before"] == {"due_days": 14, "source_keys": "[?]"}
    assert changed.detail["after"] == {"due_days": 10, "source_keys": "[36]"}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": ""}, "name", "required"),
        ({"drug": "aspirin"}, "drug", "valid choice"),
        ({"due_days": "0"}, "due_days", "at least 1"),
        ({"due_days": "61"}, "due_days", "at most 60"),
        ({"source_keys": "FDA"}, "source_keys", "square brackets"),
        ({"source_keys": "[999]"}, "source_keys", "not a source"),
        ({"name": SPRAVATO_MONITORING_FORM.upper(), "drug": "esketamine"}, "name", "already"),
    ],
)
def test_a_bad_rule_is_refused_beside_its_field(client, cast, changes, field, words) -> None:
    rems_rules_ensure(organization=cast.org)
    client.force_login(cast.physician)
    response = client.post(reverse("administration:rems_rule_create"), rule_post(**changes))
    html = response.content.decode()
    assert response.status_code == 422
    error = html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert words in error.lower()
    assert RemsFormRule.objects.filter(organization=cast.org).count() == 1


def test_another_clinics_rule_is_not_found(client, cast) -> None:
    (other,) = rems_rules_ensure(organization=cast.other_org)
    client.force_login(cast.physician)
    assert client.get(reverse("administration:rems_rule_edit", args=[other.pk])).status_code == 404
    retire = reverse("administration:rems_rule_retire", args=[other.pk])
    assert client.post(retire).status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_source_keys_are_checked_against_the_reference() -> None:
    assert source_keys_problem("[36][46][47]") is None
    assert source_keys_problem("[?]") is None
    assert source_keys_problem("") is None
    assert source_keys_problem("[36] and more") is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("severe_systolic_mmhg", "150"),
        ("hold_systolic_mmhg", "130"),
        ("heart_rate_min_per_min", "130"),
        ("hold_confirm_within_min", "5"),
    ],
)
def test_limits_out_of_order_are_refused(client, cast, field, value) -> None:
    client.force_login(cast.physician)
    page = client.get(reverse("administration:chart_settings")).content.decode()
    assert "chart" in page.lower()
    defaults = {
        f.name: f.default for f in ChartSettings._meta.fields if f.name in CHART_SETTINGS_FIELDS
    }
    data = {name: str(v) for name, v in defaults.items()} | {field: value}
    data |= {"password": PASSWORD, "attested": "on"}
    response = client.post(reverse("administration:chart_settings"), data)
    assert response.status_code == 422
    assert "must" in response.content.decode()
    assert ChartSettings.objects.get(organization=cast.org).__dict__[field] != int(value)
