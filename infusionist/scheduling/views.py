"""Staff calendar and booking pages (docs/decisions/0028).

Reads go through :mod:`infusionist.scheduling.selectors` and every write through
:mod:`infusionist.scheduling.services`; a :class:`~infusionist.scheduling.services.BookingError`
is shown beside the form that caused it (409 when the time was just taken, 422 for a rule),
with everything typed kept. Times are shown in the location's time zone, named on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_list_view,
    record_view,
    require_capability,
    user_of,
)
from infusionist.accounts.models import User
from infusionist.accounts.roles import STAFF_ROLES, can
from infusionist.audit.models import AuditEvent
from infusionist.audit.selectors import audit_events
from infusionist.audit.services import audit_record
from infusionist.clinics.models import Chair, Location, Organization
from infusionist.lib import scheduling as kernel
from infusionist.patients import selectors as patient_selectors
from infusionist.patients.models import Patient
from infusionist.postonly import post_only
from infusionist.readiness.gates import infusion_readiness
from infusionist.scheduling import calendar as layout
from infusionist.scheduling import selectors, services
from infusionist.scheduling.forms import (
    BookQueryForm,
    BookSaveForm,
    CancelForm,
    MarkForm,
    MoveForm,
    PatientPickForm,
    SeriesForm,
)
from infusionist.scheduling.models import Appointment, AppointmentType

LIST_LIMIT = 50
VIEWS = ("day", "week")
LANES = ("chair", "staff")
#: The statuses staff set by hand, in the order of a visit.
MARK_ORDER = [
    Appointment.Status.CONFIRMED,
    Appointment.Status.ARRIVED,
    Appointment.Status.IN_PROGRESS,
    Appointment.Status.COMPLETED,
    Appointment.Status.NO_SHOW,
]


# --- helpers ---------------------------------------------------------------------------


def _locations(organization: Organization) -> QuerySet[Location]:
    return Location.objects.filter(organization=organization).order_by("-is_primary", "name", "id")


def _chairs(organization: Organization, location: Location | None = None) -> QuerySet[Chair]:
    qs = Chair.objects.filter(
        room__location__organization=organization, is_active=True, room__is_active=True
    ).select_related("room", "room__location")
    if location is not None:
        qs = qs.filter(room__location=location)
    return qs.order_by("room__location__name", "room__name", "name", "id")


def _staff(organization: Organization) -> QuerySet[User]:
    """Staff who work shifts (nobody else can be booked)."""
    return (
        User.objects.filter(
            organization=organization,
            is_active=True,
            role__in=list(STAFF_ROLES),
            shifts__isnull=False,
        )
        .distinct()
        .order_by("full_name", "email")
    )


def _types(organization: Organization, kinds: Any = None) -> QuerySet[AppointmentType]:
    qs = selectors.appointment_types_for(organization=organization).order_by("name", "id")
    return qs.filter(kind__in=list(kinds)) if kinds is not None else qs


def _day_range(day: dt.date, tz: dt.tzinfo, days: int = 1) -> tuple[dt.datetime, dt.datetime]:
    return (
        kernel.local_instant(day, dt.time(0), tz),
        kernel.local_instant(day + dt.timedelta(days=days), dt.time(0), tz),
    )


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_selectors.patient_get_for_user(user=user_of(request), patient_id=patient_id)


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    found = selectors.appointment_get(
        organization=organization_of(request), appointment_id=appointment_id
    )
    if found is None:
        raise Http404("No such appointment.")
    return found


def _zone_label(location: Location, day: dt.date | None = None) -> str:
    """The zone as it stands on ``day`` (default today): PDT in June, PST in December."""
    when = timezone.now().astimezone(location.tzinfo)
    if day is not None:
        when = dt.datetime.combine(day, dt.time(12), tzinfo=location.tzinfo)
    return f"{location.time_zone} ({when:%Z}, UTC{when:%z})"


def _parse_day(value: str | None, fallback: dt.date) -> tuple[dt.date, bool]:
    if not value:
        return fallback, True
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return fallback, False
    if not (2000 <= day.year <= 2100):
        return fallback, False
    return day, True


def _int(value: str | None) -> int | None:
    if value is None or not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def _slot_rows(
    slots: list[kernel.Fit], tz: dt.tzinfo, chairs: dict[int, str], staff: dict[int, str]
) -> list[dict[str, Any]]:
    return [
        {
            "value": s.service_start.isoformat(),
            "label": f"{layout.hhmm(s.patient_time.start, tz)}",
            "until": layout.hhmm(s.patient_time.end, tz),
            "chair": chairs.get(s.chair_id or 0, ""),
            "staff": staff.get(s.staff_id or 0, ""),
        }
        for s in slots
    ]


def _names(organization: Organization, location: Location) -> tuple[dict[int, str], dict[int, str]]:
    chairs = {c.pk: f"{c.name}" for c in _chairs(organization, location)}
    staff = {u.pk: u.display_name for u in _staff(organization)}
    return chairs, staff


# --- calendar --------------------------------------------------------------------------


@require_capability("schedule.view")
def calendar(request: HttpRequest) -> HttpResponse:
    """The calendar of one location by day or week, by chair or by staff member.

    Query: ``view`` day|week, ``by`` chair|staff, ``date`` YYYY-MM-DD, ``location`` id.
    Nonsense values fall back to today, the day view by chair and the primary location, with
    a note. A fixed number of queries whatever the number of appointments.
    """
    organization = organization_of(request)
    locations = selectors.calendar_locations(organization=organization)
    notes: list[str] = []
    if not locations:
        return render(request, "scheduling/calendar.html", {"no_location": True})
    wanted = _int(request.GET.get("location"))
    location = next((loc for loc in locations if loc.pk == wanted), locations[0])
    if request.GET.get("location") and wanted != location.pk:
        notes.append(
            _("That location is not one of the clinic's; showing %(name)s.")
            % {"name": location.name}
        )
    tz = location.tzinfo
    today = timezone.now().astimezone(tz).date()
    day, ok = _parse_day(request.GET.get("date"), today)
    if not ok:
        notes.append(_("That date could not be read; showing today."))
    view = str(request.GET.get("view")) if request.GET.get("view") in VIEWS else "day"
    by = str(request.GET.get("by")) if request.GET.get("by") in LANES else "chair"
    if view == "week":
        first = day - dt.timedelta(days=day.weekday())
        days = [first + dt.timedelta(days=i) for i in range(7)]
    else:
        days = [day]
    start, end = _day_range(days[0], tz, len(days))
    appointments = list(
        selectors.appointments_between(
            organization=organization, start=start, end=end, location=location
        ).select_related("series")
    )
    resources = selectors.calendar_resources(
        organization=organization,
        location=location,
        first_day=days[0],
        last_day=days[-1],
        start=start,
        end=end,
    )
    if view == "week":
        grid: Any = layout.week_table(
            days=days,
            tz=tz,
            by=by,
            appointments=appointments,
            chairs=resources.chairs,
            shifts=resources.shifts,
            time_off=resources.time_off,
        )
    else:
        grid = layout.day_grid(
            day=day,
            tz=tz,
            by=by,
            appointments=appointments,
            chairs=resources.chairs,
            shifts=resources.shifts,
            time_off=resources.time_off,
            hours=resources.hours,
        )
    record_list_view(
        request,
        {AuditEvent.ObjectType.APPOINTMENT: [a.patient for a in appointments if a.patient]},
        detail={"list": "calendar", "view": view, "by": by, "date": day.isoformat()},
    )
    step = dt.timedelta(days=7 if view == "week" else 1)

    def link(**changes: Any) -> str:
        params: dict[str, Any] = {
            "view": view,
            "by": by,
            "date": day.isoformat(),
            "location": location.pk,
        }
        params.update(changes)
        return f"{reverse('scheduling:calendar')}?{urlencode(params)}"

    return render(
        request,
        "scheduling/calendar.html",
        {
            "location": location,
            "locations": locations,
            "zone": _zone_label(location, day),
            "day": day,
            "days": days,
            "today": today,
            "view": view,
            "by": by,
            "grid": grid,
            "notes": notes,
            "count": len(appointments),
            "px_per_min": layout.PX_PER_MIN,
            "links": {
                "prev": link(date=(day - step).isoformat()),
                "next": link(date=(day + step).isoformat()),
                "today": link(date=today.isoformat()),
                "day": link(view="day"),
                "week": link(view="week"),
                "chair": link(by="chair"),
                "staff": link(by="staff"),
            },
            "can_book": can(user_of(request), "schedule.book"),
        },
    )


# --- appointment page and its actions ---------------------------------------------------


def _mark_choices(appointment: Appointment, now: dt.datetime) -> list[tuple[str, str]]:
    choices = []
    for status in MARK_ORDER:
        if appointment.status not in services.MARK_TRANSITIONS[status]:
            continue
        if services.mark_problem(appointment, status, now):
            continue
        choices.append((str(status), str(Appointment.Status(status).label)))
    return choices


def _is_late(appointment: Appointment, now: dt.datetime) -> bool:
    settings = selectors.scheduling_settings_for(organization=appointment.organization_id)
    window = dt.timedelta(hours=settings.late_cancellation_window_h)
    return (
        appointment.service_starts_at - now < window
        and appointment.created_at < appointment.service_starts_at - window
    )


def _appointment_page(
    request: HttpRequest,
    appointment: Appointment,
    *,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
    mark_form: MarkForm | None = None,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = organization_of(request)
    user = user_of(request)
    location = appointment.location
    tz = location.tzinfo
    now = timezone.now()
    chairs_qs = _chairs(organization, location)
    staff_qs = _staff(organization)
    can_book = can(user, "schedule.book")
    if move_form is None:
        local = appointment.service_starts_at.astimezone(tz)
        initial_day, _ok = _parse_day(request.GET.get("day"), local.date())
        data = {
            "day": initial_day.isoformat(),
            "chair": request.GET.get("chair", ""),
            "staff": request.GET.get("staff", ""),
        }
        move_form = MoveForm(data, chairs=chairs_qs, staff=staff_qs)
        if request.GET.get("day") and not _ok:
            move_form.is_valid()
            move_form.add_error("day", _("Enter a real date, for example 2026-03-14."))
    late = _is_late(appointment, now)
    cancel_form = cancel_form or CancelForm(late=late)
    marks = _mark_choices(appointment, now)
    mark_form = mark_form or MarkForm(statuses=marks)
    slots: list[dict[str, Any]] = []
    move_day = None
    if appointment.is_active and can_book and move_form.is_bound:
        move_form.is_valid()
        cleaned = getattr(move_form, "cleaned_data", {})
        move_day = cleaned.get("day")
        if move_day is not None and "day" not in move_form.errors:
            chair = cleaned.get("chair")
            staff = cleaned.get("staff")
            start, end = _day_range(move_day, tz)
            found = selectors.move_slots(
                appointment=appointment,
                start=start,
                end=end,
                chair=chair,
                staff_id=staff.pk if staff else None,
                now=now,
            )
            chair_names, staff_names = _names(organization, location)
            slots = _slot_rows(found, tz, chair_names, staff_names)
    history = selectors.appointment_history(appointment=appointment)
    audit: list[AuditEvent] = []
    if can(user, "audit.report"):
        audit = list(
            audit_events(organization=organization).filter(
                object_type=AuditEvent.ObjectType.APPOINTMENT, object_id=str(appointment.pk)
            )[:LIST_LIMIT]
        )
    record_view(
        request,
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient=appointment.patient,
    )
    name, lead = layout.who(appointment)
    return render(
        request,
        "scheduling/appointment.html",
        {
            "appointment": appointment,
            "chip": layout.chip(appointment, tz),
            "name": name,
            "is_lead": lead,
            "series": layout.series_position(appointment) if appointment.series_id else "",
            "zone": _zone_label(
                location, appointment.service_starts_at.astimezone(location.tzinfo).date()
            ),
            "local_day": appointment.service_starts_at.astimezone(tz).date(),
            "attendance": (
                selectors.attendance_record(patient_id=appointment.patient_id)
                if appointment.patient_id
                else None
            ),
            "history": history,
            "audit": audit,
            "move_form": move_form,
            "move_day": move_day,
            "slots": slots,
            "cancel_form": cancel_form,
            "mark_form": mark_form,
            "marks": marks,
            "no_show_waits": appointment.status
            in (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)
            and now < appointment.service_starts_at,
            "late": late,
            "late_window_h": selectors.scheduling_settings_for(
                organization=organization
            ).late_cancellation_window_h,
            "can_book": can_book,
            "error": error,
            "calendar_url": reverse("scheduling:calendar")
            + "?"
            + urlencode(
                {
                    "date": appointment.service_starts_at.astimezone(tz).date().isoformat(),
                    "location": str(location.pk),
                }
            ),
        },
        status=status,
    )


def _error(error: services.BookingError) -> dict[str, str]:
    return {"code": error.code, "message": error.message, "status": str(error.status)}


@require_capability("schedule.view")
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """One appointment: details, history, and the move, cancel and mark forms."""
    return _appointment_page(request, _appointment(request, appointment_id))


@post_only
@require_capability("schedule.book")
def appointment_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Move to an open time picked from the list (``start``) or a day and time typed."""
    appointment = _appointment(request, appointment_id)
    organization = organization_of(request)
    form = MoveForm(
        request.POST, chairs=_chairs(organization, appointment.location), staff=_staff(organization)
    )
    if not form.is_valid():
        return _appointment_page(request, appointment, move_form=form, status=422)
    tz = appointment.location.tzinfo
    start = form.cleaned_data.get("start")
    if start is None:
        typed = form.cleaned_data.get("time")
        if typed is None:
            form.add_error("time", _("Choose one of the open times or type a time."))
            return _appointment_page(request, appointment, move_form=form, status=422)
        start = kernel.local_instant(form.cleaned_data["day"], typed, tz)
    try:
        services.appointment_move(
            appointment=appointment,
            service_starts_at=start,
            chair=form.cleaned_data.get("chair"),
            staff=form.cleaned_data.get("staff"),
            by=user_of(request),
            reason=form.cleaned_data.get("reason") or "",
            context=context_of(request),
        )
    except services.BookingError as error:
        return _appointment_page(
            request, appointment, move_form=form, error=_error(error), status=error.status
        )
    local = start.astimezone(tz)
    messages.success(request, _("Moved to %(when)s.") % {"when": f"{local:%a %d %b %Y %H:%M}"})
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@post_only
@require_capability("schedule.book")
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Cancel with a reason; inside the late-cancellation window the user confirms first."""
    appointment = _appointment(request, appointment_id)
    late = _is_late(appointment, timezone.now())
    form = CancelForm(request.POST, late=late)
    if not form.is_valid():
        return _appointment_page(request, appointment, cancel_form=form, status=422)
    try:
        services.appointment_cancel(
            appointment=appointment,
            by=user_of(request),
            reason=form.cleaned_data["reason"],
            context=context_of(request),
        )
    except services.BookingError as error:
        return _appointment_page(
            request, appointment, cancel_form=form, error=_error(error), status=error.status
        )
    if appointment.late_cancellation:
        messages.warning(request, _("Cancelled. Recorded as a late cancellation."))
    else:
        messages.success(request, _("Cancelled."))
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


@post_only
@require_capability("schedule.book")
def appointment_mark(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Mark confirmed, arrived, in the chair, completed or did not attend."""
    appointment = _appointment(request, appointment_id)
    marks = _mark_choices(appointment, timezone.now())
    form = MarkForm(request.POST, statuses=marks)
    if not form.is_valid():
        return _appointment_page(request, appointment, mark_form=form, status=422)
    try:
        services.appointment_mark(
            appointment=appointment,
            status=form.cleaned_data["status"],
            by=user_of(request),
            context=context_of(request),
        )
    except services.BookingError as error:
        return _appointment_page(
            request, appointment, mark_form=form, error=_error(error), status=error.status
        )
    messages.success(
        request,
        _("Marked %(status)s.") % {"status": appointment.get_status_display().lower()},
    )
    if request.POST.get("return_to") == "today":
        return redirect("today:index")
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


