"""Administered doses: recorded once per reference, audited, summed on the plan page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.treatment import services
from infusionist.treatment.models import AdministeredDose


def record(cast, *, reference="visit 1", dose="35", days_ago=0, route="iv"):
    return services.administered_dose_record(
        patient=cast.patient,
        given_at=timezone.now() - dt.timedelta(days=days_ago),
        dose_mg=Decimal(dose),
        route=route,
        reference=reference,
    )


def test_a_dose_is_recorded_once_per_reference_and_audited(cast) -> None:
    moment = timezone.now().replace(microsecond=0)
    first = services.administered_dose_record(
        patient=cast.patient, given_at=moment, dose_mg="35", route="iv", reference="visit 7"
    )
    again = services.administered_dose_record(
        patient=cast.patient, given_at=moment, dose_mg=35, route="iv", reference="visit 7"
    )
    assert first.pk == again.pk
    assert AdministeredDose.objects.count() == 1
    assert first.organization_id == cast.org.pk
    events = AuditEvent.objects.filter(object_type="administered_dose")
    assert [e.action for e in events] == ["create"]
    assert events[0].detail["reference"] == "visit 7"
    assert events[0].patient_id == cast.patient.pk


def test_a_corrected_dose_updates_the_row_with_old_and_new_values(cast) -> None:
    moment = timezone.now()
    row = services.administered_dose_record(
        patient=cast.patient, given_at=moment, dose_mg="35", route="iv", reference="visit 7"
    )
    services.administered_dose_record(
        patient=cast.patient, given_at=moment, dose_mg="30.5", route="iv", reference="visit 7"
    )
    row.refresh_from_db()
    assert row.dose_mg == Decimal("30.50")
    update = AuditEvent.objects.get(object_type="administered_dose", action="update")
    assert update.detail["before"]["dose_mg"] == "35.00"
    assert update.detail["after"]["dose_mg"] == "30.50"


def test_it_refuses_a_naive_time_a_negative_dose_and_an_unknown_route(cast) -> None:
    with pytest.raises(ValidationError):
        services.administered_dose_record(
            patient=cast.patient,
            given_at=dt.datetime(2026, 1, 5, 10, 0),  # noqa: DTZ001 - the point of the test
            dose_mg="35",
            route="iv",
            reference="visit 1",
        )
    with pytest.raises(ValidationError):
        record(cast, dose="-1")
    with pytest.raises(ValidationError):
        record(cast, route="oral")
    assert not AdministeredDose.objects.exists()


def test_plan_page_shows_the_administered_exposure_beside_the_planned(client, cast, signed) -> None:
    record(cast, reference="visit 1", dose="35", days_ago=9)
    record(cast, reference="visit 2", dose="35", days_ago=5)
    record(cast, reference="visit 3", dose="40", days_ago=2)
    client.force_login(cast.nurse)
    response = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk]))
    assert response.status_code == 200
    administered = response.context["checks"]["administered"]
    assert administered["total_mg"] == 110.0
    # The largest 7-day total holds the last two doses; 30 days holds all three.
    assert administered["peak"][7].total_mg == 75.0
    assert administered["peak"][7].sessions == 2
    assert administered["peak"][30].total_mg == 110.0
    # All three were given after the order was signed (today) or before its first session.
    assert administered["sessions_planned"] == 6
    html = response.content.decode()
    assert "Administered exposure" in html
    assert "110 mg in all" in html
    assert "3 doses given" in html


def test_plan_page_says_when_no_dose_was_given(client, cast, signed) -> None:
    client.force_login(cast.physician)
    html = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk])).content.decode()
    assert "No dose has been given yet." in html
    assert "0 of 6 planned sessions given" in html


def test_sessions_given_count_only_doses_under_the_version(client, cast, signed) -> None:
    record(cast, reference="visit 1", days_ago=400)  # long before this order
    record(cast, reference="visit 2", days_ago=0)
    client.force_login(cast.nurse)
    response = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk]))
    administered = response.context["checks"]["administered"]
    assert administered["sessions_given"] == 1
    assert len(administered["doses"]) == 2
    assert "1 of 6 planned sessions given" in response.content.decode()


def test_another_clinics_doses_never_show(client, cast, signed) -> None:
    services.administered_dose_record(
        patient=cast.outsider_patient,
        given_at=timezone.now(),
        dose_mg="35",
        route="iv",
        reference="visit 1",
    )
    client.force_login(cast.nurse)
    response = client.get(reverse("treatment:plan_detail", args=[cast.patient.pk]))
    assert response.context["checks"]["administered"]["doses"] == []
