"""The clinic admin's audit report and its CSV export, and the locations page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record


def test_admin_report_filters_by_user_patient_and_date(client, cast) -> None:
    audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    audit_record(
        action="view", actor=cast.frontdesk, object_type="patient", patient=cast.other_patient
    )
    audit_record(
        action="view", actor=cast.outsider, object_type="patient", patient=cast.outsider_patient
    )
    client.force_login(cast.admin)
    page = client.get(
        reverse("administration:audit_report"), {"actor": cast.nurse.pk}
    ).content.decode()
    assert cast.patient.mrn in page and cast.other_patient.mrn not in page
    posted = client.post(
        reverse("administration:audit_report"), {"patient_mrn": cast.other_patient.mrn.lower()}
    )
    assert posted.status_code == 302 and cast.other_patient.mrn not in posted["Location"]
    assert f"patient={cast.other_patient.pk}" in posted["Location"]
    page = client.get(posted["Location"]).content.decode()
    assert f"Showing events for patient {cast.other_patient.mrn}" in page
    assert cast.patient.mrn not in page.split("Showing events")[1]
    unknown = client.post(
        reverse("administration:audit_report"), {"patient_mrn": cast.outsider_patient.mrn}
    )
    assert "No patient with MRN OTC000001 in this clinic." in unknown.content.decode()
    # Another clinic's patient id in the URL shows nothing of theirs.
    page = client.get(reverse("administration:audit_report"), {"patient": cast.outsider_patient.pk})
    assert cast.outsider_patient.mrn not in page.content.decode()
    assert (
        cast.outsider_patient.mrn
        not in client.get(reverse("administration:audit_report")).content.decode()
    )
    page = client.get(
        reverse("administration:audit_report"), {"date_from": "2001-01-01", "date_to": "2001-01-02"}
    )
    assert "No events match these filters." in page.content.decode()


def test_report_rejects_an_inverted_date_range_with_a_message(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.get(
        reverse("administration:audit_report"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_csv_export_has_every_column_and_is_itself_audited(client, cast) -> None:
    audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    audit_record(
        action="view",
        actor=cast.nurse,
        object_type="patient",
        patient=cast.patient,
        context=AuditContext(user_agent="=cmd|calc"),
    )
    client.force_login(cast.admin)
    response = client.get(reverse("administration:audit_export"), {"actor": cast.nurse.pk})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["occurred_at_utc", "user_email", "role", "action"]
    assert {r[6] for r in rows[1:]} == {cast.patient.mrn}
    assert any(r[9] == "'=cmd|calc" for r in rows[1:]), "formulas are neutralised"
    assert AuditEvent.objects.filter(action="export", actor=cast.admin).exists()


@pytest.mark.parametrize("events", [5, 60])
def test_report_page_query_count_is_constant(
    client, cast, events, django_assert_num_queries
) -> None:
    for _ in range(events):
        audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    client.force_login(cast.admin)
    client.get(reverse("administration:audit_report"))
    # 1 session, 2 user (+organization), 3 count, 4 page of events (+patient), 5 the staff
    # accounts the events name (the test clinic's staff were created with events), 6 view
    # events naming the patients shown, 7 users for the filter, 8 savepoint, 9 session save,
    # 10 release savepoint
    with django_assert_num_queries(10):
        assert client.get(reverse("administration:audit_report")).status_code == 200


def test_locations_page_shows_hours(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("administration:locations")).content.decode()
    assert "Monday" in html and "9:00 AM" in html and "Pacific Time (Los Angeles)" in html
