"""Issue 8, item 11: clinical limits change only with a physician's signature.

The kind: a non-clinical clinic admin changing a clinical limit (a dosing setting, or a
clinical field of a protocol) directly. Tried on the settings page, the protocol page and
the services; the physician's approval with a password, rejection and staleness too.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.test import PASSWORD
from infusionist.treatment import selectors, services
from infusionist.treatment.models import ClinicalChangeProposal, DosingSettings, Protocol


def protocol_post_data(protocol: Protocol, **changes: str) -> dict[str, object]:
    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(protocol, fields=services.PROTOCOL_EDITABLE_FIELDS).items()
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def settings_post_data(**changes: str) -> dict[str, object]:
    data = {name: getattr(DosingSettings(), name) for name in services.SETTINGS_EDITABLE_FIELDS}
    data["usual_vial_mg_per_ml"] = "10.00"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def approve_url(proposal: ClinicalChangeProposal) -> str:
    return reverse("treatment:change_proposal_approve", args=[proposal.pk])


def reject_url(proposal: ClinicalChangeProposal) -> str:
    return reverse("treatment:change_proposal_reject", args=[proposal.pk])


def test_which_fields_are_clinical() -> None:
    assert services.NON_CLINICAL_PROTOCOL_FIELDS == ("name", "schedule_description")
    for name in (
        "dose_mg_per_kg",
        "max_dose_mg_per_kg",
        "max_dose_rate_mg_per_kg_per_h",
        "max_sessions_per_7_days",
        "min_interval_h",
        "titration_steps_mg_per_kg",
        "monitoring_interval_min",
        "source_keys",
        "is_active",
    ):
        assert name in services.CLINICAL_PROTOCOL_FIELDS
    assert services.NON_CLINICAL_SETTINGS_FIELDS == ("pk_curve_after_min",)
    for name in (
        "min_weight_kg",
        "max_weight_kg",
        "min_height_cm",
        "max_height_cm",
        "min_bmi_kg_per_m2",
        "max_bmi_kg_per_m2",
        "max_weight_change_pct",
        "default_max_dose_mg_per_kg",
        "default_max_dose_rate_mg_per_kg_per_h",
        "must_dilute_vial_mg_per_ml",
        "max_iv_concentration_mg_per_ml",
        "adjusted_weight_factor",
        "use_actual_weight_below_ibw",
    ):
        assert name in services.CLINICAL_SETTINGS_FIELDS


@pytest.mark.parametrize(
    "data",
    [
        {"max_weight_kg": Decimal("400")},
        {"default_max_dose_mg_per_kg": Decimal("2")},
        {"max_iv_concentration_mg_per_ml": Decimal("100")},
        {"adjusted_weight_factor": Decimal("1")},
        {"max_bmi_kg_per_m2": Decimal("90")},
    ],
)
def test_an_admin_cannot_change_a_clinical_setting_directly(cast, data) -> None:
    with pytest.raises(PermissionDenied, match="physician's signature"):
        services.dosing_settings_update(organization=cast.org, actor=cast.admin, data=data)
    stored = selectors.dosing_settings_for(organization=cast.org)
    assert all(getattr(stored, k) != v for k, v in data.items())


@pytest.mark.parametrize(
    "data",
    [
        {"max_dose_mg_per_kg": Decimal("2")},
        {"dose_mg_per_kg": Decimal("0.75")},
        {"max_sessions_per_7_days": 7},
        {"observation_min": 10},
        {"is_active": False},
    ],
)
def test_an_admin_cannot_change_a_clinical_protocol_field_directly(cast, protocols, data) -> None:
    protocol = protocols["depression-iv-induction"]
    with pytest.raises(PermissionDenied):
        services.protocol_update(protocol=protocol, actor=cast.admin, data=data)


def test_an_admin_changes_non_clinical_fields_at_once(cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    changed = services.protocol_update(
        protocol=protocol,
        actor=cast.admin,
        data={"name": "Depression — IV, 6 sessions", "schedule_description": "Thrice weekly."},
    )
    assert changed == ["name", "schedule_description"]
    assert services.dosing_settings_update(
        organization=cast.org, actor=cast.admin, data={"pk_curve_after_min": 90}
    ) == ["pk_curve_after_min"]
    event = AuditEvent.objects.filter(object_type="protocol", action="update").get()
    assert "clinical_fields" not in event.detail


def test_the_admins_settings_edit_becomes_a_proposal_a_physician_signs(client, cast) -> None:
    client.force_login(cast.admin)
    page = client.get(reverse("treatment:dosing_settings_edit")).content.decode()
    assert "Clinical: a change waits for a physician&#x27;s signature." in page
    assert "no published source; a conservative default this clinic can change" in page.lower()
    data = settings_post_data(
        max_weight_kg="180", pk_curve_after_min="60", change_reason="Bariatric referrals stop."
    )
    response = client.post(reverse("treatment:dosing_settings_edit"), data, follow=True)
    html = response.content.decode()
    assert "Your change to highest plausible weight (kg) waits for a physician&#x27;s" in html
    assert "Changes awaiting a physician's signature" in html
    stored = selectors.dosing_settings_for(organization=cast.org)
    assert stored.max_weight_kg == 250 and stored.pk_curve_after_min == 60
    proposal = ClinicalChangeProposal.objects.get()
    assert proposal.target == "dosing_settings" and proposal.proposed_by == cast.admin
    assert proposal.changes == {"max_weight_kg": {"before": "250.0", "after": "180"}}
    assert proposal.reason == "Bariatric referrals stop."
    created = AuditEvent.objects.get(object_type="dosing_settings", action="create")
    assert created.detail["proposal"] == proposal.pk and created.detail["status"] == "pending"

    # The proposal page shows the change with its source; the admin cannot sign it.
    page = client.get(reverse("treatment:change_proposal", args=[proposal.pk])).content.decode()
    assert "Highest plausible weight (kg)" in page and "<strong>180</strong>" in page
    assert "[?] no published source" in page and "A physician signs or rejects" in page
    assert 'name="password"' not in page
    assert client.post(approve_url(proposal), {"password": PASSWORD}).status_code == 403
    assert client.post(reject_url(proposal)).status_code == 403

    client.force_login(cast.physician)
    page = client.get(reverse("treatment:change_proposal", args=[proposal.pk])).content.decode()
    assert 'name="password"' in page and "Sign the change" in page
    response = client.post(approve_url(proposal), {"password": PASSWORD})
    assert response.status_code == 302
    assert selectors.dosing_settings_for(organization=cast.org).max_weight_kg == 180
    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == cast.physician
    signed = AuditEvent.objects.get(
        object_type="dosing_settings", action="update", actor=cast.physician
    )
    assert signed.detail["fields"] == ["max_weight_kg"]
    assert signed.detail["proposal"] == proposal.pk
    assert signed.detail["proposed_by"] == cast.admin.pk
    assert signed.detail["signed_by"] == cast.physician.pk
    assert signed.detail["clinical_fields"] == ["max_weight_kg"]
    # The signed limit applies at once: 200 kg is now outside the plausible range.
    client.force_login(cast.nurse)
    html = client.post(
        reverse("treatment:calculator"),
        {
            "weight_kg": "200",
            "dose_mg_per_kg": "0.5",
            "duration_min": "40",
            "vial_mg_per_ml": "10",
            "bag_volume_ml": "100",
            "weight_basis": "actual",
        },
    ).content.decode()
    assert "outside the plausible range 30–180 kg" in html


def test_the_admins_protocol_edit_splits_clinical_from_non_clinical(
    client, cast, protocols
) -> None:
    protocol = protocols["depression-iv-induction"]
    client.force_login(cast.admin)
    url = reverse("treatment:protocol_edit", args=[protocol.pk])
    assert "Clinical: a change waits" in client.get(url).content.decode()
    data = protocol_post_data(protocol, name="Depression — IV (clinic)", max_dose_mg_per_kg="0.75")
    data["titration_steps_mg_per_kg"] = "0.5, 0.75"
    data["change_reason"] = "Fictional: our medical director asked for a lower ceiling."
    assert client.post(url, data).status_code == 302
    protocol.refresh_from_db()
    assert protocol.name == "Depression — IV (clinic)"
    assert protocol.max_dose_mg_per_kg == Decimal("1.0")
    proposal = ClinicalChangeProposal.objects.get()
    assert proposal.protocol == protocol
    assert set(proposal.changes) == {"titration_steps_mg_per_kg", "max_dose_mg_per_kg"}
    html = client.get(reverse("treatment:protocol_list")).content.decode()
    assert reverse("treatment:change_proposal", args=[proposal.pk]) in html
    assert "Depression — IV (clinic): 2 fields" in html
    services.clinical_change_approve(proposal=proposal, signer=cast.physician, password=PASSWORD)
    protocol.refresh_from_db()
    assert protocol.max_dose_mg_per_kg == Decimal("0.75")
    assert protocol.titration_steps_mg_per_kg == "0.5, 0.75"
    assert protocol.updated_by == cast.physician


def test_a_proposal_that_cannot_be_saved_is_refused_when_proposed(client, cast, protocols) -> None:
    client.force_login(cast.admin)
    html = client.post(
        reverse("treatment:dosing_settings_edit"),
        settings_post_data(min_weight_kg="260"),
    ).content.decode()
    assert "Lowest plausible weight must be at most 100 kg" in html and 'value="260"' in html
    with pytest.raises(ValidationError):
        services.clinical_change_propose(
            reason="Fictional test: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.admin,
            protocol=protocols["depression-iv-induction"],
            data={"dose_mg_per_kg": Decimal("1.5")},
        )
    assert not ClinicalChangeProposal.objects.exists()


def test_a_wrong_password_signs_nothing_and_is_audited(client, cast) -> None:
    proposal = services.clinical_change_propose(
        reason="Fictional test: the clinic reviewed this limit.",
        organization=cast.org,
        actor=cast.admin,
        data={"max_weight_kg": Decimal("200")},
    )
    client.force_login(cast.physician)
    response = client.post(approve_url(proposal), {"password": "not-it"})
    assert response.status_code == 200
    assert "The password is not correct" in response.content.decode()
    assert selectors.dosing_settings_for(organization=cast.org).max_weight_kg == 250
    denied = AuditEvent.objects.get(actor=cast.physician, outcome="denied")
    assert denied.detail == {"proposal": proposal.pk, "reason": "password"}
    proposal.refresh_from_db()
    assert proposal.is_pending


def test_a_physician_rejects_a_proposal(client, cast) -> None:
    proposal = services.clinical_change_propose(
        reason="Fictional test: the clinic reviewed this limit.",
        organization=cast.org,
        actor=cast.admin,
        data={"adjusted_weight_factor": Decimal("1")},
    )
    client.force_login(cast.physician)
    response = client.post(reject_url(proposal), {"note": "Keep Devine's 0.4 [9]."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_note) == ("rejected", "Keep Devine's 0.4 [9].")
    assert selectors.dosing_settings_for(organization=cast.org).adjusted_weight_factor == Decimal(
        "0.4"
    )
    event = AuditEvent.objects.get(object_type="dosing_settings", action="update")
    assert event.detail["status"] == "rejected" and event.detail["proposal"] == proposal.pk
    with pytest.raises(services.SigningError, match="already rejected"):
        services.clinical_change_approve(
            proposal=proposal, signer=cast.physician, password=PASSWORD
        )
    html = client.post(approve_url(proposal), {"password": PASSWORD}).content.decode()
    assert "already rejected" in html


def test_a_stale_proposal_cannot_be_signed(cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    proposal = services.clinical_change_propose(
        reason="Fictional test: the clinic reviewed this limit.",
        organization=cast.org,
        actor=cast.admin,
        protocol=protocol,
        data={"observation_min": 150},
    )
    services.protocol_update(protocol=protocol, actor=cast.physician, data={"observation_min": 90})
    with pytest.raises(
        services.SigningError, match=r"Observation after dose \(min\) changed after"
    ):
        services.clinical_change_approve(
            proposal=proposal, signer=cast.physician, password=PASSWORD
        )
    protocol.refresh_from_db()
    assert protocol.observation_min == 90


def test_only_physicians_sign_or_reject_in_the_services(cast) -> None:
    proposal = services.clinical_change_propose(
        reason="Fictional test: the clinic reviewed this limit.",
        organization=cast.org,
        actor=cast.admin,
        data={"max_height_cm": Decimal("220")},
    )
    for user in (cast.admin, cast.provider, cast.nurse):
        with pytest.raises(PermissionDenied):
            services.clinical_change_approve(proposal=proposal, signer=user, password=PASSWORD)
        with pytest.raises(PermissionDenied):
            services.clinical_change_reject(proposal=proposal, signer=user)
    with pytest.raises(PermissionDenied):
        services.clinical_change_approve(proposal=proposal, signer=cast.outsider, password=PASSWORD)


def test_a_physicians_own_change_applies_and_records_the_signer(client, cast) -> None:
    client.force_login(cast.physician)
    page = client.get(reverse("treatment:dosing_settings_edit")).content.decode()
    assert "Clinical: a change waits" not in page
    response = client.post(
        reverse("treatment:dosing_settings_edit"), settings_post_data(max_bmi_kg_per_m2="50")
    )
    assert response.status_code == 302
    assert selectors.dosing_settings_for(organization=cast.org).max_bmi_kg_per_m2 == 50
    event = AuditEvent.objects.get(object_type="dosing_settings", action="update")
    assert event.detail["signed_by"] == cast.physician.pk
    assert event.detail["clinical_fields"] == ["max_bmi_kg_per_m2"]
    assert not ClinicalChangeProposal.objects.exists()


def test_nothing_to_propose_makes_no_proposal(cast) -> None:
    assert (
        services.clinical_change_propose(
            reason="Fictional test: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.admin,
            data={"max_weight_kg": Decimal("250.0")},
        )
        is None
    )
    with pytest.raises(ValueError, match="Not clinical fields"):
        services.clinical_change_propose(
            reason="Fictional test: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.admin,
            data={"pk_curve_after_min": 60},
        )
    with pytest.raises(PermissionDenied):
        services.clinical_change_propose(
            reason="Fictional test: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.nurse,
            data={"max_weight_kg": Decimal("200")},
        )


@pytest.mark.parametrize("pending", [1, 4])
def test_protocol_list_query_count_does_not_grow_with_proposals(
    client, cast, protocols, pending, django_assert_num_queries
) -> None:
    for i in range(pending):
        services.clinical_change_propose(
            reason="Fictional test: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.admin,
            protocol=list(protocols.values())[i],
            data={"observation_min": 100 + i},
        )
    client.force_login(cast.nurse)
    client.get(reverse("treatment:protocol_list"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 protocols, 5 dosing
    # settings, 6 pending change proposals (+protocol, proposer), 7 savepoint, 8 session
    # save, 9 release savepoint
    with django_assert_num_queries(9):
        response = client.get(reverse("treatment:protocol_list"))
    assert response.content.decode().count("proposed by Ada Admin") == pending
