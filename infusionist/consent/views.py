"""Consent pages: staff (/consent/) and the signed-in patient's (/portal/consent/).

Staff read documents and patients' consents, record a consent signed in front of them and
download copies; the clinic admin drafts, publishes and chooses the required documents. A
patient reads each document in their language, signs it with their typed name and downloads
their own copies. Every page that shows a patient's data writes a view event.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_view,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.consent import selectors, services, texts
from infusionist.consent.forms import DraftForm, SettingsForm, SignForm, WitnessForm
from infusionist.consent.models import ConsentDocumentVersion, ConsentKind, ConsentSignature
from infusionist.consent.pdf import html_to_pdf
from infusionist.patients.models import Patient
from infusionist.patients.selectors import patient_get_for_user
from infusionist.postonly import post_only

PORTAL = "portal.use"


def _apply_errors(form: SignForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _language(request: HttpRequest) -> str:
    return "es" if (get_language() or "en").startswith("es") else "en"


# Staff: documents and settings -------------------------------------------------------------


@require_GET
@require_capability("consent.view")
def documents(request: HttpRequest) -> HttpResponse:
    """The clinic's consent documents by kind (versions newest first) and the required set."""
    organization = organization_of(request)
    versions = selectors.document_versions_for(organization=organization)
    current = selectors.current_versions(organization_id=organization.pk)
    settings = selectors.consent_settings_for(organization=organization)
    kinds = []
    for kind in ConsentKind:
        rows = [v for v in versions if v.kind == kind.value]
        kinds.append(
            {
                "kind": kind,
                "versions": rows,
                "current": current.get(kind.value),
                "draft": next((v for v in rows if not v.is_published), None),
                "required": kind.value in selectors.required_kinds(settings=settings),
            }
        )
    return render(
        request,
        "consent/documents.html",
        {
            "kinds": kinds,
            "settings": settings,
            "missing_kinds": any(not k["versions"] for k in kinds),
            "can_manage": can(request.user, "consent.manage"),
        },
    )


@post_only
@require_capability("consent.manage")
def defaults_add(request: HttpRequest) -> HttpResponse:
    """Publish version 1 of each default document the clinic has none of."""
    created = services.consent_documents_create_defaults(
        organization=organization_of(request), actor=user_of(request), context=context_of(request)
    )
    messages.success(request, f"Added {len(created)} default document(s).")
    return redirect("consent:documents")


