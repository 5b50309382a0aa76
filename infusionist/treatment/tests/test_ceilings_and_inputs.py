"""Review round 1: absolute ceilings, dates and text limits, plain errors, pounds, safety alerts.

Each test names the reviewer's input and other inputs of the same kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.lib import dosing, regimens
from infusionist.lib.dosing import DoseLimits, DoseStop
from infusionist.measurements.models import SafetyAlert
from infusionist.measurements.tests.test_views import submit
from infusionist.test import PASSWORD, clinic_today
from infusionist.treatment import calculations, services, views
from infusionist.treatment.models import DosingSettings, Protocol, TreatmentPlanVersion
from infusionist.treatment.tests.conftest import form_data, plan_spec

NO_LIMITS = DoseLimits(max_dose_mg_per_kg=None, max_dose_rate_mg_per_kg_per_h=None)
WORKED = {
    "weight_kg": "70",
    "dose_mg_per_kg": "0.5",
    "duration_min": "40",
    "vial_mg_per_ml": "10",
    "bag_volume_ml": "100",
    "weight_basis": "actual",
}


def calc(client: Any, data: dict[str, str]) -> str:
    return client.post(reverse("treatment:calculator"), data).content.decode()


def field_errors(html: str, name: str) -> str:
    """Return the error list shown beside field ``name`` ("" when none)."""
    marker = f'id="id_{name}_error"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


# --- 1. absolute ceilings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        # The reviewer's 40 mg/kg, with every clinic limit switched off.
        ({"dose_mg_per_kg": 40.0}, "dose_rate_above_absolute_ceiling"),
        ({"dose_mg_per_kg_per_h": 500.0}, "dose_rate_above_absolute_ceiling"),
        ({"dose_mg_per_kg": 1.5, "duration_min": 40.0}, "dose_rate_above_absolute_ceiling"),
        ({"dose_mg": 3488.0}, "dose_rate_above_absolute_ceiling"),
    ],
)
def test_no_limit_setting_lets_an_iv_dose_past_the_absolute_ceiling(kwargs, code) -> None:
    base = {
        "weight_kg": 87.2,
        "duration_min": 40.0,
        "vial_mg_per_ml": 10.0,
        "bag_volume_ml": 250.0,
    }
    with pytest.raises(DoseStop) as stop:
        dosing.calculate_infusion(**{**base, **kwargs}, limits=NO_LIMITS)

    assert [w.code for w in stop.value.stops][:1] == [code]
    assert "[21]" in str(stop.value) and "No clinic setting or protocol" in str(stop.value)


def test_a_protocol_stop_is_not_repeated_by_the_ceiling() -> None:
    with pytest.raises(DoseStop) as stop:
        dosing.calculate_infusion(
            weight_kg=70, dose_mg_per_kg=40, duration_min=40, vial_mg_per_ml=10, bag_volume_ml=250
        )
    assert [w.code for w in stop.value.stops] == [
        "dose_above_protocol_max",
        "dose_rate_above_protocol_max",
    ]


def test_im_and_intranasal_doses_have_ceilings_no_protocol_lifts() -> None:
    with pytest.raises(regimens.RegimenStop) as im:
        regimens.calculate_im_injection(
            weight_kg=70, vial_mg_per_ml=50, dose_mg_per_kg=20, limits=NO_LIMITS
        )
    assert [w.code for w in im.value.stops] == ["dose_above_absolute_ceiling"]
    assert "13 mg/kg" in str(im.value) and "[22]" in str(im.value)

    with pytest.raises(regimens.RegimenStop) as nasal:
        regimens.calculate_intranasal(dose_mg=112, max_dose_mg=None)
    assert [w.code for w in nasal.value.stops] == ["dose_above_absolute_ceiling"]
    assert "84 mg" in str(nasal.value) and "[18]" in str(nasal.value)


def test_clinic_limits_are_capped_at_the_ceiling(cast, protocols) -> None:
    protocol = protocols["pain-iv-high-dose"]
    protocol.max_dose_rate_mg_per_kg_per_h = None
    settings = DosingSettings(organization=cast.org)
    limits = calculations.limits_for(dosing_settings=settings, protocol=protocol)
    assert limits.max_dose_rate_mg_per_kg_per_h == 2.0


def _settings_post(client: Any, cast: Any, **changes: str) -> str:
    client.force_login(cast.physician)
    url = reverse("treatment:dosing_settings_edit")
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {
        name: ("" if value is None else str(value))
        for name, value in form.initial.items()
        if name in form.fields and value is not False
    }
    data.update(changes)
    return client.post(url, data).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("default_max_dose_mg_per_kg", "999", "must be at most 4.5"),
        ("default_max_dose_rate_mg_per_kg_per_h", "999", "must be at most 2"),
        ("must_dilute_vial_mg_per_ml", "500", "must be at most 100"),
        ("max_iv_concentration_mg_per_ml", "100", "must be at most 50"),
        ("max_weight_kg", "999", "must be at most 300"),
        ("min_weight_kg", "1", "must be at least 20"),
        ("confirm_weight_above_kg", "999", "must be at most 300"),
    ],
)
def test_dosing_settings_refuse_numbers_beyond_their_bounds(
    client, cast, field, value, words
) -> None:
    html = _settings_post(client, cast, **{field: value})
    assert words in field_errors(html, field), field_errors(html, field)
    assert f'value="{value}"' in html  # nothing typed is lost
    assert getattr(DosingSettings.objects.filter(organization=cast.org).first(), field, None) != (
        Decimal(value)
    )


def test_the_settings_page_cites_each_ceiling_beside_its_field(client, cast) -> None:
    client.force_login(cast.physician)
    html = client.get(reverse("treatment:dosing_settings_edit")).content.decode()
    assert "At most 4.5 mg/kg, the largest IV induction dose on the Ketalar label" in html
    assert "At most 2 mg/kg/h, the top of the outpatient infusion range" in html
    protocols_html = client.get(reverse("treatment:protocol_list")).content.decode()
    assert "Absolute ceilings" in protocols_html and "at most 84 mg per session" in protocols_html


def _protocol(protocols: dict[str, Protocol], key: str, **changes: Any) -> Protocol:
    protocol = protocols[key]
    for name, value in changes.items():
        setattr(protocol, name, value)
    return protocol


@pytest.mark.parametrize(
    ("key", "changes", "field", "words"),
    [
        # The reviewer's inputs.
        (
            "depression-iv-induction",
            {"dose_mg_per_kg": Decimal("40"), "max_dose_mg_per_kg": Decimal("50")},
            "dose_mg_per_kg",
            "absolute ceiling",
        ),
        (
            "depression-iv-induction",
            {"max_dose_mg_per_kg": Decimal("50")},
            "max_dose_mg_per_kg",
            "2 mg/kg/h for 40 min",
        ),
        (
            "pain-iv-low-dose",
            {"max_dose_rate_mg_per_kg_per_h": Decimal("500")},
            "max_dose_rate_mg_per_kg_per_h",
            "absolute ceiling",
        ),
        ("depression-iv-induction", {"drug": "esketamine"}, "drug", "not given by this route"),
        ("depression-iv-induction", {"source_keys": "[1] [999]"}, "source_keys", "[999]"),
        # Others of the same kind.
        ("esketamine-induction", {"drug": "ketamine"}, "drug", "not given by this route"),
        ("depression-im", {"drug": "esketamine"}, "drug", "not given by this route"),
        ("depression-iv-induction", {"source_keys": "see the paper"}, "source_keys", "Cite"),
        ("depression-im", {"max_dose_mg_per_kg": Decimal("20")}, "max_dose_mg_per_kg", "13"),
        ("esketamine-induction", {"dose_mg": Decimal("112")}, "dose_mg", "84"),
        ("esketamine-induction", {"max_dose_mg": Decimal("168")}, "max_dose_mg", "84"),
        ("esketamine-induction", {"device_mg": Decimal("56")}, "device_mg", "28-mg devices"),
        (
            "depression-iv-induction",
            {"dose_mg_per_kg": Decimal("2"), "max_dose_mg_per_kg": Decimal("2")},
            "dose_mg_per_kg",
            "mg/kg/h",
        ),
        (
            "depression-iv-induction",
            {"titration_steps_mg_per_kg": "0.5, 0.75, 6"},
            "titration_steps_mg_per_kg",
            "",
        ),
        ("depression-iv-induction", {"duration_min": 10_000}, "duration_min", "5760"),
        ("depression-iv-induction", {"course_max_days": 5000}, "course_max_days", "366"),
        ("esketamine-induction", {"older_adult_age_years": 3}, "older_adult_age_years", "18"),
    ],
)
def test_a_protocol_refuses_values_beyond_the_reference(protocols, key, changes, field, words):
    protocol = _protocol(protocols, key, **changes)
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    messages = " ".join(error.value.message_dict.get(field, []))
    assert messages and words in messages, error.value.message_dict


def test_every_default_protocol_passes_its_own_ceilings(protocols) -> None:
    for protocol in protocols.values():
        protocol.full_clean()


def test_the_protocol_page_refuses_the_reviewers_edit_beside_the_fields(client, cast, protocols):
    protocol = protocols["depression-iv-induction"]
    client.force_login(cast.physician)
    url = reverse("treatment:protocol_edit", args=[protocol.pk])
    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(protocol, fields=services.PROTOCOL_EDITABLE_FIELDS).items()
    }
    data.update(
        {
            "dose_mg_per_kg": "40",
            "max_dose_mg_per_kg": "50",
            "drug": "esketamine",
            "source_keys": "[999]",
        }
    )
    data = {k: v for k, v in data.items() if v is not False}
    html = client.post(url, data).content.decode()
    for name in ("dose_mg_per_kg", "max_dose_mg_per_kg", "drug", "source_keys"):
        assert field_errors(html, name), name
    protocol.refresh_from_db()
    assert protocol.dose_mg_per_kg == Decimal("0.5") and protocol.drug == "ketamine"
    # The page title names the protocol in words, not by its key.
    heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading == f"Edit protocol: {protocol.name}"
    assert protocol.key not in heading


def test_a_plan_at_40_mg_per_kg_is_refused_beside_the_dose(client, cast, depression) -> None:
    client.force_login(cast.provider)
    data = form_data(depression, dose_mg_per_kg=Decimal("40"), weight_kg=Decimal("87.2"))
    html = client.post(reverse("treatment:plan_draft", args=[cast.patient.pk]), data).content
    errors = field_errors(html.decode(), "dose_mg_per_kg")
    assert "Hard stop" in errors and "protocol maximum" in errors
    assert not TreatmentPlanVersion.objects.exists()


@pytest.mark.parametrize(
    ("dose", "ceiling", "state", "words"),
    [
        # The reviewer's plan: far above the ceiling is never "at the ceiling".
        ("40", "1.0", "above_ceiling", "is above the protocol's ceiling"),
        ("1.0", "1.0", "at_ceiling", "at the protocol's titration ceiling"),
        ("0.75", "0.8", "at_ceiling", "at the protocol's titration ceiling"),
        ("0.5", "1.0", "next", "Next titration step"),
        ("1.0", None, "top_step", "No titration step"),
    ],
)
def test_the_titration_hint_says_only_what_is_true(dose, ceiling, state, words) -> None:
    version = SimpleNamespace(
        dose_mg_per_kg=Decimal(dose),
        protocol_snapshot={
            "titration_steps_mg_per_kg": "0.5, 0.75, 1.0",
            "max_dose_mg_per_kg": ceiling,
            "titration_rule": "",
        },
    )
    hint = views._titration_hint(version)  # type: ignore[arg-type]
    assert hint is not None and hint["state"] == state


# --- 8. dates and free text ----------------------------------------------------------------


def test_a_first_session_in_the_past_is_refused_and_today_is_accepted(
    client, cast, depression
) -> None:
    client.force_login(cast.provider)
    url = reverse("treatment:plan_draft", args=[cast.patient.pk])
    yesterday = clinic_today() - dt.timedelta(days=1)
    html = client.post(url, form_data(depression, planned_start_date=yesterday)).content.decode()
    assert "is in the past: choose today or a later date" in field_errors(
        html, "planned_start_date"
    )
    assert f'value="{yesterday:%Y-%m-%d}"' in html
    response = client.post(url, form_data(depression, planned_start_date=timezone.localdate()))
    assert response.status_code == 302
    with pytest.raises(ValidationError) as error:
        services.plan_version_draft_save(
            patient=cast.patient,
            actor=cast.provider,
            spec=plan_spec(depression, planned_start_date=dt.date(2020, 1, 1)),
        )
    assert "planned_start_date" in error.value.message_dict


def test_a_draft_whose_first_session_has_passed_cannot_be_signed(cast, depression) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    draft = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, planned_start_date=tomorrow),
    )
    with pytest.raises(services.SigningError, match="is in the past"):
        services.plan_version_sign(
            version=draft,
            signer=cast.physician,
            password=PASSWORD,
            attested=True,
            today=tomorrow + dt.timedelta(days=1),
        )


def test_a_50000_character_rationale_is_refused_everywhere(client, cast, depression) -> None:
    long_text = "x" * 50_000
    client.force_login(cast.provider)
    html = client.post(
        reverse("treatment:plan_draft", args=[cast.patient.pk]),
        form_data(depression, rationale=long_text),
    ).content.decode()
    assert "no more than 2000 characters" in field_errors(html, "rationale")
    with pytest.raises(ValidationError):
        services.plan_version_draft_save(
            patient=cast.patient,
            actor=cast.provider,
            spec=plan_spec(depression, rationale=long_text),
        )
    draft = services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(depression)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentPlanVersion.objects.filter(pk=draft.pk).update(rationale=long_text)


@pytest.mark.parametrize(
    "field", ["titration_rule", "monitoring_requirements", "schedule_description"]
)
def test_protocol_free_text_is_bounded(protocols, field) -> None:
    protocol = _protocol(protocols, "depression-iv-induction", **{field: "y" * 2001})
    with pytest.raises(ValidationError) as error:
        protocol.full_clean()
    assert field in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Protocol.objects.filter(pk=protocol.pk).update(**{field: "y" * 2001})


def test_long_words_wrap_on_every_treatment_page() -> None:
    css = (Path(__file__).parents[1] / "static" / "treatment" / "treatment.css").read_text()
    assert "overflow-wrap: anywhere" in css and ".user-text" in css


# --- 10. plain errors beside their fields --------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"weight_kg": "3"}, "weight_kg", "The weight, 3 kg, is outside the plausible range"),
        ({"weight_kg": "400"}, "weight_kg", "The weight, 400 kg, is outside"),
        ({"height_cm": "60"}, "height_cm", "The height, 60 cm, is outside"),
        ({"weight_basis": "ideal"}, "height_cm", "Enter the height in centimetres"),
        ({"weight_basis": "ideal", "height_cm": "170"}, "sex", "Choose the sex (female or male)"),
        ({"dose_mg_per_kg": "1.0", "duration_min": "10"}, "duration_min", "Hard stop"),
        ({"dose_mg_per_kg": "1.5"}, "dose_mg_per_kg", "Hard stop"),
        ({"vial_mg_per_ml": "100", "bag_volume_ml": "0"}, "bag_volume_ml", "Hard stop"),
        ({"dose_mg_per_kg": "0.001", "weight_kg": "40"}, "dose_mg_per_kg", "smallest dose"),
    ],
)
def test_calculator_errors_are_plain_words_beside_their_field(client, cast, changes, field, words):
    client.force_login(cast.nurse)
    html = calc(client, {**WORKED, **changes})
    errors = field_errors(html, field)
    assert words in errors, (field, errors)
    for program_name in ("weight_kg ", "height_cm ", "got None", "= False", "route = iv", "'male'"):
        assert program_name not in errors
        assert program_name not in html.split("</form>", 1)[1]


# --- 9. pounds and implausible weights -----------------------------------------------------


def test_a_weight_in_pounds_is_converted_exactly_and_shown_in_kilograms(client, cast) -> None:
    client.force_login(cast.nurse)
    data = {**WORKED, "weight_kg": "", "weight_lb": "154.3"}
    html = calc(client, data)
    assert "154.3 lb = 69.99 kg (× 0.45359237 kg/lb); 69.99 kg is used." in html
    assert 'name="weight_kg" value="69.99"' in html
    assert "35 mg" in html  # 69.99 kg × 0.5 mg/kg = 34.995 mg


def test_two_weights_that_disagree_are_refused(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client, {**WORKED, "weight_kg": "154.3", "weight_lb": "154.3"})
    assert "154.3 lb is 70.0 kg, but 154.3 kg is entered" in field_errors(html, "weight_lb")


def test_no_weight_at_all_is_asked_for(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client, {**WORKED, "weight_kg": ""})
    assert "Enter the weight in kilograms (or in pounds)." in field_errors(html, "weight_kg")


def test_a_plan_entered_in_pounds_stores_kilograms(client, cast, depression) -> None:
    client.force_login(cast.provider)
    data = {**form_data(depression), "weight_kg": "", "weight_lb": "154.3"}
    response = client.post(reverse("treatment:plan_draft", args=[cast.patient.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    version = TreatmentPlanVersion.objects.get()
    assert version.weight_kg == Decimal("70.0") and version.session_dose_mg == Decimal("35.00")


@pytest.mark.parametrize(
    ("extra", "flagged"),
    [
        # The reviewer's 154.3 "kg" with no height and no last weight.
        ({"weight_kg": "154.3"}, True),
        ({"weight_kg": "35"}, True),
        ({"weight_kg": "121"}, True),
        ({"weight_kg": "70"}, False),
        # A height or a last weight that corroborates it: the range flag does not apply.
        ({"weight_kg": "125", "height_cm": "195"}, False),
        ({"weight_kg": "125", "previous_weight_kg": "124"}, False),
    ],
)
def test_an_uncorroborated_unusual_weight_must_be_confirmed(client, cast, extra, flagged):
    client.force_login(cast.nurse)
    html = calc(client, {**WORKED, "dose_mg_per_kg": "0.3", **extra})
    assert ("outside the usual adult range" in html) is flagged
    if flagged:
        assert "Check the weight and tick this box" in field_errors(html, "confirm_weight")
        assert "Confirm the weight before any dose is used" in html


def test_the_lb_hint_names_the_kilograms() -> None:
    check = dosing.check_weight(154.3)
    assert [f.code for f in check.findings] == ["weight_outside_usual_range"]
    assert "the weight is 70.0 kg" in check.findings[0].message


# --- 5. open safety alerts on plan pages ---------------------------------------------------


@pytest.fixture
def open_alert(cast) -> SafetyAlert:
    submit(cast, item9=1)
    return SafetyAlert.objects.get(patient=cast.patient)


def test_plan_pages_show_the_open_safety_alert_with_a_link(client, cast, draft, open_alert):
    safety_url = reverse("measurements:safety", args=[cast.patient.pk])
    for user, name in (
        (cast.provider, "treatment:plan_detail"),
        (cast.provider, "treatment:plan_draft"),
        (cast.physician, "treatment:plan_sign"),
    ):
        client.force_login(user)
        html = client.get(reverse(name, args=[cast.patient.pk])).content.decode()
        assert "Open safety alert: suicidality" in html, name
        assert f'href="{safety_url}"' in html, name


def test_signing_with_an_open_alert_needs_an_acknowledgment_and_a_reason(
    client, cast, draft, open_alert
) -> None:
    client.force_login(cast.physician)
    url = reverse("treatment:plan_sign", args=[cast.patient.pk])
    base = {"password": PASSWORD, "attest": "on"}
    html = client.post(url, base).content.decode()
    assert "Tick this to sign" in field_errors(html, "safety_acknowledged")
    assert "Say why it is safe" in field_errors(html, "safety_reason")
    draft.refresh_from_db()
    assert not draft.is_signed
    with pytest.raises(services.SigningError, match="open safety alert"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )

    reason = "Risk assessed in person today: no plan or intent; safety plan reviewed."
    response = client.post(url, {**base, "safety_acknowledged": "on", "safety_reason": reason})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_signed and draft.safety_acknowledgment_reason == reason
    assert [a["id"] for a in draft.safety_alerts_acknowledged] == [open_alert.pk]
    assert services.plan_version_content(draft)["safety_acknowledgment_reason"] == reason
    assert services.plan_version_content_sha256(draft) == draft.content_sha256
    event = AuditEvent.objects.filter(object_type="treatment_plan_version").latest("id")
    assert event.detail["open_safety_alerts_acknowledged"] == {
        "alerts": [open_alert.pk],
        "reason": reason,
    }
    html = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk])).content.decode()
    assert "Signed with 1 open safety alert acknowledged" in html and reason in html


def test_a_closed_alert_is_not_shown_and_needs_no_acknowledgment(cast, draft, open_alert):
    SafetyAlert.objects.filter(pk=open_alert.pk).update(
        status=SafetyAlert.Status.CLOSED, closed_at=timezone.now(), closed_by=cast.physician
    )
    signed = services.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )
    assert signed.is_signed and signed.safety_alerts_acknowledged == []


# --- wording -------------------------------------------------------------------------------


def test_counts_agree_with_their_nouns(client, cast, protocols) -> None:
    protocol = protocols["depression-iv-booster"]
    client.force_login(cast.physician)
    html = client.get(reverse("treatment:protocol_list")).content.decode()
    assert f"{protocol.session_count} sessions" in html or "1 session," in html
    assert "1 sessions" not in html
    Protocol.objects.filter(pk=protocol.pk).update(session_count=1)
    html = client.get(reverse("treatment:protocol_list")).content.decode()
    assert "1 sessions" not in html and "1 session," in html


def test_the_pk_chart_explains_its_model_in_plain_words(client, cast) -> None:
    client.force_login(cast.nurse)
    html = calc(client, {**WORKED, "age_years": "40"})
    assert "a published adult model of how ketamine spreads through the body" in html
    visible = html.split("Model constants (for pharmacists)", 1)[0]
    assert "opentiva" not in visible and "the Domino model" not in visible
    assert "Across: minutes from the start of the infusion" in html


def test_a_single_late_session_is_counted_in_the_singular() -> None:
    from infusionist.lib import exposure

    start = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    times = [start + dt.timedelta(days=d) for d in (0, 5, 11)]
    found = exposure.frequency_rule_findings(
        times, min_interval_h=24, max_sessions_per_7_days=3, course_max_days=10
    )
    assert "1 session falls after day 10" in found[0].message
