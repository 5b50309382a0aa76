"""Clinic administration pages: locations, hours, closures, rooms and chairs; the audit report."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_list_view,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import can
from infusionist.administration import services
from infusionist.administration.forms import (
    AuditFilterForm,
    ChairForm,
    ClosureForm,
    LocationForm,
    RoomForm,
    StaffingForm,
    WeeklyHoursForm,
)
from infusionist.administration.selectors import audit_csv_changes, audit_rows
from infusionist.audit.models import AuditEvent
from infusionist.audit.selectors import audit_events
from infusionist.audit.services import audit_record
from infusionist.clinics import selectors as clinic_selectors
from infusionist.clinics.models import Location, Room
from infusionist.patients.selectors import patients_for_organization
from infusionist.postonly import post_only

CSV_COLUMNS = [
    "occurred_at_utc",
    "user_email",
    "role",
    "action",
    "object_type",
    "object_id",
    "patient_mrn",
    "outcome",
    "ip_address",
    "user_agent",
    "path",
    # Added in review round 1, at the end so earlier columns keep their places.
    "what_happened",
    "fields_changed",
    "before",
    "after",
]


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    organization = organization_of(request)
    form = AuditFilterForm(request.GET or None, organization=organization)
    if request.GET and not form.is_valid():
        return form, AuditEvent.objects.none()
    if not request.GET:
        return form, audit_events(organization=organization)
    lower, upper = form.local_bounds()
    actor = form.cleaned_data.get("actor")
    return form, audit_events(
        organization=organization,
        actor_id=actor.pk if actor else None,
        patient_id=form.cleaned_data.get("patient"),
        date_from=lower,
        date_to=upper,
        outcome=form.cleaned_data.get("outcome") or "",
    )


@require_capability("clinic.view")
def location_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate()
    locations = [
        {
            "location": loc,
            "hours": list(loc.hours.all()),
            "open_now": clinic_selectors.is_open(location=loc, now=now),
            "closures": clinic_selectors.upcoming_closures(location=loc, today=today),
        }
        for loc in clinic_selectors.locations_for_organization(
            organization=organization_of(request)
        )
    ]
    return render(
        request,
        "administration/locations.html",
        {"locations": locations, "can_manage": can(user_of(request), "clinic.manage")},
    )


def _location(request: HttpRequest, location_id: int) -> Location:
    location = clinic_selectors.location_get(
        organization=organization_of(request), location_id=location_id
    )
    if location is None:
        raise Http404("No such location.")
    return location


@require_capability("clinic.view")
def location_detail(request: HttpRequest, location_id: int) -> HttpResponse:
    """A location's hours, closures, rooms and chairs, and staffing rule."""
    return _location_page(request, _location(request, location_id))


