"""The waitlist: staff pages (/waitlist/) and the patient's offer link (/waitlist/offer/<token>/).

Staff with ``schedule.book`` list the waiting patients, add one from a form (one page per
patient) and remove an entry. A patient opens an offer from the message they got, with no
sign-in: the secret in the link is the key (its SHA-256 is stored, it works for one offer
only, until it expires). Accept and decline are form posts; each answers the offer page, which
says in words where the offer stands. Crisis resources are at the foot of every page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_list_view,
    record_view,
    require_capability,
    user_of,
)
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Location
from infusionist.clinics.selectors import clinic_brand
from infusionist.i18n import use_patient_language
from infusionist.patients.selectors import patient_get_for_user
from infusionist.postonly import post_only
from infusionist.scheduling import selectors, waitlist
from infusionist.scheduling.forms_waitlist import WaitlistEntryForm
from infusionist.scheduling.models import WaitlistOffer

CAPABILITY = "schedule.book"
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@require_GET
@require_capability(CAPABILITY)
def entries(request: HttpRequest) -> HttpResponse:
    """The clinic's waiting patients, first come first."""
    rows = list(waitlist.waitlist_entries(organization=organization_of(request)))
    for row in rows:
        row.day_names = ", ".join(DAY_ABBREVIATIONS[d] for d in row.weekdays)  # type: ignore[attr-defined]
    record_list_view(request, {AuditEvent.ObjectType.WAITLIST_ENTRY: [r.patient for r in rows]})
    return render(request, "scheduling/waitlist/entries.html", {"entries": rows})


@require_http_methods(["GET", "POST"])
@require_capability(CAPABILITY)
def entry_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Put one patient on the waitlist (GET: the form; POST: save, or say what to fix)."""
    user = user_of(request)
    organization = organization_of(request)
    patient = patient_get_for_user(user=user, patient_id=patient_id)
    form = WaitlistEntryForm(
        request.POST or None,
        types=selectors.appointment_types_for(organization=organization),
        locations=Location.objects.filter(organization=organization).order_by("name"),
        initial={"earliest_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                waitlist.waitlist_entry_add(
                    organization=organization,
                    patient=patient,
                    appointment_type=data["appointment_type"],
                    location=data["location"],
                    earliest_on=data["earliest_on"],
                    latest_on=data["latest_on"],
                    weekdays=data["weekdays"],
                    note=data["note"],
                    by=user,
                    context=context_of(request),
                )
            except waitlist.WaitlistError as error:
                field = {"window": "latest_on", "weekdays": "weekdays", "note": "note"}
                form.add_error(field.get(error.code), error.message)
            else:
                messages.success(
                    request,
                    f"{patient.display_name} is on the waitlist; the first free time "
                    "that matches will be offered by message.",
                )
                return redirect("waitlist:entries")
        status = 422
    record_view(request, object_type=AuditEvent.ObjectType.PATIENT, patient=patient)
    return render(
        request,
        "scheduling/waitlist/entry_add.html",
        {"form": form, "patient": patient},
        status=status,
    )


@post_only
@require_capability(CAPABILITY)
def entry_remove(request: HttpRequest, waitlist_entry_id: int) -> HttpResponse:
    """Take an entry off the waitlist (an open offer of it is withdrawn)."""
    entry = waitlist.waitlist_entry_get(
        organization=organization_of(request), entry_id=waitlist_entry_id
    )
    if entry is None:
        raise Http404("No such waitlist entry.")
    waitlist.waitlist_entry_remove(entry=entry, by=user_of(request), context=context_of(request))
    messages.success(request, f"{entry.patient.display_name} is off the waitlist.")
    return redirect("waitlist:entries")


# ---- the patient's offer link --------------------------------------------------------------


def _offer(request: HttpRequest, token: str) -> WaitlistOffer:
    offer = waitlist.waitlist_offer_by_token(token)
    if offer is None:
        raise Http404("This link does not open an offer.")
    use_patient_language(request, offer.entry.patient.preferred_language)
    return offer


def _type_name(offer: WaitlistOffer) -> str:
    kind = offer.entry.appointment_type
    return kind.name_es if get_language() == "es" and kind.name_es else kind.name


def _offer_page(
    request: HttpRequest, offer: WaitlistOffer, token: str, *, problem: str = "", status: int = 200
) -> HttpResponse:
    statuses: dict[str, int] = {
        WaitlistOffer.Status.OPEN: 200,
        WaitlistOffer.Status.ACCEPTED: 200,
        WaitlistOffer.Status.DECLINED: 200,
        WaitlistOffer.Status.EXPIRED: 410,
        WaitlistOffer.Status.WITHDRAWN: 410,
    }
    response = render(
        request,
        "scheduling/waitlist/offer.html",
        {
            "offer": offer,
            "token": token,
            "problem": problem,
            "type_name": _type_name(offer),
            "tz_name": offer.location.time_zone,
            "brand": clinic_brand(organization=offer.entry.organization, language=get_language()),
        },
        status=status if status != 200 else statuses.get(offer.status, 200),
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"  # the token stays on this site
    return response


@never_cache
@require_GET
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """The offer: the time, until when it is held, and the buttons to take it or not."""
    found = _offer(request, token)
    waitlist.waitlist_offer_expire_if_due(found, context=context_of(request))
    return _offer_page(request, found, token)


@never_cache
@post_only
def offer_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Take the offered time: book it, or say it was taken meanwhile or has expired."""
    found = _offer(request, token)
    try:
        waitlist.waitlist_offer_accept(offer=found, context=context_of(request))
    except waitlist.WaitlistError as error:
        found.refresh_from_db()
        problem = {
            "expired": _("Sorry, this offer has expired."),
            "taken": _("Sorry, that time was taken by someone else meanwhile."),
        }.get(error.code, _("This offer has already been answered."))
        return _offer_page(request, found, token, problem=problem, status=409)
    return redirect("waitlist_offer:offer", token=token)


@never_cache
@post_only
def offer_decline(request: HttpRequest, token: str) -> HttpResponse:
    """Say no to the offered time: the patient stays on the waitlist."""
    found = _offer(request, token)
    try:
        waitlist.waitlist_offer_decline(offer=found, context=context_of(request))
    except waitlist.WaitlistError as error:
        found.refresh_from_db()
        problem = (
            _("Sorry, this offer has expired.")
            if error.code == "expired"
            else _("This offer has already been answered.")
        )
        return _offer_page(request, found, token, problem=problem, status=409)
    return redirect("waitlist_offer:offer", token=token)
