from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.measurements import services as measurements
from infusionist.measurements.models import Assignment
from infusionist.patients.services import patient_create
from infusionist.test import PASSWORD, TEST_CLINIC_TIME_ZONE, clinic_today
from infusionist.treatment import selectors, services
from infusionist.treatment.models import Protocol, SignedVersionError, TreatmentPlanVersion
from infusionist.treatment.tests.conftest import form_data, plan_spec


def detail_url(patient) -> str:
    return reverse("treatment:plan_detail", args=[patient.pk])


def draft_url(patient) -> str:
    return reverse("treatment:plan_draft", args=[patient.pk])


def discard_url(patient) -> str:
    return reverse("treatment:plan_draft_discard", args=[patient.pk])


def sign_url(patient) -> str:
    return reverse("treatment:plan_sign", args=[patient.pk])


def test_provider_drafts_and_physician_signs_after_reentering_the_password(
    client, cast, depression
) -> None:
    client.force_login(cast.provider)
    response = client.post(draft_url(cast.patient), form_data(depression))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = TreatmentPlanVersion.objects.get(patient=cast.patient)
    assert (draft.number, draft.status, draft.session_dose_mg) == (1, "draft", Decimal("35.00"))
    assert draft.weight_formula == "actual weight 70 kg" and draft.dosing_weight_kg == 70
    assert selectors.current_plan_version(patient=cast.patient) is None

    client.force_login(cast.physician)
    page = client.get(sign_url(cast.patient)).content.decode()
    assert "155.3 mL/h" in page and "Sign version 1" in page
    wrong = client.post(sign_url(cast.patient), {"password": "not-it", "attest": "on"})
    assert wrong.status_code == 200 and "The password is not correct" in wrong.content.decode()
    assert AuditEvent.objects.filter(
        actor=cast.physician, outcome="denied", detail__reason="password"
    ).exists()
    response = client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"})
    assert response.status_code == 302

    signed = selectors.current_plan_version(patient=cast.patient)
    assert signed is not None and signed.pk == draft.pk and signed.phase == "induction"
    assert signed.signed_by == cast.physician and signed.signed_at is not None
    assert signed.content_sha256 == services.plan_version_content_sha256(signed)
    assert len(signed.content_sha256) == 64
    html = client.get(detail_url(cast.patient)).content.decode()
    assert "Current signed order" in html and "content matches" in html


def test_signing_needs_the_attestation(client, cast, draft) -> None:
    client.force_login(cast.physician)
    response = client.post(sign_url(cast.patient), {"password": PASSWORD})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    with pytest.raises(services.SigningError, match="attestation"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=False
        )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_repeated_wrong_passwords_lock_signing(cast, draft) -> None:
    for _ in range(services.SIGN_FAILURES_ALLOWED):
        with pytest.raises(services.SigningError, match="not correct"):
            services.plan_version_sign(
                version=draft, signer=cast.physician, password="x", attested=True
            )
    with pytest.raises(services.SigningError, match="locked"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )


def test_only_physicians_sign_providers_may_draft(client, cast, draft) -> None:
    with pytest.raises(PermissionDenied):
        services.plan_version_sign(
            version=draft, signer=cast.provider, password=PASSWORD, attested=True
        )
    client.force_login(cast.provider)
    assert (
        client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"}).status_code
        == 403
    )
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_signed_version_never_changes_and_changes_make_a_new_version(
    cast, depression, signed
) -> None:
    stored_hash = signed.content_sha256
    signed.rationale = "tamper"
    with pytest.raises(SignedVersionError):
        signed.save()
    with pytest.raises(SignedVersionError):
        signed.delete()
    with pytest.raises(SignedVersionError):
        services.plan_version_draft_discard(version=signed, actor=cast.physician)

    revised = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.physician,
        spec=plan_spec(depression, dose_mg_per_kg=Decimal("0.75"), rationale="Partial response."),
    )
    assert revised.number == 2 and revised.status == "draft"
    assert selectors.current_plan_version(patient=cast.patient).number == 1
    services.plan_version_sign(
        version=revised, signer=cast.physician, password=PASSWORD, attested=True
    )
    current = selectors.current_plan_version(patient=cast.patient)
    assert (current.number, current.session_dose_mg) == (2, Decimal("52.50"))
    first = TreatmentPlanVersion.objects.get(pk=signed.pk)
    assert first.content_sha256 == stored_hash and first.rationale == ""
    assert services.plan_version_content_sha256(first) == stored_hash


