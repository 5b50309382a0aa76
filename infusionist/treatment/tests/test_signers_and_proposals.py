"""Review round 2: who may sign, what a proposal needs, and when it counts as stale.

The kinds: a signer without the professional details signing needs (no credential, a
placeholder licence, an expired licence) signing a clinical-limit change, a plan or a
direct clinical edit; a proposal refused as stale because a stored decimal and the recorded
old value were written differently (1.0 and 1.000); a proposal without a real reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from infusionist.accounts.models import User
from infusionist.test import PASSWORD, clinic_today
from infusionist.treatment import selectors, services
from infusionist.treatment.models import ClinicalChangeProposal, DosingSettings

REASON = "Fictional: our medical director reviewed the new guidance."


def _propose(cast, **data) -> ClinicalChangeProposal:
    proposal = services.clinical_change_propose(
        organization=cast.org, actor=cast.admin, data=data, reason=REASON
    )
    assert proposal is not None
    return proposal


def _unfit(user: User, how: str) -> None:
    """Break one professional detail a signer needs, as an admin might have stored it."""
    today = clinic_today()
    values = {
        "no credential": {"credentials": ""},
        "a nurse's credential": {"credentials": "RN"},
        "no licence": {"licence_number": "", "licence_state": "", "licence_expires_on": None},
        "a placeholder licence": {"licence_number": "X"},
        "an expired licence": {"licence_expires_on": dt.date(2020, 1, 1)},
        "a licence expired yesterday": {"licence_expires_on": today - dt.timedelta(days=1)},
    }[how]
    User.objects.filter(pk=user.pk).update(**values)
    user.refresh_from_db()


UNFIT = [
    "no credential",
    "a nurse's credential",
    "no licence",
    "a placeholder licence",
    "an expired licence",
    "a licence expired yesterday",
]


@pytest.mark.parametrize("how", UNFIT)
def test_a_physician_without_a_current_licence_signs_no_change(client, cast, how) -> None:
    proposal = _propose(cast, default_max_dose_mg_per_kg=Decimal("2"))
    _unfit(cast.physician, how)
    with pytest.raises(services.SigningError, match="You cannot sign"):
        services.clinical_change_approve(
            proposal=proposal, signer=cast.physician, password=PASSWORD
        )
    client.force_login(cast.physician)
    url = reverse("treatment:change_proposal_approve", args=[proposal.pk])
    page = client.post(url, {"password": PASSWORD}).content.decode()
    assert "You cannot sign" in page
    proposal.refresh_from_db()
    assert proposal.is_pending
    settings = selectors.dosing_settings_for(organization=cast.org)
    assert settings.default_max_dose_mg_per_kg == Decimal("1")


@pytest.mark.parametrize("how", ["no credential", "a placeholder licence", "an expired licence"])
def test_a_physician_without_a_current_licence_signs_no_plan(cast, draft, how) -> None:
    _unfit(cast.physician, how)
    with pytest.raises(services.SigningError, match="You cannot sign"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_physician_with_an_expired_licence_cannot_edit_clinical_limits_directly(cast) -> None:
    _unfit(cast.physician, "an expired licence")
    with pytest.raises(ValidationError, match="You cannot sign"):
        services.clinical_limits_edit(
            target=ClinicalChangeProposal.Target.DOSING_SETTINGS,
            organization=cast.org,
            actor=cast.physician,
            data={"default_max_dose_mg_per_kg": Decimal("2")},
        )
    assert selectors.dosing_settings_for(
        organization=cast.org
    ).default_max_dose_mg_per_kg == Decimal("1")


def test_a_physician_with_a_current_licence_signs(cast) -> None:
    proposal = _propose(cast, default_max_dose_mg_per_kg=Decimal("2"))
    services.clinical_change_approve(proposal=proposal, signer=cast.physician, password=PASSWORD)
    assert selectors.dosing_settings_for(
        organization=cast.org
    ).default_max_dose_mg_per_kg == Decimal("2")


# ---- staleness: the same value written differently is the same value -------------------------


@pytest.mark.parametrize("before", ["1.0", "1.000", "1", "1.00", 1.0, 1])
def test_the_recorded_old_value_in_any_form_is_not_stale(cast, before) -> None:
    proposal = _propose(cast, default_max_dose_mg_per_kg=Decimal("2"))
    changes = proposal.changes
    changes["default_max_dose_mg_per_kg"]["before"] = before
    ClinicalChangeProposal.objects.filter(pk=proposal.pk).update(changes=changes)
    proposal.refresh_from_db()
    services.clinical_change_approve(proposal=proposal, signer=cast.physician, password=PASSWORD)
    assert selectors.dosing_settings_for(
        organization=cast.org
    ).default_max_dose_mg_per_kg == Decimal("2")


def test_a_proposal_on_a_clinic_without_a_settings_row_yet_signs(cast) -> None:
    """The reviewer's case: the row made on the proposal held 1.0, the stored one 1.000."""
    DosingSettings.objects.filter(organization=cast.org).delete()
    proposal = _propose(cast, default_max_dose_mg_per_kg=Decimal("2"))
    services.clinical_change_approve(proposal=proposal, signer=cast.physician, password=PASSWORD)
    assert selectors.dosing_settings_for(
        organization=cast.org
    ).default_max_dose_mg_per_kg == Decimal("2")


