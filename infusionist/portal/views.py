"""The patient's own pages: their home and their open questionnaires.

A patient who signs in lands on their home page (accounts/home.py): the questionnaires open for
them (start or resume), crisis resources, their language. Each questionnaire is the same page a
link opens (measurements/patient_pages.py), saved with source "patient portal" and the patient's
own user as the actor. Nothing here shows anything that is not the signed-in patient's own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from infusionist.accounts.access import record_view, require_capability, user_of
from infusionist.audit.models import AuditEvent
from infusionist.consent.selectors import portal_status
from infusionist.intake.selectors import intake_progress
from infusionist.lib import instruments
from infusionist.measurements import patient_pages
from infusionist.measurements.models import Assignment, QuestionnaireResponse
from infusionist.patients.models import Patient
from infusionist.portal import selectors
from infusionist.postonly import post_only

CAPABILITY = "portal.use"


def _patient(request: HttpRequest) -> Patient | None:
    return selectors.own_patient(user=user_of(request))


def _own(request: HttpRequest, assignment_id: int) -> Assignment:
    patient = _patient(request)
    if patient is None:
        raise Http404("No patient record is linked to this login.")
    return selectors.own_assignment(patient=patient, assignment_id=assignment_id)


@never_cache
@require_GET
@require_capability(CAPABILITY)
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in patient's home: their open questionnaires and crisis resources."""
    patient = _patient(request)
    questionnaires = (
        selectors.open_questionnaires(patient=patient, now=timezone.now()) if patient else []
    )
    if patient is not None:
        record_view(
            request,
            object_type=AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT,
            patient=patient,
            detail={
                "page": "portal_home",
                "open": [row.assignment.pk for row in questionnaires],
            },
        )
    lang = request.LANGUAGE_CODE
    consent_to_sign = portal_status(patient=patient).to_sign if patient is not None else []
    rows = []
    for row in questionnaires:
        instrument = instruments.get(row.assignment.instrument_code)
        rows.append(
            {"row": row, "title": instrument.title_in(lang), "total_items": len(instrument.items)}
        )
    return patient_pages.no_store(
        render(
            request,
            "portal/home.html",
            {
                "patient": patient,
                "rows": rows,
                "consent_to_sign": [
                    (item, item.current_version.title_in("es" if lang.startswith("es") else "en"))
                    for item in consent_to_sign
                    if item.current_version is not None
                ],
                "intake": intake_progress(patient=patient) if patient is not None else None,
            },
        )
    )


def _answering(request: HttpRequest, assignment: Assignment) -> patient_pages.Answering:
    args = [assignment.pk]
    return patient_pages.Answering(
        assignment=assignment,
        source=QuestionnaireResponse.Source.PATIENT_PORTAL,
        actor=user_of(request),
        link=None,
        answer_url=reverse("portal:answer", args=args),
        submit_url=reverse("portal:answer_send", args=args),
        save_url=reverse("portal:answer_save", args=args),
        done_url=reverse("portal:done", args=args),
        via="portal",
        after_save_url=reverse("portal:home"),
    )


def _is_open(assignment: Assignment) -> bool:
    return (
        assignment.status == Assignment.Status.PENDING and assignment.available_at <= timezone.now()
    )


def _closed(request: HttpRequest, assignment: Assignment) -> HttpResponse:
    """A questionnaire that is cancelled or not open yet: say so, harmlessly."""
    if patient_pages.is_autosave(request):
        return JsonResponse({"saved": False, "closed": True}, status=409)
    return patient_pages.no_store(
        render(request, "portal/closed.html", {"assignment": assignment}, status=200)
    )


def _questionnaire(request: HttpRequest, assignment_id: int, *, submit: bool) -> HttpResponse:
    assignment = _own(request, assignment_id)
    answering = _answering(request, assignment)
    sent = patient_pages.stored_response(assignment)
    if patient_pages.is_sent(assignment, sent):
        if request.method == "GET":
            return redirect(answering.done_url)
        return patient_pages.already_sent(
            request, done_url=answering.done_url, flagged=patient_pages.urgent_after(sent)
        )
    if not _is_open(assignment):
        return _closed(request, assignment)
    return patient_pages.answer_page(
        request,
        answering,
        submit=submit,
        lang=request.LANGUAGE_CODE,
        template="portal/answer.html",
    )


ViewFunc = Callable[..., HttpResponseBase]


def _signed_out_back_to_the_questionnaire(view: ViewFunc) -> ViewFunc:
    """A post after the session ended: sign in again, then come back to the questionnaire.

    An autosave gets a JSON answer instead of the sign-in page (the page says what happened);
    a form post returns to the questionnaire's page after signing in, not to this action.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if patient_pages.is_autosave(request):
                return JsonResponse({"saved": False, "signed_out": True}, status=401)
            return redirect_to_login(reverse("portal:answer", args=[kwargs["assignment_id"]]))
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
@require_capability(CAPABILITY)
def answer(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Start or resume one of the patient's questionnaires."""
    return _questionnaire(request, assignment_id, submit=False)


@never_cache
@post_only
@_signed_out_back_to_the_questionnaire
@require_capability(CAPABILITY)
def answer_send(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Send the answers to be scored (missing answers are pointed out, nothing is lost)."""
    return _questionnaire(request, assignment_id, submit=True)


@never_cache
@post_only
@_signed_out_back_to_the_questionnaire
@require_capability(CAPABILITY)
def answer_save(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Keep the answers so far: every autosave, and "Save and finish later"."""
    return _questionnaire(request, assignment_id, submit=False)


@never_cache
@require_GET
@require_capability(CAPABILITY)
def done(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Thank the patient; the urgent crisis box follows a flagged answer (read from the record)."""
    assignment = _own(request, assignment_id)
    sent = patient_pages.stored_response(assignment)
    is_sent = patient_pages.is_sent(assignment, sent)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.QUESTIONNAIRE,
        object_id=assignment.pk,
        patient=assignment.patient,
        detail={"instrument": assignment.instrument_code, "via": "portal", "step": "done"},
    )
    return patient_pages.no_store(
        render(
            request,
            "portal/done.html",
            {
                "assignment": assignment,
                "sent": is_sent,
                "is_open": _is_open(assignment),
                "flagged": patient_pages.urgent_after(sent),
                "back_url": reverse("portal:home"),
            },
        )
    )
