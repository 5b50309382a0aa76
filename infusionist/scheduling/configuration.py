"""A clinic's scheduling set-up: booking rules, appointment types, staff shifts and time off.

Writes for the clinic admin (capability ``schedule.manage``): each checks the capability and
the organization, validates, writes in one transaction and audits old and new values. The
rules an appointment type must keep live here, once, for the administration pages, the demo
seed and anything else that saves a type:

- an infusion kind takes its minutes from one of the clinic's protocols of its drug;
- an esketamine session observes the patient for at least
  :data:`ESKETAMINE_OBSERVATION_MIN_AT_LEAST` minutes (Spravato REMS [46][47]);
- only the free consultation call is bookable from the public website (no record, no
  eligibility check and no payment is needed for it; every treatment needs them first);
- a mobile visit has a travel buffer.

None of the booking rules (slot step, preparation, turnover, windows, reminders) is a
clinical threshold; their defaults are operational and have no published source [?].
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.accounts.roles import STAFF_ROLES
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import Chair, Location, Organization
from infusionist.integrity import jsonable
from infusionist.lib.scheduling import Minutes
from infusionist.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    SchedulingSettings,
    StaffShift,
    StaffTimeOff,
)
from infusionist.scheduling.selectors import ESKETAMINE_MIN_OBSERVATION_MIN, appointment_minutes
from infusionist.treatment.models import Protocol

MANAGE_CAPABILITY = "schedule.manage"

#: The Spravato REMS: a certified setting observes the patient for at least two hours after
#: each esketamine dose [46][47] (also the label [18]). No clinic may set less.
ESKETAMINE_OBSERVATION_MIN_AT_LEAST = ESKETAMINE_MIN_OBSERVATION_MIN
#: Reminders go out at most two weeks (336 h) before the start: the settings field's limit.
REMINDER_OFFSET_MAX_H = 336
#: At most this many reminders per appointment (each one is a message to the patient).
REMINDER_OFFSETS_MAX_COUNT = 6

#: Kinds whose minutes come from a protocol of the clinic, and the drug that protocol gives.
PROTOCOL_KINDS: dict[str, str] = {
    AppointmentType.Kind.KETAMINE_INFUSION: "ketamine",
    AppointmentType.Kind.ESKETAMINE_SESSION: "esketamine",
}
#: The only kind a visitor of the public website may book (see the module docstring).
PUBLIC_KINDS = frozenset({AppointmentType.Kind.FREE_CONSULTATION})

SETTINGS_FIELDS = (
    "slot_step_min",
    "chair_prep_min",
    "chair_turnover_min",
    "late_cancellation_window_h",
    "reminder_offsets_h",
    "waitlist_offer_minutes",
    "booking_horizon_days",
    "min_notice_h",
    "mobile_min_prepaid_sessions",
)
TYPE_FIELDS = (
    "kind",
    "name",
    "name_es",
    "protocol",
    "service_min",
    "observation_min",
    "travel_buffer_min",
    "chair_capability",
    "staff_role",
    "staff_exclusive",
    "needs_physician_available",
    "public_bookable",
    "portal_bookable",
    "is_active",
)


def _check(actor: User, organization_id: int | None) -> None:
    require(actor, MANAGE_CAPABILITY)
    require_same_organization(actor, organization_id)


def _apply(row: Any, data: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """Set the changed fields on ``row``; return {"fields", "before", "after"} for the audit."""
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    changed = [name for name, value in data.items() if _current(row, name) != value]
    before = {name: _audit_value(_current(row, name)) for name in changed}
    for name in changed:
        setattr(row, name, data[name])
    return {
        "fields": changed,
        "before": before,
        "after": {name: _audit_value(getattr(row, name)) for name in changed},
    }


def _current(row: Any, name: str) -> Any:
    """A field's value, None for a relation not set yet (a new row)."""
    try:
        return getattr(row, name)
    except ObjectDoesNotExist:
        return None