# --- booking -----------------------------------------------------------------------------


@require_capability("schedule.book")
def book_pick(request: HttpRequest) -> HttpResponse:
    """Find the patient to book for (searched with a form post: no name in the address)."""
    organization = organization_of(request)
    form = PatientPickForm(request.POST or None)
    matches: list[Patient] = []
    text = form.cleaned_data["q"] if form.is_valid() else ""
    if text:
        query, qs = patient_selectors.patient_search(organization=organization, text=text)
        matches = list(qs[:LIST_LIMIT])
        audit_record(
            action=AuditEvent.Action.SEARCH,
            actor=user_of(request),
            context=context_of(request),
            object_type=AuditEvent.ObjectType.PATIENT,
            detail={"query": text, "kind": query.kind, "results": len(matches), "via": "booking"},
        )
        record_list_view(
            request, {AuditEvent.ObjectType.PATIENT: matches}, detail={"list": "booking search"}
        )
    return render(
        request, "scheduling/book_pick.html", {"form": form, "matches": matches, "q": text}
    )


def _book_forms(organization: Organization) -> dict[str, Any]:
    return {
        "types": _types(organization),
        "locations": _locations(organization),
        "chairs": _chairs(organization),
        "staff": _staff(organization),
    }


def _book_page(
    request: HttpRequest,
    patient: Patient,
    form: BookQueryForm,
    *,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = organization_of(request)
    slots: list[dict[str, Any]] = []
    readiness = None
    chosen_type: AppointmentType | None = None
    location: Location | None = None
    query_ok = False
    searched = form.is_bound
    if searched:
        form.is_valid()
        data = form.cleaned_data
        chosen_type = data.get("appointment_type")
        location = data.get("location")
        day = data.get("day")
        query_ok = not any(k in form.errors for k in ("appointment_type", "location", "day"))
        query_ok = query_ok and not any(k in form.errors for k in ("chair", "staff"))
    if searched and query_ok and chosen_type and location and day:
        chair = data.get("chair")
        staff = data.get("staff")
        start, end = _day_range(day, location.tzinfo)
        found = selectors.available_slots(
            organization=organization,
            appointment_type=chosen_type,
            location=location,
            start=start,
            end=end,
            patient_id=patient.pk,
            chair=chair,
            staff_id=staff.pk if staff else None,
        )
        chair_names, staff_names = _names(organization, location)
        slots = _slot_rows(found, location.tzinfo, chair_names, staff_names)
    is_mobile = bool(chosen_type and chosen_type.kind == AppointmentType.Kind.MOBILE_VISIT)
    if chosen_type is not None and chosen_type.kind in selectors.CHAIR_KINDS:
        readiness = infusion_readiness(patient=patient)
    record_view(
        request, object_type=AuditEvent.ObjectType.PATIENT, object_id=patient.pk, patient=patient
    )
    posted: Any = form.data if form.is_bound else {}
    return render(
        request,
        "scheduling/book.html",
        {
            "patient": patient,
            "form": form,
            "slots": slots,
            "searched": searched,
            "show_slots": searched and query_ok,
            "chosen_type": chosen_type,
            "is_mobile": is_mobile,
            "mobile_min_prepaid": (
                selectors.scheduling_settings_for(
                    organization=organization
                ).mobile_min_prepaid_sessions
                if is_mobile
                else None
            ),
            "is_infusion": bool(chosen_type and chosen_type.kind in selectors.CHAIR_KINDS),
            "location": location,
            "zone": _zone_label(location) if location else "",
            "readiness": readiness,
            "error": error,
            "kept": {
                "visit_address": posted.get("visit_address", ""),
                "prepaid_sessions": posted.get("prepaid_sessions", ""),
                "note": posted.get("note", ""),
                "start": posted.get("start", ""),
            },
        },
        status=status,
    )


@require_capability("schedule.book")
def book(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Book for a patient: type, location and day (GET) give the open times to pick from."""
    patient = _patient(request, patient_id)
    organization = organization_of(request)
    keys = ("appointment_type", "location", "day")
    bound = any(k in request.GET for k in keys)
    initial = {"day": timezone.localdate().isoformat()}
    locations = _locations(organization)
    first = locations.first()
    if first is not None:
        initial["day"] = timezone.now().astimezone(first.tzinfo).date().isoformat()
        initial["location"] = str(first.pk)
    form = BookQueryForm(
        request.GET if bound else None, initial=initial, **_book_forms(organization)
    )
    return _book_page(request, patient, form)


@post_only
@require_capability("schedule.book")
def book_save(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Book the chosen open time; a taken time or a broken rule is shown on the form."""
    patient = _patient(request, patient_id)
    organization = organization_of(request)
    form = BookSaveForm(request.POST, **_book_forms(organization))
    if not form.is_valid():
        return _book_page(request, patient, form, status=422)
    data = form.cleaned_data
    try:
        appointment = services.appointment_book(
            organization=organization,
            appointment_type=data["appointment_type"],
            location=data["location"],
            service_starts_at=data["start"],
            patient=patient,
            chair=data.get("chair"),
            staff=data.get("staff"),
            by=user_of(request),
            visit_address=data.get("visit_address") or "",
            note=data.get("note") or "",
            prepaid_sessions=data.get("prepaid_sessions"),
            context=context_of(request),
        )
    except services.BookingError as error:
        return _book_page(request, patient, form, error=_error(error), status=error.status)
    messages.success(request, _("Booked."))
    return redirect("scheduling:appointment", appointment_id=appointment.pk)


# --- series ------------------------------------------------------------------------------


def _series_page(
    request: HttpRequest,
    patient: Patient,
    form: SeriesForm,
    *,
    chosen: dict[int, str] | None = None,
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = organization_of(request)
    proposal = None
    sessions: list[dict[str, Any]] = []
    protocol = None
    location = None
    problem = ""
    chosen = chosen or {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        location = data["location"]
        tz = location.tzinfo
        protocol = data["appointment_type"].protocol
        try:
            proposal = services.series_propose(
                organization=organization,
                appointment_type=data["appointment_type"],
                location=location,
                patient=patient,
                first_day=data["first_day"],
                weekdays=[int(d) for d in data["weekdays"]],
                local_time=data["local_time"],
                session_count=form.sessions(),
            )
        except ValueError as exc:
            problem = str(exc)
        if proposal is not None:
            chair_names, staff_names = _names(organization, location)

            def option(fit: kernel.Fit) -> dict[str, Any]:
                local = fit.patient_time.start.astimezone(tz)
                return {
                    "value": fit.service_start.isoformat(),
                    "label": (
                        f"{local:%a %d %b} {local:%H:%M}–{layout.hhmm(fit.patient_time.end, tz)}"
                    ),
                    "chair": chair_names.get(fit.chair_id or 0, ""),
                    "staff": staff_names.get(fit.staff_id or 0, ""),
                }

            for s in proposal.sessions:
                options = [option(s.fit)] if s.fit else [option(f) for f in s.alternatives]
                number = s.index + 1
                pick = chosen.get(number)
                values = {o["value"] for o in options}
                if pick and pick not in values:
                    try:
                        instant = dt.datetime.fromisoformat(pick).astimezone(tz)
                        options.append(
                            {
                                "value": pick,
                                "label": _("%(when)s (your choice)")
                                % {"when": f"{instant:%a %d %b %H:%M}"},
                                "chair": "",
                                "staff": "",
                            }
                        )
                    except ValueError:
                        pick = None
                if not pick and s.fit is not None:
                    pick = options[0]["value"]
                wanted = s.wanted.astimezone(tz)
                sessions.append(
                    {
                        "index": number,
                        "wanted": f"{wanted:%a %d %b} {wanted:%H:%M}",
                        "found": s.fit is not None,
                        "problems": [p.message for p in s.problems],
                        "options": options,
                        "pick": pick or "",
                    }
                )
    record_view(
        request, object_type=AuditEvent.ObjectType.PATIENT, object_id=patient.pk, patient=patient
    )
    return render(
        request,
        "scheduling/series.html",
        {
            "patient": patient,
            "form": form,
            "proposal": proposal,
            "sessions": sessions,
            "protocol": protocol,
            "location": location,
            "zone": _zone_label(location) if location else "",
            "problem": problem,
            "error": error,
            "spacing": [p.message for p in proposal.spacing] if proposal else [],
            # Series are infusions: what the patient still needs before the first one.
            "readiness": infusion_readiness(patient=patient),
        },
        status=status,
    )


def _series_form(organization: Organization, data: QueryDict | None) -> SeriesForm:
    locations = _locations(organization)
    first = locations.first()
    initial: dict[str, Any] = {"weekdays": ["0", "2", "4"], "local_time": "10:00"}
    if first is not None:
        initial["location"] = str(first.pk)
        initial["first_day"] = (
            timezone.now().astimezone(first.tzinfo).date() + dt.timedelta(days=1)
        ).isoformat()
    return SeriesForm(
        data,
        initial=initial,
        types=_types(organization, selectors.CHAIR_KINDS),
        locations=locations,
    )


@require_capability("schedule.book")
def series(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Propose a series (GET): each session's time, or the nearest alternatives to pick."""
    patient = _patient(request, patient_id)
    bound = "first_day" in request.GET
    form = _series_form(organization_of(request), request.GET if bound else None)
    return _series_page(request, patient, form)


@post_only
@require_capability("schedule.book")
def series_book(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Book every session as chosen, all or nothing; on a problem the choices are kept."""
    patient = _patient(request, patient_id)
    organization = organization_of(request)
    form = _series_form(organization, request.POST)
    chosen: dict[int, str] = {}
    for key in request.POST:
        if key.startswith("session_") and key[8:].isdigit() and len(key) < 12:
            chosen[int(key[8:])] = str(request.POST.get(key, ""))[:40]
    if not form.is_valid():
        return _series_page(request, patient, form, chosen=chosen, status=422)
    count = form.sessions()
    starts: list[dt.datetime] = []
    missing: list[int] = []
    for index in range(1, count + 1):
        value = chosen.get(index, "")
        try:
            instant = dt.datetime.fromisoformat(value) if value else None
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            missing.append(index)
        else:
            starts.append(instant)
    if missing:
        message = _("Choose a time for session %(sessions)s.") % {
            "sessions": ", ".join(str(i) for i in missing)
        }
        return _series_page(
            request,
            patient,
            form,
            chosen=chosen,
            error={"code": "choose", "message": message, "status": "422"},
            status=422,
        )
    data = form.cleaned_data
    try:
        booked = services.series_book(
            organization=organization,
            appointment_type=data["appointment_type"],
            location=data["location"],
            patient=patient,
            service_starts=starts,
            by=user_of(request),
            weekdays=[int(d) for d in data["weekdays"]],
            local_time=data["local_time"],
            context=context_of(request),
        )
    except services.BookingError as error:
        return _series_page(
            request, patient, form, chosen=chosen, error=_error(error), status=error.status
        )
    messages.success(
        request,
        _("Booked a series of %(count)s sessions.") % {"count": booked.session_count},
    )
    first = min(starts).astimezone(data["location"].tzinfo).date()
    return redirect(
        reverse("scheduling:calendar")
        + "?"
        + urlencode(
            {
                "view": "week",
                "by": "chair",
                "date": first.isoformat(),
                "location": data["location"].pk,
            }
        )
    )
