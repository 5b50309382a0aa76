"""The signed-in patient's intake packet (/portal/intake/): one page per section, the baseline
questionnaires, and "review and submit".

Every save keeps what was typed on the server (a draft), problems and all, so the patient can
stop and carry on later on any device; the page then shows each message beside its field.
The section pages autosave on every change with the questionnaire's script
(measurements/questionnaire.js: a JSON answer to a post with ``X-Autosave: 1``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from infusionist.accounts.access import context_of, record_view, require_capability, user_of
from infusionist.audit.models import AuditEvent
from infusionist.intake import pages, sections, selectors, services
from infusionist.intake.models import IntakePacket
from infusionist.measurements import patient_pages
from infusionist.patients.models import Patient
from infusionist.portal.selectors import own_patient
from infusionist.postonly import post_only

CAPABILITY = "portal.use"


def _own(request: HttpRequest) -> tuple[Patient, IntakePacket | None]:
    patient = own_patient(user=user_of(request))
    if patient is None:
        raise Http404("No patient record is linked to this login.")
    return patient, IntakePacket.objects.filter(patient=patient).first()


def _code(section: str) -> str:
    if section not in sections.BY_CODE:
        raise Http404("No such part of the intake.")
    return section


ViewFunc = Callable[..., HttpResponseBase]


def _signed_out_back_to_the_section(view: ViewFunc) -> ViewFunc:
    """A save after the session ended: an autosave gets JSON (the page says so); a form post
    goes to sign-in, then back to the section's page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if patient_pages.is_autosave(request):
                return JsonResponse({"saved": False, "signed_out": True}, status=401)
            return redirect_to_login(reverse("portal:intake_section", args=[kwargs["section"]]))
        return view(request, *args, **kwargs)

    return wrapped


@never_cache
@require_GET
@require_capability(CAPABILITY)
def intake(request: HttpRequest) -> HttpResponse:
    """Review and submit: every section with its state, and the submit button."""
    patient, packet = _own(request)
    progress = selectors.progress_of(patient=patient, packet=packet)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.INTAKE_PACKET,
        object_id=packet.pk if packet else "",
        patient=patient,
        detail={"page": "portal_intake"},
    )
    return patient_pages.no_store(
        render(request, "portal/intake.html", {"patient": patient, "progress": progress})
    )


@never_cache
@require_GET
@require_capability(CAPABILITY)
def intake_section(request: HttpRequest, section: str) -> HttpResponse:
    """One section's page (the baseline questionnaires: their list, to start or resume)."""
    code = _code(section)
    patient, packet = _own(request)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.INTAKE_PACKET,
        object_id=packet.pk if packet else "",
        patient=patient,
        detail={"page": "portal_intake", "section": code},
    )
    order = [s.code for s in sections.SECTIONS]
    context: dict[str, Any] = {
        "patient": patient,
        "step": order.index(code) + 1,
        "steps": len(order),
        "saved": request.GET.get("saved") == "1",
    }
    if code == "baseline":
        progress = selectors.progress_of(patient=patient, packet=packet)
        context.update(section=sections.BY_CODE[code], progress=progress, code=code)
        return patient_pages.no_store(render(request, "portal/intake_baseline.html", context))
    context.update(pages.section_context(code=code, packet=packet, patient=patient))
    return patient_pages.no_store(render(request, "portal/intake_section.html", context))


@never_cache
@post_only
@_signed_out_back_to_the_section
@require_capability(CAPABILITY)
def intake_section_save(request: HttpRequest, section: str) -> HttpResponse:
    """Keep the section's answers: every autosave, "Save", and "Save and continue"."""
    code = _code(section)
    if code not in sections.FORM_SECTIONS:
        raise Http404("This part has no answers to save.")
    patient, _packet = _own(request)
    saved = services.intake_section_save(
        patient=patient,
        actor=user_of(request),
        code=code,
        answers=sections.from_post(code, request.POST),
        context=context_of(request),
        autosave=patient_pages.is_autosave(request),
    )
    if patient_pages.is_autosave(request):
        return JsonResponse({"saved": True, "problems": len(saved.problems)})
    if "continue" in request.POST and saved.done:
        done = {code for code in sections.FORM_SECTIONS if code in saved.packet.completed_sections}
        following = pages.next_after(code, done)
        if following is None:
            return redirect("portal:intake")
        return redirect("portal:intake_section", section=following)
    return redirect(reverse("portal:intake_section", args=[code]) + "?saved=1")


@never_cache
@post_only
@require_capability(CAPABILITY)
def intake_baseline_start(request: HttpRequest) -> HttpResponse:
    """Open the baseline questionnaires still to answer; go to the first one."""
    patient, _packet = _own(request)
    opened = services.intake_baseline_start(
        patient=patient, actor=user_of(request), context=context_of(request)
    )
    if not opened:
        return redirect("portal:intake_section", section="baseline")
    return redirect("portal:answer", assignment_id=opened[0].pk)


@never_cache
@post_only
@require_capability(CAPABILITY)
def intake_submit(request: HttpRequest) -> HttpResponse:
    """Send the intake to the clinic (every part answered on a page must be done)."""
    patient, _packet = _own(request)
    try:
        services.intake_submit(patient=patient, actor=user_of(request), context=context_of(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Thank you. Your answers were sent to your clinic. You can still correct them here."),
        )
    return redirect("portal:intake")
