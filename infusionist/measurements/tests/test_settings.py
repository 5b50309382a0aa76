"""A clinic's measurement settings: which are clinical, who may change them, and the audit.

The page and the physician's signature on a clinic admin's proposal are tested with the page
(administration/tests/test_measurement_settings.py); these are the measurements app's rules.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.measurements import selectors, services
from infusionist.measurements.models import SETTINGS_GROUPS, MeasurementSettings
from infusionist.measurements.tests.cssrs_wording import LICENSED_WORDING


def test_which_measurement_settings_are_clinical() -> None:
    clinical = set(services.CLINICAL_MEASUREMENT_SETTINGS_FIELDS)
    # What a score means, which answer raises an alert, how soon it escalates, what is asked.
    assert clinical == {
        "response_reduction_pct",
        "remission_max_phq9",
        "remission_max_qids_sr16",
        "remission_max_madrs",
        "loss_of_response_consecutive",
        "phq9_item9_alert_at_least",
        "cssrs_alert_at_least_risk_level",
        "safety_escalation_minutes",
        "scheduled_instruments",
        "cssrs_licensed_wording",  # the questions read to a patient at risk
    }
    # When questionnaires and reminders go out: administrative.
    assert set(services.NON_CLINICAL_MEASUREMENT_SETTINGS_FIELDS) == {
        "induction_interval_days",
        "maintenance_interval_days",
        "next_day_checkin_hours",
        "pre_infusion_lead_hours",
        "completion_window_hours",
        "checkin_local_hour",
        "instrument_min_interval_days",
        "max_reminders",
        "reminder_interval_hours",
    }


def test_every_editable_field_has_sources_and_one_group() -> None:
    editable = {
        f.name
        for f in MeasurementSettings._meta.concrete_fields
        if f.editable and f.name not in ("id", "organization")
    }
    assert set(services.MEASUREMENT_SETTINGS_FIELDS) == editable
    grouped = [name for _heading, _note, names in SETTINGS_GROUPS for name in names]
    assert sorted(grouped) == sorted(editable)
    for name in editable:
        assert MeasurementSettings.SOURCE_KEYS[name].startswith("[")
        assert MeasurementSettings.documented_default(name)


def test_documented_defaults_and_ranges() -> None:
    assert MeasurementSettings.documented_default("phq9_item9_alert_at_least") == "1"
    assert MeasurementSettings.documented_default("induction_interval_days") == "7"
    assert MeasurementSettings.documented_default("instrument_min_interval_days").startswith(
        "phq9:14, phq2:14, gad7:14, qids_sr16:7"
    )
    assert MeasurementSettings.allowed_range("phq9_item9_alert_at_least") == (1, 3)
    assert MeasurementSettings.allowed_range("checkin_local_hour") == (0, 23)
    assert MeasurementSettings.allowed_range("scheduled_instruments") is None


def test_the_reminder_defaults_cite_the_projects_own_key() -> None:
    for name in ("max_reminders", "reminder_interval_hours"):
        help_text = str(MeasurementSettings._meta.get_field(name).help_text)
        assert "[99]" in help_text and "market-reference" not in help_text


@pytest.mark.parametrize(
    "data",
    [
        {"phq9_item9_alert_at_least": 2},
        {"cssrs_alert_at_least_risk_level": 1},
        {"safety_escalation_minutes": 240},
        {"response_reduction_pct": 40},
        {"remission_max_phq9": 9},
        {"loss_of_response_consecutive": 3},
        {"scheduled_instruments": "gad7"},
        {"cssrs_licensed_wording": LICENSED_WORDING},
    ],
)
def test_an_admin_cannot_change_a_clinical_setting_directly(cast, data) -> None:
    with pytest.raises(PermissionDenied, match="physician's signature"):
        services.measurement_settings_update(organization=cast.org, actor=cast.admin, data=data)
    stored = selectors.measurement_settings_for(organization=cast.org)
    assert all(getattr(stored, k) != v for k, v in data.items())
    assert not AuditEvent.objects.filter(object_type="measurement_settings").exists()


def test_an_admin_changes_the_schedule_and_reminders_at_once(cast) -> None:
    changed = services.measurement_settings_update(
        organization=cast.org,
        actor=cast.admin,
        data={
            "max_reminders": 1,
            "reminder_interval_hours": 48,
            "instrument_min_interval_days": "phq9:7",
            "induction_interval_days": 7,  # unchanged: not recorded
        },
    )
    assert changed == [
        "max_reminders",
        "reminder_interval_hours",
        "instrument_min_interval_days",
    ]
    stored = MeasurementSettings.objects.get(organization=cast.org)
    assert (stored.max_reminders, stored.reminder_interval_hours) == (1, 48)
    assert stored.min_interval_days("phq9") == 7 and stored.updated_by == cast.admin
    event = AuditEvent.objects.get(object_type="measurement_settings", action="update")
    assert event.actor == cast.admin and event.object_id == str(stored.pk)
    assert event.detail == {
        "fields": changed,
        "before": {
            "max_reminders": 3,
            "reminder_interval_hours": 24,
            "instrument_min_interval_days": "",
        },
        "after": {
            "max_reminders": 1,
            "reminder_interval_hours": 48,
            "instrument_min_interval_days": "phq9:7",
        },
    }


def test_a_physicians_clinical_change_applies_and_names_the_signer(cast) -> None:
    changed = services.measurement_settings_update(
        organization=cast.org,
        actor=cast.physician,
        data={"phq9_item9_alert_at_least": 2, "max_reminders": 2},
    )
    assert changed == ["phq9_item9_alert_at_least", "max_reminders"]
    stored = selectors.measurement_settings_for(organization=cast.org)
    assert stored.instrument_params("phq9") == {"item9_alert_at_least": 2}
    event = AuditEvent.objects.get(object_type="measurement_settings", action="update")
    assert event.detail["before"] == {"phq9_item9_alert_at_least": 1, "max_reminders": 3}
    assert event.detail["after"] == {"phq9_item9_alert_at_least": 2, "max_reminders": 2}
    assert event.detail["clinical_fields"] == ["phq9_item9_alert_at_least"]
    assert event.detail["signed_by"] == cast.physician.pk


def test_only_physicians_and_clinic_admins_edit_their_own_clinics_settings(cast) -> None:
    for user in (cast.nurse, cast.provider, cast.frontdesk, cast.patient_user):
        with pytest.raises(PermissionDenied):
            services.measurement_settings_update(
                organization=cast.org, actor=user, data={"max_reminders": 1}
            )
    with pytest.raises(PermissionDenied):
        services.measurement_settings_update(
            organization=cast.org, actor=cast.outsider, data={"max_reminders": 1}
        )
    assert not MeasurementSettings.objects.filter(organization=cast.org).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"phq9_item9_alert_at_least": 0}, "phq9_item9_alert_at_least"),
        ({"phq9_item9_alert_at_least": 4}, "phq9_item9_alert_at_least"),
        ({"instrument_min_interval_days": "phq9:91"}, "instrument_min_interval_days"),
        ({"instrument_min_interval_days": "nope:7"}, "instrument_min_interval_days"),
        ({"scheduled_instruments": "phq9,madrs"}, "scheduled_instruments"),
        ({"checkin_local_hour": 24}, "checkin_local_hour"),
    ],
)
def test_a_value_out_of_range_is_refused_naming_its_field(cast, data, field) -> None:
    with pytest.raises(ValidationError) as raised:
        services.measurement_settings_update(organization=cast.org, actor=cast.physician, data=data)
    assert field in raised.value.message_dict
    assert not AuditEvent.objects.filter(object_type="measurement_settings").exists()


def test_a_name_that_is_not_a_setting_is_refused(cast) -> None:
    with pytest.raises(ValueError, match="Not measurement settings"):
        services.measurement_settings_update(
            organization=cast.org, actor=cast.physician, data={"organization_id": 2}
        )


def test_nothing_changed_writes_nothing(cast) -> None:
    assert (
        services.measurement_settings_update(
            organization=cast.org, actor=cast.admin, data={"max_reminders": 3}
        )
        == []
    )
    assert not AuditEvent.objects.filter(object_type="measurement_settings").exists()


def test_the_django_admin_shows_the_settings_read_only(client, cast) -> None:
    superuser = User.objects.create_superuser("root@test.example", "x-Very-long-pass-1")
    row = services.measurement_settings_ensure(organization=cast.org)
    client.force_login(superuser)
    url = reverse("admin:measurements_measurementsettings_change", args=[row.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Suicidality safety" in html and 'name="phq9_item9_alert_at_least"' not in html
    assert client.post(url, {"phq9_item9_alert_at_least": 3}).status_code == 403
    assert selectors.measurement_settings_for(organization=cast.org).phq9_item9_alert_at_least == 1
