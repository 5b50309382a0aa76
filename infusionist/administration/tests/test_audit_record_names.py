"""The audit report names records as people know them (review of issue 10, finding 1).

The reviewer saw "Consent document version #5" (meaning ketamine treatment version 2),
"Eligibility decision #2" (decision version 1), "Consent signature #25", "Questionnaire
response #58", and a consultation change "Physician: — → 4", "Modality: in_person" with an
ISO timestamp. Each kind of record is now named by its kind and version, patient MRN or
date, in a fixed number of queries per page.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from infusionist.administration.selectors import audit_rows, value_text
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.consent import services as consent_services
from infusionist.consent.models import ConsentDocumentVersion, ConsentSignature
from infusionist.consultations.models import Consultation, EligibilityDecision

T = AuditEvent.ObjectType


def _report(client) -> str:
    return client.get(reverse("administration:audit_report")).content.decode()


@pytest.fixture
def docs(cast) -> dict[str, ConsentDocumentVersion]:
    consent_services.consent_documents_create_defaults(organization=cast.org, actor=cast.admin)
    return {v.kind: v for v in ConsentDocumentVersion.objects.filter(organization=cast.org)}


def _decision(cast, version: int) -> EligibilityDecision:
    return EligibilityDecision.objects.create(
        organization=cast.org,
        patient=cast.patient,
        version=version,
        outcome=EligibilityDecision.Outcome.DEFERRED,
        note="Waiting for the psychiatric history.",
        facts_sha256="a" * 64,
        checklist=[],
        limits={},
        diazepam_equivalent_mg_per_day=0,
        treatment_resistant=True,
        failed_adequate_trials=2,
        attestation="I reviewed the intake.",
        signed_by=cast.physician,
        signed_at=timezone.now(),
        content_sha256="b" * 64,
    )


def _consultation(cast, when: dt.datetime) -> Consultation:
    return Consultation.objects.create(
        organization=cast.org,
        patient=cast.patient,
        physician=cast.physician,
        modality=Consultation.Modality.IN_PERSON,
        scheduled_at=when,
        created_by=cast.frontdesk,
        updated_by=cast.frontdesk,
    )


def _sign(cast, version) -> ConsentSignature:
    return consent_services.consent_sign(
        patient=cast.patient,
        version=version,
        typed_name="Alice Testpatient",
        agreed=True,
        language="en",
        actor=cast.patient_user,
    )


def test_consent_documents_and_signatures_by_kind_and_version(client, cast, docs) -> None:
    source = docs["ketamine_treatment"]
    draft = consent_services.consent_document_draft_create(source=source, actor=cast.admin)
    audit_record(
        action="view", actor=cast.admin, object_type=T.CONSENT_DOCUMENT, object_id=draft.pk
    )
    audit_record(
        action="view", actor=cast.admin, object_type=T.CONSENT_DOCUMENT, object_id=source.pk
    )
    signature = _sign(cast, docs["privacy_notice"])
    client.force_login(cast.admin)
    html = _report(client)
    assert "Consent document version: Ketamine treatment consent, version 2" in html or (
        "Consent document version: " + draft.get_kind_display() + ", version 2" in html
    )
    assert f"Consent document version #{draft.pk}" not in html
    assert f"{source.get_kind_display()}, version 1" in html
    assert f"Consent signature: {signature.get_kind_display()}, version 1, signed " in html
    assert f"Consent signature #{signature.pk}" not in html


def test_decisions_and_consultations_by_version_mrn_and_date(client, cast) -> None:
    first, second = _decision(cast, 1), _decision(cast, 2)
    # The test clinic keeps Pacific time: 2:00 PM there.
    when = dt.datetime(2026, 12, 3, 14, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    consultation = _consultation(cast, when)
    for decision in (first, second):
        audit_record(
            action="create",
            actor=cast.physician,
            object_type=T.ELIGIBILITY_DECISION,
            object_id=decision.pk,
            patient=cast.patient,
        )
    audit_record(
        action="update",
        actor=cast.frontdesk,
        object_type=T.CONSULTATION,
        object_id=consultation.pk,
        patient=cast.patient,
        detail={
            "before": {"physician": None, "modality": "telephone", "scheduled_at": None},
            "after": {
                "physician": cast.physician.pk,
                "modality": "in_person",
                "scheduled_at": when.isoformat(),
            },
        },
    )
    client.force_login(cast.admin)
    html = _report(client)
    mrn = cast.patient.mrn
    assert f"Eligibility decision: version 1, patient {mrn}" in html
    assert f"Eligibility decision: version 2, patient {mrn}" in html
    assert f"Eligibility decision #{first.pk}" not in html
    assert f"Consultation: Dec 3, 2026, 2:00 PM, patient {mrn}" in html
    assert cast.physician.display_name in html and "In person" in html and "Telephone" in html
    assert "in_person" not in html and when.isoformat() not in html


@pytest.mark.parametrize(
    ("value", "field", "expected"),
    [
        ("2026-12-03T22:00:00+00:00", "scheduled_at", "Dec 3, 2026, 2:00 PM"),
        ("2026-12-03T22:00:00Z", "scheduled_at", "Dec 3, 2026, 2:00 PM"),
        ("not a time", "scheduled_at", "not a time"),
        ("telehealth_video", "modality", "Telehealth video"),
        ("held", "status", None),
    ],
)
def test_consultation_values_in_the_clinics_words(settings, value, field, expected) -> None:
    settings.TIME_ZONE = "America/Los_Angeles"
    model_field = Consultation._meta.get_field(field)
    with timezone.override("America/Los_Angeles"):
        shown = value_text(value, model_field, name=field)
    if expected is None:
        assert shown != value and shown[:1].isupper()
    else:
        assert shown == expected


def test_a_physician_is_named_and_an_unknown_account_says_so() -> None:
    model_field = Consultation._meta.get_field("physician")
    assert value_text(4, model_field, user_names={"4": "Dr Pia Physician"}) == "Dr Pia Physician"
    assert value_text(4, model_field, user_names={}) == "account #4"
    assert value_text(None, model_field) == "—"


def test_another_clinics_record_is_not_named(cast) -> None:
    consent_services.consent_documents_create_defaults(organization=cast.other_org)
    foreign = ConsentDocumentVersion.objects.filter(organization=cast.other_org).first()
    event = audit_record(
        action="view", actor=cast.admin, object_type=T.CONSENT_DOCUMENT, object_id=foreign.pk
    )
    assert audit_rows([event])[0].record == f"Consent document version #{foreign.pk}"


@pytest.mark.parametrize("events", [3, 30])
def test_naming_records_keeps_the_query_count(
    client, cast, docs, events, django_assert_num_queries
) -> None:
    consultation = _consultation(cast, timezone.now() + dt.timedelta(days=2))
    decision = _decision(cast, 1)
    signature = _sign(cast, docs["financial_policy"])
    for _ in range(events):
        for object_type, object_id in (
            (T.CONSENT_DOCUMENT, docs["ketamine_treatment"].pk),
            (T.CONSENT_SIGNATURE, signature.pk),
            (T.ELIGIBILITY_DECISION, decision.pk),
        ):
            audit_record(
                action="view",
                actor=cast.admin,
                object_type=object_type,
                object_id=object_id,
                patient=cast.patient,
            )
        audit_record(
            action="update",
            actor=cast.frontdesk,
            object_type=T.CONSULTATION,
            object_id=consultation.pk,
            patient=cast.patient,
            detail={"before": {"physician": None}, "after": {"physician": cast.physician.pk}},
        )
    client.force_login(cast.admin)
    client.get(reverse("administration:audit_report"))
    # 1 session, 2 user (+organization), 3 count, 4 page of events (+patient, +actor), 5 the
    # staff accounts the events name (the clinic's staff, and the consultation's physician as
    # a new value), 6 consent document versions, 7 consent signatures (+version), 8 eligibility
    # decisions (+patient), 9 consultations (+patient), 10 view events naming the patients
    # shown, 11 staff for the filter, 12 savepoint, 13 session save, 14 release savepoint
    with django_assert_num_queries(14):
        assert client.get(reverse("administration:audit_report")).status_code == 200


def test_the_csv_says_the_same_values_in_words(client, cast) -> None:
    import csv
    import io
    import json

    consultation = _consultation(cast, timezone.now() + dt.timedelta(days=2))
    audit_record(
        action="update",
        actor=cast.frontdesk,
        object_type=T.CONSULTATION,
        object_id=consultation.pk,
        patient=cast.patient,
        detail={
            "before": {"physician": None, "modality": "telephone"},
            "after": {"physician": cast.physician.pk, "modality": "in_person"},
        },
    )
    client.force_login(cast.admin)
    response = client.get(reverse("administration:audit_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    row = next(r for r in rows if r["object_type"] == "consultation")
    after = json.loads(row["after"])
    assert cast.physician.display_name in after.values() and "In person" in after.values()


@pytest.mark.parametrize(("code", "name"), [("phq9", "PHQ-9"), ("gad7", "GAD-7")])
def test_a_questionnaire_response_by_instrument_and_time(cast, code, name) -> None:
    from infusionist.measurements.models import QuestionnaireResponse

    started = dt.datetime(2026, 11, 30, 9, 15, tzinfo=ZoneInfo("America/Los_Angeles"))
    response = QuestionnaireResponse.objects.create(
        organization=cast.org,
        patient=cast.patient,
        instrument_code=code,
        instrument_version="1",
        source=QuestionnaireResponse.Source.values[0],
        started_at=started,
    )
    event = audit_record(
        action="view",
        actor=cast.nurse,
        object_type=T.QUESTIONNAIRE_RESPONSE,
        object_id=response.pk,
        patient=cast.patient,
    )
    with timezone.override("America/Los_Angeles"):
        record = audit_rows([event])[0].record
    assert record == f"Questionnaire response: {name}, started Nov 30, 2026, 9:15 AM"
