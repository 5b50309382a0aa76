"""The patient's appointments in the portal: see the upcoming ones, cancel, book a follow-up or
a booster.

Booking uses the lead's scheduling services only: open times from ``available_slots``
(``for_patient=True``: the clinic's notice and horizon), the booking from ``appointment_book``
(``source="portal"``), cancelling from ``appointment_cancel`` (``source="patient"``, the
reason optional). A patient may book a type the clinic marks ``portal_bookable`` once their
treatment plan is signed and, for ketamine and esketamine sessions, the readiness checks pass;
otherwise the page says why in plain words and gives the clinic's phone. Nothing is booked or
cancelled by a GET, so a patient who stops halfway loses nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from infusionist.accounts.access import context_of, record_view, require_capability, user_of
from infusionist.audit.models import AuditEvent
from infusionist.clinics.selectors import clinic_brand
from infusionist.patients.models import Patient
from infusionist.portal import selectors as portal_selectors
from infusionist.postonly import post_only
from infusionist.scheduling import public
from infusionist.scheduling import selectors as scheduling_selectors
from infusionist.scheduling.forms_public import CancelForm, PortalBookingForm, parse_start
from infusionist.scheduling.models import Appointment, AppointmentType
from infusionist.scheduling.services import BookingError, appointment_book, appointment_cancel
from infusionist.scheduling.views_public import rule_message

CAPABILITY = "portal.use"


def _patient(request: HttpRequest) -> Patient:
    patient = portal_selectors.own_patient(user=user_of(request))
    if patient is None:
        raise Http404("No patient record is linked to this login.")
    return patient


def reason_text(code: str) -> str:
    """Why a patient cannot book online yet, in the page's language."""
    return {
        public.NO_PLAN: _("Your treatment plan has not been signed by your clinician yet."),
        "questionnaire_safety": _(
            "Your care team would like to talk with you about one of your questionnaire "
            "answers first."
        ),
        "eligibility": _("Your clinician has not finished reviewing your intake yet."),
        "consent": _("A consent form still needs your signature."),
    }.get(code, _("Your clinic needs to finish a step first."))


def type_name(kind: AppointmentType) -> str:
    return kind.name_es if get_language() == "es" and kind.name_es else kind.name


def _render(
    request: HttpRequest,
    patient: Patient,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {
        **context,
        "patient": patient,
        "brand": clinic_brand(organization=patient.organization, language=get_language()),
        "settings": scheduling_selectors.scheduling_settings_for(organization=patient.organization),
    }
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
@require_capability(CAPABILITY)
def appointments(request: HttpRequest) -> HttpResponse:
    """The patient's upcoming appointments, with cancel, and what they may book."""
    patient = _patient(request)
    now = timezone.now()
    upcoming = public.upcoming_for_patient(patient=patient, now=now)
    settings = scheduling_selectors.scheduling_settings_for(organization=patient.organization)
    window_h = settings.late_cancellation_window_h
    rows = [
        {
            "appointment": a,
            "type_name": type_name(a.appointment_type),
            "late": (a.service_starts_at - now).total_seconds() < window_h * 3600,
            "tz_name": a.location.time_zone,
        }
        for a in upcoming
    ]
    options = [
        {
            "option": o,
            "type_name": type_name(o.appointment_type),
            "reasons": [reason_text(code) for code in o.reasons],
        }
        for o in public.portal_booking_options(patient=patient)
    ]
    record_view(request, object_type=AuditEvent.ObjectType.APPOINTMENT, patient=patient)
    return _render(
        request,
        patient,
        "portal/appointments.html",
        {"rows": rows, "options": options, "window_h": window_h, "cancel_form": CancelForm()},
    )


@never_cache
@post_only
@require_capability(CAPABILITY)
def appointment_cancel_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Cancel one of the patient's own appointments, with an optional reason."""
    patient = _patient(request)
    appointment = public.own_appointment(patient=patient, appointment_id=appointment_id)
    if appointment is None:
        raise Http404("No such appointment.")
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep the reason under 300 characters."))
        return redirect("portal:appointments")
    try:
        cancelled = appointment_cancel(
            appointment=appointment,
            by=user_of(request),
            reason=form.cleaned_data["reason"],
            source="patient",
            context=context_of(request),
        )
    except BookingError:
        messages.error(request, _("This appointment is no longer booked."))
        return redirect("portal:appointments")
    if cancelled.late_cancellation:
        messages.success(
            request,
            _(
                "Your appointment is cancelled. It was within the late-cancellation window, so "
                "the clinic's late-cancellation policy applies."
            ),
        )
    else:
        messages.success(request, _("Your appointment is cancelled."))
    return redirect("portal:appointments")


def _times_page(
    request: HttpRequest,
    patient: Patient,
    option: public.PortalOption,
    form: PortalBookingForm,
    *,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    kind = option.appointment_type
    location = patient.organization.primary_location
    days = (
        public.slot_days(
            organization=patient.organization,
            appointment_type=kind,
            location=location,
            patient_id=patient.pk,
        )
        if location is not None
        else []
    )
    chosen = form.data.get("start", "") if form.is_bound else ""
    return _render(
        request,
        patient,
        "portal/book.html",
        {
            "option": option,
            "type_name": type_name(kind),
            "form": form,
            "days": days,
            "chosen": chosen if chosen in public.slot_values(days) else "",
            "open_day": public.open_day(days, chosen),
            "problem": problem,
            "location": location,
            "tz_name": location.time_zone if location else "UTC",
            "tz_label": _("%(city)s time")
            % {
                "city": (location.time_zone if location else "UTC")
                .rsplit("/", 1)[-1]
                .replace("_", " ")
            },
            "reasons": [reason_text(code) for code in option.reasons],
        },
        status=status,
    )


def _option(patient: Patient, type_id: int) -> public.PortalOption:
    option = public.portal_option_get(patient=patient, type_id=type_id)
    if option is None:
        raise Http404("The clinic does not offer this online.")
    return option


@never_cache
@require_GET
@require_capability(CAPABILITY)
def book(request: HttpRequest, type_id: int) -> HttpResponse:
    """The open times of one type for the patient, or why they cannot book it yet."""
    patient = _patient(request)
    option = _option(patient, type_id)
    return _times_page(request, patient, option, PortalBookingForm())


@never_cache
@post_only
@require_capability(CAPABILITY)
def book_save(request: HttpRequest, type_id: int) -> HttpResponse:
    """Book the chosen time for the patient, or say in words why not."""
    patient = _patient(request)
    option = _option(patient, type_id)
    form = PortalBookingForm(request.POST)
    if not option.bookable:
        return _times_page(request, patient, option, form, status=422)
    if not form.is_valid():
        return _times_page(
            request, patient, option, form, status=422, problem=_("Choose a time from the list.")
        )
    start = parse_start(form.cleaned_data["start"])
    location = patient.organization.primary_location
    if start is None or location is None:
        raise Http404("No location to book at.")
    try:
        appointment_book(
            organization=patient.organization,
            appointment_type=option.appointment_type,
            location=location,
            service_starts_at=start,
            patient=patient,
            by=user_of(request),
            source=Appointment.Source.PORTAL,
            context=context_of(request),
        )
    except BookingError as error:
        return _times_page(
            request, patient, option, form, status=error.status, problem=rule_message(error)
        )
    messages.success(request, _("Your appointment is booked."))
    return redirect("portal:appointments")
