"""The patient's questionnaire pages, opened from an emailed or texted link (no login).

Flow: /q/<token>/ asks for the date of birth (rate-limited, audited); on success the session
remembers the link and the questionnaire opens at /q/answer/ (so the token leaves the address
bar); /q/done/ thanks the patient. The questionnaire itself is the one the portal shows
(``patient_pages``). Crisis resources are on every page and shown prominently at once for a
suicidality answer; the pages say plainly that answers are not monitored live
(docs/clinical-reference.md §9; [101]).

The pages speak the language the person chose with the switch, else the patient's preferred
language, else the browser's (``infusionist.i18n``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record
from infusionist.clinics.selectors import clinic_brand
from infusionist.i18n import use_patient_language
from infusionist.measurements import patient_pages, selectors, services
from infusionist.measurements.forms import DateOfBirthForm
from infusionist.measurements.models import AccessLink, QuestionnaireResponse
from infusionist.measurements.patient_text import text_for
from infusionist.patients.models import Patient
from infusionist.postonly import post_only

SESSION_LINK = "mbc_link_id"
PROBLEM_STATUS = {
    "used": 410,
    "expired": 410,
    "replaced": 410,
    "cancelled": 410,
    "locked": 429,
    "rate": 429,
}


def _language(request: HttpRequest, patient: Patient | None) -> str:
    return use_patient_language(request, patient.preferred_language if patient else None)


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    status: int = 200,
    *,
    patient: Patient | None = None,
) -> HttpResponse:
    """Render a link page with the patient's clinic's brand (logo, phone, crisis wording) in
    the language already chosen for the page."""
    if patient is not None:
        context = {
            **context,
            "brand": clinic_brand(organization=patient.organization, language=get_language()),
        }
    return patient_pages.no_store(render(request, template, context, status=status))


def _problem(request: HttpRequest, reason: str, patient: Patient | None = None) -> HttpResponse:
    lang = _language(request, patient)
    if patient_pages.is_autosave(request):
        return JsonResponse({"saved": False, "problem": reason}, status=403)
    return _render(
        request,
        "measurements/link_problem.html",
        {"message": text_for(lang)[f"link_{reason}"]},
        status=PROBLEM_STATUS.get(reason, 404),
        patient=patient,
    )


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
    lang = _language(request, patient)
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
            return redirect("questionnaire:answer")
        left = max(0, request_limit() - link.failed_attempts)
        form.add_error(None, f"{words['dob_wrong']} {words['attempts_left'] % {'count': left}}")
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
        {"form": form, "clinic": patient.organization.name},
        status=422 if form.errors else 200,
        patient=patient,
    )


def request_limit() -> int:
    return int(settings.MEASUREMENT_LINK_DOB_MAX_ATTEMPTS)


def _session_link(request: HttpRequest) -> AccessLink | None:
    """Return the link this browser verified with the date of birth, or None."""
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
@post_only
def link_answer_save(request: HttpRequest) -> HttpResponse:
    """Keep the answers so far (the "finish later" button and every autosave)."""
    return _answer(request, submit=False)


def _answer(request: HttpRequest, *, submit: bool) -> HttpResponse:
    link = _session_link(request)
    if link is None:
        _language(request, None)
        if patient_pages.is_autosave(request):
            return JsonResponse({"saved": False, "session_ended": True}, status=403)
        return _render(
            request,
            "measurements/link_problem.html",
            {"message": text_for(request.LANGUAGE_CODE)["session_ended"]},
            status=403,
        )
    assignment = link.assignment
    patient = assignment.patient
    done_url = reverse("questionnaire:done")
    refusal = link.refusal()
    sent = patient_pages.stored_response(assignment)
    if refusal == "used" and patient_pages.is_sent(assignment, sent):
        _language(request, patient)
        return patient_pages.already_sent(
            request, done_url=done_url, flagged=patient_pages.urgent_after(sent)
        )
    if refusal:
        return _problem(request, refusal, patient)
    answering = patient_pages.Answering(
        assignment=assignment,
        source=QuestionnaireResponse.Source.PATIENT_LINK,
        actor=None,
        link=link,
        answer_url=reverse("questionnaire:answer"),
        submit_url=reverse("questionnaire:answer"),
        save_url=reverse("questionnaire:answer_save"),
        done_url=done_url,
        via="link",
    )
    return patient_pages.answer_page(
        request,
        answering,
        submit=submit,
        lang=_language(request, patient),
        template="measurements/link_answer.html",
    )


@never_cache
def link_done(request: HttpRequest) -> HttpResponse:
    """Thank the patient; the urgent crisis box follows a flagged answer, read from the record.

    The session keeps the verified link after the answers are sent, so this page can read the
    stored response (a late autosave cannot change what it shows).
    """
    link = _session_link(request)
    patient = link.assignment.patient if link is not None else None
    _language(request, patient)
    sent = patient_pages.stored_response(link.assignment) if link is not None else None
    if link is not None and not patient_pages.is_sent(link.assignment, sent):
        refusal = link.refusal()
        return _problem(request, refusal, patient) if refusal else redirect("questionnaire:answer")
    return _render(
        request,
        "measurements/link_done.html",
        {"flagged": patient_pages.urgent_after(sent)},
        patient=patient,
    )
