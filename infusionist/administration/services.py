"""Clinic administration writes: the clinic profile and logo, locations, weekly hours, closures,
rooms, chairs, staffing.

The rows belong to the `clinics` app (the foundation layer, which cannot audit or check
roles); these services are where a clinic admin changes them: each checks the capability and
the organization, validates, writes in one transaction and audits old and new values (none
of them is patient data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from infusionist.accounts.access import require, require_same_organization
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.clinics.models import (
    BusinessHours,
    Chair,
    Closure,
    Location,
    LocationStaffing,
    Organization,
    OrganizationLogo,
    Room,
)
from infusionist.clinics.profile import logo_read, phone_normalize
from infusionist.clinics.selectors import hours_overlap
from infusionist.integrity import jsonable

LOCATION_FIELDS = (
    "name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "fax",
    "time_zone",
    "is_primary",
)
STAFFING_FIELDS = ("chairs_per_nurse", "physician_availability", "physician_response_min")

#: Opening blocks of one week: weekday (0 = Monday) -> (opens, closes) pairs, local time.
WeeklyHours = Mapping[int, Sequence[tuple[dt.time, dt.time]]]


def _check(actor: User, organization_id: int | None) -> None:
    require(actor, "clinic.manage")
    require_same_organization(actor, organization_id)


def _audit(
    *,
    actor: User,
    context: AuditContext,
    action: str,
    object_type: AuditEvent.ObjectType,
    object_id: object,
    detail: dict[str, Any],
) -> None:
    audit_record(
        action=action,
        actor=actor,
        context=context,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


def _apply(row: Any, data: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """Set the changed fields on ``row``; return {"fields", "before", "after"} for the audit."""
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    changed = [name for name, value in data.items() if getattr(row, name) != value]
    before = {name: jsonable(getattr(row, name)) for name in changed}
    for name in changed:
        setattr(row, name, data[name])
    return {
        "fields": changed,
        "before": before,
        "after": {name: jsonable(getattr(row, name)) for name in changed},
    }


@transaction.atomic
def location_save(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    location: Location | None = None,
    context: AuditContext = NO_REQUEST,
) -> Location:
    """Create a location, or change one; a new primary location replaces the old primary."""
    _check(actor, organization.pk)
    creating = location is None
    if location is None:
        location = Location(organization=organization)
    elif location.organization_id != organization.pk:
        raise ValidationError("That location belongs to another organization.")
    change = _apply(location, data, LOCATION_FIELDS)
    if location.is_primary:
        Location.objects.filter(organization=organization, is_primary=True).exclude(
            pk=location.pk
        ).update(is_primary=False)
    elif (
        not Location.objects.filter(organization=organization, is_primary=True)
        .exclude(pk=location.pk)
        .exists()
    ):
        location.is_primary = True  # an organization always has a primary location
    location.full_clean()
    location.save()
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.LOCATION,
        object_id=location.pk,
        detail=change,
    )
    return location


@transaction.atomic
def business_hours_set(
    *,
    location: Location,
    actor: User,
    hours: WeeklyHours,
    context: AuditContext = NO_REQUEST,
) -> bool:
    """Replace the location's weekly opening hours; return whether anything changed.

    Raises ValidationError naming the weekday when a block closes before it opens or two
    blocks of one day overlap; nothing is written then.
    """
    _check(actor, location.organization_id)
    errors: dict[str, str] = {}
    labels = dict(BusinessHours.Weekday.choices)
    for weekday, blocks in hours.items():
        if weekday not in labels:
            raise ValueError(f"weekday must be 0–6; got {weekday!r}.")
        if any(closes <= opens for opens, closes in blocks):
            errors[f"day{weekday}"] = f"{labels[weekday]}: a block closes before it opens."
        elif hours_overlap(blocks):
            errors[f"day{weekday}"] = f"{labels[weekday]}: the opening blocks overlap."
    if errors:
        raise ValidationError(errors)
    current = sorted(
        (h.weekday, h.opens_at, h.closes_at)
        for h in BusinessHours.objects.filter(location=location)
    )
    wanted = sorted((day, o, c) for day, blocks in hours.items() for o, c in blocks)
    if current == wanted:
        return False
    BusinessHours.objects.filter(location=location).delete()
    for weekday, opens, closes in wanted:
        block = BusinessHours(location=location, weekday=weekday, opens_at=opens, closes_at=closes)
        block.full_clean()
        block.save(force_insert=True)
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.BUSINESS_HOURS,
        object_id=location.pk,
        detail={
            "before": [[d, o.isoformat(), c.isoformat()] for d, o, c in current],
            "after": [[d, o.isoformat(), c.isoformat()] for d, o, c in wanted],
        },
    )
    return True


@transaction.atomic
def closure_add(
    *,
    location: Location,
    actor: User,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str,
    context: AuditContext = NO_REQUEST,
    today: dt.date | None = None,
) -> Closure:
    """Close a location for a day or a run of days, with a reason.

    ``today`` is the location's own date by default. Raises ValidationError keyed by field:
    a closure that is over before today (it would close nothing and never be listed as
    coming up), or one that overlaps a closure of the location already saved (named).
    """
    _check(actor, location.organization_id)
    Location.objects.select_for_update().filter(pk=location.pk).first()
    today = today or timezone.now().astimezone(location.tzinfo).date()
    closure = Closure(
        location=location, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    closure.full_clean()
    if ends_on < today:
        raise ValidationError(
            {
                "ends_on": _(
                    "This closure would be over before today (%(today)s): a closure closes "
                    "days from today on. Check the year."
                )
                % {"today": date_format(today, "D M j, Y")}
            }
        )
    overlapping = (
        Closure.objects.filter(location=location, starts_on__lte=ends_on, ends_on__gte=starts_on)
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "starts_on": _(
                    "These days overlap a closure already saved: %(dates)s (%(reason)s). "
                    "Remove that one first, or choose other days."
                )
                % {"dates": closure_dates(overlapping), "reason": overlapping.reason}
            }
        )
    closure.save(force_insert=True)
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.CREATE,
        object_type=AuditEvent.ObjectType.CLOSURE,
        object_id=closure.pk,
        detail={
            "location": location.pk,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "reason": closure.reason,
        },
    )
    return closure


def closure_dates(closure: Closure) -> str:
    """Return a closure's days as people read them ("Thu Dec 24, 2026 – Fri Dec 25, 2026")."""
    starts = date_format(closure.starts_on, "D M j, Y")
    if closure.ends_on == closure.starts_on:
        return starts
    return f"{starts} – {date_format(closure.ends_on, 'D M j, Y')}"


