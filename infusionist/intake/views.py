"""Staff pages of the intake packet (/intake/): the list of intakes, one patient's intake, and
a section filled or corrected on the patient's behalf (audited with old and new values)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from infusionist.accounts.access import (
    context_of,
    record_list_view,
    record_view,
    require_capability,
    user_of,
)
from infusionist.audit.models import AuditEvent
from infusionist.intake import pages, sections, selectors, services
from infusionist.postonly import post_only


@require_GET
@require_capability("intake.view")
def intake_list(request: HttpRequest) -> HttpResponse:
    """Intakes in progress and submitted, each with what is still missing."""
    user = user_of(request)
    assert user.organization_id is not None
    in_progress = selectors.intake_rows(organization_id=user.organization_id, submitted=False)
    submitted = selectors.intake_rows(organization_id=user.organization_id, submitted=True)
    record_list_view(
        request,
        {AuditEvent.ObjectType.INTAKE_PACKET: [r.patient for r in [*in_progress, *submitted]]},
    )
    return render(request, "intake/list.html", {"in_progress": in_progress, "submitted": submitted})


@require_GET
@require_capability("intake.view")
def intake_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    """One patient's intake: every section's answers and state, who changed it, baselines."""
    user = user_of(request)
    patient, packet = selectors.intake_packet_for_user(user=user, patient_id=patient_id)
    progress = selectors.progress_of(patient=patient, packet=packet)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.INTAKE_PACKET,
        object_id=packet.pk if packet else "",
        patient=patient,
    )
    shown = [
        {
            "state": state,
            **pages.section_context(code=state.code, packet=packet, patient=patient, staff=True),
        }
        for state in progress.sections
        if state.code in sections.FORM_SECTIONS
    ]
    return render(
        request,
        "intake/detail.html",
        {
            "patient": patient,
            "packet": packet,
            "progress": progress,
            "shown": shown,
            "can_edit": user_can_edit(request),
        },
    )


def user_can_edit(request: HttpRequest) -> bool:
    from infusionist.accounts.roles import can

    return can(request.user, "intake.edit")


def _section_code(section: str) -> str:
    if section not in sections.FORM_SECTIONS:
        raise Http404("No such part of the intake.")
    return section


@require_GET
@require_capability("intake.edit")
def intake_section(request: HttpRequest, patient_id: int, section: str) -> HttpResponse:
    """Fill or correct one section on the patient's behalf."""
    code = _section_code(section)
    patient, packet = selectors.intake_packet_for_user(user=user_of(request), patient_id=patient_id)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.INTAKE_PACKET,
        object_id=packet.pk if packet else "",
        patient=patient,
        detail={"section": code},
    )
    return render(
        request,
        "intake/section.html",
        {
            "patient": patient,
            "packet": packet,
            **pages.section_context(code=code, packet=packet, patient=patient, staff=True),
            "saved": request.GET.get("saved") == "1",
        },
    )


@post_only
@require_capability("intake.edit")
def intake_section_save(request: HttpRequest, patient_id: int, section: str) -> HttpResponse:
    """Keep the section's answers (problems are kept too, shown beside their fields)."""
    code = _section_code(section)
    user = user_of(request)
    patient, _packet = selectors.intake_packet_for_user(user=user, patient_id=patient_id)
    saved = services.intake_section_save(
        patient=patient,
        actor=user,
        code=code,
        answers=sections.from_post(code, request.POST),
        context=context_of(request),
    )
    # The section page says "Saved." itself, with what needs checking in the same message.
    if "to_intake" in request.POST and not saved.problems:
        messages.success(request, "Saved.")
        return redirect("intake:detail", patient_id=patient.pk)
    return redirect(reverse("intake:section", args=[patient.pk, code]) + "?saved=1")


@post_only
@require_capability("intake.edit")
def intake_baseline_start(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Ask for the baseline questionnaires still missing (sent by the next reminder run)."""
    user = user_of(request)
    patient, _packet = selectors.intake_packet_for_user(user=user, patient_id=patient_id)
    asked = services.intake_baseline_start(patient=patient, actor=user, context=context_of(request))
    if asked:
        messages.success(request, "The baseline questionnaires were asked for.")
    else:
        messages.info(request, "Every baseline questionnaire is answered already.")
    return redirect("intake:detail", patient_id=patient.pk)


@post_only
@require_capability("intake.edit")
def intake_submit(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Submit the intake on the patient's behalf (every section done)."""
    user = user_of(request)
    patient, _packet = selectors.intake_packet_for_user(user=user, patient_id=patient_id)
    try:
        services.intake_submit(patient=patient, actor=user, context=context_of(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The intake is submitted for the physician's review.")
    return redirect("intake:detail", patient_id=patient.pk)
