from __future__ import annotations

import csv
import io

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from infusionist.audit.models import AppendOnlyError, AuditEvent
from infusionist.audit.services import audit_record


def test_audit_events_cannot_be_changed_or_removed_through_the_orm(cast) -> None:
    event = audit_record(
        action="view", actor=cast.nurse, object_type="patient", patient=cast.patient
    )
    event.action = "delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_postgres_trigger_rejects_update_and_delete(cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the model guard")
    event = audit_record(action="view", actor=cast.nurse, object_type="patient")
    for sql in (
        "UPDATE audit_auditevent SET action = 'delete' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_sign_in_and_failed_sign_in_are_audited(client, cast) -> None:
    from infusionist.test import PASSWORD

    client.post(reverse("account_login"), {"login": "frontdesk@test.example", "password": "no"})
    client.post(reverse("account_login"), {"login": "frontdesk@test.example", "password": PASSWORD})
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.outcome == "denied" and failed.detail == {"email": "frontdesk@test.example"}
    assert AuditEvent.objects.filter(action="login", actor=cast.frontdesk).count() == 1


def test_admin_report_filters_by_user_patient_and_date(client, cast) -> None:
    audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    audit_record(
        action="view", actor=cast.frontdesk, object_type="patient", patient=cast.other_patient
    )
    audit_record(
        action="view", actor=cast.outsider, object_type="patient", patient=cast.outsider_patient
    )
    client.force_login(cast.admin)
    page = client.get(reverse("audit:report"), {"actor": cast.nurse.pk}).content.decode()
    assert cast.patient.mrn in page and cast.other_patient.mrn not in page
    posted = client.post(reverse("audit:report"), {"patient_mrn": cast.other_patient.mrn.lower()})
    assert posted.status_code == 302 and cast.other_patient.mrn not in posted["Location"]
    assert f"patient={cast.other_patient.pk}" in posted["Location"]
    page = client.get(posted["Location"]).content.decode()
    assert f"Showing events for patient {cast.other_patient.mrn}" in page
    assert cast.patient.mrn not in page.split("Showing events")[1]
    unknown = client.post(reverse("audit:report"), {"patient_mrn": cast.outsider_patient.mrn})
    assert "No patient with MRN OTC000001 in this clinic." in unknown.content.decode()
    # Another clinic's patient id in the URL shows nothing of theirs.
    page = client.get(reverse("audit:report"), {"patient": cast.outsider_patient.pk})
    assert cast.outsider_patient.mrn not in page.content.decode()
    assert cast.outsider_patient.mrn not in client.get(reverse("audit:report")).content.decode()
    page = client.get(reverse("audit:report"), {"date_from": "2001-01-01", "date_to": "2001-01-02"})
    assert "No events match these filters." in page.content.decode()


def test_report_rejects_an_inverted_date_range_with_a_message(client, cast) -> None:
    client.force_login(cast.admin)
    response = client.get(
        reverse("audit:report"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_csv_export_has_every_column_and_is_itself_audited(client, cast) -> None:
    audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    audit_record(action="view", actor=cast.nurse, object_type="=cmd|calc", patient=cast.patient)
    client.force_login(cast.admin)
    response = client.get(reverse("audit:export"), {"actor": cast.nurse.pk})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["occurred_at_utc", "user_email", "role", "action"]
    assert {r[6] for r in rows[1:]} == {cast.patient.mrn}
    assert any(r[4] == "'=cmd|calc" for r in rows[1:]), "formulas are neutralised"
    assert AuditEvent.objects.filter(action="export", actor=cast.admin).exists()


def test_report_page_query_count_is_constant(client, cast, django_assert_max_num_queries) -> None:
    for _ in range(60):
        audit_record(action="view", actor=cast.nurse, object_type="patient", patient=cast.patient)
    client.force_login(cast.admin)
    client.get(reverse("audit:report"))
    # session, user, actors for the filter, count, page with patients, session save
    with django_assert_max_num_queries(8):
        assert client.get(reverse("audit:report")).status_code == 200