def test_a_really_changed_value_is_stale_and_named_by_its_label(cast) -> None:
    proposal = _propose(cast, default_max_dose_mg_per_kg=Decimal("2"))
    services.dosing_settings_update(
        organization=cast.org,
        actor=cast.physician,
        data={"default_max_dose_mg_per_kg": Decimal("1.5")},
    )
    with pytest.raises(services.SigningError) as refused:
        services.clinical_change_approve(
            proposal=proposal, signer=cast.physician, password=PASSWORD
        )
    assert "default_max_dose_mg_per_kg" not in str(refused.value)
    assert "changed after this proposal was made" in str(refused.value)


@pytest.mark.parametrize("before", ["120", "120.0", 120.0])
def test_measurement_and_protocol_values_compare_by_value(cast, protocols, before) -> None:
    protocol = protocols["depression-iv-induction"]
    proposal = services.clinical_change_propose(
        organization=cast.org,
        actor=cast.admin,
        protocol=protocol,
        data={"observation_min": 150},
        reason=REASON,
    )
    assert proposal is not None
    changes = proposal.changes
    changes["observation_min"]["before"] = type(before)(protocol.observation_min)
    ClinicalChangeProposal.objects.filter(pk=proposal.pk).update(changes=changes)
    proposal.refresh_from_db()
    services.clinical_change_approve(proposal=proposal, signer=cast.physician, password=PASSWORD)
    protocol.refresh_from_db()
    assert protocol.observation_min == 150


# ---- a proposal says why ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", ".", "ok", "n/a", "N/A", "test", "xxxx", "-", "na"])
def test_a_proposal_without_a_real_reason_is_refused(cast, reason) -> None:
    with pytest.raises(ValidationError) as refused:
        services.clinical_change_propose(
            organization=cast.org,
            actor=cast.admin,
            data={"default_max_dose_mg_per_kg": Decimal("2")},
            reason=reason,
        )
    assert "Write why this change is needed" in refused.value.message_dict["change_reason"][0]
    assert not ClinicalChangeProposal.objects.exists()


def test_the_settings_page_keeps_the_typed_values_when_the_reason_is_missing(client, cast) -> None:
    client.force_login(cast.admin)
    data = {name: getattr(DosingSettings(), name) for name in services.SETTINGS_EDITABLE_FIELDS}
    data["usual_vial_mg_per_ml"] = "10.00"
    data = {k: v for k, v in data.items() if v is not False}
    data["default_max_dose_mg_per_kg"] = "2"
    data["change_reason"] = "ok"
    response = client.post(reverse("treatment:dosing_settings_edit"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write why this change is needed" in page
    assert 'value="2"' in page
    assert not ClinicalChangeProposal.objects.exists()


# ---- one number format per field on the proposal page ---------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("default_max_dose_mg_per_kg", "1.0", "1"),
        ("default_max_dose_mg_per_kg", "1.000", "1"),
        ("default_max_dose_mg_per_kg", 1.0, "1"),
        ("default_max_dose_mg_per_kg", "0.750", "0.75"),
        ("max_weight_kg", "250.0", "250"),
        ("max_weight_kg", 300, "300"),
        ("max_weight_kg", None, "—"),
    ],
)
def test_proposal_values_read_in_one_format_per_field(name, value, shown) -> None:
    from infusionist.treatment.views import proposal_value_display

    field = DosingSettings._meta.get_field(name)
    assert proposal_value_display(field, value) == shown


def test_the_proposal_page_shows_now_and_proposed_alike_and_the_reason(client, cast) -> None:
    proposal = _propose(cast, default_max_dose_mg_per_kg=Decimal("2"))
    client.force_login(cast.physician)
    page = client.get(reverse("treatment:change_proposal", args=[proposal.pk])).content.decode()
    assert "<td>1</td><td><strong>2</strong></td>" in page
    assert REASON in page
