from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.lib.dosing import DOSE_FIELDS, DoseInputs
from infusionist.test import PASSWORD
from infusionist.treatment import defaults, selectors, services
from infusionist.treatment.models import ClinicalChangeProposal, DosingSettings, Protocol
from infusionist.treatment.tests.conftest import plan_data

REFERENCE_KEY = re.compile(r"\[(\d+|\?)\]")


def test_every_default_protocol_cites_its_sources_and_is_valid(cast) -> None:
    created = services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    assert len(created) == len(defaults.default_protocols()) == Protocol.objects.count()
    for protocol in created:
        assert REFERENCE_KEY.search(protocol.source_keys), protocol.key
        protocol.full_clean()
    keys = {p.key for p in created}
    assert {"depression-iv-induction", "esketamine-induction", "crps-iv-10-day"} <= keys
    assert {
        "anxiety-iv-induction",
        "ptsd-iv-induction",
        "ocd-iv-induction",
        "depression-im",
    } <= keys


def test_defaults_match_the_clinical_reference(protocols) -> None:
    induction = protocols["depression-iv-induction"]
    assert (induction.dose_mg_per_kg, induction.duration_min) == (Decimal("0.5"), 40)
    assert (induction.session_count, induction.course_max_days) == (6, 21)
    assert induction.titration_steps_mg_per_kg == "0.5, 0.75, 1.0"
    assert induction.max_dose_mg_per_kg == Decimal("1.0")
    nasal = protocols["esketamine-induction"]
    assert (nasal.dose_mg, nasal.device_mg, nasal.observation_min) == (Decimal("56"), 28, 120)
    assert nasal.rems_required and "40 min" in nasal.monitoring_requirements
    assert (nasal.older_adult_age_years, nasal.older_adult_start_dose_mg) == (65, Decimal("28"))
    crps = protocols["crps-iv-10-day"]
    assert (crps.dose_mg_per_kg_per_h, crps.duration_min, crps.session_count) == (
        Decimal("0.35"),
        240,
        10,
    )
    assert protocols["crps-iv-4-day"].dose_mg_per_h == Decimal("22")
    assert protocols["depression-im"].dose_mg_per_kg == Decimal("0.5")


