"""Review round 2, findings 4, 5, 18 and 20: the rules a plan may break only with a reason.

The kinds: a reason that says nothing ("." to override frequency limits); an indication that
is not the protocol's ("Chronic pain" on a depression protocol); a patient younger than the
clinic's minimum age, or without a date of birth (a depression plan signed for a 6-year-old);
a first session date years ahead (2099); a hard stop that names the wrong rule (the clinic's
default maximum called "the protocol maximum").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.lib import reasons
from infusionist.patients.models import Patient
from infusionist.test import PASSWORD, clinic_today
from infusionist.treatment import calculations, selectors, services
from infusionist.treatment.models import DosingSettings, TreatmentPlanVersion
from infusionist.treatment.tests.conftest import form_data, plan_spec

EMPTY_REASONS = [
    "",
    "   ",
    ".",
    "..",
    "-",
    "ok",
    "OK.",
    "n/a",
    "N/A",
    "x",
    "xx",
    "xxxx",
    "asdf",
    "ok ok ok",
    "none",
    "yes",
    "override",
    "approved.",
    "aaaa",
    "123",
    "ok 1234",
]
GOOD_REASONS = [
    "Inpatient-style course agreed with the patient.",
    "Twin brother",
    "Adolescent TRD; family consent, child psychiatrist on site",
    "Comorbid pain; consulted Dr Lee",
]


def sign_url(patient) -> str:
    return reverse("treatment:plan_sign", args=[patient.pk])


def draft_url(patient) -> str:
    return reverse("treatment:plan_draft", args=[patient.pk])


def detail_url(patient) -> str:
    return reverse("treatment:plan_detail", args=[patient.pk])


def born_years_ago(years: int, *, days: int = 0) -> dt.date:
    today = clinic_today()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - dt.timedelta(days=days)


def set_birth(patient: Patient, born: dt.date | None) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(date_of_birth=born)
    patient.refresh_from_db()
    return patient


@pytest.mark.parametrize("text", EMPTY_REASONS)
def test_a_reason_that_says_nothing_is_refused(text) -> None:
    assert reasons.says_nothing(text)
    assert services.reason_error(text, what="The reason for the override")


@pytest.mark.parametrize("text", GOOD_REASONS)
def test_a_reason_that_says_something_passes(text) -> None:
    assert not reasons.says_nothing(text)
    assert services.reason_error(text, what="The reason") == ""


# --- frequency override (finding 4) -----------------------------------------------------


@pytest.fixture
def daily_draft(cast, depression) -> TreatmentPlanVersion:
    """Thirty sessions, seven a week, against the induction protocol's 3 per 7 days."""
    return services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, sessions_per_week=Decimal("7"), planned_sessions=30),
    )


@pytest.mark.parametrize("text", [".", "ok", "n/a", "x", "asdf", "xxxx"])
def test_a_frequency_override_needs_a_reason_that_says_something(cast, daily_draft, text) -> None:
    with pytest.raises(services.SigningError, match="reason for the override says nothing"):
        services.plan_version_sign(
            version=daily_draft,
            signer=cast.physician,
            password=PASSWORD,
            attested=True,
            override_reason=text,
        )
    daily_draft.refresh_from_db()
    assert daily_draft.status == "draft"


def test_the_sign_page_shows_the_empty_reason_beside_its_field(client, cast, daily_draft) -> None:
    client.force_login(cast.physician)
    response = client.post(
        sign_url(cast.patient), {"password": PASSWORD, "attest": "on", "override_reason": "."}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_override_reason_error"' in html and "says nothing" in html
    assert "\n.</textarea>" in html  # what was typed is kept
    daily_draft.refresh_from_db()
    assert daily_draft.status == "draft"


# --- indication (finding 4) -------------------------------------------------------------


def test_an_indication_other_than_the_protocols_needs_a_physicians_reason(cast, depression) -> None:
    spec = plan_spec(depression, indication="chronic_pain")
    with pytest.raises(ValidationError) as refused:
        services.plan_version_draft_save(patient=cast.patient, actor=cast.provider, spec=spec)
    message = " ".join(refused.value.message_dict["override_reason"])
    assert "Chronic pain" in message and "Only a physician" in message
    for text in ("", ".", "ok"):
        with pytest.raises(ValidationError, match="reason for the override"):
            services.plan_version_draft_save(
                patient=cast.patient,
                actor=cast.physician,
                spec=plan_spec(depression, indication="chronic_pain", override_reason=text),
            )
    assert not TreatmentPlanVersion.objects.exists()
    reason = "Comorbid pain; consulted Dr Lee"
    draft = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.physician,
        spec=plan_spec(depression, indication="chronic_pain", override_reason=reason),
    )
    event = AuditEvent.objects.filter(detail__status="draft").get()
    assert event.detail["override"] == {"findings": ["indication_not_protocol"], "reason": reason}
    with pytest.raises(services.SigningError, match="Indication matches the protocol"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )
    signed = services.plan_version_sign(
        version=draft,
        signer=cast.physician,
        password=PASSWORD,
        attested=True,
        override_reason=reason,
    )
    assert [f["code"] for f in signed.override_findings] == ["indication_not_protocol"]
    assert signed.override_reason == reason