def _location_page(
    request: HttpRequest,
    location: Location,
    *,
    closure_form: ClosureForm | None = None,
    room_form: RoomForm | None = None,
    chair_forms: dict[int, ChairForm] | None = None,
    remove_errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    rooms = clinic_selectors.rooms_with_chairs(location=location)
    closures, past_closures = clinic_selectors.closures_by_time(
        location=location, today=timezone.now().astimezone(location.tzinfo).date()
    )
    chair_forms = chair_forms or {}
    return render(
        request,
        "administration/location_detail.html",
        {
            "location": location,
            "hours": list(location.hours.all()),
            "closures": closures,
            "past_closures": past_closures,
            "remove_errors": remove_errors or {},
            "rooms": [
                (room, chair_forms.get(room.pk) or ChairForm(prefix=f"room-{room.pk}"))
                for room in rooms
            ],
            "staffing": clinic_selectors.staffing_for(location=location),
            "closure_form": closure_form or ClosureForm(),
            "room_form": room_form or RoomForm(),
            "can_manage": can(user_of(request), "clinic.manage"),
        },
        status=status,
    )


@require_capability("clinic.manage")
def location_create(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    form = LocationForm(request.POST or None, instance=Location(organization=organization))
    if request.method == "POST" and form.is_valid():
        location = services.location_save(
            organization=organization,
            actor=user_of(request),
            data=form.location_data(),
            context=context_of(request),
        )
        messages.success(request, _("Location added. Now set its hours and chairs."))
        return redirect("administration:location_hours", location_id=location.pk)
    return render(
        request,
        "administration/location_form.html",
        {"form": form, "location": None},
        status=422 if form.errors else 200,
    )


@require_capability("clinic.manage")
def location_edit(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        data = form.location_data()
        location.refresh_from_db()
        services.location_save(
            organization=organization_of(request),
            actor=user_of(request),
            data=data,
            location=location,
            context=context_of(request),
        )
        messages.success(request, _("Location saved."))
        return redirect("administration:location_detail", location_id=location.pk)
    return render(
        request,
        "administration/location_form.html",
        {"form": form, "location": location},
        status=422 if form.errors else 200,
    )


@require_capability("clinic.manage")
def location_hours(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = WeeklyHoursForm(request.POST or None, location=location)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.business_hours_set(
                location=location,
                actor=user_of(request),
                hours=form.hours(),
                context=context_of(request),
            )
        except ValidationError as exc:
            for key, messages_ in exc.message_dict.items():
                field = f"{key}_opens1" if f"{key}_opens1" in form.fields else None
                form.add_error(field, messages_)
        else:
            messages.success(
                request, _("Opening hours saved.") if changed else _("Nothing was changed.")
            )
            return redirect("administration:location_detail", location_id=location.pk)
    return render(
        request,
        "administration/location_hours.html",
        {"form": form, "location": location},
        status=422 if form.errors else 200,
    )


@post_only
@require_capability("clinic.manage")
def closure_add(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = ClosureForm(request.POST)
    if not form.is_valid():
        return _location_page(request, location, closure_form=form, status=422)
    try:
        services.closure_add(
            location=location,
            actor=user_of(request),
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            reason=form.cleaned_data["reason"],
            context=context_of(request),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _location_page(request, location, closure_form=form, status=422)
    messages.success(request, _("Closure added."))
    return redirect("administration:location_detail", location_id=location.pk)


@post_only(form_page=lambda request, closure_id: reverse("administration:locations"))
@require_capability("clinic.manage")
def closure_remove(request: HttpRequest, closure_id: int) -> HttpResponse:
    closure = clinic_selectors.closure_get(
        organization=organization_of(request), closure_id=closure_id
    )
    if closure is None:
        raise Http404("No such closure.")
    location_id = closure.location_id
    if request.POST.get("confirm") != "yes":
        message = _("Tick the box to confirm: the location then opens as usual on those days.")
        return _location_page(
            request,
            _location(request, location_id),
            remove_errors={closure.pk: message},
            status=422,
        )
    services.closure_remove(closure=closure, actor=user_of(request), context=context_of(request))
    messages.success(request, _("Closure removed; the location opens as usual on those days."))
    return redirect("administration:location_detail", location_id=location_id)


@post_only
@require_capability("clinic.manage")
def room_add(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = RoomForm(request.POST)
    if form.is_valid():
        try:
            services.room_save(
                location=location,
                actor=user_of(request),
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
                context=context_of(request),
            )
        except ValidationError:
            form.add_error("name", _("This location already has a room with that name."))
        else:
            messages.success(request, _("Room added. Add its chairs below."))
            return redirect("administration:location_detail", location_id=location.pk)
    return _location_page(request, location, room_form=form, status=422)


def _room(request: HttpRequest, room_id: int) -> Room:
    room = clinic_selectors.room_get(organization=organization_of(request), room_id=room_id)
    if room is None:
        raise Http404("No such room.")
    return room


@require_capability("clinic.manage")
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room(request, room_id)
    form = RoomForm(request.POST or None, initial={"name": room.name, "is_active": room.is_active})
    if request.method == "POST" and form.is_valid():
        try:
            services.room_save(
                location=room.location,
                actor=user_of(request),
                name=form.cleaned_data["name"],
                is_active=form.cleaned_data["is_active"],
                room=room,
                context=context_of(request),
            )
        except ValidationError:
            form.add_error("name", _("This location already has a room with that name."))
        else:
            messages.success(request, _("Room saved."))
            return redirect("administration:location_detail", location_id=room.location_id)
    return render(
        request,
        "administration/room_form.html",
        {"form": form, "room": room},
        status=422 if form.errors else 200,
    )


@post_only(form_page=lambda request, room_id: reverse("administration:room_edit", args=[room_id]))
@require_capability("clinic.manage")
def chair_add(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room(request, room_id)
    form = ChairForm(request.POST, prefix=f"room-{room.pk}")
    if form.is_valid():
        try:
            services.chair_save(
                room=room,
                actor=user_of(request),
                name=form.cleaned_data["name"],
                capabilities=form.cleaned_data["capabilities"],
                is_active=form.cleaned_data["is_active"],
                context=context_of(request),
            )
        except ValidationError:
            form.add_error("name", _("This room already has a chair with that name."))
        else:
            messages.success(request, _("Chair added."))
            return redirect("administration:location_detail", location_id=room.location_id)
    return _location_page(request, room.location, chair_forms={room.pk: form}, status=422)


@require_capability("clinic.manage")
def chair_edit(request: HttpRequest, chair_id: int) -> HttpResponse:
    chair = clinic_selectors.chair_get(organization=organization_of(request), chair_id=chair_id)
    if chair is None:
        raise Http404("No such chair.")
    form = ChairForm(
        request.POST or None,
        initial={
            "name": chair.name,
            "capabilities": chair.capabilities,
            "is_active": chair.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.chair_save(
                room=chair.room,
                actor=user_of(request),
                name=form.cleaned_data["name"],
                capabilities=form.cleaned_data["capabilities"],
                is_active=form.cleaned_data["is_active"],
                chair=chair,
                context=context_of(request),
            )
        except ValidationError:
            form.add_error("name", _("This room already has a chair with that name."))
        else:
            messages.success(request, _("Chair saved."))
            return redirect("administration:location_detail", location_id=chair.room.location_id)
    return render(
        request,
        "administration/chair_form.html",
        {"form": form, "chair": chair},
        status=422 if form.errors else 200,
    )


@require_capability("clinic.manage")
def location_staffing(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    staffing = clinic_selectors.staffing_for(location=location)
    form = StaffingForm(request.POST or None, instance=staffing)
    if request.method == "POST" and form.is_valid():
        data = form.staffing_data()
        changed = services.staffing_update(
            location=location, actor=user_of(request), data=data, context=context_of(request)
        )
        messages.success(
            request, _("Staffing rule saved.") if changed else _("Nothing was changed.")
        )
        return redirect("administration:location_detail", location_id=location.pk)
    return render(
        request,
        "administration/location_staffing.html",
        {"form": form, "location": location},
        status=422 if form.errors else 200,
    )


@require_capability("audit.report")
def audit_report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        posted = AuditFilterForm(request.POST, organization=organization_of(request))
        if posted.is_valid():
            return redirect(f"{reverse('administration:audit_report')}?{posted.query_string()}")
        return render(request, "administration/audit_report.html", {"form": posted, "page": None})
    form, events = _filtered(request)
    page_number = form.cleaned_data.get("page") if form.is_bound and form.is_valid() else 1
    page = Paginator(events, 50).get_page(page_number or 1)
    query = request.GET.copy()
    query.pop("page", None)
    patient_filter = None
    if form.is_bound and form.is_valid() and form.cleaned_data.get("patient"):
        patient_filter = (
            patients_for_organization(organization=organization_of(request))
            .filter(pk=form.cleaned_data["patient"])
            .first()
        )
    record_list_view(
        request,
        {AuditEvent.ObjectType.AUDIT_REPORT: [e.patient for e in page.object_list if e.patient]},
        detail={"list": "audit report"},
    )
    return render(
        request,
        "administration/audit_report.html",
        {
            "form": form,
            "page": page,
            "rows": audit_rows(page.object_list),
            "query": query.urlencode(),
            "patient_filter": patient_filter,
        },
    )


def _cell(value: object) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    chunk: list[AuditEvent] = []
    for event in events.iterator(chunk_size=2000):
        chunk.append(event)
        if len(chunk) == CSV_CHUNK_EVENTS:
            yield from _csv_chunk(writer, chunk)
            chunk = []
    if chunk:
        yield from _csv_chunk(writer, chunk)


#: Events read together for the CSV: their staff names and records are looked up in batch
#: (administration.selectors.audit_rows: a fixed number of queries per chunk).
CSV_CHUNK_EVENTS = 500


def _csv_chunk(writer: Any, events: list[AuditEvent]) -> Iterator[str]:
    for row in audit_rows(events):
        e = row.event
        fields_changed, before, after = audit_csv_changes(row)
        yield writer.writerow(
            [
                _cell(v)
                for v in [
                    e.occurred_at.astimezone(dt.UTC).isoformat(),
                    e.actor_email,
                    e.actor_role,
                    e.action,
                    e.object_type,
                    e.object_id,
                    e.patient.mrn if e.patient else "",
                    e.outcome,
                    e.ip_address or "",
                    e.user_agent,
                    e.path,
                    row.what,
                    fields_changed,
                    before,
                    after,
                ]
            ]
        )


@require_capability("audit.report")
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form, events = _filtered(request)
    if form.is_bound and not form.is_valid():
        return render(
            request, "administration/audit_report.html", {"form": form, "page": None}, status=400
        )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=user_of(request),
        context=context_of(request),
        object_type=AuditEvent.ObjectType.AUDIT_REPORT,
        detail={"filters": {k: v for k, v in request.GET.items() if k != "page"}},
    )
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
