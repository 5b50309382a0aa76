"""The audit report speaks in words (findings, roles, patients by MRN), time zones are named as
people say them, and a ZIP code from another state is refused beside the field."""

from __future__ import annotations

import pytest

from infusionist.administration.selectors import audit_row, code_words, value_text
from infusionist.audit.models import AuditEvent
from infusionist.contact import time_zone_name, zip_state_mismatch


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("too_many_sessions_in_7_days", "Too many sessions in 7 days"),
        ("course_longer_than_limit", "Course longer than the limit"),
        ("nurse", "Nurse"),
        ("clinic_admin", "Clinic admin"),
        ("some_new_code", "Some new code"),
    ],
)
def test_codes_read_as_words(code, words) -> None:
    assert code_words(code).lower() == words.lower()


def test_an_override_note_names_the_findings_in_words() -> None:
    text = value_text(
        {"findings": ["too_many_sessions_in_7_days", "course_longer_than_limit"], "reason": "ok"},
        name="override",
    )
    assert "too_many" not in text and "course_longer" not in text
    assert "Too many sessions in 7 days" in text
    assert text.startswith("Findings: ")


def test_a_role_in_a_change_reads_as_its_label() -> None:
    event = AuditEvent(
        action=AuditEvent.Action.CREATE,
        object_type=AuditEvent.ObjectType.INVITATION
        if hasattr(AuditEvent.ObjectType, "INVITATION")
        else AuditEvent.ObjectType.USER,
        object_id="5",
        detail={"after": {"role": "nurse"}, "before": {}},
    )
    row = audit_row(event)
    assert [c.after for c in row.changes] == ["Nurse"]


@pytest.mark.django_db
def test_a_patient_record_is_named_by_mrn(cast) -> None:
    event = AuditEvent(
        action=AuditEvent.Action.VIEW,
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=str(cast.patient.pk),
        patient=cast.patient,
    )
    assert audit_row(event).record.endswith(cast.patient.mrn)
    assert f"#{cast.patient.pk}" not in audit_row(event).record


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("America/Los_Angeles", "Pacific Time (Los Angeles)"),
        ("America/New_York", "Eastern Time (New York)"),
        ("America/Phoenix", "Mountain Time, no daylight saving (Phoenix)"),
        ("Europe/Lisbon", "Lisbon time"),
    ],
)
def test_time_zones_are_named_in_words(zone, name) -> None:
    assert time_zone_name(zone) == name


def test_location_pages_show_the_zone_in_words(client, cast) -> None:
    from django.urls import reverse

    cast.location.time_zone = "America/Los_Angeles"
    cast.location.save()
    client.force_login(cast.admin)
    for url in (
        reverse("administration:locations"),
        reverse("administration:location_detail", args=[cast.location.pk]),
        reverse("administration:location_hours", args=[cast.location.pk]),
    ):
        html = client.get(url).content.decode()
        assert "Pacific Time (Los Angeles)" in html, url
        assert "America/Los_Angeles" not in html.replace('value="America/Los_Angeles"', ""), url


@pytest.mark.parametrize(
    ("state", "zip_code", "refused"),
    [
        ("FL", "97402", True),  # the reviewer's: Oregon's ZIP with Florida
        ("OR", "97402", False),
        ("NY", "10001", False),
        ("CA", "10001", True),
        ("TX", "88501", False),  # El Paso
        ("CT", "06390", False),  # shared prefix
        ("NY", "06390", False),
        ("MA", "02108-1234", False),
        ("GA", "39901", False),
        ("WA", "33101", True),
        ("", "97402", False),
        ("FL", "", False),
    ],
)
def test_a_zip_code_from_another_state_is_refused(state, zip_code, refused) -> None:
    message = zip_state_mismatch(state, zip_code)
    assert bool(message) == refused
    if refused:
        assert zip_code[:3] in message


def test_the_location_form_refuses_the_mismatch_beside_the_field(client, cast) -> None:
    from django.urls import reverse

    from infusionist.administration.forms import LocationForm

    form = LocationForm(instance=cast.location)
    data = {k: form.initial.get(k) or "" for k in form.fields}
    data.update(state="FL", postal_code="97402", time_zone="America/New_York")
    client.force_login(cast.admin)
    response = client.post(reverse("administration:location_edit", args=[cast.location.pk]), data)
    html = response.content.decode()
    assert "ZIP codes starting 974 are in Oregon, not Florida" in html
    assert "97402" in html