def _audit_value(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else jsonable(value)


# ---- the booking rules ---------------------------------------------------------------------


def reminder_offsets_parse(text: str) -> list[int]:
    """Read reminder offsets typed as hours ("72, 24, 2"); return them largest first.

    Accepts commas, semicolons or spaces between whole numbers, and an "h" after each.
    Raises ValidationError saying what is wrong: a word or fraction, a negative or zero
    offset, one over :data:`REMINDER_OFFSET_MAX_H`, the same offset twice, too many.
    An empty text means no reminders.
    """
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    offsets: list[int] = []
    for part in parts:
        cleaned = part.lower().removesuffix("hours").removesuffix("h").strip()
        if cleaned.startswith("-") and cleaned[1:].isdigit():
            raise ValidationError(
                _("“%(part)s” is negative: write hours before the start, such as 24.")
                % {"part": part},
                code="negative",
            )
        if not cleaned.isdigit() or len(cleaned) > 6:
            raise ValidationError(
                _(
                    "“%(part)s” is not a whole number of hours. Write the hours before the start "
                    "separated by commas, such as 72, 24, 2."
                )
                % {"part": part[:20]},
                code="invalid",
            )
        hours = int(cleaned)
        if hours == 0:
            raise ValidationError(
                _("A reminder 0 hours before the start would arrive too late: use 1 or more."),
                code="zero",
            )
        if hours > REMINDER_OFFSET_MAX_H:
            raise ValidationError(
                _(
                    "%(hours)s hours is more than two weeks before the start; use at most "
                    "%(max)s hours."
                )
                % {"hours": hours, "max": REMINDER_OFFSET_MAX_H},
                code="too_far",
            )
        if hours in offsets:
            raise ValidationError(
                _("%(hours)s hours is listed twice: each reminder needs its own time.")
                % {"hours": hours},
                code="duplicate",
            )
        offsets.append(hours)
    if len(offsets) > REMINDER_OFFSETS_MAX_COUNT:
        raise ValidationError(
            _("At most %(max)s reminders per appointment; %(count)s were given.")
            % {"max": REMINDER_OFFSETS_MAX_COUNT, "count": len(offsets)},
            code="too_many",
        )
    return sorted(offsets, reverse=True)


def reminder_offsets_text(offsets: Sequence[int]) -> str:
    """Return offsets as they are typed on the settings page ("72, 24, 2")."""
    return ", ".join(str(h) for h in offsets)


def scheduling_settings_get(*, organization: Organization) -> SchedulingSettings:
    """Return the organization's scheduling settings, created with the defaults if missing."""
    row, _created = SchedulingSettings.objects.get_or_create(
        organization=organization,
        defaults={"reminder_offsets_h": list(SchedulingSettings.DEFAULT_REMINDER_OFFSETS_H)},
    )
    return row


@transaction.atomic
def scheduling_settings_update(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change the clinic's booking rules; return the names of the fields that changed.

    ``data`` holds fields of :data:`SETTINGS_FIELDS` (``reminder_offsets_h`` a list of whole
    hours). Raises ValidationError keyed by field for a value outside its limits (nothing is
    written then) and PermissionDenied without ``schedule.manage`` in the organization.
    """
    _check(actor, organization.pk)
    row = SchedulingSettings.objects.select_for_update().filter(organization=organization).first()
    if row is None:
        row = scheduling_settings_get(organization=organization)
    data = dict(data)
    if "reminder_offsets_h" in data:
        offsets = [int(h) for h in data["reminder_offsets_h"]]
        reminder_offsets_parse(reminder_offsets_text(offsets))  # the same checks as typed
        data["reminder_offsets_h"] = sorted(offsets, reverse=True)
    change = _apply(row, data, SETTINGS_FIELDS)
    if not change["fields"]:
        return []
    row.updated_at = timezone.now()
    row.full_clean()
    row.save(update_fields=[*change["fields"], "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.SCHEDULING_SETTINGS,
        object_id=row.pk,
        detail=change,
    )
    return list(change["fields"])


# ---- appointment types ---------------------------------------------------------------------


def type_minutes(
    *,
    kind: str,
    protocol: Protocol | None,
    service_min: int,
    observation_min: int,
    travel_buffer_min: int,
    chair_capability: str,
    settings: SchedulingSettings,
) -> Minutes | None:
    """Return the minutes a type would hold its patient, chair and staff, before it is saved.

    The arithmetic is the booking engine's (``selectors.appointment_minutes``), applied to
    the values typed; None when they make no appointment yet (an infusion without its
    protocol, no minutes at all).
    """
    draft = AppointmentType(
        kind=kind,
        protocol=protocol,
        service_min=service_min,
        observation_min=observation_min,
        travel_buffer_min=travel_buffer_min,
        chair_capability=chair_capability,
    )
    try:
        return appointment_minutes(appointment_type=draft, settings=settings)
    except ValueError:
        return None


def protocols_for_kind(*, organization: Organization, kind: str) -> QuerySet[Protocol]:
    """Return the organization's protocols a type of this kind may take its minutes from."""
    drug = PROTOCOL_KINDS.get(kind)
    if drug is None:
        return Protocol.objects.none()
    return Protocol.objects.filter(organization=organization, drug=drug).order_by("name", "id")


def appointment_type_problems(
    *, organization: Organization, data: Mapping[str, Any]
) -> dict[str, str]:
    """Return field -> message for every rule of an appointment type that ``data`` breaks.

    ``data`` holds the fields of :data:`TYPE_FIELDS` (``protocol`` a Protocol or None).
    The rules are those of the module docstring; the esketamine one cites [46][47].
    """
    problems: dict[str, str] = {}
    kind = data.get("kind", "")
    protocol: Protocol | None = data.get("protocol")
    if kind in PROTOCOL_KINDS:
        if protocol is None:
            problems["protocol"] = _(
                "Choose the protocol this type follows: its infusion and observation minutes "
                "set the chair time."
            )
        elif protocol.organization_id != organization.pk:
            problems["protocol"] = _("Choose one of this clinic's protocols.")
        elif protocol.drug != PROTOCOL_KINDS[kind]:
            problems["protocol"] = _(
                "“%(name)s” gives %(drug)s; this kind of appointment needs a protocol that gives"
                " %(needed)s."
            ) % {
                "name": protocol.name,
                "drug": protocol.get_drug_display(),
                "needed": PROTOCOL_KINDS[kind],
            }
        elif (
            kind == AppointmentType.Kind.ESKETAMINE_SESSION
            and protocol.observation_min < ESKETAMINE_OBSERVATION_MIN_AT_LEAST
        ):
            problems["protocol"] = _(
                "“%(name)s” observes patients for %(minutes)s min after the dose; the Spravato "
                "REMS requires at least %(floor)s min [46][47]. Lengthen the protocol's "
                "observation first, or choose another protocol."
            ) % {
                "name": protocol.name,
                "minutes": protocol.observation_min,
                "floor": ESKETAMINE_OBSERVATION_MIN_AT_LEAST,
            }
    elif protocol is not None:
        problems["protocol"] = _(
            "Only ketamine infusions and esketamine sessions follow a protocol; leave it empty."
        )
    if kind == AppointmentType.Kind.ESKETAMINE_SESSION and data.get("chair_capability") not in (
        Chair.Capability.INTRANASAL,
    ):
        problems["chair_capability"] = _(
            "An esketamine session needs a chair equipped for intranasal monitoring."
        )
    if kind == AppointmentType.Kind.KETAMINE_INFUSION and not data.get("chair_capability"):
        problems["chair_capability"] = _(
            "An infusion needs a chair: choose what it is equipped for."
        )
    capability = data.get("chair_capability", "")
    if capability and capability not in Chair.Capability.values:
        problems["chair_capability"] = _("Choose one of the chair equipment options.")
    if kind == AppointmentType.Kind.MOBILE_VISIT and not data.get("travel_buffer_min"):
        problems["travel_buffer_min"] = _(
            "A mobile visit needs travel time: how many minutes the staff member travels each way."
        )
    if kind != AppointmentType.Kind.MOBILE_VISIT and data.get("travel_buffer_min"):
        problems["travel_buffer_min"] = _("Only mobile visits have travel time; set it to 0.")
    if data.get("public_bookable") and kind not in PUBLIC_KINDS:
        problems["public_bookable"] = _(
            "Only the free consultation call can be booked from the public website: every "
            "other appointment needs a patient record, an eligibility review or payment first."
        )
    return problems


def _unique_key(organization: Organization, name: str, exclude_id: int | None) -> str:
    base = slugify(name)[:50] or "type"
    key, n = base, 2
    taken = AppointmentType.objects.filter(organization=organization)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    keys = set(taken.values_list("key", flat=True))
    while key in keys:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def appointment_type_save(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    appointment_type: AppointmentType | None = None,
    key: str = "",
    context: AuditContext = NO_REQUEST,
) -> AppointmentType:
    """Create an appointment type, or change one; return it.

    ``data`` holds fields of :data:`TYPE_FIELDS`. A new type's key is ``key`` or made from
    its name. Raises ValidationError keyed by field for a broken rule
    (:func:`appointment_type_problems`) or a value outside its limits, and PermissionDenied
    without ``schedule.manage`` in the organization.
    """
    _check(actor, organization.pk)
    creating = appointment_type is None
    if appointment_type is None:
        appointment_type = AppointmentType(organization=organization)
    elif appointment_type.organization_id != organization.pk:
        raise ValidationError("That appointment type belongs to another organization.")
    merged = {name: getattr(appointment_type, name, None) for name in TYPE_FIELDS}
    if appointment_type.protocol_id is None:
        merged["protocol"] = None
    merged.update(data)
    problems = appointment_type_problems(organization=organization, data=merged)
    if problems:
        raise ValidationError(problems)
    data = {**data, "name": str(data.get("name", appointment_type.name)).strip()}
    change = _apply(appointment_type, data, TYPE_FIELDS)
    if creating:
        appointment_type.key = key or _unique_key(organization, appointment_type.name, None)
    elif not change["fields"]:
        return appointment_type
    appointment_type.full_clean()
    appointment_type.save()
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.APPOINTMENT_TYPE,
        object_id=appointment_type.pk,
        detail=change,
    )
    return appointment_type


def appointment_type_set_active(
    *,
    appointment_type: AppointmentType,
    actor: User,
    active: bool,
    context: AuditContext = NO_REQUEST,
) -> bool:
    """Stop offering a type (or offer it again); booked appointments keep it. Return changed.

    Reactivating checks the type's rules again (its protocol may have changed meanwhile).
    """
    if appointment_type.is_active == active:
        _check(actor, appointment_type.organization_id)
        return False
    appointment_type_save(
        organization=appointment_type.organization,
        actor=actor,
        data={"is_active": active},
        appointment_type=appointment_type,
        context=context,
    )
    return True


# ---- staff shifts and time off -------------------------------------------------------------

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _staff_check(actor: User, staff: User) -> int:
    """Check the actor may manage this staff member's schedule; return their organization id."""
    organization_id = staff.organization_id
    _check(actor, organization_id)
    if staff.role not in STAFF_ROLES or organization_id is None:
        raise ValidationError({"staff": _("Shifts and time off are for staff members.")})
    return organization_id


def shift_words(shift: StaffShift) -> str:
    """Return a shift as people read it ("Monday 9:00 AM–5:00 PM at Main, from Dec 1, 2026")."""
    words = (
        f"{WEEKDAY_NAMES[shift.weekday]} {time_format(shift.starts_at, 'g:i A')}–"
        f"{time_format(shift.ends_at, 'g:i A')} at {shift.location.name}"
    )
    if shift.valid_from:
        words += ", " + _("from %(day)s") % {"day": date_format(shift.valid_from, "M j, Y")}
    if shift.valid_until:
        words += ", " + _("until %(day)s") % {"day": date_format(shift.valid_until, "M j, Y")}
    return words


def _shift_clash(shift: StaffShift) -> StaffShift | None:
    """Return a saved shift of the same person that overlaps this one in time and validity."""
    others = (
        StaffShift.objects.filter(
            staff_id=shift.staff_id,
            weekday=shift.weekday,
            starts_at__lt=shift.ends_at,
            ends_at__gt=shift.starts_at,
        )
        .select_related("location")
        .order_by("starts_at")
    )
    if shift.pk:
        others = others.exclude(pk=shift.pk)
    if shift.valid_until:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=shift.valid_until))
    if shift.valid_from:
        others = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=shift.valid_from))
    return others.first()


