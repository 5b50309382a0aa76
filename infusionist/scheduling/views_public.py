"""The website's free consultation booking, with no sign-in (/book/<clinic>/consultation/).

One page lists the clinic's real open times (``available_slots(for_patient=True)``) grouped by
day in the location's time zone, with the visitor's details below; only its form post books
(``appointment_book(source="website")``). A time taken meanwhile, or a rule the time breaks,
answers the same page in words with the next open times and everything typed kept. Robots are
kept out by a honeypot field and a per-address limit; each refusal is audited. The pages speak
the language the visitor chose with the switch, else their browser's; crisis resources are at
the foot of every page (templates/base.html).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from infusionist.accounts.access import context_of
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record
from infusionist.clinics.selectors import clinic_brand
from infusionist.i18n import supported
from infusionist.postonly import post_only
from infusionist.scheduling import public
from infusionist.scheduling.forms_public import ConsultationBookingForm, parse_start
from infusionist.scheduling.models import Appointment
from infusionist.scheduling.services import BookingError, SlotTaken, appointment_book

SESSION_BOOKED = "website_booking_id"
#: Bookings one client address may make in an hour; more is a robot or a mistake.
BOOKINGS_PER_ADDRESS_PER_HOUR = 5


def _target(org_slug: str) -> public.PublicTarget:
    target = public.public_target(org_slug=org_slug)
    if target is None:
        raise Http404("This clinic does not book consultations online.")
    return target


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _tz_label(target: public.PublicTarget) -> str:
    """The location's zone as people say it: "Los Angeles time"."""
    city = target.location.time_zone.rsplit("/", 1)[-1].replace("_", " ")
    return _("%(city)s time") % {"city": city}


def rule_message(error: BookingError) -> str:
    """What a patient reads when the booking service refuses a time, in the page's language."""
    if isinstance(error, SlotTaken):
        if error.subject == "patient":
            return _("You already have an appointment at that time. Choose another time.")
        return _("Sorry, that time was just taken by someone else. Choose another time below.")
    if error.code in ("in_the_past", "min_notice"):
        return _("That time is too soon to book online now. Choose a later time below.")
    if error.code == "beyond_horizon":
        return _("That time is too far ahead to book online. Choose a time below.")
    return _("That time cannot be booked online any more. Choose another time below.")


def _page(
    request: HttpRequest,
    target: public.PublicTarget,
    form: ConsultationBookingForm,
    *,
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    days = public.slot_days(
        organization=target.organization,
        appointment_type=target.appointment_type,
        location=target.location,
    )
    chosen = form.data.get("start", "") if form.is_bound else ""
    context: dict[str, Any] = {
        "target": target,
        "brand": clinic_brand(organization=target.organization, language=get_language()),
        "form": form,
        "days": days,
        "chosen": chosen if chosen in public.slot_values(days) else "",
        "open_day": public.open_day(days, chosen),
        "problem": problem,
        "tz_name": target.location.time_zone,
        "tz_label": _tz_label(target),
        "type_name": _type_name(target),
        "minutes": target.appointment_type.service_min,
    }
    return _no_store(render(request, "scheduling/public/consultation.html", context, status=status))


def _type_name(target: public.PublicTarget) -> str:
    kind = target.appointment_type
    if get_language() == "es" and kind.name_es:
        return kind.name_es
    if kind.kind == kind.Kind.FREE_CONSULTATION:
        return _("Free consultation call")
    return kind.name


def _rate_key(context: AuditContext, target: public.PublicTarget) -> str:
    return f"website-booking:{target.organization.pk}:{context.ip_address or 'unknown'}"


def _refuse(
    request: HttpRequest, target: public.PublicTarget, form: ConsultationBookingForm, reason: str
) -> HttpResponse:
    audit_record(
        action=AuditEvent.Action.CREATE,
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        context=context_of(request),
        organization=target.organization,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"source": "website", "reason": reason},
    )
    if reason == "rate_limited":
        message = _(
            "This device has already booked several calls in the last hour. Please call the "
            "clinic instead, or try again later."
        )
        return _page(request, target, form, status=429, problem=message)
    message = _(
        "We could not send this form. If you are a person, leave the box labelled "
        "“Leave this empty” empty and send it again."
    )
    return _page(request, target, form, status=400, problem=message)


@never_cache
@require_GET
def consultation(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The open consultation times and the visitor's details (nothing is booked by a GET)."""
    target = _target(org_slug)
    form = ConsultationBookingForm(initial={"language": supported(get_language()) or "en"})
    return _page(request, target, form)


@never_cache
@post_only
def consultation_book(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Book the chosen time for the visitor, or say in words why not and keep what was typed."""
    target = _target(org_slug)
    form = ConsultationBookingForm(request.POST)
    if form.is_robot():
        return _refuse(request, target, form, "honeypot")
    context = context_of(request)
    key = _rate_key(context, target)
    if cache.get(key, 0) >= BOOKINGS_PER_ADDRESS_PER_HOUR:
        return _refuse(request, target, form, "rate_limited")
    if not form.is_valid():
        problem = _("Please correct the marked fields; nothing you typed was lost.")
        return _page(request, target, form, status=422, problem=problem)
    data = form.cleaned_data
    start = parse_start(data["start"])
    assert start is not None  # SlotField only accepts an ISO start with its offset
    try:
        appointment = appointment_book(
            organization=target.organization,
            appointment_type=target.appointment_type,
            location=target.location,
            service_starts_at=start,
            contact_name=data["name"],
            contact_phone=data["phone"],
            contact_email=data["email"],
            contact_language=data["language"],
            note=data["note"],
            source=Appointment.Source.WEBSITE,
            context=context,
        )
    except BookingError as error:
        return _page(request, target, form, status=error.status, problem=rule_message(error))
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
    request.session[SESSION_BOOKED] = appointment.pk
    return redirect("booking:consultation_booked", org_slug=org_slug)


@never_cache
@require_GET
def consultation_booked(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The visitor's confirmation: when the clinic will call, and what happens next."""
    target = _target(org_slug)
    appointment_id = request.session.get(SESSION_BOOKED)
    appointment = (
        public.website_booking_get(organization=target.organization, appointment_id=appointment_id)
        if isinstance(appointment_id, int)
        else None
    )
    if appointment is None:
        return redirect(reverse("booking:consultation", kwargs={"org_slug": org_slug}))
    context = {
        "target": target,
        "brand": clinic_brand(organization=target.organization, language=get_language()),
        "appointment": appointment,
        "tz_name": target.location.time_zone,
        "tz_label": _tz_label(target),
        "type_name": _type_name(target),
    }
    return _no_store(render(request, "scheduling/public/consultation_booked.html", context))
