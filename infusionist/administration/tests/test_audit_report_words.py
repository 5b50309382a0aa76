"""The audit report says what happened, with old and new values, on the page and in the CSV.

Review round 1, finding 17: the report lacked before/after values, logged a signature as
"Changed", and its user filter mixed patients and staff unsorted.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.administration import services as admin_services
from infusionist.administration.selectors import audit_action_label, audit_row
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.test import PASSWORD
from infusionist.treatment import services as treatment_services
from infusionist.treatment.selectors import dosing_settings_for
from infusionist.treatment.tests.conftest import plan_spec


def _csv(client, **filters) -> list[dict[str, str]]:
    response = client.get(reverse("administration:audit_export"), filters)
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _report(client, **filters) -> str:
    return client.get(reverse("administration:audit_report"), filters).content.decode()


@pytest.fixture
def signed_plan(cast):
    treatment_services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocol = cast.org.protocols.get(key="depression-iv-induction")
    draft = treatment_services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(protocol)
    )
    return treatment_services.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )


def test_a_signed_plan_reads_signed_on_the_page_and_in_the_csv(client, cast, signed_plan) -> None:
    event = AuditEvent.objects.get(
        object_type="treatment_plan_version", object_id=str(signed_plan.pk), detail__status="signed"
    )
    assert audit_action_label(event) == "Signed"
    client.force_login(cast.admin)
    page = _report(client, actor=cast.physician.pk)
    assert '<td data-label="What happened">Signed</td>' in page
    rows = _csv(client, actor=cast.physician.pk)
    signed_rows = [
        r for r in rows if r["object_id"] == str(signed_plan.pk) and r["action"] == "update"
    ]
    assert signed_rows and {r["what_happened"] for r in signed_rows} == {"Signed"}


def test_a_wrong_signing_password_reads_signing_refused(cast, signed_plan) -> None:
    draft = treatment_services.plan_version_draft_save(
        patient=cast.other_patient,
        actor=cast.provider,
        spec=plan_spec(cast.org.protocols.get(key="depression-iv-induction")),
    )
    with pytest.raises(treatment_services.SigningError):
        treatment_services.plan_version_sign(
            version=draft, signer=cast.physician, password="wrong", attested=True
        )
    event = AuditEvent.objects.get(outcome="denied", object_id=str(draft.pk))
    assert audit_action_label(event) == "Signing refused (wrong password)"


def test_a_physicians_change_of_a_clinical_setting_is_signed_with_old_and_new_values(
    client, cast
) -> None:
    settings_row = dosing_settings_for(organization=cast.org)
    field = treatment_services.CLINICAL_SETTINGS_FIELDS[0]
    old = getattr(settings_row, field)
    new = old + 1 if isinstance(old, int) else old * 2
    treatment_services.dosing_settings_update(
        organization=cast.org, actor=cast.physician, data={field: new}
    )
    event = AuditEvent.objects.get(object_type="dosing_settings", action="update")
    row = audit_row(event)
    assert row.what == "Signed"
    assert [(c.before, c.after) for c in row.changes] == [(str(old), str(new))]
    label = row.changes[0].label
    assert "_" not in label and label[0].isupper()
    client.force_login(cast.admin)
    page = _report(client)
    assert f"<strong>{label}</strong>: <del>{old}</del> → <ins>{new}</ins>" in page
    csv_row = next(r for r in _csv(client) if r["object_type"] == "dosing_settings")
    assert csv_row["what_happened"] == "Signed" and csv_row["fields_changed"] == label
    assert json.loads(csv_row["before"]) == {label: str(old)}
    assert json.loads(csv_row["after"]) == {label: str(new)}


def test_a_location_change_shows_readable_labels_and_values(client, cast) -> None:
    admin_services.staffing_update(
        location=cast.location,
        actor=cast.admin,
        data={"chairs_per_nurse": 3, "physician_availability": "on_call"},
    )
    client.force_login(cast.admin)
    response = client.post(
        reverse("administration:location_edit", args=[cast.location.pk]),
        {
            "name": "Main",
            "address_line1": "1 Test Street",
            "address_line2": "Suite 4",
            "city": "Testville",
            "state": "OR",
            "postal_code": "97401",
            "phone": "(541) 555-0188",
            "fax": "",
            "time_zone": "America/Los_Angeles",
            "is_primary": "on",
        },
    )
    assert response.status_code == 302
    page = _report(client)
    assert (
        "<strong>Chairs one nurse may monitor at once</strong>: <del>2</del> → <ins>3</ins>" in page
    )
    assert (
        "<strong>Physician availability</strong>: <del>A physician or prescriber is on site "
        "during treatment</del> → <ins>A physician answers by phone within the set minutes</ins>"
    ) in page
    assert "<strong>Address line 2</strong>: <del>—</del> → <ins>Suite 4</ins>" in page
    assert "<strong>Phone</strong>: <del>(541) 555-0199</del> → <ins>(541) 555-0188</ins>" in page


def test_a_patient_change_names_the_fields_without_their_values(client, cast) -> None:
    from infusionist.patients.services import patient_update

    patient_update(patient=cast.patient, actor=cast.frontdesk, data={"pronouns": "they/them"})
    client.force_login(cast.admin)
    page = _report(client, patient=cast.patient.pk)
    assert "Fields changed (values are patient data and not stored):" in page
    assert "Pronouns" in page and "they/them" not in page


@pytest.mark.parametrize(
    ("action", "detail", "outcome", "said"),
    [
        ("update", {"status": "signed", "version": 1}, "allowed", "Signed"),
        (
            "update",
            {"fields": ["x"], "clinical_fields": ["x"], "signed_by": 1},
            "allowed",
            "Signed",
        ),
        ("update", {"proposal": 1, "status": "rejected", "note": "No"}, "allowed", "Rejected"),
        ("create", {"proposal": 1, "status": "pending"}, "allowed", "Proposed"),
        ("update", {"status": "acknowledged"}, "allowed", "Acknowledged"),
        ("update", {"status": "closed", "risk_assessment": 3}, "allowed", "Closed"),
        ("update", {"status": "cancelled", "reason": "paused"}, "allowed", "Cancelled"),
        (
            "update",
            {"version": 1, "reason": "password"},
            "denied",
            "Signing refused (wrong password)",
        ),
        ("update", {"fields": ["name"]}, "allowed", "Changed"),
        ("create", {"version": 1, "status": "draft"}, "allowed", "Created"),
        ("delete", {}, "allowed", "Deleted"),
        ("view", {}, "allowed", "Viewed"),
        ("login", {}, "allowed", "Signed in"),
        ("logout", {}, "allowed", "Signed out"),
        ("login_failed", {"email": "x@test.example"}, "denied", "Failed sign-in"),
        ("update", "not a dict", "allowed", "Changed"),
    ],
)
def test_each_kind_of_event_says_what_happened(
    cast, action: str, detail, outcome: str, said: str
) -> None:
    event = AuditEvent(
        action=action, object_type="protocol", outcome=outcome, detail=detail, actor=cast.admin
    )
    assert audit_action_label(event) == said


def test_odd_stored_details_never_break_the_row(cast) -> None:
    for detail in (
        {"before": "x", "after": None},
        {"before": {"a": [1, {"b": None}]}, "after": {"a": True}},
        {"fields": [1, None, "name"], "before": {}, "after": {"name": "N"}},
        {"fields": "name"},
        {"before": {"unknown_field_mg": 1}, "after": {"unknown_field_mg": 2}},
    ):
        row = audit_row(AuditEvent(action="update", object_type="chair", detail=detail))
        assert isinstance(row.what, str)
    row = audit_row(
        AuditEvent(
            action="update",
            object_type="chair",
            detail={"before": {"max_dose_mg": 1}, "after": {"max_dose_mg": 2}},
        )
    )
    assert row.changes[0].label == "Max dose (mg)"


def test_the_user_filter_lists_staff_only_sorted_by_name(client, cast) -> None:
    User.objects.create_user(
        "aaron@test.example",
        PASSWORD,
        role=Role.NURSE,
        organization=cast.org,
        full_name="Aaron Zed",
    )
    client.force_login(cast.admin)
    page = _report(client)
    select = page.split('name="actor"')[1].split("</select>")[0]
    assert cast.patient_user.email not in select and "Testpatient" not in select
    assert cast.outsider.full_name not in select
    names = [
        u.full_name for u in User.objects.filter(organization=cast.org).exclude(role=Role.PATIENT)
    ]
    positions = [select.index(name) for name in sorted(names, key=str.lower)]
    assert positions == sorted(positions), "staff are listed by name"
    assert "Aaron Zed (Nurse)" in select
    # A patient's id typed into the URL is refused beside the field, not shown.
    refused = _report(client, actor=cast.patient_user.pk)
    assert "Select a valid choice" in refused


@pytest.mark.parametrize("events", [5, 60])
def test_report_with_changes_keeps_its_query_count(
    client, cast, events, django_assert_num_queries
) -> None:
    for n in range(events):
        audit_record(
            action="update",
            actor=cast.admin,
            object_type="location_staffing",
            object_id=cast.location.pk,
            detail={
                "fields": ["chairs_per_nurse", "physician_availability"],
                "before": {"chairs_per_nurse": n, "physician_availability": "on_site"},
                "after": {"chairs_per_nurse": n + 1, "physician_availability": "on_call"},
            },
        )
        audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    client.force_login(cast.admin)
    client.get(reverse("administration:audit_report"))
    # 1 session, 2 user (+organization), 3 count, 4 page of events (+patient, +actor), 5 the
    # staff accounts the events name (the test clinic's staff were created with events),
    # 6 view events naming the patients shown, 7 staff for the filter, 8 savepoint, 9 session
    # save, 10 release savepoint
    with django_assert_num_queries(10):
        assert client.get(reverse("administration:audit_report")).status_code == 200


def test_the_report_names_accounts_and_pages_as_people_know_them(
    client, cast, django_assert_num_queries
) -> None:
    from infusionist.audit.services import audit_record

    audit_record(action="update", actor=cast.admin, object_type="user", object_id=cast.nurse.pk)
    audit_record(
        action="view", actor=cast.nurse, object_type="view", object_id="measurements:alerts"
    )
    audit_record(action="view", actor=cast.nurse, object_type="view", object_id="gone:page")
    client.force_login(cast.admin)
    html = client.get(reverse("administration:audit_report")).content.decode()
    assert "User account: Nell Nurse" in html and f"User account #{cast.nurse.pk}" not in html
    assert "Page /measurements/alerts/" in html and "Page #measurements:alerts" not in html
    assert "Page gone:page" in html