def test_a_second_draft_save_edits_the_same_draft(cast, depression, draft) -> None:
    again = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(depression, weight_kg=Decimal("80")),
    )
    assert again.pk == draft.pk and again.session_dose_mg == Decimal("40.00")
    assert TreatmentPlanVersion.objects.filter(patient=cast.patient).count() == 1


@pytest.mark.django_db
def test_postgres_trigger_rejects_update_and_delete_of_signed_versions(cast, signed) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the immutability trigger is PostgreSQL's; SQLite relies on the model guard")
    for sql in (
        "UPDATE treatment_treatmentplanversion SET session_dose_mg = 1 WHERE id = %s",
        "DELETE FROM treatment_treatmentplanversion WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="immutable"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [signed.pk])
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        TreatmentPlanVersion.objects.filter(pk=signed.pk).update(rationale="x")
    assert TreatmentPlanVersion.objects.get(pk=signed.pk).session_dose_mg == Decimal("35.00")


@pytest.mark.django_db
def test_postgres_trigger_lets_drafts_change(cast, draft) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL trigger")
    TreatmentPlanVersion.objects.filter(pk=draft.pk).update(rationale="still a draft")
    assert TreatmentPlanVersion.objects.get(pk=draft.pk).rationale == "still a draft"


def test_protocol_changed_after_drafting_blocks_signing(cast, depression, draft) -> None:
    services.protocol_update(
        protocol=depression, actor=cast.physician, data={"observation_min": 150}
    )
    with pytest.raises(services.SigningError, match="protocol was changed"):
        services.plan_version_sign(
            version=draft, signer=cast.physician, password=PASSWORD, attested=True
        )


def test_nurse_reads_the_plan_but_can_never_draft_sign_or_discard(
    client, cast, depression, signed
) -> None:
    services.plan_version_draft_save(
        patient=cast.patient, actor=cast.provider, spec=plan_spec(depression, rationale="v2")
    )
    client.force_login(cast.nurse)
    html = client.get(detail_url(cast.patient)).content.decode()
    assert "Current signed order" in html and "35 mg" in html
    assert "Revise plan" not in html and "Edit draft" not in html and "Review and sign" not in html
    assert client.get(draft_url(cast.patient)).status_code == 403
    assert client.post(draft_url(cast.patient), form_data(depression)).status_code == 403
    assert client.post(discard_url(cast.patient)).status_code == 403
    assert (
        client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"}).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.plan_version_draft_save(
            patient=cast.patient, actor=cast.nurse, spec=plan_spec(depression)
        )
    assert [v.status for v in selectors.plan_versions(patient=cast.patient)] == ["draft", "signed"]
    assert AuditEvent.objects.filter(actor=cast.nurse, outcome="denied").count() == 4


def test_another_organizations_clinician_gets_404(client, cast, signed) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    from infusionist.test import TOTP_SECRET

    other = User.objects.create_user(
        "otherdoc@other.example", PASSWORD, role="physician", organization=cast.other_org
    )
    TOTP.activate(other, TOTP_SECRET)
    client.force_login(other)
    for url in (detail_url(cast.patient), draft_url(cast.patient), sign_url(cast.patient)):
        assert client.get(url).status_code == 404
    assert (
        client.post(sign_url(cast.patient), {"password": PASSWORD, "attest": "on"}).status_code
        == 404
    )
    client.force_login(cast.physician)
    assert client.get(detail_url(cast.outsider_patient)).status_code == 404
    other_protocol = selectors.protocols_for_organization(organization=cast.other_org).first()
    url = reverse("treatment:plan_draft_from_protocol", args=[cast.patient.pk, other_protocol.pk])
    assert client.get(url).status_code == 404


def test_hard_stop_in_the_plan_form_is_shown_and_keeps_what_was_typed(
    client, cast, depression
) -> None:
    client.force_login(cast.physician)
    response = client.post(
        draft_url(cast.patient),
        form_data(depression, dose_mg_per_kg=Decimal("1.5"), rationale="Zz"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hard stop" in html
    assert f"above the maximum of protocol “{depression.name}” of 1 mg/kg" in html
    assert 'value="1.5"' in html and "Zz</textarea>" in html
    assert not TreatmentPlanVersion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_kg", "7\x000", "Weight must be a number in kg"),
        ("rationale", "a\x00b", "Null characters are not allowed"),
        ("weight_kg", "1e999", "must be at most 500"),
        ("weight_kg", "NaN", "Weight must be a number in kg"),
        ("weight_kg", "700", "must be at most 500"),
        ("weight_kg", "250.5", "outside the plausible range"),
        ("dose_mg_per_kg", "99999999999999", "Dose must be at most 100 mg/kg"),
        ("rationale", "x" * 5000, "no more than 2000 characters"),
        ("planned_start_date", "2026-02-30", "Enter a valid date"),
        ("sessions_per_week", "-3", "must be at least 0.1"),
        ("vial_mg_per_ml", "20", "Select a valid choice"),
        ("protocol", "99999999999999999999", "Select a valid choice"),
    ],
)
def test_bad_plan_input_gets_a_message_never_a_500(
    client, cast, depression, field, value, message
) -> None:
    client.force_login(cast.physician)
    response = client.post(draft_url(cast.patient), {**form_data(depression), field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TreatmentPlanVersion.objects.exists()


def test_a_dose_form_that_does_not_fit_the_route_is_refused(client, cast, protocols) -> None:
    client.force_login(cast.physician)
    nasal = protocols["esketamine-induction"]
    data = form_data(nasal, dose_mg_per_kg=Decimal("0.5"), duration_min=None)
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "This route is dosed as mg" in html
    data = form_data(nasal, dose_mg_per_kg=None, dose_mg=Decimal("60"), duration_min=None)
    html = client.post(draft_url(cast.patient), data).content.decode()
    assert "whole number of 28-mg devices" in html


def test_bad_query_parameters_are_404_or_400(client, cast, signed) -> None:
    client.force_login(cast.physician)
    assert client.get(detail_url(cast.patient) + "versions/abc/").status_code == 404
    assert client.get(detail_url(cast.patient) + "versions/99/").status_code == 404
    assert client.get(draft_url(cast.patient) + "protocol/1e99/").status_code == 404
    assert client.get(draft_url(cast.patient) + "?protocol=%00").status_code == 400


def test_plan_page_shows_planned_exposure_and_frequency_alerts(client, cast, depression) -> None:
    services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.physician,
        spec=plan_spec(depression, sessions_per_week=Decimal("7"), planned_sessions=6),
    )
    client.force_login(cast.nurse)
    html = client.get(detail_url(cast.patient)).content.decode()
    assert "Frequency limit" in html and "the protocol allows at most 3" in html
    assert "span 5 days" not in html  # daily × 6 = 5 days, within 21
    assert "<td>210</td>" in html  # 6 × 35 mg in the largest 30-day window


def test_plan_page_shows_the_calculator_result_and_the_pk_curve(client, cast, signed) -> None:
    client.force_login(cast.nurse)
    html = client.get(detail_url(cast.patient)).content.decode()
    for text in (
        "35 mg",
        "52.5 mg/h",
        "3.5 mL of 10 mg/mL",
        "103.5 mL",
        "0.338 mg/mL",
        "155.3 mL/h",
    ):
        assert text in html
    assert "<svg" in html and "<polyline" in html and "240.3" in html
    assert "decision support" in html.lower() and "Domino" in html
    assert "Next titration step" in html and "0.75 mg/kg" in html
    event = AuditEvent.objects.filter(action="view", patient=cast.patient, actor=cast.nurse).get()
    assert event.object_type == "treatment_plan"


def test_plan_list_shows_drafts_waiting_and_current_plans(client, cast, depression, signed) -> None:
    services.plan_version_draft_save(
        patient=cast.other_patient, actor=cast.provider, spec=plan_spec(depression)
    )
    client.force_login(cast.physician)
    html = client.get(reverse("treatment:plan_list")).content.decode()
    assert "Bruno Otherpatient" in html and "Alice Testpatient" in html
    html = client.post(reverse("treatment:plan_list"), {"q": "testpat"}).content.decode()
    assert detail_url(cast.patient) in html


def test_discarding_a_draft_is_audited(client, cast, draft) -> None:
    client.force_login(cast.provider)
    assert client.post(discard_url(cast.patient)).status_code == 302
    assert not TreatmentPlanVersion.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="treatment_plan_version").exists()


@pytest.mark.parametrize("revisions", [1, 3])
def test_plan_detail_query_count_does_not_grow_with_versions(
    client, cast, depression, signed, revisions, django_assert_num_queries
) -> None:
    for dose in ("0.6", "0.7", "0.75")[:revisions]:
        version = services.plan_version_draft_save(
            patient=cast.patient,
            actor=cast.physician,
            spec=plan_spec(depression, dose_mg_per_kg=Decimal(dose)),
        )
        services.plan_version_sign(
            version=version, signer=cast.physician, password=PASSWORD, attested=True
        )
    client.force_login(cast.nurse)
    client.get(detail_url(cast.patient))  # warm the session's time-zone cache
    # 1 session, 2 user (+organization), 3 authenticator check, 4 patient, 5 versions
    # (+protocol, signer, author), 6 audit insert, 7 open safety alerts, 8 dosing settings,
    # 9 administered doses, 10 savepoint, 11 session save, 12 release savepoint
    with django_assert_num_queries(12):
        response = client.get(detail_url(cast.patient))
    assert response.status_code == 200
    assert response.content.decode().count("superseded") >= revisions


@pytest.mark.parametrize("plans", [2, 8])
def test_plan_list_query_count_does_not_grow_with_plans(
    client, cast, depression, plans, django_assert_num_queries
) -> None:
    for i in range(plans):
        patient = patient_create(
            organization=cast.org,
            actor=cast.frontdesk,
            data={
                "legal_first_name": "Zed",
                "legal_last_name": f"Zulu{i}",
                "date_of_birth": "1980-01-01",
                "sex_at_birth": "male",
            },
        )
        version = services.plan_version_draft_save(
            patient=patient, actor=cast.provider, spec=plan_spec(depression)
        )
        if i % 2:
            services.plan_version_sign(
                version=version, signer=cast.physician, password=PASSWORD, attested=True
            )
    client.force_login(cast.physician)
    client.get(reverse("treatment:plan_list"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 drafts (+patient,
    # protocol, author), 5 current versions (+patient, protocol, signer), 6 view events
    # naming the patients listed, 7 savepoint, 8 session save, 9 release savepoint
    with django_assert_num_queries(9):
        response = client.get(reverse("treatment:plan_list"))
    assert response.content.decode().count("Zulu") == plans


def test_sign_page_query_count(client, cast, draft, django_assert_num_queries) -> None:
    client.force_login(cast.physician)
    client.get(sign_url(cast.patient))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 patient, 5 draft
    # (+protocol, author), 6 open safety alerts, 7 audit insert, 8 dosing settings,
    # 9 administered doses, 10 savepoint, 11 session save, 12 release savepoint
    with django_assert_num_queries(12):
        assert client.get(sign_url(cast.patient)).status_code == 200


def test_signing_tells_the_questionnaire_schedule_the_phase(cast) -> None:
    # The check-in falls due during the plan's first day in the clinic's zone: judge it at
    # least at noon there, so the test holds at any hour it runs.
    noon = dt.datetime.combine(
        clinic_today(), dt.time(12), tzinfo=zoneinfo.ZoneInfo(TEST_CLINIC_TIME_ZONE)
    )
    now = max(timezone.now(), noon)
    assert measurements.assignments_refresh(patient=cast.patient, now=now) == []  # no plan yet
    services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocol = Protocol.objects.get(organization=cast.org, key="depression-iv-induction")
    draft = services.plan_version_draft_save(
        patient=cast.patient,
        actor=cast.provider,
        spec=plan_spec(protocol, phase="maintenance", planned_start_date=clinic_today()),
    )
    assert (
        measurements.assignments_refresh(patient=cast.patient, now=now) == []
    )  # drafts do not count
    services.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )
    created = measurements.assignments_refresh(patient=cast.patient, now=now)
    assert {a.reason for a in created} == {"maintenance_checkin"}
    # The reminder run finds every patient whose signed plan gave them a profile.
    Assignment.objects.all().delete()
    assert measurements.measurement_schedules_refresh(now=now) == 2
