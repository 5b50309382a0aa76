"""Consent: versions, re-consent, signing on the portal and witnessed, copies, access, budgets."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext
from infusionist.clinics.selectors import clinic_today
from infusionist.consent import selectors, services
from infusionist.consent.models import ConsentDocumentVersion, ConsentKind, ConsentSignature
from infusionist.consent.selectors import CURRENT, MISSING, OUTDATED, UNAVAILABLE

CONTEXT = AuditContext(ip_address="203.0.113.7", user_agent="Test browser/1.0")


@pytest.fixture
def docs(cast) -> dict[str, ConsentDocumentVersion]:
    services.consent_documents_create_defaults(organization=cast.org)
    services.consent_documents_create_defaults(organization=cast.other_org)
    return {v.kind: v for v in ConsentDocumentVersion.objects.filter(organization=cast.org)}


def _sign(cast, version, *, name=None, patient=None, actor=None, **kwargs) -> ConsentSignature:
    patient = patient or cast.patient
    return services.consent_sign(
        patient=patient,
        version=version,
        actor=actor or cast.patient_user,
        typed_name=name or patient.legal_name,
        agreed=kwargs.pop("agreed", True),
        language=kwargs.pop("language", "en"),
        context=CONTEXT,
        **kwargs,
    )


def _sign_required(cast, docs) -> None:
    for kind in ("ketamine_treatment", "privacy_notice", "financial_policy"):
        _sign(cast, docs[kind])


def _new_version(cast, source) -> ConsentDocumentVersion:
    draft = services.consent_document_draft_create(source=source, actor=cast.admin)
    services.consent_document_draft_update(
        version=draft,
        actor=cast.admin,
        data={
            "body_en": source.body_en + "\n\nNew paragraph.",
            "effective_on": clinic_today(organization_id=cast.org.pk),
        },
    )
    return services.consent_document_publish(version=draft, actor=cast.admin)


# ---- documents and versions -----------------------------------------------------------------


def test_defaults_publish_version_1_of_each_kind_in_both_languages_once(cast, docs) -> None:
    assert set(docs) == set(ConsentKind.values)
    ketamine = docs["ketamine_treatment"]
    assert ketamine.number == 1 and ketamine.is_published
    assert ketamine.content_sha256 == ketamine.compute_sha256()
    for words in ("off-label", "bladder", "blood pressure", "dissociation", "next day", "adult"):
        assert words in ketamine.body_en.lower()
    assert "vejiga" in ketamine.body_es
    # The drafting note is for the clinic admin: never part of the text patients sign.
    assert "lawyer" not in ketamine.body_en and "abogado" not in ketamine.body_es
    assert "30 days" in docs["privacy_notice"].body_en
    assert services.consent_documents_create_defaults(organization=cast.org) == []


def test_a_published_version_never_changes(cast, docs) -> None:
    with pytest.raises(ValidationError):
        services.consent_document_draft_update(
            version=docs["financial_policy"], actor=cast.admin, data={"title_en": "Changed"}
        )
    docs["financial_policy"].refresh_from_db()
    assert docs["financial_policy"].title_en == "Financial policy"


def test_a_new_version_is_a_draft_copy_until_published(cast, docs) -> None:
    draft = services.consent_document_draft_create(source=docs["telehealth"], actor=cast.admin)
    assert (draft.number, draft.status, draft.body_es) == (2, "draft", docs["telehealth"].body_es)
    assert draft.content_sha256 == ""
    with pytest.raises(ValidationError):
        services.consent_document_draft_create(source=docs["telehealth"], actor=cast.admin)
    published = services.consent_document_publish(version=draft, actor=cast.admin)
    assert published.content_sha256 == published.compute_sha256()
    assert AuditEvent.objects.filter(
        object_type="consent_document", object_id=str(draft.pk), action="update"
    ).exists()


def test_only_the_clinic_admin_manages_documents(cast, docs) -> None:
    with pytest.raises(PermissionDenied):
        services.consent_document_draft_create(source=docs["telehealth"], actor=cast.physician)
    with pytest.raises(PermissionDenied):
        services.consent_document_draft_create(source=docs["telehealth"], actor=cast.outsider)


# ---- status and re-consent ------------------------------------------------------------------


def test_status_lists_required_kinds_missing_until_signed(cast, docs) -> None:
    status = selectors.consent_status(patient=cast.patient)
    assert [i.kind for i in status.items] == [
        "ketamine_treatment",
        "privacy_notice",
        "financial_policy",
    ]
    assert {i.state for i in status.items} == {MISSING} and not status.all_current
    _sign_required(cast, docs)
    status = selectors.consent_status(patient=cast.patient)
    assert status.all_current
    assert status.items[0].signed_version_number == 1 and status.items[0].signed_at


def test_telehealth_is_required_only_for_a_telehealth_consultation(cast, docs) -> None:
    _sign_required(cast, docs)
    assert selectors.consent_status(patient=cast.patient).all_current
    status = selectors.consent_status(patient=cast.patient, telehealth=True)
    assert not status.all_current
    assert [i.kind for i in status.items if i.state == MISSING] == ["telehealth"]


def test_a_version_bump_forces_re_consent(cast, docs) -> None:
    _sign_required(cast, docs)
    _new_version(cast, docs["ketamine_treatment"])
    status = selectors.consent_status(patient=cast.patient)
    ketamine = status.items[0]
    assert (ketamine.state, ketamine.signed_version_number) == (OUTDATED, 1)
    assert ketamine.current_version.number == 2
    assert not status.all_current
    assert status.reasons() == [
        "Ketamine treatment: version 1 was signed; version 2 must be signed."
    ]
    _sign(cast, ketamine.current_version)
    assert selectors.consent_status(patient=cast.patient).all_current


def test_a_version_counts_only_from_its_effective_date(cast, docs) -> None:
    _sign_required(cast, docs)
    draft = services.consent_document_draft_create(
        source=docs["financial_policy"], actor=cast.admin
    )
    future = clinic_today(organization_id=cast.org.pk) + timezone.timedelta(days=10)
    services.consent_document_draft_update(
        version=draft, actor=cast.admin, data={"effective_on": future}
    )
    services.consent_document_publish(version=draft, actor=cast.admin)
    assert selectors.consent_status(patient=cast.patient).all_current
    later = selectors.consent_status(patient=cast.patient, today=future)
    assert later.items[2].state == OUTDATED


def test_required_set_is_a_clinic_setting(cast, docs) -> None:
    services.consent_settings_update(
        organization=cast.org,
        actor=cast.admin,
        required_kinds=["ketamine_treatment"],
        telehealth_required_for_telehealth=False,
    )
    status = selectors.consent_status(patient=cast.patient, telehealth=True)
    assert [i.kind for i in status.items] == ["ketamine_treatment"]
    with pytest.raises(ValidationError):
        services.consent_settings_update(
            organization=cast.org,
            actor=cast.admin,
            required_kinds=["privacy_notice"],
            telehealth_required_for_telehealth=True,
        )
    event = AuditEvent.objects.filter(object_type="consent_settings").get()
    assert event.detail["old"]["required_kinds"] == [
        "ketamine_treatment",
        "privacy_notice",
        "financial_policy",
    ]
    assert event.detail["new"]["required_kinds"] == ["ketamine_treatment"]


def test_a_clinic_without_documents_is_unavailable_not_current(cast) -> None:
    status = selectors.consent_status(patient=cast.patient)
    assert {i.state for i in status.items} == {UNAVAILABLE} and not status.all_current


# ---- signing --------------------------------------------------------------------------------


def test_signature_stores_ip_time_hash_language_and_agreement(cast, docs) -> None:
    before = timezone.now()
    signature = _sign(cast, docs["ketamine_treatment"], language="es", name="alice testpatient")
    signature.refresh_from_db()
    assert signature.ip_address == "203.0.113.7"
    assert signature.user_agent == "Test browser/1.0"
    assert signature.signed_at >= before
    assert signature.content_sha256 == docs["ketamine_treatment"].content_sha256
    assert (signature.language, signature.agreed, signature.method) == ("es", True, "portal")
    assert signature.typed_name == "alice testpatient" and signature.witnessed_by is None
    event = AuditEvent.objects.get(object_type="consent_signature", action="create")
    assert event.patient_id == cast.patient.pk and event.detail["number"] == 1


@pytest.mark.parametrize(
    "typed, ok",
    [
        ("Alice Testpatient", True),
        ("  ALICE   testpatient ", True),
        ("Álice Téstpatient", True),
        ("Alice", False),
        ("Bob Testpatient", False),
        ("Alice Testpatient Smith", False),
    ],
)
def test_typed_name_must_match_the_legal_name(cast, typed: str, ok: bool) -> None:
    assert services.typed_name_matches(typed, cast.patient) is ok


def test_signatures_are_append_only(cast, docs) -> None:
    signature = _sign(cast, docs["privacy_notice"])
    with pytest.raises(Exception, match="append-only"):
        signature.save()
    with pytest.raises(Exception, match="append-only"):
        signature.delete()


def test_postgres_refuses_changing_a_signature(cast, docs) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the model guard")
    signature = _sign(cast, docs["privacy_notice"])
    for sql in (
        "UPDATE consent_consentsignature SET typed_name = 'Someone Else' WHERE id = %s",
        "DELETE FROM consent_consentsignature WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [signature.pk])
    assert ConsentSignature.objects.get(pk=signature.pk).typed_name == "Alice Testpatient"


def test_a_patient_signs_only_their_own(cast, docs) -> None:
    with pytest.raises(PermissionDenied):
        _sign(cast, docs["privacy_notice"], patient=cast.other_patient)


def test_staff_record_a_witnessed_signature(cast, docs) -> None:
    signature = _sign(
        cast,
        docs["ketamine_treatment"],
        actor=cast.nurse,
        method=ConsentSignature.Method.TABLET,
    )
    assert signature.witnessed_by == cast.nurse and signature.signed_by == cast.nurse
    with pytest.raises(PermissionDenied):
        _sign(cast, docs["ketamine_treatment"], actor=cast.nurse)  # "portal" is the patient's


def test_another_clinics_document_cannot_be_signed(cast, docs) -> None:
    foreign = ConsentDocumentVersion.objects.filter(organization=cast.other_org).first()
    with pytest.raises(ValidationError):
        _sign(cast, foreign)


# ---- pages ----------------------------------------------------------------------------------


def test_portal_home_asks_for_consent_forms(client, cast, docs) -> None:
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Consent forms to sign" in page and "Consent for ketamine treatment" in page
    _sign_required(cast, docs)
    _sign(cast, docs["telehealth"])
    page = client.get(reverse("portal:home")).content.decode()
    assert "Consent forms to sign" not in page


def test_portal_card_asks_for_the_new_version_after_a_bump(client, cast, docs) -> None:
    _sign_required(cast, docs)
    _sign(cast, docs["telehealth"])
    _new_version(cast, docs["ketamine_treatment"])
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Consent forms to sign" in page and "please sign the new version" in page
    listing = client.get(reverse("portal:consent_list")).content.decode()
    assert "you signed version 1" in listing and "sign version 2" in listing


def test_name_mismatch_is_refused_kindly_and_keeps_the_input(client, cast, docs) -> None:
    client.force_login(cast.patient_user)
    version = docs["ketamine_treatment"]
    response = client.post(
        reverse("portal:consent_sign", args=[version.pk]),
        {"typed_name": "Alicia Otherperson", "agreed": "on"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "does not match the name on your clinic record" in page
    assert 'value="Alicia Otherperson"' in page and "checked" in page
    assert not ConsentSignature.objects.exists()


def test_portal_signing_in_spanish_stores_the_request_facts(client, cast, docs) -> None:
    client.force_login(cast.patient_user)
    client.cookies["django_language"] = "es"
    version = docs["ketamine_treatment"]
    page = client.get(reverse("portal:consent_document", args=[version.pk])).content.decode()
    assert "Consentimiento para el tratamiento con ketamina" in page and "vejiga" in page
    response = client.post(
        reverse("portal:consent_sign", args=[version.pk]),
        {"typed_name": "alice testpatient", "agreed": "on"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT="Phone browser",
    )
    signature = ConsentSignature.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:consent_signature", args=[signature.pk])
    assert (signature.language, signature.ip_address, signature.user_agent) == (
        "es",
        "198.51.100.4",
        "Phone browser",
    )


def test_pdf_is_a_real_pdf_with_the_name(client, cast, docs) -> None:
    signature = _sign(cast, docs["ketamine_treatment"])
    client.force_login(cast.patient_user)
    response = client.get(reverse("portal:consent_signature_pdf", args=[signature.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF-")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Alice Testpatient" in text
    assert signature.content_sha256[:16] in text.replace("\n", "")
    assert "203.0.113.7" in text


def test_staff_download_their_clinics_copies_and_404_for_another(client, cast, docs) -> None:
    signature = _sign(cast, docs["privacy_notice"])
    services.consent_documents_create_defaults(organization=cast.other_org)
    foreign_version = ConsentDocumentVersion.objects.filter(organization=cast.other_org).first()
    client.force_login(cast.frontdesk)
    assert client.get(reverse("consent:signature", args=[signature.pk])).status_code == 200
    client.force_login(cast.outsider)
    assert client.get(reverse("consent:signature", args=[signature.pk])).status_code == 404
    assert client.get(reverse("consent:signature_pdf", args=[signature.pk])).status_code == 404
    client.force_login(cast.admin)
    url = reverse("consent:document_detail", args=[foreign_version.pk])
    assert client.get(url).status_code == 404


def test_a_patient_sees_only_their_own_copies(client, cast, docs) -> None:
    from infusionist.accounts.models import User
    from infusionist.accounts.roles import Role

    other_user = User.objects.create_user(
        "other-patient@test.example", "x-password-2026!", role=Role.PATIENT, organization=cast.org
    )
    cast.other_patient.user = other_user
    cast.other_patient.save(update_fields=["user"])
    theirs = _sign(cast, docs["privacy_notice"], patient=cast.other_patient, actor=other_user)
    client.force_login(cast.patient_user)
    assert client.get(reverse("portal:consent_signature", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:consent_signature_pdf", args=[theirs.pk])).status_code == 404


def test_staff_witness_page_records_and_refuses_a_mismatch(client, cast, docs) -> None:
    client.force_login(cast.frontdesk)
    version = docs["financial_policy"]
    url = reverse("consent:witness", args=[cast.patient.pk, version.pk])
    response = client.post(
        url, {"typed_name": "Nobody", "agreed": "on", "method": "paper", "language": "en"}
    )
    assert response.status_code == 200 and 'value="Nobody"' in response.content.decode()
    response = client.post(
        url,
        {"typed_name": "Alice Testpatient", "agreed": "on", "method": "paper", "language": "en"},
    )
    signature = ConsentSignature.objects.get()
    assert response.status_code == 302
    assert (signature.method, signature.witnessed_by) == ("paper", cast.frontdesk)


def test_admin_drafts_and_publishes_from_the_pages(client, cast, docs) -> None:
    client.force_login(cast.admin)
    source = docs["privacy_notice"]
    response = client.post(reverse("consent:draft_create", args=[source.pk]))
    draft = ConsentDocumentVersion.objects.get(kind="privacy_notice", number=2)
    assert response["Location"] == reverse("consent:draft_edit", args=[draft.pk])
    data = {
        "title_en": draft.title_en,
        "body_en": draft.body_en + "\n\nAdded.",
        "title_es": draft.title_es,
        "body_es": "",
        "effective_on": "not a date",
    }
    response = client.post(reverse("consent:draft_edit", args=[draft.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200 and "Added." in page
    data |= {
        "body_es": draft.body_es,
        "effective_on": clinic_today(organization_id=cast.org.pk).isoformat(),
    }
    client.post(reverse("consent:draft_edit", args=[draft.pk]), data)
    client.post(reverse("consent:publish", args=[draft.pk]), {"confirm_re_consent": "yes"})
    draft.refresh_from_db()
    assert draft.is_published and draft.body_en.endswith("Added.")


def _draft_data(draft, effective_on) -> dict[str, str]:
    return {
        "title_en": draft.title_en,
        "body_en": draft.body_en,
        "title_es": draft.title_es,
        "body_es": draft.body_es,
        "effective_on": effective_on,
    }


@pytest.mark.parametrize("days_ago", [1, 30, 365 * 7])
def test_a_past_effective_date_is_refused_beside_the_field(client, cast, docs, days_ago) -> None:
    """The reviewer's 2020-01-01 and other past days: refused, text kept, nothing saved."""
    client.force_login(cast.admin)
    draft = services.consent_document_draft_create(
        source=docs["ketamine_treatment"], actor=cast.admin
    )
    today = clinic_today(organization_id=cast.org.pk)
    past = today - timezone.timedelta(days=days_ago)
    data = _draft_data(draft, past.isoformat()) | {"body_en": draft.body_en + "\n\nKept."}
    response = client.post(reverse("consent:draft_edit", args=[draft.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The effective date cannot be in the past" in page and "Kept." in page
    draft.refresh_from_db()
    assert draft.effective_on >= today and not draft.body_en.endswith("Kept.")


def test_the_reviewers_2020_date_is_refused_by_the_service(cast, docs) -> None:
    draft = services.consent_document_draft_create(
        source=docs["ketamine_treatment"], actor=cast.admin
    )
    with pytest.raises(ValidationError) as raised:
        services.consent_document_draft_update(
            version=draft,
            actor=cast.admin,
            data={"effective_on": timezone.datetime(2020, 1, 1).date()},
        )
    assert "effective_on" in raised.value.error_dict


def test_a_draft_whose_date_has_passed_is_not_published(cast, docs) -> None:
    draft = services.consent_document_draft_create(source=docs["privacy_notice"], actor=cast.admin)
    yesterday = clinic_today(organization_id=cast.org.pk) - timezone.timedelta(days=1)
    ConsentDocumentVersion.objects.filter(pk=draft.pk).update(effective_on=yesterday)
    with pytest.raises(ValidationError):
        services.consent_document_publish(version=draft, actor=cast.admin)
    draft.refresh_from_db()
    assert not draft.is_published


@pytest.mark.parametrize("posted", [{}, {"confirm_re_consent": ""}, {"confirm_re_consent": "no"}])
def test_publishing_asks_for_a_confirmation(client, cast, docs, posted) -> None:
    client.force_login(cast.admin)
    draft = services.consent_document_draft_create(
        source=docs["ketamine_treatment"], actor=cast.admin
    )
    page = client.get(reverse("consent:document_detail", args=[draft.pk])).content.decode()
    assert "Publishing asks every patient to sign version 2 again" in page
    response = client.post(reverse("consent:publish", args=[draft.pk]), posted, follow=True)
    draft.refresh_from_db()
    assert not draft.is_published
    assert "to sign version 2 again” to publish" in response.content.decode()


def test_a_confirmed_publication_is_audited_as_confirmed(client, cast, docs) -> None:
    client.force_login(cast.admin)
    draft = services.consent_document_draft_create(
        source=docs["ketamine_treatment"], actor=cast.admin
    )
    client.post(reverse("consent:publish", args=[draft.pk]), {"confirm_re_consent": "yes"})
    draft.refresh_from_db()
    assert draft.is_published
    event = AuditEvent.objects.filter(
        object_type=AuditEvent.ObjectType.CONSENT_DOCUMENT, object_id=str(draft.pk)
    ).latest("id")
    assert event.detail["published"] is True and event.detail["confirmed_re_consent"] is True


def test_the_documents_page_lists_versions_newest_first(client, cast, docs) -> None:
    for _ in range(2):
        _new_version(cast, ConsentDocumentVersion.objects.filter(kind="financial_policy").first())
    services.consent_document_draft_create(
        source=ConsentDocumentVersion.objects.filter(kind="financial_policy").first(),
        actor=cast.admin,
    )
    client.force_login(cast.admin)
    page = client.get(reverse("consent:documents")).content.decode()
    section = page.split('id="kind-financial_policy"')[1].split("</section>")[0]
    positions = [section.index(f">Version {n}<") for n in (4, 3, 2, 1)]
    assert positions == sorted(positions)


# ---- query budgets --------------------------------------------------------------------------


def test_consent_status_takes_three_queries(cast, docs, django_assert_num_queries) -> None:
    _sign_required(cast, docs)
    _new_version(cast, docs["financial_policy"])
    patient = type(cast.patient).objects.select_related("organization").get(pk=cast.patient.pk)
    # settings, the clinic's zone (read outside a request only: a request of the clinic's
    # own user already knows it), current versions, the patient's signatures (with versions)
    with django_assert_num_queries(4):
        status = selectors.consent_status(patient=patient, telehealth=True)
        assert [i.state for i in status.items] == [CURRENT, MISSING, CURRENT, OUTDATED]
    from infusionist.clinics.selectors import clinic_zone_in_use

    with (
        clinic_zone_in_use(organization_id=cast.org.pk, zone_name="America/Los_Angeles"),
        django_assert_num_queries(3),
    ):
        selectors.consent_status(patient=patient, telehealth=True)


@pytest.mark.parametrize("signed", [1, 4])
def test_portal_consent_list_budget(client, cast, docs, signed, django_assert_num_queries):
    kinds = list(docs)[:signed]
    for kind in kinds:
        _sign(cast, docs[kind])
    client.force_login(cast.patient_user)
    client.get(reverse("portal:consent_list"))  # the session and the clinic's zone, cached
    # 1 session, 2 user, 3 the patient's preferred language, 4 the patient record, 5 consent
    # settings, 6 current versions, 7 signatures for the status, 8 every signature (with
    # versions), 9 audit event, 10 savepoint, 11 session save, 12 release savepoint
    with django_assert_num_queries(12):
        assert client.get(reverse("portal:consent_list")).status_code == 200


@pytest.mark.parametrize("signed", [1, 4])
def test_staff_patient_consents_budget(client, cast, docs, signed, django_assert_num_queries):
    for kind in list(docs)[:signed]:
        _sign(cast, docs[kind])
    client.force_login(cast.nurse)
    url = reverse("consent:patient", args=[cast.patient.pk])
    client.get(url)
    # 1 session, 2 user, 3 TOTP set up (MFA), 4 patient, 5 consent settings, 6 current
    # versions, 7 signatures for the status, 8 every signature (with versions and witnesses),
    # 9 audit event, 10 savepoint, 11 session save, 12 release savepoint
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200


def test_documents_page_budget(client, cast, docs, django_assert_num_queries) -> None:
    _new_version(cast, docs["financial_policy"])
    client.force_login(cast.admin)
    client.get(reverse("consent:documents"))
    # 1 session, 2 user, 3 every version, 4 current versions, 5 consent settings, 6 savepoint,
    # 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        assert client.get(reverse("consent:documents")).status_code == 200


# ---- the drafting note is for the clinic, never for patients --------------------------------


def _legacy(cast, kind, *, note_en=None, note_es=None) -> ConsentDocumentVersion:
    """A published version as the defaults were before the fix: the note first in its body."""
    from infusionist.consent import texts

    ConsentDocumentVersion.objects.filter(organization=cast.org, kind=kind).delete()
    version = ConsentDocumentVersion(
        organization=cast.org,
        kind=kind,
        number=1,
        title_en="Consent for ketamine treatment",
        title_es="Consentimiento para el tratamiento con ketamina",
        body_en=(note_en if note_en is not None else texts.LAWYER_NOTE["en"])
        + "\n\n"
        + texts.default_body(kind, "en"),
        body_es=(note_es if note_es is not None else texts.LAWYER_NOTE["es"])
        + "\n\n"
        + texts.default_body(kind, "es"),
        effective_on=clinic_today(organization_id=cast.org.pk),
        status=ConsentDocumentVersion.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    version.content_sha256 = version.compute_sha256()
    version.save()
    return version


NOTES = ("Model document", "lawyer", "Documento modelo", "abogado")


def _has_note(text: str) -> bool:
    return any(words in text for words in NOTES)


@pytest.mark.parametrize(
    ("note_en", "note_es"),
    [
        (None, None),
        # The same note wrapped over lines, with Windows line ends, or spaced differently.
        (
            "Model document: a clinic must review this text\r\nwith its own lawyer and "
            "medical director before using it with patients.",
            "  Documento modelo: la clínica debe revisar este texto con su propio abogado y su "
            "director médico antes de usarlo con pacientes.  ",
        ),
    ],
)
def test_patients_never_read_the_drafting_note(client, cast, docs, note_en, note_es) -> None:
    version = _legacy(cast, "ketamine_treatment", note_en=note_en, note_es=note_es)
    client.force_login(cast.patient_user)
    page = client.get(reverse("portal:consent_document", args=[version.pk])).content.decode()
    assert "off-label" in page and not _has_note(page)
    client.cookies["django_language"] = "es"
    page = client.get(reverse("portal:consent_document", args=[version.pk])).content.decode()
    assert "vejiga" in page and not _has_note(page)
    client.cookies["django_language"] = "en"
    signature = _sign(cast, version)
    page = client.get(reverse("portal:consent_signature", args=[signature.pk])).content.decode()
    assert "off-label" in page and not _has_note(page)
    response = client.get(reverse("portal:consent_signature_pdf", args=[signature.pk]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert not _has_note(text.replace("\n", " "))
    # The stored text and its fingerprint are what was published: unchanged.
    version.refresh_from_db()
    assert version.body_en.startswith(note_en or "Model document")
    assert version.content_sha256 == version.compute_sha256() == signature.content_sha256


def test_staff_see_the_note_apart_and_the_patients_text_without_it(client, cast, docs) -> None:
    version = _legacy(cast, "ketamine_treatment")
    client.force_login(cast.admin)
    page = client.get(reverse("consent:document_detail", args=[version.pk])).content.decode()
    assert "For the clinic, not shown to patients" in page
    assert page.count("Model document") == 1 and "abogado" not in page
    client.force_login(cast.nurse)
    url = reverse("consent:witness", args=[cast.patient.pk, version.pk])
    page = client.get(url).content.decode()
    assert "off-label" in page and not _has_note(page)


def test_a_new_version_leaves_the_note_out_of_its_text(cast, docs) -> None:
    version = _legacy(cast, "ketamine_treatment")
    draft = services.consent_document_draft_create(source=version, actor=cast.admin)
    assert not _has_note(draft.body_en) and not _has_note(draft.body_es)
    assert draft.body_en.startswith("This form explains ketamine treatment")


@pytest.mark.parametrize(
    "body",
    [
        # Not leading, or not the note: every word is kept.
        "Intro paragraph.\n\nModel document: a clinic must review this text with its own "
        "lawyer and medical director before using it with patients.",
        "Model document: our clinic reviewed this text.\n\nMore.",
        "",
    ],
)
def test_only_a_leading_drafting_note_is_left_out(body) -> None:
    assert selectors.patient_text(body) == body


def test_the_consent_agreement_is_a_large_tap_target(client, cast, docs) -> None:
    from pathlib import Path

    from django.conf import settings

    client.force_login(cast.patient_user)
    url = reverse("portal:consent_document", args=[docs["ketamine_treatment"].pk])
    page = client.get(url).content.decode()
    assert '<label class="checkbox consent-agree" for="id_agreed">' in page
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    rule = css.split("label.consent-agree {")[1].split("}")[0]
    assert "min-height: var(--tap)" in rule and "--tap: 44px" in css