@transaction.atomic
def closure_remove(*, closure: Closure, actor: User, context: AuditContext = NO_REQUEST) -> None:
    """Reopen: remove a closure (its details stay in the audit trail)."""
    _check(actor, closure.location.organization_id)
    detail = {
        "location": closure.location_id,
        "starts_on": closure.starts_on.isoformat(),
        "ends_on": closure.ends_on.isoformat(),
        "reason": closure.reason,
    }
    closure_id = closure.pk
    closure.delete()
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.DELETE,
        object_type=AuditEvent.ObjectType.CLOSURE,
        object_id=closure_id,
        detail=detail,
    )


@transaction.atomic
def room_save(
    *,
    location: Location,
    actor: User,
    name: str,
    is_active: bool = True,
    room: Room | None = None,
    context: AuditContext = NO_REQUEST,
) -> Room:
    """Add a room to a location, or rename or retire one."""
    _check(actor, location.organization_id)
    creating = room is None
    if room is None:
        room = Room(location=location)
    elif room.location_id != location.pk:
        raise ValidationError("That room belongs to another location.")
    change = _apply(room, {"name": name.strip(), "is_active": is_active}, ("name", "is_active"))
    room.full_clean()
    room.save()
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.ROOM,
        object_id=room.pk,
        detail={"location": location.pk, **change},
    )
    return room


@transaction.atomic
def chair_save(
    *,
    room: Room,
    actor: User,
    name: str,
    capabilities: Sequence[str],
    is_active: bool = True,
    chair: Chair | None = None,
    context: AuditContext = NO_REQUEST,
) -> Chair:
    """Add a chair (or a mobile kit) to a room, or change what it is equipped for."""
    _check(actor, room.location.organization_id)
    creating = chair is None
    if chair is None:
        chair = Chair(room=room)
    elif chair.room_id != room.pk:
        raise ValidationError("That chair belongs to another room.")
    change = _apply(
        chair,
        {"name": name.strip(), "capabilities": list(capabilities), "is_active": is_active},
        ("name", "capabilities", "is_active"),
    )
    chair.full_clean()
    chair.save()
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.CHAIR,
        object_id=chair.pk,
        detail={"room": room.pk, **change},
    )
    return chair


