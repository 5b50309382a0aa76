"""Issue 8, items 8 and 9: a weight in pounds, and derived weights, on every surface.

The kind: a weight typed in pounds into the kilogram field (180 at 170 cm is BMI 62.3 and
a 90 mg order at 0.5 mg/kg; 132 for a 60 kg patient is +120%), and a derived dosing weight
outside the plausible range (80 kg, 120 cm, female, ideal: 16.2 kg and 8 mg). Each is
tried in the calculator, the plan form, signing and the API.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from infusionist.accounts.services import api_token_create
from infusionist.audit.models import AuditEvent
from infusionist.test import PASSWORD
from infusionist.treatment import services
from infusionist.treatment.models import TreatmentPlanVersion
from infusionist.treatment.tests.conftest import form_data, plan_spec

CALC = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "duration_min": "40",
    "vial_mg_per_ml": "10",
    "bag_volume_ml": "100",
    "weight_basis": "actual",
}
API = {
    "weight_kg": 70,
    "dose_mg_per_kg": 0.5,
    "duration_min": 40,
    "vial_mg_per_ml": 10,
    "bag_volume_ml": 100,
}


def calc(client, **changes: str) -> str:
    response = client.post(reverse("treatment:calculator"), {**CALC, **changes})
    assert response.status_code == 200
    return response.content.decode()


def draft_url(patient) -> str:
    return reverse("treatment:plan_draft", args=[patient.pk])


def sign_url(patient) -> str:
    return reverse("treatment:plan_sign", args=[patient.pk])


@pytest.fixture
def api(client, cast):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.nurse)}"}

    def post(body):
        return client.post(
            "/api/v1/dose-calculations", json.dumps(body), content_type="application/json", **auth
        )

    return post


@pytest.fixture
def signed_at_60_kg(cast, depression) -> TreatmentPlanVersion:
    draft = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, weight_kg=Decimal("60"), height_cm=None),
    )
    return services.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )


# --- calculator -------------------------------------------------------------------------


def test_calculator_shows_the_pounds_beside_the_weight(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client)
    assert "= 154.3 lb. Enter kilograms" in html and "70 kg = 154.3 lb" in html
    previous = calc(client, previous_weight_kg="60")
    assert "= 132.3 lb. Enter kilograms" in previous
    assert "Confirm the weight" not in html


def test_calculator_flags_180_at_170_cm_and_withholds_the_numbers(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client, weight_kg="180", height_cm="170")
    assert "Confirm the weight before any dose is used" in html
    assert "BMI of 62.3 kg/m²" in html and "396.8 lb" in html and "81.6 kg" in html
    assert (
        "Rule" in html
        and "no published source" in html
        and '<th scope="row">BMI</th><td>62.3 kg/m²</td>' in html
    )
    assert "do not use them until the weight is confirmed" in html
    assert '<svg class="pk-chart"' not in html
    assert 'value="180"' in html and 'value="170"' in html  # nothing typed is lost
    confirmed = calc(client, weight_kg="180", height_cm="170", confirm_weight="180")
    assert "Confirm the weight before any dose is used" not in confirmed
    assert "Flagged weight, confirmed" in confirmed and "90 mg" in confirmed
    assert '<svg class="pk-chart"' in confirmed


def test_a_confirmation_never_carries_over_to_another_weight(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client, weight_kg="190", height_cm="170", confirm_weight="180")
    assert "Confirm the weight before any dose is used" in html
    assert "checked" not in html.split('name="confirm_weight"')[1].split(">")[0]
    same = calc(client, weight_kg="180.0", height_cm="170", confirm_weight="180")
    assert "Flagged weight, confirmed" in same


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"weight_kg": "132", "previous_weight_kg": "60"}, "+120.0% from the last recorded 60 kg"),
        ({"weight_kg": "154", "height_cm": "175"}, "BMI of 50.3 kg/m²"),
        ({"weight_kg": "121", "previous_weight_kg": "55"}, "typed in pounds"),
        ({"weight_kg": "35", "height_cm": "180"}, "BMI of 10.8 kg/m²"),
    ],
)
def test_calculator_flags_other_weights_of_the_kind(client, cast, changes, text) -> None:
    client.force_login(cast.nurse)
    html = calc(client, **changes)
    assert "Confirm the weight before any dose is used" in html and text in html


def test_calculator_refuses_a_derived_weight_outside_the_range(client, cast) -> None:
    client.force_login(cast.physician)
    html = calc(client, weight_kg="80", height_cm="120", sex="female", weight_basis="ideal")
    assert "ideal body weight 16.2 kg is outside the plausible range 30–250 kg" in html
    assert "8 mg" not in html and 'value="80"' in html
    adjusted = calc(client, weight_kg="80", height_cm="120", sex="female", weight_basis="adjusted")
    assert "published for heights from 60 in (152.4 cm)" in adjusted
    assert "Devine 1974" in adjusted and "#source-9" in adjusted and "41.7 kg" in adjusted


# --- plan form, draft and signing -------------------------------------------------------


def test_plan_form_needs_a_confirmation_for_180_at_170_cm(client, cast, depression) -> None:
    client.force_login(cast.provider)
    data = form_data(depression, weight_kg=Decimal("180"), rationale="Keep me")
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "Check the weight" in html and "BMI of 62.3 kg/m²" in html
    assert "= 396.8 lb. Enter kilograms" in html
    assert 'value="180"' in html and "Keep me</textarea>" in html
    assert not TreatmentPlanVersion.objects.exists()
    response = client.post(draft_url(cast.patient), {**data, "confirm_weight": "180"})
    assert response.status_code == 302
    draft = TreatmentPlanVersion.objects.get()
    assert [f["code"] for f in draft.weight_findings] == ["bmi_implausible"]
    assert draft.weight_confirmed_by == cast.provider and draft.session_dose_mg == 90
    event = AuditEvent.objects.get(object_type="treatment_plan_version", action="create")
    assert event.detail["weight_confirmed"] == ["bmi_implausible"]


def test_plan_form_compares_with_the_last_signed_weight(
    client, cast, depression, signed_at_60_kg
) -> None:
    client.force_login(cast.provider)
    data = form_data(depression, weight_kg=Decimal("132"), height_cm=None)
    page = client.get(draft_url(cast.patient)).content.decode()
    assert "Last recorded weight (the current signed version): 60 kg = 132.3 lb" in page
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "+120.0% from the last recorded 60 kg" in html
    assert TreatmentPlanVersion.objects.count() == 1
    # 61 kg is +1.7%: no flag, no confirmation.
    ok = client.post(draft_url(cast.patient), {**data, "weight_kg": "61"})
    assert ok.status_code == 302


def test_the_service_refuses_an_unconfirmed_flagged_weight(cast, depression) -> None:
    with pytest.raises(ValidationError) as caught:
        services.plan_version_draft_save(
            patient=cast.patient,
            actor=cast.provider,
            spec=plan_spec(depression, weight_kg=Decimal("180")),
        )
    assert "confirm_weight" in caught.value.message_dict
    assert not TreatmentPlanVersion.objects.exists()


def test_a_weight_confirmed_in_the_draft_signs_with_the_attestation(
    client, cast, depression, signed_at_60_kg
) -> None:
    draft = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, weight_kg=Decimal("132"), height_cm=None, confirm_weight=True),
    )
    assert draft.weight_confirmed_by == cast.provider
    client.force_login(cast.physician)
    page = client.get(sign_url(cast.patient)).content.decode()
    assert "Flagged weight, confirmed" in page and "+120.0%" in page
    assert '132 kg <span class="small">= 291 lb</span>' in page
    assert "Confirmed in kilograms by Pat Provider, CRNA when the draft was saved" in page
    assert "I have checked the flagged weight" not in page
    response = client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "signed" and draft.weight_confirmed_by == cast.provider
    assert [f["code"] for f in draft.weight_findings] == ["weight_change_large"]
    assert services.plan_version_content(draft)["weight_confirmed_by_id"] == cast.provider.pk
    assert draft.content_sha256 == services.plan_version_content_sha256(draft)
    event = AuditEvent.objects.filter(detail__status="signed").latest("occurred_at")
    assert event.detail["weight_confirmed"] == ["weight_change_large"]
    html = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk])).content.decode()
    assert "Confirmed in kilograms by Pat Provider, CRNA; the signing physician attested" in html
    assert "132 kg confirmed by Pat Provider" in html and "content matches" in html


def test_a_weight_flagged_only_at_signing_needs_the_signers_confirmation(
    client, cast, depression, signed_at_60_kg
) -> None:
    # 64 kg is +6.7% from 60 kg: not flagged when drafted, flagged once the clinic's limit
    # becomes 5%.
    draft = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, weight_kg=Decimal("64"), height_cm=None),
    )
    assert draft.weight_findings == [] and draft.weight_confirmed_by is None
    services.dosing_settings_update(
        organization=cast.org, actor=cast.physician, data={"max_weight_change_pct": Decimal("5")}
    )
    with pytest.raises(services.SigningError, match="Confirm the weight"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )
    client.force_login(cast.physician)
    page = client.get(sign_url(cast.patient)).content.decode()
    assert "I have checked the flagged weight" in page and "+6.7%" in page
    assert "the signing physician must confirm the weight" in page
    refused = client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"})
    assert refused.status_code == 200 and "Confirm the weight" in refused.content.decode()
    assert 'id="id_confirm_weight_error"' in refused.content.decode()
    # A box drawn for another weight does not confirm this one.
    stale = {"password": PASSWORD, "attest": "on", "confirm_weight": "63"}
    assert client.post(sign_url(cast.patient), stale).status_code == 200
    draft.refresh_from_db()
    assert draft.status == "draft"
    signed = client.post(sign_url(cast.patient), {**stale, "confirm_weight": "64"})
    assert signed.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "signed" and draft.weight_confirmed_by == cast.physician
    assert services.plan_version_content(draft)["weight_confirmed_by_id"] == cast.physician.pk
    html = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk])).content.decode()
    assert "Confirmed in kilograms by Dr. Phil Physician" in html


def test_a_plain_tick_confirms_the_weight_sent_with_it(client, cast, depression) -> None:
    client.force_login(cast.provider)
    data = form_data(depression, weight_kg=Decimal("180"))
    response = client.post(draft_url(cast.patient), {**data, "confirm_weight": "on"})
    assert response.status_code == 302
    assert TreatmentPlanVersion.objects.get().weight_confirmed_by == cast.provider


def test_a_version_without_findings_hashes_as_before(signed) -> None:
    content = services.plan_version_content(signed)
    assert "weight_findings" not in content and "override_reason" not in content


def test_plan_form_refuses_a_derived_weight_outside_the_range(
    client, cast, depression, protocols
) -> None:
    client.force_login(cast.physician)
    data = form_data(
        depression, weight_kg=Decimal("80"), height_cm=Decimal("120"), weight_basis="ideal"
    )
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "ideal body weight 16.2 kg is outside the plausible range" in html
    im = protocols["depression-im"]
    data = form_data(
        im,
        weight_kg=Decimal("90"),
        height_cm=Decimal("125"),
        sex="male",
        weight_basis="ideal",
        duration_min=None,
        vial_mg_per_ml=Decimal("50"),
        bag_volume_ml=None,
    )
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "ideal body weight 25.2 kg is outside the plausible range" in html
    assert not TreatmentPlanVersion.objects.exists()


def test_intranasal_plans_check_the_weight_they_record(client, cast, protocols) -> None:
    client.force_login(cast.physician)
    nasal = protocols["esketamine-induction"]
    base = form_data(
        nasal,
        dose_mg_per_kg=None,
        dose_mg=Decimal("56"),
        duration_min=None,
        vial_mg_per_ml=None,
        bag_volume_ml=None,
    )
    html = client.post(draft_url(cast.patient), {**base, "weight_kg": "300"}).content.decode()
    assert "outside the plausible range 30–250 kg" in html
    html = client.post(draft_url(cast.patient), {**base, "weight_kg": "180"}).content.decode()
    assert "BMI of 62.3 kg/m²" in html
    assert not TreatmentPlanVersion.objects.exists()


# --- API --------------------------------------------------------------------------------


def test_api_shows_the_pounds_of_every_weight(api) -> None:
    body = api(API).json()
    assert body["weight_check"]["weight_lb"] == pytest.approx(154.32, abs=0.01)
    assert body["weight_check"]["findings"] == [] and body["display"]["weight_entered"]


def test_api_answers_422_naming_the_weight_finding_until_confirmed(api) -> None:
    response = api({**API, "weight_kg": 180, "height_cm": 170})
    body = response.json()
    assert response.status_code == 422
    assert [f["code"] for f in body["weight_findings"]] == ["bmi_implausible"]
    assert body["weight_findings"][0]["severity"] == "confirm"
    assert body["weight_findings"][0]["inputs"]["BMI"] == "62.3 kg/m²"
    assert body["errors"][0]["field"] == "weight_kg"
    assert "bmi_implausible" in body["detail"] and "confirm_weight" in body["detail"]
    assert body["calculation"]["dose_mg"] == pytest.approx(90)
    ok = api({**API, "weight_kg": 180, "height_cm": 170, "confirm_weight": True})
    assert ok.status_code == 200
    check = ok.json()["weight_check"]
    assert check["confirmed"] and check["bmi_kg_per_m2"] == pytest.approx(62.28, abs=0.01)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"weight_kg": 132, "previous_weight_kg": 60}, "weight_change_large"),
        ({"weight_kg": 154, "height_cm": 175}, "bmi_implausible"),
        ({"weight_kg": 35, "height_cm": 180}, "bmi_implausible"),
    ],
)
def test_api_flags_other_weights_of_the_kind(api, changes, code) -> None:
    response = api({**API, **changes})
    assert response.status_code == 422
    assert code in [f["code"] for f in response.json()["weight_findings"]]
    assert api({**API, **changes, "confirm_weight": True}).status_code == 200


def test_api_refuses_a_derived_weight_outside_the_range(api) -> None:
    body = {**API, "weight_kg": 80, "height_cm": 120, "sex": "female", "weight_basis": "ideal"}
    response = api(body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "weight_basis" and "16.2 kg" in error["message"]
    adjusted = api({**body, "weight_basis": "adjusted"}).json()
    assert "formula_outside_published_range" in [w["code"] for w in adjusted["warnings"]]


def test_api_refuses_a_bad_previous_weight(api) -> None:
    response = api({**API, "previous_weight_kg": 0})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("previous_weight_kg")
