"""The questionnaire a patient answers, wherever they open it: a link (/q/) or the portal.

One page for both: the same form and validation, crisis resources the moment a crisis answer is
chosen, answers kept on every change (autosave) and by "Save and finish later", and the same
thank-you page. The caller decides who is answering (:class:`Answering`: the link, or the
signed-in patient) and where the page posts.

Late and repeated posts are harmless: a save or a second "Send" after the questionnaire was sent
answers "already sent" (JSON for an autosave, the thank-you page otherwise), never an error; and
the thank-you page reads the stored response to decide whether to show the urgent crisis box.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record
from infusionist.clinics.models import Organization
from infusionist.clinics.selectors import clinic_brand
from infusionist.lib import instruments
from infusionist.measurements import selectors, services
from infusionist.measurements.forms import InstrumentForm
from infusionist.measurements.models import AccessLink, Assignment, QuestionnaireResponse
from infusionist.measurements.patient_text import text_for

AUTOSAVE_HEADER = "X-Autosave"


@dataclass(frozen=True)
class Answering:
    """Who answers which questionnaire, and the addresses of its page.

    ``source`` and ``actor`` go to the response service: a link has no signed-in actor; the
    portal's actor is the patient's own user. ``via`` names the route in the audit trail.
    """

    assignment: Assignment
    source: str
    actor: User | None
    link: AccessLink | None
    answer_url: str
    submit_url: str
    save_url: str
    done_url: str
    via: str
    #: Where "Save and finish later" goes (the portal home); None stays on the page.
    after_save_url: str | None = None


class AlreadySent(Exception):
    """The questionnaire was sent (by this request's twin, another tab or the other route)."""


def is_autosave(request: HttpRequest) -> bool:
    return request.headers.get(AUTOSAVE_HEADER) == "1"


def items_language(instrument: instruments.Instrument, lang: str) -> str:
    """Return the language the items are shown in: the page's, or one the items are worded in.

    A patient answers from the wording, so the items show in a language where every item and
    answer is worded (``Instrument.patient_languages``); the page then says so.
    """
    languages = instrument.patient_languages() or instrument.languages
    return lang if lang in languages else ("en" if "en" in languages else languages[0])


def crisis_thresholds(
    instrument: instruments.Instrument, organization: Organization
) -> dict[str, int]:
    """Return link_id -> lowest answer that shows crisis resources at once (clinic params)."""
    measurement_settings = selectors.measurement_settings_for(organization=organization)
    params = instruments.resolve_params(
        instrument, measurement_settings.instrument_params(instrument.code)
    )
    return instrument.crisis_thresholds(params)


def stored_response(assignment: Assignment) -> QuestionnaireResponse | None:
    """Return the response kept for this assignment (in progress or sent), if any."""
    return QuestionnaireResponse.objects.filter(assignment=assignment).first()


def is_sent(assignment: Assignment, response: QuestionnaireResponse | None) -> bool:
    return assignment.status == Assignment.Status.COMPLETED or bool(
        response is not None and response.is_complete
    )


def urgent_after(response: QuestionnaireResponse | None) -> bool:
    """Return whether the thank-you page shows the urgent crisis box: a flagged, sent answer."""
    return bool(response is not None and response.is_complete and response.has_suicidality_flag)


def _sent_now(assignment: Assignment) -> bool:
    assignment.refresh_from_db(fields=["status"])
    return is_sent(assignment, stored_response(assignment))


def _write(
    write: Callable[..., QuestionnaireResponse], assignment: Assignment, kwargs: dict[str, Any]
) -> QuestionnaireResponse:
    """Call a response service; raise AlreadySent when the questionnaire was sent meanwhile.

    Two first writes of one questionnaire at the same moment both try to create its response;
    one response per assignment is kept (the model's check or the database's unique index
    refuses the other), and the other writes again onto it.
    """
    attempts = 3
    for attempt in range(attempts):
        try:
            return write(**kwargs)
        except instruments.InvalidAnswers:
            raise
        except (ValidationError, IntegrityError, ValueError) as exc:
            # The service refuses to change a completed response (ValueError): sent meanwhile.
            if _sent_now(assignment):
                raise AlreadySent from None
            lost_first_write = isinstance(exc, IntegrityError) or (
                isinstance(exc, ValidationError) and "assignment" in getattr(exc, "error_dict", {})
            )
            if not lost_first_write or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def already_sent(request: HttpRequest, *, done_url: str, flagged: bool) -> HttpResponse:
    """Answer a post that arrived after the questionnaire was sent: harmless and plain."""
    if is_autosave(request):
        return JsonResponse(
            {"saved": False, "crisis": flagged, "completed": True, "done_url": done_url}
        )
    return redirect(done_url)


def answer_page(
    request: HttpRequest,
    answering: Answering,
    *,
    submit: bool,
    lang: str,
    template: str,
) -> HttpResponse:
    """Show the questionnaire (GET), keep the answers so far, or send them (``submit``)."""
    assignment = answering.assignment
    patient = assignment.patient
    instrument = instruments.get(assignment.instrument_code)
    draft = stored_response(assignment)
    if request.method == "POST" and is_sent(assignment, draft):
        return already_sent(request, done_url=answering.done_url, flagged=urgent_after(draft))
    form = InstrumentForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        lang=lang,
        patient_facing=True,
        initial=dict(draft.answers) if draft and request.method == "GET" else None,
    )
    choose = text_for(lang)["choose"]
    for field in form.fields.values():
        field.error_messages["invalid_choice"] = choose
    saved = False
    context = AuditContext.from_request(request)
    if request.method == "POST":
        if form.is_valid():
            answers = form.answers()
            common: dict[str, Any] = {
                "patient": patient,
                "instrument_code": instrument.code,
                "answers": answers,
                "source": answering.source,
                "actor": answering.actor,
                "language": items_language(instrument, lang),
                "assignment": assignment,
                "context": context,
            }
            try:
                if submit:
                    try:
                        _write(
                            services.questionnaire_response_submit,
                            assignment,
                            {**common, "link": answering.link},
                        )
                    except instruments.InvalidAnswers as exc:
                        form.add_answer_errors(exc.errors)
                    else:
                        return redirect(answering.done_url)
                # Keep what the patient has answered so far, including after an incomplete
                # submit; nothing is written before the first answer.
                if draft is not None or any(value is not None for value in answers.values()):
                    try:
                        draft = _write(services.questionnaire_response_save, assignment, common)
                    except instruments.InvalidAnswers as exc:
                        form.add_answer_errors(exc.errors)
                saved = not form.errors
            except AlreadySent:
                sent = stored_response(assignment)
                return already_sent(
                    request, done_url=answering.done_url, flagged=urgent_after(sent)
                )
        flagged = bool(draft and draft.has_suicidality_flag)
        if is_autosave(request):
            return JsonResponse({"saved": saved, "crisis": flagged}, status=200 if saved else 422)
        if saved and not submit and answering.after_save_url:
            return redirect(answering.after_save_url)
    else:
        audit_record(
            action=AuditEvent.Action.VIEW,
            actor=answering.actor,
            context=context,
            organization=patient.organization,
            object_type=AuditEvent.ObjectType.QUESTIONNAIRE,
            object_id=assignment.pk,
            patient=patient,
            detail={"instrument": instrument.code, "via": answering.via},
        )
    thresholds = crisis_thresholds(instrument, patient.organization)
    rows = [
        {"field": bound, "number": number, "crisis_at_least": thresholds.get(bound.name)}
        for number, bound in enumerate(form.item_fields(), start=1)
    ]
    definition = instruments.definition_as_dict(instrument, lang)
    response = render(
        request,
        template,
        {
            "form": form,
            "answering": answering,
            "instrument": instrument,
            "instrument_title": instrument.title_in(lang),
            "items_lang": items_language(instrument, lang),
            "instructions": definition["instructions"],
            "clinic": patient.organization.name,
            "brand": clinic_brand(organization=patient.organization, language=lang),
            "saved": saved,
            "flagged": bool(draft and draft.has_suicidality_flag),
            "rows": rows,
            "total_items": len(instrument.items),
            # The language switch returns to the questionnaire, not to the action posted to.
            "switch_next": answering.answer_url,
        },
        status=422 if form.errors else 200,
    )
    return no_store(response)


def no_store(response: HttpResponse) -> HttpResponse:
    """Keep a patient page out of caches and search engines."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
