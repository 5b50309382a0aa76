from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.integrity import AppendOnlyError


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
