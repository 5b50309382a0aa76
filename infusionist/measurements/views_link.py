"""The patient's questionnaire pages, opened from an emailed or texted link (no login).

Flow: /q/<token>/ asks for the date of birth (rate-limited, audited); on success the session
remembers the link and the questionnaire opens at /q/answer/ (so the token leaves the address
bar); /q/done/ thanks the patient. Crisis resources are on every page and shown prominently at
once for a suicidality answer; the pages say plainly that answers are not monitored live
(docs/clinical-reference.md §9; [101]).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.lib import instruments
from infusionist.measurements import selectors, services
from infusionist.measurements.forms import DateOfBirthForm, InstrumentForm
from infusionist.measurements.models import AccessLink, QuestionnaireResponse
from infusionist.measurements.patient_text import text_for
from infusionist.patients.models import Patient

SESSION_LINK = "mbc_link_id"
SESSION_LANG = "mbc_lang"
SESSION_FLAGGED = "mbc_flagged"
PROBLEM_STATUS = {"used": 410, "expired": 410, "replaced": 410, "locked": 429, "rate": 429}


def _lang(
    request: HttpRequest, patient: Patient | None, instrument: instruments.Instrument | None
) -> str:
    chosen = request.GET.get("lang")
    if chosen in ("en", "es"):
        request.session[SESSION_LANG] = chosen
    lang = request.session.get(SESSION_LANG) or getattr(patient, "preferred_language", "en")
    if instrument is not None and lang not in instrument.languages:
        return "en"
    return lang if lang in ("en", "es") else "en"


def _clinic_phone(patient: Patient | None) -> str:
    location = patient.organization.primary_location if patient is not None else None
    return location.phone if location else ""


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], lang: str, status: int = 200
) -> HttpResponse:
    with translation.override(lang):
        response = render(
            request, template, {"t": text_for(lang), "lang": lang, **context}, status=status
        )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _problem(request: HttpRequest, reason: str, patient: Patient | None = None) -> HttpResponse:
    lang = _lang(request, patient, None)
    return _render(
        request,
        "measurements/link_problem.html",
        {"message": text_for(lang)[f"link_{reason}"], "clinic_phone": _clinic_phone(patient)},
        lang,
        status=PROBLEM_STATUS.get(reason, 404),
    )


def _crisis_items(instrument: instruments.Instrument, organization: Organization) -> dict[str, int]:
    """Return link_id -> lowest answer that shows crisis resources at once (clinic params)."""
    measurement_settings = selectors.measurement_settings_for(organization=organization)
    params = instruments.resolve_params(
        instrument, measurement_settings.instrument_params(instrument.code)
    )
    return instrument.crisis_thresholds(params)


@never_cache
@require_http_methods(["GET", "POST"])
def link_start(request: HttpRequest, token: str) -> HttpResponse:
    link = selectors.link_for_token(token)
    if link is None:
        return _problem(request, "unknown")
    patient = link.assignment.patient
    refusal = link.refusal()
    if refusal:
        audit_record(
            action=AuditEvent.Action.ACCESS,
            context=AuditContext.from_request(request),
            organization=patient.organization,
            object_type=AuditEvent.ObjectType.QUESTIONNAIRE_LINK,
            object_id=link.pk,
            patient=patient,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"reason": refusal},
        )
        return _problem(request, refusal, patient)
    lang = _lang(request, patient, None)
    words = text_for(lang)
    form = DateOfBirthForm(request.POST or None, lang=lang)
    if request.method == "POST" and form.is_valid():
        try:
            ok = services.link_verify_date_of_birth(
                link=link,
                date_of_birth=form.cleaned_data["date_of_birth"],
                context=AuditContext.from_request(request),
            )
        except services.LinkRefused as exc:
            return _problem(request, exc.reason, patient)
        if ok:
            request.session.cycle_key()
            request.session[SESSION_LINK] = link.pk
            request.session[SESSION_LANG] = lang
            return redirect("questionnaire:answer")
        left = max(0, request_limit() - link.failed_attempts)
        form.add_error(None, f"{words['dob_wrong']} {words['attempts_left'].format(n=left)}")
    if request.method == "GET":
        audit_record(
            action=AuditEvent.Action.ACCESS,
            context=AuditContext.from_request(request),
            organization=patient.organization,
            object_type=AuditEvent.ObjectType.QUESTIONNAIRE_LINK,
            object_id=link.pk,
            patient=patient,
            detail={"step": "opened"},
        )
    return _render(
        request,
        "measurements/link_dob.html",
        {"form": form, "clinic": patient.organization.name, "switch_lang": _other(lang)},
        lang,
        status=422 if form.errors else 200,
    )


def request_limit() -> int:
    return int(settings.MEASUREMENT_LINK_DOB_MAX_ATTEMPTS)


def _other(lang: str) -> str:
    return "en" if lang == "es" else "es"


def _session_link(request: HttpRequest) -> AccessLink | None:
    link = selectors.link_by_id(request.session.get(SESSION_LINK))
    if link is None or link.verified_at is None:
        return None
    return link


@never_cache
@require_http_methods(["GET", "POST"])
def link_answer(request: HttpRequest) -> HttpResponse:
    """Show the questionnaire; a POST sends the answers to be scored."""
    return _answer(request, submit=request.method == "POST")


@never_cache
@require_http_methods(["POST"])
def link_answer_save(request: HttpRequest) -> HttpResponse:
    """Keep the answers so far (the "finish later" button and every autosave)."""
    return _answer(request, submit=False)


def _answer(request: HttpRequest, *, submit: bool) -> HttpResponse:
    link = _session_link(request)
    if link is None:
        lang = request.session.get(SESSION_LANG, "en")
        return _render(
            request,
            "measurements/link_problem.html",
            {"message": text_for(lang)["session_ended"]},
            lang,
            status=403,
        )
    refusal = link.refusal()
    if refusal == "used":
        return redirect("questionnaire:done")
    if refusal:
        return _problem(request, refusal, link.assignment.patient)
    assignment = link.assignment
    patient = assignment.patient
    instrument = instruments.get(assignment.instrument_code)
    lang = _lang(request, patient, instrument)
    draft = QuestionnaireResponse.objects.filter(assignment=assignment).first()
    form = InstrumentForm(
        request.POST or None,
        instrument=instrument,
        lang=lang,
        patient_facing=True,
        initial=dict(draft.answers) if draft and request.method == "GET" else None,
    )
    for field in form.fields.values():
        field.error_messages["invalid_choice"] = text_for(lang)["choose"]
    saved = False
    context = AuditContext.from_request(request)
    if request.method == "POST" and form.is_valid():
        common: dict[str, Any] = {
            "patient": patient,
            "instrument_code": instrument.code,
            "answers": form.answers(),
            "source": QuestionnaireResponse.Source.PATIENT_LINK,
            "language": lang,
            "assignment": assignment,
            "context": context,
        }
        if submit:
            try:
                response = services.questionnaire_response_submit(**common, link=link)
            except instruments.InvalidAnswers as exc:
                form.add_answer_errors(exc.errors)
            else:
                request.session[SESSION_FLAGGED] = response.has_suicidality_flag
                request.session.pop(SESSION_LINK, None)
                return redirect("questionnaire:done")
        # Keep what the patient has answered so far, including after an incomplete submit.
        try:
            draft = services.questionnaire_response_save(**common)
            saved = not form.errors
        except instruments.InvalidAnswers as exc:
            form.add_answer_errors(exc.errors)
        if request.headers.get("X-Autosave") == "1":
            return JsonResponse(
                {"saved": saved, "crisis": bool(draft and draft.has_suicidality_flag)}
            )
    elif request.method == "GET":
        audit_record(
            action=AuditEvent.Action.VIEW,
            context=context,
            organization=patient.organization,
            object_type=AuditEvent.ObjectType.QUESTIONNAIRE,
            object_id=assignment.pk,
            patient=patient,
            detail={"instrument": instrument.code, "via": "link"},
        )
    definition = instruments.definition_as_dict(instrument, lang)
    crisis_items = _crisis_items(instrument, patient.organization)
    rows = [
        {"field": bound, "number": number, "crisis_at_least": crisis_items.get(bound.name)}
        for number, bound in enumerate(form.item_fields(), start=1)
    ]
    return _render(
        request,
        "measurements/link_answer.html",
        {
            "form": form,
            "instrument": instrument,
            "instructions": definition["instructions"],
            "clinic": patient.organization.name,
            "saved": saved,
            "flagged": bool(draft and draft.has_suicidality_flag),
            "rows": rows,
            "switch_lang": _other(lang) if _other(lang) in instrument.languages else "",
            "total_items": len(instrument.items),
        },
        lang,
        status=422 if form.errors else 200,
    )


@never_cache
def link_done(request: HttpRequest) -> HttpResponse:
    lang = request.session.get(SESSION_LANG, "en")
    flagged = bool(request.session.get(SESSION_FLAGGED, False))
    return _render(request, "measurements/link_done.html", {"flagged": flagged}, lang)