@transaction.atomic
def staffing_update(
    *,
    location: Location,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> list[str]:
    """Change a location's staffing rule (chairs per nurse, physician availability)."""
    _check(actor, location.organization_id)
    staffing, _ = LocationStaffing.objects.select_for_update().get_or_create(location=location)
    change = _apply(staffing, data, STAFFING_FIELDS)
    if not change["fields"]:
        return []
    staffing.full_clean()
    staffing.save()
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.LOCATION_STAFFING,
        object_id=location.pk,
        detail=change,
    )
    return list(change["fields"])


# ---- the clinic profile (docs/decisions/0011) ------------------------------------------------

#: The profile fields a clinic admin edits on the clinic profile page (the logo has its own).
PROFILE_FIELDS = (
    "name",
    "phone",
    "crisis_text_en",
    "crisis_text_es",
    "message_greeting_en",
    "message_greeting_es",
    "message_signoff_en",
    "message_signoff_es",
)


@transaction.atomic
def clinic_profile_update(
    *,
    organization: Organization,
    actor: User,
    data: Mapping[str, Any],
    context: AuditContext = NO_REQUEST,
) -> bool:
    """Change the clinic's name, main phone, crisis wording or message texts.

    ``data`` maps fields of ``PROFILE_FIELDS`` to their new values; a phone in any usual US
    form is stored in E.164 (``clinics.profile.phone_normalize``). Returns whether anything
    changed. Raises ValidationError (a dict by field) for a value the profile's rules refuse;
    nothing is written then. Audited with the old and new values of each changed field.
    """
    _check(actor, organization.pk)
    values = dict(data)
    if values.get("phone"):
        try:
            values["phone"] = phone_normalize(values["phone"])
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    row = Organization.objects.select_for_update().get(pk=organization.pk)
    change = _apply(row, values, PROFILE_FIELDS)
    if not change["fields"]:
        return False
    row.full_clean()
    row.save(update_fields=change["fields"])
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.UPDATE,
        object_type=AuditEvent.ObjectType.CLINIC_PROFILE,
        object_id=row.pk,
        detail=change,
    )
    return True


def _logo_facts(logo: OrganizationLogo | None) -> dict[str, Any] | None:
    if logo is None:
        return None
    return {
        "sha256": logo.sha256,
        "content_type": logo.content_type,
        "width_px": logo.width_px,
        "height_px": logo.height_px,
        "size_bytes": len(logo.data),
    }


@transaction.atomic
def clinic_logo_set(
    *,
    organization: Organization,
    actor: User,
    data: bytes,
    context: AuditContext = NO_REQUEST,
) -> OrganizationLogo:
    """Check an uploaded logo file, clean it and make it the clinic's logo.

    Raises ValidationError saying what is wrong with the file (``clinics.profile.logo_read``:
    too large, SVG, not a PNG/JPEG/WebP, animated, too few or too many pixels); the current
    logo stays then. Audited with the old and new logo's digest, type and size.
    """
    _check(actor, organization.pk)
    image = logo_read(data)
    current = OrganizationLogo.objects.select_for_update().filter(organization=organization)
    before = _logo_facts(current.first())
    logo, _created = OrganizationLogo.objects.update_or_create(
        organization=organization,
        defaults={
            "content_type": image.content_type,
            "data": image.data,
            "sha256": image.sha256,
            "width_px": image.width_px,
            "height_px": image.height_px,
            "uploaded_at": timezone.now(),
        },
    )
    Organization.objects.filter(pk=organization.pk).update(logo_sha256=image.sha256)
    organization.logo_sha256 = image.sha256
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
        object_type=AuditEvent.ObjectType.CLINIC_LOGO,
        object_id=organization.pk,
        detail={"before": before, "after": _logo_facts(logo)},
    )
    return logo


@transaction.atomic
def clinic_logo_remove(
    *, organization: Organization, actor: User, context: AuditContext = NO_REQUEST
) -> bool:
    """Remove the clinic's logo (pages then show its name alone); return whether there was one.

    Audited with the removed logo's digest, type and size.
    """
    _check(actor, organization.pk)
    current = OrganizationLogo.objects.select_for_update().filter(organization=organization)
    logo = current.first()
    if logo is None:
        return False
    before = _logo_facts(logo)
    logo.delete()
    Organization.objects.filter(pk=organization.pk).update(logo_sha256="")
    organization.logo_sha256 = ""
    _audit(
        actor=actor,
        context=context,
        action=AuditEvent.Action.DELETE,
        object_type=AuditEvent.ObjectType.CLINIC_LOGO,
        object_id=organization.pk,
        detail={"before": before, "after": None},
    )
    return True
