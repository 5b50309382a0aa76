"""The patient's confirm and cancel links of an appointment reminder.

``/appointments/<token>/confirm/`` and ``/cancel/`` open from a reminder without a login: a
GET shows the appointment and a button (nothing changes on a GET, so a mail scanner that
opens links confirms nothing), the POST does it. An unknown, cancelled or past link answers a
plain page in the patient's language, never an error. ``/calendar/<token>.ics`` is a staff
member's secret feed; ``/schedule/feed/`` makes, replaces or turns off its address.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record
from infusionist.clinics.selectors import clinic_brand
from infusionist.i18n import use_patient_language
from infusionist.scheduling import reminders
from infusionist.scheduling.models import Appointment

CANCEL_REASON_MAX_CHARS = 300


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=CANCEL_REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("It helps the clinic, but you do not have to say."),
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def link_context(request: HttpRequest) -> AuditContext:
    """The audit context of a link page, without the secret (the audit report shows paths)."""
    context = AuditContext.from_request(request)
    token = request.resolver_match.kwargs.get("token", "") if request.resolver_match else ""
    if token:
        context = AuditContext(
            ip_address=context.ip_address,
            user_agent=context.user_agent,
            path=context.path.replace(token, "<secret>"),
        )
    return context


def _problem_text(reason: str) -> str:
    texts = {
        "unknown": _(
            "This link does not work. It may be mistyped or from an old message. Please "
            "call the clinic to confirm or change your appointment."
        ),
        "cancelled": _("This appointment has been cancelled. Call the clinic to book again."),
        "past": _(
            "This appointment has already started or passed, so it can no longer be "
            "confirmed or cancelled here. Please call the clinic."
        ),
        "closed": _("This appointment can no longer be changed here. Please call the clinic."),
    }
    return texts.get(reason, texts["unknown"])


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    *,
    appointment: Appointment | None,
    status: int = 200,
) -> HttpResponse:
    if appointment is not None:
        context = {
            **context,
            "brand": clinic_brand(organization=appointment.organization, language=get_language()),
            "when": reminders.when_text(
                appointment.service_starts_at, appointment.location.tzinfo, get_language()
            ),
            "where": reminders.where_text(appointment),
            "kind_name": reminders.type_name(appointment.appointment_type, get_language()),
        }
    return _no_store(render(request, template, context, status=status))


def _link_page(request: HttpRequest, token: str) -> tuple[Appointment | None, str]:
    """Return the link's appointment and what refuses it ("" when it can be answered)."""
    appointment = reminders.appointment_for_link(token=token)
    if appointment is None:
        use_patient_language(request, None)
        return None, "unknown"
    preferred = reminders.appointment_language(appointment)
    use_patient_language(request, preferred)
    return appointment, reminders.link_problem(appointment)


def _refuse(
    request: HttpRequest, appointment: Appointment | None, reason: str, *, step: str
) -> HttpResponse:
    if appointment is not None:
        audit_record(
            action=AuditEvent.Action.ACCESS,
            context=link_context(request),
            organization=appointment.organization,
            object_type=AuditEvent.ObjectType.APPOINTMENT,
            object_id=appointment.pk,
            patient=appointment.patient,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"link": step, "reason": reason},
        )
    return _render(
        request,
        "scheduling/link_problem.html",
        {"message": _problem_text(reason)},
        appointment=appointment,
        status=404 if reason == "unknown" else 410,
    )


def _opened(request: HttpRequest, appointment: Appointment, step: str) -> None:
    audit_record(
        action=AuditEvent.Action.ACCESS,
        context=link_context(request),
        organization=appointment.organization,
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient=appointment.patient,
        detail={"link": step},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def appointment_confirm(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = _link_page(request, token)
    if problem or appointment is None:
        return _refuse(request, appointment, problem or "unknown", step="confirm")
    if request.method == "POST":
        try:
            reminders.appointment_confirm_by_link(
                appointment=appointment, context=link_context(request)
            )
        except reminders.LinkRefused as exc:
            return _refuse(request, appointment, exc.reason, step="confirm")
        return _render(request, "scheduling/link_confirmed.html", {}, appointment=appointment)
    _opened(request, appointment, "confirm")
    return _render(
        request,
        "scheduling/link_confirm.html",
        {"already": appointment.status == Appointment.Status.CONFIRMED},
        appointment=appointment,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment, problem = _link_page(request, token)
    if problem or appointment is None:
        return _refuse(request, appointment, problem or "unknown", step="cancel")
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reminders.appointment_cancel_by_link(
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                context=link_context(request),
            )
        except reminders.LinkRefused as exc:
            return _refuse(request, appointment, exc.reason, step="cancel")
        return _render(request, "scheduling/link_cancelled.html", {}, appointment=appointment)
    if request.method == "GET":
        _opened(request, appointment, "cancel")
    return _render(
        request,
        "scheduling/link_cancel.html",
        {"form": form},
        appointment=appointment,
        status=422 if form.errors else 200,
    )
