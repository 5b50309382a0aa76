"""Scheduling set-up pages: booking rules, appointment types, staff shifts and time off.

The rows and their rules are the scheduling app's (``scheduling.configuration``); the pages
gather them with the clinic's locations, protocols and staff, so they live here, above them.
Every staff member sees their own shifts and time off (``my_schedule``); the clinic admin
manages everyone's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infusionist.accounts.access import (
    context_of,
    organization_of,
    require_capability,
    user_of,
)
from infusionist.accounts.models import User
from infusionist.accounts.roles import STAFF_ROLES
from infusionist.administration.forms_scheduling import (
    WEEKDAY_CHOICES,
    AppointmentTypeForm,
    SchedulingSettingsForm,
    StaffShiftForm,
    StaffTimeOffForm,
    add_problems,
)
from infusionist.clinics.models import Chair, Organization
from infusionist.clinics.selectors import clinic_zone
from infusionist.contact import time_zone_name
from infusionist.postonly import post_only
from infusionist.scheduling import configuration
from infusionist.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    StaffShift,
    StaffTimeOff,
)

# ---- the booking rules ---------------------------------------------------------------------


@require_capability("schedule.manage")
def scheduling_settings(request: HttpRequest) -> HttpResponse:
    """Show and change the clinic's booking rules (audited, old and new values)."""
    organization = organization_of(request)
    row = configuration.scheduling_settings_get(organization=organization)
    form = SchedulingSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        row.refresh_from_db()
        try:
            changed = configuration.scheduling_settings_update(
                organization=organization,
                actor=user_of(request),
                data=form.settings_data(),
                context=context_of(request),
            )
        except ValidationError as exc:
            add_problems(form, exc)
        else:
            if changed:
                messages.success(request, _("Scheduling settings saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("administration:scheduling_settings")
    return render(
        request,
        "administration/scheduling_settings.html",
        {"form": form, "section": "settings"},
        status=422 if form.errors else 200,
    )


# ---- appointment types ---------------------------------------------------------------------


def _type(request: HttpRequest, appointment_type_id: int) -> AppointmentType:
    found = (
        AppointmentType.objects.filter(
            organization=organization_of(request), pk=appointment_type_id
        )
        .select_related("protocol", "organization")
        .first()
    )
    if found is None:
        raise Http404("No such appointment type.")
    return found


@require_capability("schedule.manage")
def appointment_types(request: HttpRequest) -> HttpResponse:
    """Every appointment type of the clinic with the minutes it holds a chair (two queries)."""
    organization = organization_of(request)
    settings_row = configuration.scheduling_settings_get(organization=organization)
    types = list(
        AppointmentType.objects.filter(organization=organization)
        .select_related("protocol")
        .order_by("-is_active", "name", "id")
    )
    rows = [
        {
            "type": t,
            "minutes": configuration.type_minutes(
                kind=t.kind,
                protocol=t.protocol,
                service_min=t.service_min,
                observation_min=t.observation_min,
                travel_buffer_min=t.travel_buffer_min,
                chair_capability=t.chair_capability,
                settings=settings_row,
            ),
            "capability": _capability_label(t.chair_capability),
        }
        for t in types
    ]
    return render(
        request,
        "administration/appointment_types.html",
        {"rows": rows, "section": "types", "settings_row": settings_row},
    )


def _capability_label(value: str) -> str:
    return str(dict(Chair.Capability.choices).get(value, "")) if value else ""


def _type_form_page(
    request: HttpRequest,
    form: AppointmentTypeForm,
    appointment_type: AppointmentType | None,
) -> HttpResponse:
    organization = organization_of(request)
    settings_row = configuration.scheduling_settings_get(organization=organization)
    return render(
        request,
        "administration/appointment_type_form.html",
        {
            "form": form,
            "appointment_type": appointment_type,
            "minutes": form.minutes(settings_row),
            "settings_row": settings_row,
            "esketamine_floor_min": configuration.ESKETAMINE_OBSERVATION_MIN_AT_LEAST,
            "section": "types",
        },
        status=422 if form.errors else 200,
    )


def _type_save(
    request: HttpRequest, form: AppointmentTypeForm, appointment_type: AppointmentType | None
) -> AppointmentType | None:
    try:
        return configuration.appointment_type_save(
            organization=organization_of(request),
            actor=user_of(request),
            data=form.type_data(),
            appointment_type=appointment_type,
            context=context_of(request),
        )
    except ValidationError as exc:
        add_problems(form, exc)
        return None


@require_capability("schedule.manage")
def appointment_type_create(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    form = AppointmentTypeForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        saved = _type_save(request, form, None)
        if saved is not None:
            messages.success(request, _("Appointment type added."))
            return redirect("administration:appointment_types")
    return _type_form_page(request, form, None)


@require_capability("schedule.manage")
def appointment_type_edit(request: HttpRequest, appointment_type_id: int) -> HttpResponse:
    appointment_type = _type(request, appointment_type_id)
    form = AppointmentTypeForm(
        request.POST or None, instance=appointment_type, organization=organization_of(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.type_data()
        appointment_type.refresh_from_db()
        form.cleaned_data.update(data)
        saved = _type_save(request, form, appointment_type)
        if saved is not None:
            messages.success(request, _("Appointment type saved."))
            return redirect("administration:appointment_types")
    return _type_form_page(request, form, appointment_type)


def _set_active(request: HttpRequest, appointment_type_id: int, *, active: bool) -> HttpResponse:
    appointment_type = _type(request, appointment_type_id)
    try:
        configuration.appointment_type_set_active(
            appointment_type=appointment_type,
            actor=user_of(request),
            active=active,
            context=context_of(request),
        )
    except ValidationError as exc:
        messages.error(
            request,
            _("“%(name)s” cannot be offered again yet: %(problem)s")
            % {"name": appointment_type.name, "problem": " ".join(exc.messages)},
        )
    else:
        messages.success(
            request,
            (
                _("“%(name)s” is offered again.")
                if active
                else _("“%(name)s” is no longer offered; appointments already booked keep it.")
            )
            % {"name": appointment_type.name},
        )
    return redirect("administration:appointment_types")


@post_only(
    form_page=lambda request, appointment_type_id: reverse("administration:appointment_types")
)
@require_capability("schedule.manage")
def appointment_type_deactivate(request: HttpRequest, appointment_type_id: int) -> HttpResponse:
    return _set_active(request, appointment_type_id, active=False)


@post_only(
    form_page=lambda request, appointment_type_id: reverse("administration:appointment_types")
)
@require_capability("schedule.manage")
def appointment_type_reactivate(request: HttpRequest, appointment_type_id: int) -> HttpResponse:
    return _set_active(request, appointment_type_id, active=True)


# ---- staff shifts and time off -------------------------------------------------------------


def _staff_member(request: HttpRequest, user_id: int) -> User:
    staff = User.objects.filter(
        organization=organization_of(request), pk=user_id, role__in=STAFF_ROLES
    ).first()
    if staff is None:
        raise Http404("No such staff member.")
    return staff


def _named(shifts: Iterable[StaffShift]) -> list[StaffShift]:
    """Give each shift its weekday's name (``day_name``) for the page."""
    names = dict(WEEKDAY_CHOICES)
    found = list(shifts)
    for shift in found:
        shift.day_name = str(names[shift.weekday])  # type: ignore[attr-defined]
    return found


def _zone(organization: Organization) -> tuple[dt.tzinfo, str]:
    zone = clinic_zone(organization_id=organization.pk)
    return zone, time_zone_name(str(zone))


@require_capability("schedule.manage")
def staff_schedules(request: HttpRequest) -> HttpResponse:
    """Every staff member with their weekly shifts and coming time off (three queries)."""
    organization = organization_of(request)
    now = timezone.now()
    staff = list(
        User.objects.filter(
            organization=organization, role__in=STAFF_ROLES, is_active=True
        ).order_by("role", "full_name", "email")
    )
    shifts: dict[int, list[StaffShift]] = {}
    for shift in _named(
        StaffShift.objects.filter(organization=organization)
        .select_related("location")
        .order_by("weekday", "starts_at", "id")
    ):
        shifts.setdefault(shift.staff_id, []).append(shift)
    time_off: dict[int, list[StaffTimeOff]] = {}
    for absence in StaffTimeOff.objects.filter(organization=organization, ends_at__gt=now):
        time_off.setdefault(absence.staff_id, []).append(absence)
    zone, zone_name = _zone(organization)
    return render(
        request,
        "administration/staff_schedules.html",
        {
            "rows": [
                {
                    "staff": member,
                    "shifts": shifts.get(member.pk, []),
                    "time_off": time_off.get(member.pk, []),
                }
                for member in staff
            ],
            "zone": zone,
            "zone_name": zone_name,
            "section": "staff",
        },
    )


def _schedule_page(
    request: HttpRequest,
    staff: User,
    *,
    can_manage: bool,
    shift_form: StaffShiftForm | None = None,
    time_off_form: StaffTimeOffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = organization_of(request)
    now = timezone.now()
    zone, zone_name = _zone(organization)
    shifts = _named(
        StaffShift.objects.filter(staff=staff)
        .select_related("location")
        .order_by("weekday", "starts_at", "id")
    )
    absences = list(
        StaffTimeOff.objects.filter(staff=staff, ends_at__gt=now).order_by("starts_at", "id")
    )
    collisions = _collisions(staff, absences)
    return render(
        request,
        "administration/staff_schedule.html",
        {
            "staff": staff,
            "shifts": shifts,
            "time_off": [(absence, collisions.get(absence.pk, [])) for absence in absences],
            "can_manage": can_manage,
            "shift_form": shift_form or StaffShiftForm(organization=organization),
            "time_off_form": time_off_form or StaffTimeOffForm(zone=zone, zone_name=zone_name),
            "zone": zone,
            "zone_name": zone_name,
            "is_self": staff.pk == user_of(request).pk,
            "section": "staff",
        },
        status=status,
    )


def _collisions(staff: User, absences: list[StaffTimeOff]) -> dict[int, list[Appointment]]:
    """The staff member's active appointments inside each absence (one query for all)."""
    organization_id = staff.organization_id
    if not absences or organization_id is None:
        return {}
    start = min(a.starts_at for a in absences)
    end = max(a.ends_at for a in absences)
    found: dict[int, list[Appointment]] = {}
    appointments = list(
        Appointment.objects.filter(
            organization_id=organization_id,
            staff=staff,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .select_related("appointment_type", "location", "patient")
        .order_by("starts_at", "id")
    )
    for absence in absences:
        found[absence.pk] = [
            a
            for a in appointments
            if a.starts_at < absence.ends_at and a.ends_at > absence.starts_at
        ]
    return found


@require_capability("schedule.manage")
def staff_schedule(request: HttpRequest, user_id: int) -> HttpResponse:
    """One staff member's weekly shifts and time off, with the forms to change them."""
    return _schedule_page(request, _staff_member(request, user_id), can_manage=True)


@require_capability("schedule.view")
def my_schedule(request: HttpRequest) -> HttpResponse:
    """The signed-in staff member's own shifts and time off (read only)."""
    user = user_of(request)
    return _schedule_page(request, user, can_manage=False)


@post_only
@require_capability("schedule.manage")
def shift_add(request: HttpRequest, user_id: int) -> HttpResponse:
    staff = _staff_member(request, user_id)
    form = StaffShiftForm(request.POST, organization=organization_of(request))
    if form.is_valid():
        try:
            configuration.staff_shift_save(
                actor=user_of(request),
                staff=staff,
                data=form.shift_data(),
                context=context_of(request),
            )
        except ValidationError as exc:
            add_problems(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return redirect("administration:staff_schedule", user_id=staff.pk)
    return _schedule_page(request, staff, can_manage=True, shift_form=form, status=422)


def _shift(request: HttpRequest, shift_id: int) -> StaffShift:
    shift = (
        StaffShift.objects.filter(organization=organization_of(request), pk=shift_id)
        .select_related("staff", "location")
        .first()
    )
    if shift is None:
        raise Http404("No such shift.")
    return shift


@require_capability("schedule.manage")
def shift_edit(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    form = StaffShiftForm(
        request.POST or None, instance=shift, organization=organization_of(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.shift_data()
        shift.refresh_from_db()
        try:
            configuration.staff_shift_save(
                actor=user_of(request),
                staff=shift.staff,
                data=data,
                shift=shift,
                context=context_of(request),
            )
        except ValidationError as exc:
            add_problems(form, exc)
        else:
            messages.success(request, _("Shift saved."))
            return redirect("administration:staff_schedule", user_id=shift.staff_id)
    return render(
        request,
        "administration/shift_form.html",
        {"form": form, "shift": shift, "staff": shift.staff, "section": "staff"},
        status=422 if form.errors else 200,
    )


@post_only(
    form_page=lambda request, shift_id: reverse("administration:staff_schedules"),
)
@require_capability("schedule.manage")
def shift_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = _shift(request, shift_id)
    staff_id = shift.staff_id
    configuration.staff_shift_remove(
        shift=shift, actor=user_of(request), context=context_of(request)
    )
    messages.success(request, _("Shift removed."))
    return redirect("administration:staff_schedule", user_id=staff_id)


@post_only
@require_capability("schedule.manage")
def time_off_add(request: HttpRequest, user_id: int) -> HttpResponse:
    staff = _staff_member(request, user_id)
    zone, zone_name = _zone(organization_of(request))
    form = StaffTimeOffForm(request.POST, zone=zone, zone_name=zone_name)
    if form.is_valid():
        try:
            absence = configuration.staff_time_off_add(
                actor=user_of(request),
                staff=staff,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
                context=context_of(request),
            )
        except ValidationError as exc:
            add_problems(form, exc)
        else:
            count = configuration.time_off_collisions(
                staff=staff, starts_at=absence.starts_at, ends_at=absence.ends_at
            ).count()
            messages.success(request, _("Time off recorded."))
            if count:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)s appointment already booked with %(name)s falls in this time "
                        "off: it is listed below. Move it to someone else or another time.",
                        "%(count)s appointments already booked with %(name)s fall in this time "
                        "off: they are listed below. Move them to someone else or another time.",
                        count,
                    )
                    % {"count": count, "name": staff.display_name},
                )
            return redirect("administration:staff_schedule", user_id=staff.pk)
    return _schedule_page(request, staff, can_manage=True, time_off_form=form, status=422)


@post_only(form_page=lambda request, time_off_id: reverse("administration:staff_schedules"))
@require_capability("schedule.manage")
def time_off_remove(request: HttpRequest, time_off_id: int) -> HttpResponse:
    absence = StaffTimeOff.objects.filter(
        organization=organization_of(request), pk=time_off_id
    ).first()
    if absence is None:
        raise Http404("No such time off.")
    staff_id = absence.staff_id
    configuration.staff_time_off_remove(
        time_off=absence, actor=user_of(request), context=context_of(request)
    )
    messages.success(request, _("Time off removed."))
    return redirect("administration:staff_schedule", user_id=staff_id)