SHIFT_FIELDS = ("location", "weekday", "starts_at", "ends_at", "valid_from", "valid_until")


@transaction.atomic
def staff_shift_save(
    *,
    actor: User,
    staff: User,
    data: Mapping[str, Any],
    shift: StaffShift | None = None,
    context: AuditContext = NO_REQUEST,
) -> StaffShift:
    """Add a weekly shift for a staff member at a location (local times), or change one.

    Raises ValidationError keyed by field when the shift ends before it starts, its "until"
    date is before its "from" date, the location is another clinic's, or it overlaps another
    shift of the same person (at any location: nobody works in two places at once), naming
    that shift.
    """
    organization_id = _staff_check(actor, staff)
    creating = shift is None
    if shift is None:
        shift = StaffShift(organization_id=organization_id, staff=staff)
    elif shift.staff_id != staff.pk:
        raise ValidationError("That shift belongs to another staff member.")
    location: Location | None = data.get("location") or (
        shift.location if shift.location_id else None
    )
    if location is None or location.organization_id != staff.organization_id:
        raise ValidationError({"location": _("Choose one of this clinic's locations.")})
    User.objects.select_for_update().filter(pk=staff.pk).first()
    change = _apply(shift, data, SHIFT_FIELDS)
    errors: dict[str, str] = {}
    if shift.ends_at <= shift.starts_at:
        errors["ends_at"] = _(
            "The shift ends at or before it starts. A shift past midnight is two shifts, one "
            "on each day."
        )
    if shift.valid_from and shift.valid_until and shift.valid_until < shift.valid_from:
        errors["valid_until"] = _("The “until” date is before the “from” date.")
    if not errors:
        clash = _shift_clash(shift)
        if clash is not None:
            errors["starts_at"] = _(
                "This overlaps a shift %(name)s already has: %(shift)s. Change that shift, or "
                "choose other hours."
            ) % {"name": staff.display_name, "shift": shift_words(clash)}
    if errors:
        raise ValidationError(errors)
    if not creating and not change["fields"]:
        return shift
    shift.full_clean()
    shift.save()
    audit_record(
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.STAFF_SHIFT,
        object_id=shift.pk,
        detail={"staff": staff.pk, **change},
    )
    return shift


