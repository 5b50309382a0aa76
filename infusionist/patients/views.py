from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_list_view,
    record_view,
    require_capability,
    user_of,
)
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.clinics.models import Organization
from infusionist.patients import search_keys, selectors, services
from infusionist.patients.duplicates import DuplicateMatch
from infusionist.patients.forms import PatientForm, PatientListState, PatientSearchForm


@require_capability("patients.search")
def patient_list(request: HttpRequest) -> HttpResponse:
    """List and search patients; searches are posted so no name or DOB sits in a URL."""
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        if form.is_valid():
            text = (form.cleaned_data["q"] or "").strip()
            if not text:
                return redirect("patients:list")
            key = search_keys.search_key_store(request, text)
            return redirect(f"{reverse('patients:list')}?s={key}")
        return _patient_list_page(request, form=form, text="", key="", page_number=1)
    state = PatientListState(request.GET or None)
    text, key, page_number = "", "", 1
    if state.is_valid():
        key = state.cleaned_data["s"] or ""
        page_number = state.cleaned_data["page"] or 1
        if key:
            recalled = search_keys.search_text_recall(request, key)
            if recalled is None:
                messages.info(request, _("That search has expired. Please search again."))
                key = ""
            else:
                text = recalled
    form = PatientSearchForm(initial={"q": text})
    return _patient_list_page(request, form=form, text=text, key=key, page_number=page_number)


def _patient_list_page(
    request: HttpRequest, *, form: PatientSearchForm, text: str, key: str, page_number: int
) -> HttpResponse:
    query, qs = selectors.patient_search(organization=organization_of(request), text=text)
    paginator = Paginator(qs, settings.PATIENT_SEARCH_PAGE_SIZE)
    page = paginator.get_page(page_number)
    if text:
        audit_record(
            action=AuditEvent.Action.SEARCH,
            actor=user_of(request),
            context=context_of(request),
            object_type=AuditEvent.ObjectType.PATIENT,
            detail={"query": text, "kind": query.kind, "results": paginator.count},
        )
    record_list_view(
        request,
        {AuditEvent.ObjectType.PATIENT: page.object_list},
        detail={"list": "search results" if text else "patients"},
    )
    return render(
        request,
        "patients/list.html",
        {"form": form, "page": page, "query": query, "q": text, "search_key": key},
    )


@require_capability("patients.create")
def patient_create(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    form = PatientForm(request.POST or None)
    duplicates: list[DuplicateMatch] = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                organization=organization,
                actor=user_of(request),
                data=form.patient_data(),
                context=context_of(request),
                check_duplicates=True,
                not_duplicate_reason=form.reason_to_record(),
            )
        except services.PossibleDuplicates as exc:
            duplicates = _ask_about_duplicates(request, form, exc.matches, creating=True)
        except ValidationError as exc:
            _errors_beside_fields(form, exc)
        else:
            messages.success(request, _("Patient created with MRN %(mrn)s.") % {"mrn": patient.mrn})
            return redirect("record:patient", patient_id=patient.pk)
    elif request.method == "POST":
        duplicates = _matches_still_shown(request, form, organization=organization)
    return render(
        request,
        "patients/form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
        status=200,
    )


def _ask_about_duplicates(
    request: HttpRequest, form: PatientForm, matches: list[DuplicateMatch], *, creating: bool
) -> list[DuplicateMatch]:
    """Put the question beside the confirmation box and audit the matches shown."""
    form.add_error(
        "confirm_not_duplicate",
        _(
            "Possible matches are shown above. Open one if it is this patient, or tick this "
            "box and say what tells them apart to confirm a new record."
        )
        if creating
        else _(
            "With these changes the patient may be someone already registered (shown above). "
            "Open the match if it is the same person, or tick this box and say what tells "
            "them apart."
        ),
    )
    record_list_view(
        request,
        {AuditEvent.ObjectType.PATIENT: [match.patient for match in matches]},
        detail={"list": "possible duplicates"},
    )
    return matches


def _matches_still_shown(
    request: HttpRequest,
    form: PatientForm,
    *,
    organization: Organization,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Return the matches again when a confirmation was refused, so it is answered beside them."""
    if not (form.data.get("confirm_not_duplicate") or form.data.get("not_duplicate_reason")):
        return []
    data = getattr(form, "cleaned_data", {})
    matches = selectors.possible_duplicates(
        organization=organization,
        legal_first_name=data.get("legal_first_name") or "",
        legal_last_name=data.get("legal_last_name") or "",
        preferred_name=data.get("preferred_name") or "",
        date_of_birth=data.get("date_of_birth"),
        phone=data.get("phone") or "",
        email=data.get("email") or "",
        exclude_id=exclude_id,
    )
    if matches:
        record_list_view(
            request,
            {AuditEvent.ObjectType.PATIENT: [match.patient for match in matches]},
            detail={"list": "possible duplicates"},
        )
    return matches


def _errors_beside_fields(form: PatientForm, exc: ValidationError) -> None:
    for field, problems in exc.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@require_capability("patients.edit")
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get_for_user(user=user_of(request), patient_id=patient_id)
    form = PatientForm(request.POST or None, instance=patient)
    duplicates: list[DuplicateMatch] = []
    if request.method == "POST" and form.is_valid():
        # ModelForm validation already copied the values onto `patient`; reload it so the
        # service sees what is stored and can tell which fields change.
        patient.refresh_from_db()
        try:
            changed = services.patient_update(
                patient=patient,
                actor=user_of(request),
                data=form.patient_data(),
                context=context_of(request),
                check_duplicates=True,
                not_duplicate_reason=form.reason_to_record(),
            )
        except services.PossibleDuplicates as exc:
            duplicates = _ask_about_duplicates(request, form, exc.matches, creating=False)
        except ValidationError as exc:
            _errors_beside_fields(form, exc)
        else:
            if changed:
                messages.success(request, _("Changes saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("record:patient", patient_id=patient.pk)
    elif request.method == "POST":
        duplicates = _matches_still_shown(
            request, form, organization=patient.organization, exclude_id=patient.pk
        )
    if request.method == "POST":
        patient.refresh_from_db()  # the heading names the stored patient, not the typed one
    record_view(
        request,
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=patient.pk,
        patient=patient,
        detail={"form": "edit"},
    )
    return render(
        request,
        "patients/form.html",
        {"form": form, "patient": patient, "creating": False, "duplicates": duplicates},
        status=200,
    )