@require_http_methods(["GET", "POST"])
@require_capability("consent.manage")
def settings_edit(request: HttpRequest) -> HttpResponse:
    """Choose which documents are required before treatment."""
    organization = organization_of(request)
    settings = selectors.consent_settings_for(organization=organization)
    initial = {
        "required_kinds": settings.required_kinds,
        "telehealth_required_for_telehealth": settings.telehealth_required_for_telehealth,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_settings_update(
                organization=organization,
                actor=user_of(request),
                required_kinds=form.cleaned_data["required_kinds"],
                telehealth_required_for_telehealth=form.cleaned_data[
                    "telehealth_required_for_telehealth"
                ],
                context=context_of(request),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Consent settings saved.")
            return redirect("consent:documents")
    return render(request, "consent/settings_form.html", {"form": form})


@require_GET
@require_capability("consent.view")
def document_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    """One version in English and Spanish, with its hash and state."""
    version = selectors.document_version_get(user=user_of(request), version_id=version_id)
    current = selectors.current_versions(organization_id=version.organization_id)
    return render(
        request,
        "consent/document_detail.html",
        {
            "version": version,
            "is_current": current.get(version.kind) == version,
            # What patients read; the drafting note is shown apart, for the clinic only.
            "blocks_en": selectors.patient_blocks(version.body_en),
            "blocks_es": selectors.patient_blocks(version.body_es),
            "drafting_note": texts.LAWYER_NOTE["en"],
            "can_manage": can(request.user, "consent.manage"),
        },
    )


@post_only
@require_capability("consent.manage")
def draft_create(request: HttpRequest, version_id: int) -> HttpResponse:
    """Start the next version as a copy of this one."""
    source = selectors.document_version_get(user=user_of(request), version_id=version_id)
    try:
        draft = services.consent_document_draft_create(
            source=source, actor=user_of(request), context=context_of(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("consent:document_detail", version_id=source.pk)
    return redirect("consent:draft_edit", draft_id=draft.pk)


@require_http_methods(["GET", "POST"])
@require_capability("consent.manage")
def draft_edit(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Edit a draft's titles, texts and effective date (a published version never changes)."""
    version = selectors.document_version_get(user=user_of(request), version_id=draft_id)
    if version.is_published:
        messages.info(request, "A published version never changes: start a new version.")
        return redirect("consent:document_detail", version_id=version.pk)
    form = DraftForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_document_draft_update(
                version=version,
                actor=user_of(request),
                data=form.cleaned_data,
                context=context_of(request),
            )
        except ValidationError as error:
            # A past effective date is said beside the date field; anything else above.
            form.add_error(None, error if hasattr(error, "error_dict") else error.messages)
        else:
            messages.success(request, "Draft saved. Publish it when it is ready.")
            return redirect("consent:document_detail", version_id=version.pk)
    return render(request, "consent/draft_form.html", {"form": form, "version": version})


@post_only
@require_capability("consent.manage")
def publish(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Publish a draft: from its effective date, patients must sign it (re-consent)."""
    version = selectors.document_version_get(user=user_of(request), version_id=draft_id)
    if request.POST.get("confirm_re_consent") != "yes":
        messages.error(
            request,
            f"Tick “Publishing asks every patient to sign version {version.number} again” "
            "to publish.",
        )
        return redirect("consent:document_detail", version_id=version.pk)
    try:
        services.consent_document_publish(
            version=version,
            actor=user_of(request),
            context=context_of(request),
            confirmed_re_consent=True,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Version {version.number} published. Patients who signed an earlier version "
            "are asked to sign it from its effective date.",
        )
    return redirect("consent:document_detail", version_id=version.pk)


# Staff: a patient's consents ---------------------------------------------------------------


@require_GET
@require_capability("consent.view")
def patient_consents(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's consent status and every signature, with links to the copies."""
    user = user_of(request)
    patient = patient_get_for_user(user=user, patient_id=patient_id)
    panel = selectors.patient_panel(user=user, patient=patient)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSENT_SIGNATURE,
        patient=patient,
        detail={"page": "patient_consents"},
    )
    return render(
        request,
        "consent/patient.html",
        {"patient": patient, "panel": panel, "can_witness": can(user, "consent.witness")},
    )


@require_http_methods(["GET", "POST"])
@require_capability("consent.witness")
def witness(request: HttpRequest, patient_id: int, version_id: int) -> HttpResponse:
    """Record a consent the patient signed in front of this staff member."""
    user = user_of(request)
    patient = patient_get_for_user(user=user, patient_id=patient_id)
    version = selectors.signable_version_get(patient=patient, version_id=version_id)
    form = WitnessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signature = services.consent_sign(
                patient=patient,
                version=version,
                actor=user,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agreed"],
                language=form.cleaned_data["language"],
                method=form.cleaned_data["method"],
                context=context_of(request),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Consent recorded, with you as the witness.")
            return redirect("consent:signature", signature_id=signature.pk)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSENT_DOCUMENT,
        object_id=version.pk,
        patient=patient,
        detail={"page": "witness"},
    )
    return render(
        request,
        "consent/witness.html",
        {
            "form": form,
            "patient": patient,
            "version": version,
            "blocks": selectors.patient_blocks(version.body_en),
        },
    )


def _copy_context(signature: ConsentSignature) -> dict[str, object]:
    version = signature.document_version
    return {
        "signature": signature,
        "version": version,
        "title": version.title_in(signature.language),
        "blocks": selectors.patient_blocks(version.body_in(signature.language)),
        "clinic": signature.organization,
        "time_zone": timezone.get_current_timezone_name(),
        "hash_matches": version.content_sha256 == signature.content_sha256,
    }


def _view_copy(request: HttpRequest, signature: ConsentSignature, *, pdf: bool) -> None:
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSENT_SIGNATURE,
        object_id=signature.pk,
        patient=signature.patient,
        detail={"copy": "pdf" if pdf else "page"},
    )


def _pdf_response(request: HttpRequest, signature: ConsentSignature) -> HttpResponse:
    html = render_to_string("consent/signed_copy_pdf.html", _copy_context(signature), request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    name = f"consent-{signature.kind}-v{signature.document_version.number}-{signature.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@require_capability("consent.view")
def signature_detail(request: HttpRequest, signature_id: int) -> HttpResponse:
    """The printable copy of a signed consent."""
    signature = selectors.signature_get_for_user(user=user_of(request), signature_id=signature_id)
    _view_copy(request, signature, pdf=False)
    return render(
        request,
        "consent/signature.html",
        {
            **_copy_context(signature),
            "pdf_url": reverse("consent:signature_pdf", args=[signature.pk]),
            "back_url": reverse("consent:patient", args=[signature.patient_id]),
        },
    )


@require_GET
@require_capability("consent.view")
def signature_pdf(request: HttpRequest, signature_id: int) -> HttpResponse:
    """The PDF copy of a signed consent."""
    signature = selectors.signature_get_for_user(user=user_of(request), signature_id=signature_id)
    _view_copy(request, signature, pdf=True)
    return _pdf_response(request, signature)


# The patient's own pages (portal) ----------------------------------------------------------


def _own_patient(request: HttpRequest) -> Patient:
    patient = selectors.own_patient(user=user_of(request))
    if patient is None:
        raise Http404("No patient record is linked to this login.")
    return patient


@never_cache
@require_GET
@require_capability(PORTAL)
def portal_list(request: HttpRequest) -> HttpResponse:
    """The patient's consent forms: what to sign now, and copies of what they signed."""
    patient = _own_patient(request)
    status = selectors.portal_status(patient=patient)
    signatures = selectors.signatures_for_patient(patient=patient)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSENT_SIGNATURE,
        patient=patient,
        detail={"page": "portal_consent_list"},
    )
    lang = _language(request)
    return render(
        request,
        "consent/portal_list.html",
        {
            "patient": patient,
            "to_sign": [
                (item, item.current_version.title_in(lang))
                for item in status.to_sign
                if item.current_version is not None
            ],
            "signed": [(s, s.document_version.title_in(s.language)) for s in signatures],
        },
    )


def _portal_document(
    request: HttpRequest, patient: Patient, version: ConsentDocumentVersion, form: SignForm
) -> HttpResponse:
    lang = _language(request)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSENT_DOCUMENT,
        object_id=version.pk,
        patient=patient,
        detail={"page": "portal_consent_document", "language": lang},
    )
    return render(
        request,
        "consent/portal_document.html",
        {
            "patient": patient,
            "version": version,
            "title": version.title_in(lang),
            "blocks": selectors.patient_blocks(version.body_in(lang)),
            "form": form,
        },
    )


@never_cache
@require_GET
@require_capability(PORTAL)
def portal_document(request: HttpRequest, version_id: int) -> HttpResponse:
    """A document to read and sign, in the patient's language."""
    patient = _own_patient(request)
    version = selectors.signable_version_get(patient=patient, version_id=version_id)
    return _portal_document(request, patient, version, SignForm())


@never_cache
@post_only
@require_capability(PORTAL)
def portal_sign(request: HttpRequest, version_id: int) -> HttpResponse:
    """Sign a document: typed full name and agreement; a mismatch keeps what was typed."""
    patient = _own_patient(request)
    version = selectors.signable_version_get(patient=patient, version_id=version_id)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            signature = services.consent_sign(
                patient=patient,
                version=version,
                actor=user_of(request),
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agreed"],
                language=_language(request),
                context=context_of(request),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your signature is recorded."))
            return redirect("portal:consent_signature", signature_id=signature.pk)
    return _portal_document(request, patient, version, form)


@never_cache
@require_GET
@require_capability(PORTAL)
def portal_signature(request: HttpRequest, signature_id: int) -> HttpResponse:
    """The patient's printable copy of a consent they signed."""
    signature = selectors.signature_get_for_user(user=user_of(request), signature_id=signature_id)
    _view_copy(request, signature, pdf=False)
    return render(
        request,
        "consent/portal_signature.html",
        {
            **_copy_context(signature),
            "pdf_url": reverse("portal:consent_signature_pdf", args=[signature.pk]),
            "back_url": reverse("portal:consent_list"),
        },
    )


@never_cache
@require_GET
@require_capability(PORTAL)
def portal_signature_pdf(request: HttpRequest, signature_id: int) -> HttpResponse:
    """The patient's PDF copy of a consent they signed."""
    signature = selectors.signature_get_for_user(user=user_of(request), signature_id=signature_id)
    _view_copy(request, signature, pdf=True)
    return _pdf_response(request, signature)