def _shift_detail(shift: StaffShift) -> dict[str, Any]:
    return {name: _audit_value(getattr(shift, name)) for name in SHIFT_FIELDS}


@transaction.atomic
def staff_shift_remove(
    *, shift: StaffShift, actor: User, context: AuditContext = NO_REQUEST
) -> None:
    """Remove a weekly shift (its details stay in the audit trail)."""
    _check(actor, shift.organization_id)
    detail = {"staff": shift.staff_id, **_shift_detail(shift)}
    shift_id = shift.pk
    shift.delete()
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.STAFF_SHIFT,
        object_id=shift_id,
        detail=detail,
    )


def time_off_collisions(
    *, staff: User, starts_at: dt.datetime, ends_at: dt.datetime
) -> QuerySet[Appointment]:
    """Return the staff member's active appointments that overlap this time, soonest first."""
    organization_id = staff.organization_id
    if organization_id is None:
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(
            organization_id=organization_id,
            staff=staff,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .select_related("appointment_type", "location", "patient")
        .order_by("starts_at", "id")
    )


@transaction.atomic
def staff_time_off_add(
    *,
    actor: User,
    staff: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
    context: AuditContext = NO_REQUEST,
) -> StaffTimeOff:
    """Record a staff member's absence (aware datetimes) with a reason.

    Appointments already booked with them are not moved: the page lists them
    (:func:`time_off_collisions`) for the front desk to rebook. Raises ValidationError keyed
    by field when it ends at or before it starts or the reason is empty.
    """
    organization_id = _staff_check(actor, staff)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Time off needs aware datetimes.")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The time off ends at or before it starts.")})
    time_off = StaffTimeOff(
        organization_id=organization_id,
        staff=staff,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
    )
    time_off.full_clean()
    time_off.save(force_insert=True)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.STAFF_TIME_OFF,
        object_id=time_off.pk,
        detail={
            "staff": staff.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "reason": time_off.reason,
        },
    )
    return time_off


@transaction.atomic
def staff_time_off_remove(
    *, time_off: StaffTimeOff, actor: User, context: AuditContext = NO_REQUEST
) -> None:
    """Remove a recorded absence (its details stay in the audit trail)."""
    _check(actor, time_off.organization_id)
    detail = {
        "staff": time_off.staff_id,
        "starts_at": time_off.starts_at.isoformat(),
        "ends_at": time_off.ends_at.isoformat(),
        "reason": time_off.reason,
    }
    time_off_id = time_off.pk
    time_off.delete()
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        context=context,
        object_type=AuditEvent.ObjectType.STAFF_TIME_OFF,
        object_id=time_off_id,
        detail=detail,
    )
