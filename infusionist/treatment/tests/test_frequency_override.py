"""Issue 8, item 10: a plan that breaks its protocol's frequency limit, and protocol doses
above their own maximum.

The kind: a planned schedule that breaks a frequency rule (seven sessions a week against "at
most 3 per 7 days", sessions closer than the minimum interval, a course longer than the
limit) is one summarised finding per rule, and signing it needs a recorded override with a
reason. A protocol whose default dose is above its own matching maximum cannot be saved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.test import PASSWORD
from infusionist.treatment import calculations, defaults, services
from infusionist.treatment.models import Protocol, TreatmentPlanVersion
from infusionist.treatment.tests.conftest import FIRST_SESSION_ON, plan_spec


def detail_url(patient) -> str:
    return reverse("treatment:plan_detail", args=[patient.pk])


def sign_url(patient) -> str:
    return reverse("treatment:plan_sign", args=[patient.pk])


@pytest.fixture
def daily_draft(cast, depression) -> TreatmentPlanVersion:
    """Twenty sessions, seven a week, against the induction protocol's 3 per 7 days."""
    return services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, sessions_per_week=Decimal("7"), planned_sessions=20),
    )


def test_seven_a_week_shows_one_finding_per_rule_with_its_basis(client, cast, daily_draft) -> None:
    client.force_login(cast.nurse)
    html = client.get(detail_url(cast.patient)).content.decode()
    assert html.count('class="finding"><strong>Up to 7 planned sessions') == 1
    assert "the protocol allows at most 3" in html
    assert "17 of the 20 sessions break the limit" in html
    # 20 daily sessions span 19 days: within the 21-day course, so no other rule is broken.
    assert "Rule: Maximum sessions in any 7 days" in html
    assert "Source: protocol “Depression — IV induction" in html
    assert '<th scope="row">Planned sessions</th><td>20</td>' in html
    assert '<th scope="row">Sessions per week</th><td>7</td>' in html
    assert f'<th scope="row">First session</th><td>{FIRST_SESSION_ON:%Y-%m-%d}</td>' in html
    assert '<th scope="row">Protocol limit</th><td>at most 3 in any 7 days</td>' in html
    assert "only with a recorded reason for overriding these limits" in html


@pytest.mark.parametrize(
    ("key", "changes", "codes"),
    [
        (
            "depression-iv-induction",
            {"sessions_per_week": Decimal("7"), "planned_sessions": 20},
            ["too_many_sessions_in_7_days"],
        ),
        # Once a week: within 3 per 7 days, but six sessions span 35 days against 21.
        (
            "depression-iv-induction",
            {"sessions_per_week": Decimal("1"), "planned_sessions": 6},
            ["course_longer_than_limit"],
        ),
        # Esketamine daily: 24 h apart against 48 h, and 7 a week against 2.
        (
            "esketamine-induction",
            {
                "sessions_per_week": Decimal("7"),
                "planned_sessions": 8,
                "dose_mg_per_kg": None,
                "dose_mg": Decimal("56"),
                "duration_min": None,
                "vial_mg_per_ml": None,
                "bag_volume_ml": None,
            },
            ["interval_below_minimum", "too_many_sessions_in_7_days"],
        ),
    ],
)
def test_every_broken_rule_needs_an_override_to_sign(cast, protocols, key, changes, codes) -> None:
    protocol = protocols[key]
    draft = services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(protocol, **changes)
    )
    found = services.plan_version_frequency_findings(draft)
    assert [f.code for f in found] == codes
    assert all(f.severity == "override" and f.rule and f.source and f.inputs for f in found)
    for reason in ("", "   "):
        with pytest.raises(services.SigningError, match="reason for the override"):
            services.plan_version_sign(
                version=draft,
                signer=cast.physician,
                password=PASSWORD,
                attested=True,
                override_reason=reason,
            )
    draft.refresh_from_db()
    assert draft.status == "draft"
    signed = services.plan_version_sign(
        version=draft,
        signer=cast.physician,
        password=PASSWORD,
        attested=True,
        override_reason="  Inpatient-style course agreed with the patient.  ",
    )
    assert signed.override_reason == "Inpatient-style course agreed with the patient."
    assert [f["code"] for f in signed.override_findings] == codes
    content = services.plan_version_content(signed)
    assert content["override_reason"] == signed.override_reason
    assert signed.content_sha256 == services.plan_version_content_sha256(signed)
    event = AuditEvent.objects.filter(detail__status="signed").get()
    assert event.detail["override"] == {"findings": codes, "reason": signed.override_reason}


def test_the_sign_page_asks_for_the_reason_and_the_plan_page_shows_it(
    client, cast, daily_draft
) -> None:
    client.force_login(cast.physician)
    page = client.get(sign_url(cast.patient)).content.decode()
    assert "Reason for overriding the protocol&#x27;s frequency limits" in page
    assert "signing overrides them and needs your reason" in page
    refused = client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"})
    html = refused.content.decode()
    assert refused.status_code == 200 and "give the reason for the override" in html
    assert 'id="id_override_reason_error"' in html
    daily_draft.refresh_from_db()
    assert daily_draft.status == "draft"
    too_long = {"password": PASSWORD, "attest": "on", "override_reason": "x" * 2001}
    assert (
        "no more than 2000 characters"
        in client.post(sign_url(cast.patient), too_long).content.decode()
    )
    response = client.post(
        sign_url(cast.patient),
        {"password": PASSWORD, "attest": "on", "override_reason": "Rapid induction; inpatient."},
    )
    assert response.status_code == 302
    html = client.get(detail_url(cast.patient)).content.decode()
    assert "Signed overriding the protocol's frequency limits" in html
    assert "Rapid induction; inpatient." in html
    assert "Signed with an override by Dr. Phil Physician" in html
    assert "content matches" in html