def test_loading_defaults_again_changes_nothing(cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    services.protocol_update(protocol=protocol, actor=cast.physician, data={"observation_min": 90})
    assert services.protocols_create_defaults(organization=cast.org, actor=cast.physician) == []
    protocol.refresh_from_db()
    assert protocol.observation_min == 90


@pytest.mark.parametrize("key", [d["key"] for d in defaults.default_protocols()])
def test_each_default_protocol_doses_a_typical_adult_without_a_stop(cast, protocols, key) -> None:
    protocol = protocols[key]
    data = plan_data(protocol, dose_mg_per_kg=None, duration_min=protocol.duration_min)
    for name in DOSE_FIELDS:
        data[name] = getattr(protocol, name)
    if protocol.route == "intranasal":
        data.update(vial_mg_per_ml=None, bag_volume_ml=None)
    if key == "crps-iv-4-day":
        data["bag_volume_ml"] = Decimal("2500")  # 2112 mg must stay ≤ 50 mg/mL
    result = services.plan_session_calculate(
        patient=cast.patient, protocol=protocol, inputs=DoseInputs.from_values(data)
    )
    assert not result.is_stopped, [f.message for f in result.stops]
    assert result.dose_mg and result.dose_mg > 0


def test_physician_edits_a_protocol_and_the_change_is_audited(client, cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    client.force_login(cast.physician)
    url = reverse("treatment:protocol_edit", args=[protocol.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="0.500"' in page.content.decode()
    from django.forms.models import model_to_dict

    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(protocol, fields=services.PROTOCOL_EDITABLE_FIELDS).items()
    }
    data.update({"max_dose_mg_per_kg": "0.75", "titration_steps_mg_per_kg": "0.5, 0.75"})
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    protocol.refresh_from_db()
    assert protocol.max_dose_mg_per_kg == Decimal("0.75") and protocol.updated_by == cast.physician
    event = AuditEvent.objects.get(action="update", object_type="protocol")
    assert event.detail["fields"] == ["titration_steps_mg_per_kg", "max_dose_mg_per_kg"]
    assert event.detail["before"]["max_dose_mg_per_kg"] == "1.000"


def test_protocol_form_errors_keep_what_was_typed(client, cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    client.force_login(cast.admin)
    url = reverse("treatment:protocol_edit", args=[protocol.pk])
    from django.forms.models import model_to_dict

    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(protocol, fields=services.PROTOCOL_EDITABLE_FIELDS).items()
        if v is not False
    }
    data.update(
        {"dose_mg": "35", "titration_steps_mg_per_kg": "1.0, 0.5", "name": "My \x00 protocol"}
    )
    html = client.post(url, data).content.decode()
    assert "Enter exactly one dose" in html
    assert "Steps must rise" in html
    assert "Null characters are not allowed" in html
    assert 'value="35"' in html
    protocol.refresh_from_db()
    assert protocol.dose_mg is None


def test_nurse_may_read_protocols_but_not_change_them(client, cast, protocols) -> None:
    client.force_login(cast.nurse)
    assert client.get(reverse("treatment:protocol_list")).status_code == 200
    assert client.post(reverse("treatment:protocols_add_defaults")).status_code == 403
    protocol = protocols["depression-iv-induction"]
    url = reverse("treatment:protocol_edit", args=[protocol.pk])
    assert client.post(url, {"name": "x"}).status_code == 403
    assert client.post(reverse("treatment:dosing_settings_edit"), {}).status_code == 403


def test_admin_loads_defaults_for_a_new_clinic(client, cast) -> None:
    client.force_login(cast.admin)
    assert "No protocols yet" in client.get(reverse("treatment:protocol_list")).content.decode()
    assert client.post(reverse("treatment:protocols_add_defaults")).status_code == 302
    assert selectors.protocols_for_organization(organization=cast.org).count() == len(
        defaults.default_protocols()
    )
    assert not Protocol.objects.filter(organization=cast.other_org).exists()


def test_outsider_cannot_open_another_clinics_protocol(client, cast, protocols) -> None:
    client.force_login(cast.outsider)
    url = reverse("treatment:protocol_edit", args=[protocols["depression-im"].pk])
    assert client.get(url).status_code == 404
    assert client.get("/treatment/protocols/abc/edit/").status_code == 404


def test_admin_changes_a_dosing_setting_with_its_source_shown(client, cast) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("treatment:dosing_settings_edit")).content.decode()
    # Each source key links to its entry in the clinical reference; [?] reads in plain words.
    assert 'Source: <a class="cite" href="/reference/#source-22"' in page
    assert "No published source; a conservative default this clinic can change." in page
    data = {name: getattr(DosingSettings(), name) for name in services.SETTINGS_EDITABLE_FIELDS}
    data["max_weight_kg"] = "200"
    data["usual_vial_mg_per_ml"] = "10.00"  # as the select submits it
    data = {k: v for k, v in data.items() if v is not False}
    data["change_reason"] = "Fictional: bariatric referrals start next month."
    assert client.post(reverse("treatment:dosing_settings_edit"), data).status_code == 302
    # The weight range is a clinical limit (issue 8, item 11): the admin's change waits for a
    # physician's signature, then applies.
    assert selectors.dosing_settings_for(organization=cast.org).max_weight_kg == 250
    proposal = ClinicalChangeProposal.objects.get(status="pending")
    client.force_login(cast.physician)
    url = reverse("treatment:change_proposal_approve", args=[proposal.pk])
    assert client.post(url, {"password": PASSWORD}).status_code == 302
    client.force_login(cast.admin)
    assert selectors.dosing_settings_for(organization=cast.org).max_weight_kg == 200
    event = AuditEvent.objects.get(object_type="dosing_settings", action="update")
    assert event.detail["fields"] == ["max_weight_kg"]
    bad = client.post(reverse("treatment:dosing_settings_edit"), {**data, "max_weight_kg": "NaN"})
    assert bad.status_code == 200
    assert "Highest plausible weight must be a number in kg" in bad.content.decode()


@pytest.mark.parametrize("inactive", [0, 5])
def test_protocol_list_query_count_does_not_grow(
    client, cast, protocols, inactive, django_assert_num_queries
) -> None:
    for protocol in list(protocols.values())[:inactive]:
        services.protocol_update(protocol=protocol, actor=cast.physician, data={"is_active": False})
    client.force_login(cast.nurse)
    client.get(reverse("treatment:protocol_list"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 protocols, 5 dosing
    # settings, 6 pending change proposals (+protocol, proposer), 7 savepoint, 8 session
    # save, 9 release savepoint
    with django_assert_num_queries(9):
        response = client.get(reverse("treatment:protocol_list"))
    assert response.content.decode().count("<tr>") == len(protocols) + 1
