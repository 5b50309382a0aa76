"""The one gate the infusion chart calls: each check answered by the app that owns it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.clinics.selectors import clinic_zone_in_use
from infusionist.consent import services as consent_services
from infusionist.consent.models import ConsentDocumentVersion
from infusionist.consultations import services as consultation_services
from infusionist.consultations.models import Consultation
from infusionist.consultations.tests.factories import answers, packet_save
from infusionist.intake.selectors import intake_snapshot
from infusionist.lib import eligibility
from infusionist.measurements import services as measurement_services
from infusionist.readiness.gates import infusion_readiness
from infusionist.test import PASSWORD

REQUIRED = ("ketamine_treatment", "privacy_notice", "financial_policy")


@pytest.fixture
def docs(cast) -> dict[str, ConsentDocumentVersion]:
    consent_services.consent_documents_create_defaults(organization=cast.org)
    return {v.kind: v for v in ConsentDocumentVersion.objects.filter(organization=cast.org)}


def _consent(cast, docs, kinds=REQUIRED) -> None:
    for kind in kinds:
        consent_services.consent_sign(
            patient=cast.patient,
            version=docs[kind],
            actor=cast.patient_user,
            typed_name=cast.patient.legal_name,
            agreed=True,
            language="en",
        )


def _approve(cast) -> None:
    """Approve on the intake as it stands, giving a reason for every rule that needs one."""
    snapshot = intake_snapshot(patient=cast.patient)
    assert snapshot is not None
    result = eligibility.evaluate(snapshot.facts)
    consultation_services.eligibility_decision_sign(
        patient=cast.patient,
        signer=cast.physician,
        outcome="approved",
        note="Seen by video; history and medicines reviewed.",
        password=PASSWORD,
        attested=True,
        overrides={
            c.code: "Reviewed with the patient; fictional test reason."
            for c in result.needs_override
        },
    )


def _checks(readiness) -> dict[str, bool]:
    return {c.code: c.passed for c in readiness.checks}


def test_a_new_patient_is_blocked_by_eligibility_and_consent_with_plain_reasons(cast, docs):
    readiness = infusion_readiness(patient=cast.patient)
    assert not readiness.ready
    assert _checks(readiness) == {
        "questionnaire_safety": True,
        "eligibility": False,
        "consent": False,
    }
    eligibility_check, consent_check = readiness.blocking
    assert eligibility_check.reasons == ("No intake yet.",)
    assert eligibility_check.fix_url == reverse("consultations:review", args=[cast.patient.pk])
    assert "Ketamine treatment" in " ".join(consent_check.reasons)
    assert "not signed" in consent_check.reasons[0]


def test_approval_and_current_consent_make_the_patient_ready(cast, docs):
    packet_save(cast.patient, answers())
    assert infusion_readiness(patient=cast.patient).blocking[0].reasons == (
        "No eligibility decision yet.",
    )
    _approve(cast)
    _consent(cast, docs)
    readiness = infusion_readiness(patient=cast.patient)
    assert readiness.ready and readiness.blocking == ()
    assert "Approved for treatment" in readiness.checks[1].summary


def test_an_unsubmitted_intake_is_named(cast, docs):
    packet_save(cast.patient, answers(), submitted=False)
    reasons = infusion_readiness(patient=cast.patient).blocking[0].reasons
    assert reasons == ("No eligibility decision yet.", "The intake has not been submitted yet.")


def test_a_changed_intake_blocks_until_the_physician_reviews_again(cast, docs):
    packet_save(cast.patient, answers())
    _approve(cast)
    _consent(cast, docs)
    packet_save(cast.patient, answers(systolic_mmhg=162))
    readiness = infusion_readiness(patient=cast.patient)
    assert _checks(readiness)["eligibility"] is False
    assert "review it again" in readiness.blocking[0].reasons[0]


def test_a_new_consent_version_blocks_until_signed_again(cast, docs):
    packet_save(cast.patient, answers())
    _approve(cast)
    _consent(cast, docs)
    draft = consent_services.consent_document_draft_create(
        source=docs["ketamine_treatment"], actor=cast.admin
    )
    consent_services.consent_document_publish(version=draft, actor=cast.admin)
    readiness = infusion_readiness(patient=cast.patient)
    assert _checks(readiness)["consent"] is False
    assert "version 1 was signed; version 2 must be signed" in readiness.blocking[0].reasons[0]


def test_a_telehealth_consultation_requires_the_telehealth_consent(cast, docs):
    packet_save(cast.patient, answers())
    _approve(cast)
    _consent(cast, docs)
    assert infusion_readiness(patient=cast.patient).ready
    consultation_services.consultation_schedule(
        patient=cast.patient,
        actor=cast.frontdesk,
        physician=cast.physician,
        modality=Consultation.Modality.TELEHEALTH_VIDEO,
        scheduled_at=timezone.now() + dt.timedelta(days=1),
    )
    readiness = infusion_readiness(patient=cast.patient)
    assert not readiness.ready and "Telehealth" in " ".join(readiness.blocking[0].reasons)
    _consent(cast, docs, kinds=("telehealth",))
    assert infusion_readiness(patient=cast.patient).ready


def test_an_open_suicidality_alert_blocks_first(cast, docs):
    packet_save(cast.patient, answers())
    _approve(cast)
    _consent(cast, docs)
    measurement_services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="phq9",
        answers={f"q{i}": (1 if i == 9 else 0) for i in range(1, 10)},
        source="staff",
        entered_by=cast.nurse,
    )
    readiness = infusion_readiness(patient=cast.patient)
    assert [c.code for c in readiness.blocking] == ["questionnaire_safety"]
    assert "risk assessment" in readiness.blocking[0].reasons[0]
    assert readiness.blocking[0].fix_url == reverse("measurements:alerts")


def test_the_gate_has_a_fixed_query_budget(cast, docs, django_assert_num_queries):
    packet_save(cast.patient, answers())
    _approve(cast)
    _consent(cast, docs)
    # 1 open safety alerts, 2 the intake packet, 3 the clinic's zone for the patient's age
    # (outside a request), 4 the current decision, 5 a telehealth consultation, 6 consent
    # settings, 7 the clinic's zone again, 8 current consent versions, 9 the signatures
    with django_assert_num_queries(9):
        assert infusion_readiness(patient=cast.patient).ready
    # In a request of the clinic's own staff the zone is known: two queries fewer.
    with (
        clinic_zone_in_use(organization_id=cast.org.pk, zone_name="America/Los_Angeles"),
        django_assert_num_queries(7),
    ):
        assert infusion_readiness(patient=cast.patient).ready


@pytest.mark.parametrize("role", ["nurse", "physician", "provider"])
def test_the_record_page_shows_the_gate_to_clinical_staff(client, cast, docs, role):
    client.force_login(getattr(cast, role))
    html = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert "Ready for an infusion?" in html and "No intake yet." in html


def test_the_front_desk_does_not_see_the_clinical_gate(client, cast, docs):
    client.force_login(cast.frontdesk)
    html = client.get(reverse("record:patient", args=[cast.patient.pk])).content.decode()
    assert "Ready for an infusion?" not in html