def test_a_plan_within_its_limits_signs_without_a_reason_and_stores_none(cast, signed) -> None:
    assert signed.override_findings == [] and signed.override_reason == ""


def test_a_reason_given_for_a_plan_within_its_limits_is_not_stored(cast, draft) -> None:
    signed = services.plan_version_sign(
        version=draft,
        signer=cast.physician,
        password=PASSWORD,
        attested=True,
        override_reason="not needed",
    )
    assert signed.override_reason == "" and signed.override_findings == []


@pytest.mark.parametrize("spec", defaults.default_protocols(), ids=lambda s: s["key"])
def test_every_default_protocols_own_schedule_keeps_its_limits(spec) -> None:
    snapshot = {**spec, "name": spec["name"]}
    found = calculations.frequency_findings(
        protocol_values=snapshot,
        planned_sessions=spec["session_count"],
        sessions_per_week=spec["sessions_per_week"],
        start_date=dt.date(2026, 3, 8),  # a daylight-saving change in the US
    )
    assert found == []


# --- a protocol's default dose against its own maximum ---------------------------------


@pytest.mark.parametrize(
    ("key", "changes", "field", "text"),
    [
        (
            "depression-iv-induction",
            {"dose_mg_per_kg": Decimal("1.5")},
            "dose_mg_per_kg",
            "1.5 mg/kg, above this protocol's own maximum dose per session (mg/kg), 1 mg/kg",
        ),
        # 0.5 mg/kg over 10 min is 3 mg/kg/h against the 2 mg/kg/h maximum rate.
        (
            "depression-iv-induction",
            {"duration_min": 10},
            "dose_mg_per_kg",
            "3 mg/kg/h over 10 min, above this protocol's own maximum dose rate",
        ),
        (
            "pain-iv-low-dose",
            {"dose_mg_per_kg_per_h": Decimal("2.5")},
            "dose_mg_per_kg_per_h",
            "2.5 mg/kg/h",
        ),
        # 0.35 mg/kg/h for 4 h is 1.4 mg/kg against a 1 mg/kg session maximum.
        (
            "pain-iv-low-dose",
            {"max_dose_mg_per_kg": Decimal("1.0")},
            "dose_mg_per_kg_per_h",
            "1.4 mg/kg for 240 min",
        ),
        ("esketamine-induction", {"dose_mg": Decimal("112")}, "dose_mg", "112 mg"),
        (
            "esketamine-induction",
            {"older_adult_start_dose_mg": Decimal("112")},
            "older_adult_start_dose_mg",
            "maximum fixed dose (mg), 84 mg",
        ),
        # 22 mg/h for 4 days is 2112 mg against a 2000 mg maximum.
        (
            "crps-iv-4-day",
            {"max_dose_mg": Decimal("2000")},
            "dose_mg_per_h",
            "2112 mg for 5760 min",
        ),
    ],
)
def test_a_default_dose_above_its_own_maximum_cannot_be_saved(
    cast, protocols, key, changes, field, text
) -> None:
    protocol = protocols[key]
    stored = {name: getattr(protocol, name) for name in changes}
    for name, value in changes.items():
        setattr(protocol, name, value)
    with pytest.raises(ValidationError) as caught:
        protocol.full_clean()
    assert any(text in m for m in caught.value.message_dict[field]), caught.value.message_dict
    with pytest.raises(ValidationError):
        services.protocol_update(
            protocol=Protocol.objects.get(pk=protocol.pk), actor=cast.physician, data=changes
        )
    protocol.refresh_from_db()
    assert {name: getattr(protocol, name) for name in changes} == stored


def test_the_protocol_form_shows_the_dose_above_its_maximum(client, cast, protocols) -> None:
    protocol = protocols["depression-iv-induction"]
    client.force_login(cast.physician)
    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(protocol, fields=services.PROTOCOL_EDITABLE_FIELDS).items()
        if v is not False
    }
    data["dose_mg_per_kg"] = "1.2"
    response = client.post(reverse("treatment:protocol_edit", args=[protocol.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "above this protocol&#x27;s own maximum dose per session (mg/kg), 1 mg/kg" in html
    assert 'value="1.2"' in html
    protocol.refresh_from_db()
    assert protocol.dose_mg_per_kg == Decimal("0.5")


def test_planned_exposure_shows_no_float_noise(client, cast, depression) -> None:
    # 0.5 mg/kg × 81.6 kg = 40.8 mg; 20 sessions sum to 815.9999999999998 in floats.
    services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.physician,
        spec=plan_spec(depression, weight_kg=Decimal("81.6"), planned_sessions=20),
    )
    client.force_login(cast.nurse)
    html = client.get(detail_url(cast.patient)).content.decode()
    assert "<td>816</td>" in html and "815.99" not in html