def test_the_plan_form_shows_the_indication_rule_and_keeps_what_was_typed(
    client, cast, depression
) -> None:
    client.force_login(cast.provider)
    response = client.post(
        draft_url(cast.patient),
        form_data(depression, indication="chronic_pain", rationale="Back pain too"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_override_reason_error"' in html and "Chronic pain" in html
    assert "Back pain too</textarea>" in html
    assert not TreatmentPlanVersion.objects.exists()


# --- age (finding 5) ---------------------------------------------------------------------


def test_a_child_gets_a_hard_stop_a_physician_passes_only_with_a_reason(
    client, cast, depression
) -> None:
    child = set_birth(cast.patient, born_years_ago(6))
    with pytest.raises(ValidationError) as refused:
        services.plan_version_draft_save(
            patient=child, actor=cast.provider, spec=plan_spec(depression)
        )
    message = " ".join(refused.value.message_dict["override_reason"])
    assert "6 years old" in message and "minimum of 18 years" in message
    assert "Only a physician" in message
    with pytest.raises(ValidationError, match="says nothing"):
        services.plan_version_draft_save(
            patient=child, actor=cast.physician, spec=plan_spec(depression, override_reason=".")
        )
    reason = "Adolescent TRD; family consent, child psychiatrist on site"
    draft = services.plan_version_draft_save(
        patient=child, actor=cast.physician, spec=plan_spec(depression, override_reason=reason)
    )
    client.force_login(cast.physician)
    page = client.get(sign_url(child)).content.decode()
    assert "Patient's age" in page and "6 years" in page
    assert "Needs a physician's override" in page and "[18]" in page
    assert 'name="override_reason"' in page
    for text in ("", "n/a"):
        refused_page = client.post(
            sign_url(child), {"password": PASSWORD, "attest": "on", "override_reason": text}
        ).content.decode()
        assert 'id="id_override_reason_error"' in refused_page
    draft.refresh_from_db()
    assert draft.status == "draft"
    response = client.post(
        sign_url(child), {"password": PASSWORD, "attest": "on", "override_reason": reason}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "signed" and draft.override_reason == reason
    assert [f["code"] for f in draft.override_findings] == ["age_below_minimum"]
    html = client.get(detail_url(child)).content.decode()
    assert "Signed with an override by" in html and reason in html


@pytest.mark.parametrize(
    ("born", "stopped"),
    [
        (born_years_ago(18), False),  # 18 today
        (born_years_ago(17, days=-1), True),  # 18 tomorrow
        (born_years_ago(17), True),
        (born_years_ago(40), False),
    ],
)
def test_the_age_rule_is_exact_at_the_birthday(cast, born, stopped) -> None:
    patient = set_birth(cast.patient, born)
    found = services.patient_age_finding(
        patient, dosing_settings=selectors.dosing_settings_for(organization=cast.org)
    )
    assert (found is not None) is stopped


def test_the_minimum_age_is_the_clinics_setting(cast) -> None:
    patient = set_birth(cast.patient, born_years_ago(20))
    settings = DosingSettings(organization=cast.org, min_patient_age_years=21)
    found = services.patient_age_finding(patient, dosing_settings=settings)
    assert found is not None and "minimum of 21 years" in found.message
    assert DosingSettings.SOURCE_KEYS["min_patient_age_years"] == "[18] [19]"
    assert DosingSettings().min_patient_age_years == 18


def test_a_patient_without_a_date_of_birth_has_no_known_age(cast) -> None:
    patient = cast.patient
    patient.date_of_birth = None
    found = services.patient_age_finding(
        patient, dosing_settings=DosingSettings(organization=cast.org)
    )
    assert found is not None and found.code == "age_unknown"
    assert "date of birth is not recorded" in found.message


def test_a_signed_draft_for_a_patient_now_too_young_still_needs_the_reason(
    cast, depression
) -> None:
    draft = services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(depression)
    )
    set_birth(cast.patient, born_years_ago(15))
    with pytest.raises(services.SigningError, match="Minimum patient age"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )


@pytest.mark.parametrize(("age", "stopped"), [("6", True), ("17", True), ("18", False)])
def test_the_calculator_stops_below_the_minimum_age(client, cast, age, stopped) -> None:
    client.force_login(cast.nurse)
    data = {
        "weight_kg": "35",
        "dose_mg_per_kg": "0.5",
        "duration_min": "40",
        "vial_mg_per_ml": "10",
        "bag_volume_ml": "100",
        "weight_basis": "actual",
        "age_years": age,
    }
    html = client.post(reverse("treatment:calculator"), data).content.decode()
    assert ("clinic&#x27;s minimum age of 18 years" in html) is stopped
    assert (calculations.age_stop(int(age), min_age_years=18) is not None) is stopped


# --- first session date (finding 20) -----------------------------------------------------


def test_a_first_session_years_ahead_is_refused(client, cast, depression) -> None:
    today = timezone.localdate()
    assert services.start_date_error(today + dt.timedelta(days=365), horizon_days=365) == ""
    error = services.start_date_error(today + dt.timedelta(days=366), horizon_days=365)
    assert "more than 365 days ahead" in error
    far = dt.date(2099, 1, 1)
    with pytest.raises(ValidationError, match="more than 365 days ahead"):
        services.plan_version_draft_save(
            patient=cast.patient,
            actor=cast.provider,
            spec=plan_spec(depression, planned_start_date=far),
        )
    client.force_login(cast.provider)
    response = client.post(draft_url(cast.patient), form_data(depression, planned_start_date=far))
    html = response.content.decode()
    assert 'id="id_planned_start_date_error"' in html and "Jan 1, 2099" in html
    assert 'value="2099-01-01"' in html
    assert not TreatmentPlanVersion.objects.exists()


# --- the rule a dose stop names (finding 18) --------------------------------------------


def test_a_dose_stop_names_the_rule_it_applies(cast, depression) -> None:
    settings = DosingSettings(organization=cast.org)
    clinic = calculations.limits_for(dosing_settings=settings)
    assert clinic.max_dose_rule.startswith("the clinic's default maximum")
    protocol = calculations.limits_for(dosing_settings=settings, protocol=depression)
    assert depression.name in protocol.max_dose_rule
    assert depression.name in protocol.max_dose_rate_rule
    # IV has a rate ceiling (2 mg/kg/h [21]): a protocol without its own rate meets it.
    depression.max_dose_rate_mg_per_kg_per_h = None
    ceiling = calculations.limits_for(dosing_settings=settings, protocol=depression)
    assert ceiling.max_dose_rate_rule.startswith("the absolute ceiling")
    assert "no setting can raise" in ceiling.max_dose_rate_remedy


# --- pounds (finding 17) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pounds", "kg"), [("180", "81.65"), ("154.3", "69.99"), ("99.5", "45.13"), ("300", "136.08")]
)
def test_the_calculator_keeps_the_pounds_as_typed(client, cast, pounds, kg) -> None:
    client.force_login(cast.nurse)
    data = {
        "weight_lb": pounds,
        "dose_mg_per_kg": "0.5",
        "duration_min": "40",
        "vial_mg_per_ml": "10",
        "bag_volume_ml": "100",
        "weight_basis": "actual",
        "confirm_weight": "on",
    }
    html = client.post(reverse("treatment:calculator"), data).content.decode()
    assert f"{pounds} lb = {kg} kg" in html
    assert f'name="weight_kg" value="{kg}"' in html
    # Submitting the page again, with both weights shown, is accepted.
    again = client.post(reverse("treatment:calculator"), {**data, "weight_kg": kg})
    assert "at most 1 decimal place" not in again.content.decode()
    assert f"{pounds} lb = {kg} kg" in again.content.decode()


def test_the_plan_form_says_plainly_that_it_rounds_to_a_tenth(client, cast, depression) -> None:
    client.force_login(cast.provider)
    data = {**form_data(depression), "weight_kg": "", "weight_lb": "180", "phase": "x"}
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "180 lb = 81.65 kg" in html
    assert "81.6 kg is used and stored: the same weight, rounded" in html


# --- numbers (finding 15) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("max_dose_mg_per_kg", "12345", "must be at most"),
        ("default_max_dose_mg_per_kg", "9", "Maximum dose without a protocol must be at most 4.5"),
        ("min_weight_kg", "1.234", "takes at most 1 decimal place (kg)"),
        ("min_patient_age_years", "6", "must be at least 18 years"),
        ("max_plan_start_days", "99999", "must be at most 730 days"),
        ("pk_curve_after_min", "abc", "must be a whole number in min"),
        ("max_weight_change_pct", "abc", "must be a number in percent"),
        ("max_weight_change_pct", "500", "must be at most 100 percent"),
    ],
)
@pytest.mark.django_db
def test_number_errors_name_the_field_and_its_unit(field, value, words) -> None:
    from infusionist.treatment.forms import DosingSettingsForm, ProtocolForm

    form_class = ProtocolForm if field == "max_dose_mg_per_kg" else DosingSettingsForm
    form = form_class(data={field: value})
    assert not form.is_valid()
    errors = " ".join(form.errors[field])
    assert words in errors
    assert "Ensure" not in errors


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("weight_kg", "70.123", "Weight takes at most 2 decimal places (kg)"),
        ("dose_mg_per_kg", "0", "Dose must be at least 0.001 mg/kg"),
        ("duration_min", "0", "Duration must be at least 1 min"),
        ("age_years", "x", "Age must be a whole number in years"),
        ("bag_volume_ml", "99999", "Diluent bag must be at most 5000 mL"),
    ],
)
def test_calculator_number_errors_name_the_field_and_its_unit(field, value, words) -> None:
    from infusionist.treatment.forms import CalculatorForm

    form = CalculatorForm(data={field: value}, organization=None)
    assert not form.is_valid()
    errors = " ".join(form.errors[field])
    assert words in errors and "Ensure" not in errors
