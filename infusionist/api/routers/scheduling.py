"""Scheduling over the JSON API: appointment types, open slots, booking, listing, cancelling.

The same rules as the staff calendar and the public booking page: every booking goes through
:func:`infusionist.scheduling.services.appointment_book` (source ``api``), so the chair,
staff, opening hours, nurse ratio and spacing checks, the lock and, on PostgreSQL, the
exclusion constraints apply. Times are ISO 8601 with a UTC offset both ways: a time without
one is refused (422 naming the field); answers are in the location's own offset.

Errors: 404 for an id that is not the clinic's (unknown and another clinic's look the same);
409 ``{"code", "detail"}`` when the chair, the staff member or the patient was just taken;
422 ``{"code", "detail"}`` naming the booking rule broken (``outside_hours``,
``no_staff_on_shift``, ``min_interval``, …), or the usual field list for bad input.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from infusionist.accounts import selectors as account_selectors
from infusionist.accounts.api_auth import BearerToken, api_user
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record, audit_record_patients
from infusionist.clinics import selectors as clinic_selectors
from infusionist.clinics.models import Chair, Location, Organization
from infusionist.patients import selectors as patient_selectors
from infusionist.patients.models import Patient
from infusionist.scheduling import selectors, services
from infusionist.scheduling.models import TEXT_MAX_CHARS, Appointment, AppointmentType

router = Router(tags=["scheduling"])

#: The widest range one availability request may search (days).
MAX_AVAILABILITY_DAYS = 31
#: The widest range one appointment listing may cover (days); pages split the rows.
MAX_LIST_DAYS = 92
#: Open slots returned at most per request unless ``limit`` says otherwise.
DEFAULT_SLOT_LIMIT = 200
#: Times outside these years are refused (no clinic books them; it keeps arithmetic in range).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

EXAMPLE_START = "2026-12-07T09:00:00-08:00"
EXAMPLE_END = "2026-12-07T11:15:00-08:00"
OFFSET_HINT = "e.g. 2026-12-07T09:00:00-08:00; in a URL write + as %2B"


# ---- input helpers ----------------------------------------------------------------------------


def _clean_text(value: Any) -> Any:
    if isinstance(value, str) and any(
        ch == "\x00" or unicodedata.category(ch) == "Cs" for ch in value
    ):
        raise PydanticCustomError(
            "text", "Remove the null or invalid characters (pasted text can carry them)."
        )
    return value


def _instant(value: Any) -> dt.datetime:
    """Parse an ISO 8601 date and time that carries its UTC offset (``Z`` is UTC)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40 and "\x00" not in value:
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime",
                "Give a date and time in ISO 8601 with its UTC offset ({hint}).",
                {"hint": OFFSET_HINT},
            ) from None
    else:
        raise PydanticCustomError(
            "datetime",
            "Give a date and time in ISO 8601 with its UTC offset ({hint}).",
            {"hint": OFFSET_HINT},
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError(
            "datetime",
            "Add the UTC offset (e.g. -08:00, or Z for UTC): a time without one is ambiguous.",
        )
    if not EARLIEST <= parsed < LATEST:
        raise PydanticCustomError("datetime", "Give a time between the years 2000 and 2099.")
    return parsed


#: An aware datetime in ISO 8601; naive times and garbage answer 422 naming the field.
Instant = Annotated[dt.datetime, BeforeValidator(_instant)]


def _invalid(field: str, message: str) -> NinjaValidationError:
    """A 422 in the API's field-list shape, for a check that spans fields."""
    return NinjaValidationError([{"loc": ("query", field), "msg": message}])


def _check_range(start: dt.datetime, end: dt.datetime, *, max_days: int) -> None:
    if end <= start:
        raise _invalid("end", "The end must be after the start.")
    if end - start > dt.timedelta(days=max_days):
        raise _invalid("end", f"Ask for at most {max_days} days at a time.")


def _not_found(request: HttpRequest, what: str, field: str, value: object) -> HttpError:
    """A 404 for an id in a query or body that is not the clinic's, audited as a refusal."""
    user = getattr(request, "auth", None)
    audit_record(
        action=AuditEvent.Action.ACCESS,
        actor=user if isinstance(user, User) else None,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.API,
        object_id=request.path[:64],
        outcome=AuditEvent.Outcome.DENIED,
        detail={"status": 404, "reason": "no such record for this user", field: str(value)[:60]},
    )
    return HttpError(404, f"No such {what}.")


def _organization(user: User) -> Organization:
    assert user.organization is not None  # can() refuses users without an organization
    return user.organization


def _type_for(request: HttpRequest, organization: Organization, ref: str) -> AppointmentType:
    ref = ref.strip()
    found = (
        selectors.appointment_type_get(organization=organization, type_id=int(ref))
        if ref.isascii() and ref.isdigit() and len(ref) < 10
        else selectors.appointment_type_get(organization=organization, key=ref)
    )
    if found is None:
        raise _not_found(request, "appointment type", "type", ref)
    return found


def _location_for(request: HttpRequest, organization: Organization, location_id: int) -> Location:
    found = clinic_selectors.location_get(organization=organization, location_id=location_id)
    if found is None:
        raise _not_found(request, "location", "location", location_id)
    return found


def _chair_for(
    request: HttpRequest, organization: Organization, chair_id: int | None
) -> Chair | None:
    if chair_id is None:
        return None
    found = clinic_selectors.chair_get(organization=organization, chair_id=chair_id)
    if found is None:
        raise _not_found(request, "chair", "chair", chair_id)
    return found


def _staff_for(
    request: HttpRequest, organization: Organization, staff_id: int | None
) -> User | None:
    if staff_id is None:
        return None
    found = account_selectors.staff_get(organization=organization, user_id=staff_id)
    if found is None:
        raise _not_found(request, "staff member", "staff", staff_id)
    return found


def _patient_for(request: HttpRequest, user: User, patient_id: int | None) -> Patient | None:
    if patient_id is None:
        return None
    try:
        return patient_selectors.patient_get_for_user(user=user, patient_id=patient_id)
    except Http404:
        raise _not_found(request, "patient", "patient", patient_id) from None


# ---- schemas ----------------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class MinutesOut(Schema):
    prep_min: int = Field(description="Chair preparation before the patient's treatment.")
    treatment_min: int = Field(description="Treatment (infusion, dosing, visit or call).")
    observation_min: int = Field(description="Observation after treatment.")
    turnover_min: int = Field(description="Chair turnover after the patient leaves.")
    travel_min: int = Field(description="Travel before and after a mobile visit (each way).")
    patient_min: int = Field(description="Minutes the patient is there: prep + treatment + obs.")
    chair_min: int = Field(
        description="Minutes the chair (and an exclusive staff member) is held in all."
    )


class AppointmentTypeOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "key": "ketamine-infusion",
                    "kind": "ketamine_infusion",
                    "name": "Ketamine infusion",
                    "minutes": {
                        "prep_min": 15,
                        "treatment_min": 40,
                        "observation_min": 60,
                        "turnover_min": 15,
                        "travel_min": 0,
                        "patient_min": 115,
                        "chair_min": 130,
                    },
                    "chair_capability": "iv_infusion",
                    "staff_role": "nurse",
                    "staff_exclusive": False,
                    "needs_physician_available": True,
                    "public_bookable": False,
                    "portal_bookable": False,
                }
            ]
        }
    )

    id: int
    key: str
    kind: str
    name: str
    minutes: MinutesOut | None = Field(
        description="Null when an infusion type has no protocol yet (it cannot be booked)."
    )
    chair_capability: str = Field(description="The chair equipment it needs; empty: no chair.")
    staff_role: str = Field(description="front_desk, nurse, prescriber or physician.")
    staff_exclusive: bool = Field(
        description="The staff member does nothing else meanwhile (false: a nurse watching "
        "several chairs up to the location's chairs-per-nurse ratio)."
    )
    needs_physician_available: bool
    public_bookable: bool = Field(description="Bookable by visitors on the public website.")
    portal_bookable: bool = Field(description="Bookable by patients in the portal.")


class NamedRef(Schema):
    id: int
    name: str


class TypeRef(Schema):
    id: int
    key: str
    name: str


class LocationRef(Schema):
    id: int
    name: str
    time_zone: str


class SlotOut(Schema):
    start: dt.datetime = Field(description="When the patient is expected (location's offset).")
    end: dt.datetime = Field(description="When the patient's time ends (after observation).")
    chair: NamedRef | None = Field(description="The chair it would take; null: no chair.")
    staff: NamedRef | None = Field(description="The staff member it would take.")


class AvailabilityOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": {"id": 4, "key": "ketamine-infusion", "name": "Ketamine infusion"},
                    "location": {"id": 1, "name": "Main", "time_zone": "America/Los_Angeles"},
                    "slots": [
                        {
                            "start": EXAMPLE_START,
                            "end": EXAMPLE_END,
                            "chair": {"id": 1, "name": "Chair 1"},
                            "staff": {"id": 7, "name": "Nell Nurse"},
                        }
                    ],
                    "truncated": False,
                }
            ]
        }
    )

    type: TypeRef
    location: LocationRef
    slots: list[SlotOut]
    truncated: bool = Field(description="True when more slots exist than `limit` allowed.")


class AvailabilityQuery(Schema):
    type: str = Field(
        min_length=1,
        max_length=60,
        description="The appointment type's id or key.",
        examples=["ketamine-infusion"],
    )
    location: Id = Field(description="The location's id.", examples=[1])
    start: Instant = Field(
        description=f"Start of the range, ISO 8601 with offset ({OFFSET_HINT}).",
        examples=[EXAMPLE_START],
    )
    end: Instant = Field(
        description=f"End of the range (after start, at most {MAX_AVAILABILITY_DAYS} days).",
        examples=["2026-12-11T17:00:00-08:00"],
    )
    chair: Id | None = Field(None, description="Only slots in this chair.")
    staff: Id | None = Field(None, description="Only slots with this staff member.")
    patient: Id | None = Field(
        None, description="Leave out times this patient is already booked elsewhere."
    )
    limit: int = Field(DEFAULT_SLOT_LIMIT, ge=1, le=1000, description="At most this many slots.")

    _text = field_validator("type", mode="before")(_clean_text)


class PatientRef(Schema):
    id: int
    mrn: str
    name: str


class AppointmentOut(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "status": "booked",
                    "type": {"id": 4, "key": "ketamine-infusion", "name": "Ketamine infusion"},
                    "location": {"id": 1, "name": "Main", "time_zone": "America/Los_Angeles"},
                    "patient": {"id": 3, "mrn": "WTC000001", "name": "Tess Testpatient"},
                    "contact_name": "",
                    "chair": {"id": 1, "name": "Chair 1"},
                    "staff": {"id": 7, "name": "Nell Nurse"},
                    "start": EXAMPLE_START,
                    "end": EXAMPLE_END,
                    "chair_from": EXAMPLE_START,
                    "chair_until": "2026-12-07T11:30:00-08:00",
                    "source": "api",
                    "series": None,
                    "visit_address": "",
                    "note": "Prefers the window chair.",
                    "created_at": "2026-11-30T10:12:00-08:00",
                    "cancelled_at": None,
                    "cancel_reason": "",
                    "late_cancellation": False,
                }
            ]
        }
    )

    id: int
    status: Appointment.Status
    type: TypeRef
    location: LocationRef
    patient: PatientRef | None = Field(description="Null for a website lead not yet registered.")
    contact_name: str = Field(description="A website lead's name (when there is no patient).")
    chair: NamedRef | None
    staff: NamedRef | None
    start: dt.datetime = Field(description="When the patient is expected (location's offset).")
    end: dt.datetime = Field(description="When the patient's time ends.")
    chair_from: dt.datetime = Field(description="Chair and staff held from (prep, travel).")
    chair_until: dt.datetime = Field(description="Chair and staff held until (turnover).")
    source: Appointment.Source
    series: int | None = Field(description="The induction series it belongs to, if any.")
    visit_address: str
    note: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancel_reason: str
    late_cancellation: bool = Field(
        description="Cancelled within the clinic's late-cancellation window before the start."
    )


class AppointmentPage(Schema):
    count: int
    results: list[AppointmentOut]


class AppointmentListQuery(Schema):
    start: Instant = Field(
        description=f"Appointments whose patient time ends after this ({OFFSET_HINT}).",
        examples=["2026-12-07T00:00:00-08:00"],
    )
    end: Instant = Field(
        description=f"… and starts before this (after start, at most {MAX_LIST_DAYS} days).",
        examples=["2026-12-14T00:00:00-08:00"],
    )
    location: Id | None = Field(None, description="Only this location's.")
    patient: Id | None = Field(None, description="Only this patient's.")
    status: Appointment.Status | None = Field(
        None, description="Only this status (cancelled ones are listed only when asked for)."
    )
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


class AppointmentIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "patient": 3,
                    "type": "ketamine-infusion",
                    "location": 1,
                    "start": EXAMPLE_START,
                    "chair": 1,
                    "note": "Prefers the window chair.",
                }
            ]
        },
    )

    patient: Id = Field(description="The patient's id.")
    type: int | str = Field(description="The appointment type's id or key.")
    location: Id = Field(description="The location's id.")
    start: Instant = Field(
        description="When the patient is expected, ISO 8601 with offset (a slot's `start`)."
    )
    chair: Id | None = Field(None, description="Book this chair; otherwise the first free one.")
    staff: Id | None = Field(
        None, description="Book this staff member; otherwise the first free one who may."
    )
    note: str = Field("", max_length=TEXT_MAX_CHARS)
    visit_address: str = Field(
        "", max_length=300, description="Where a mobile visit takes place (required for one)."
    )
    prepaid_sessions: int | None = Field(
        None,
        ge=0,
        le=200,
        description=(
            "Sessions the patient has prepaid; a mobile visit needs the clinic's minimum"
            " (rule `mobile_prepaid`)."
        ),
    )

    @field_validator("type", mode="before")
    @classmethod
    def _type_ref(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise PydanticCustomError("type", "Give the appointment type's id or key.")
        if isinstance(value, str):
            _clean_text(value)
            if not 1 <= len(value.strip()) <= 60:
                raise PydanticCustomError("type", "Give the appointment type's id or key.")
        elif not 1 <= value <= 2_147_483_647:
            raise PydanticCustomError("type", "Give the appointment type's id or key.")
        return value

    _text = field_validator("note", "visit_address", mode="before")(_clean_text)


class CancelIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"reason": "The patient has a fever and will rebook."}]},
    )

    reason: str = Field(
        min_length=1, max_length=300, description="Why it is cancelled (kept in the audit trail)."
    )

    _text = field_validator("reason", mode="before")(_clean_text)


class BookingErrorOut(Schema):
    code: str = Field(
        description="The rule: chair_busy, staff_busy, patient_busy (409); outside_hours, "
        "closure, no_staff_on_shift, nurse_ratio, chair_capability, min_interval, "
        "max_per_7_days, in_the_past, visit_address, not_active, … (422)."
    )
    detail: str


class DetailOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


# ---- output helpers ---------------------------------------------------------------------------


def _type_ref(t: AppointmentType) -> dict[str, Any]:
    return {"id": t.pk, "key": t.key, "name": t.name}


def _location_ref(location: Location) -> dict[str, Any]:
    return {"id": location.pk, "name": location.name, "time_zone": location.time_zone}


def _named(obj: Any, name: str) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": name}


def _appointment_out(a: Appointment) -> dict[str, Any]:
    tz = a.location.tzinfo
    patient = a.patient
    return {
        "id": a.pk,
        "status": a.status,
        "type": _type_ref(a.appointment_type),
        "location": _location_ref(a.location),
        "patient": None
        if patient is None
        else {"id": patient.pk, "mrn": patient.mrn, "name": patient.display_name},
        "contact_name": a.contact_name,
        "chair": _named(a.chair, a.chair.name if a.chair else ""),
        "staff": _named(a.staff, a.staff.full_name if a.staff else ""),
        "start": a.service_starts_at.astimezone(tz),
        "end": a.service_ends_at.astimezone(tz),
        "chair_from": a.starts_at.astimezone(tz),
        "chair_until": a.ends_at.astimezone(tz),
        "source": a.source,
        "series": a.series_id,
        "visit_address": a.visit_address,
        "note": a.note,
        "created_at": a.created_at.astimezone(tz),
        "cancelled_at": a.cancelled_at.astimezone(tz) if a.cancelled_at else None,
        "cancel_reason": a.cancel_reason,
        "late_cancellation": a.late_cancellation,
    }


def _booking_error(exc: services.BookingError) -> Status:
    return Status(exc.status, {"code": exc.code, "detail": exc.message})


# ---- endpoints --------------------------------------------------------------------------------


@router.get(
    "/appointment-types",
    response=list[AppointmentTypeOut],
    summary="Appointment types",
    description=(
        "The clinic's bookable appointment types with their minutes: chair preparation, "
        "treatment (from the protocol for infusions and esketamine), observation (esketamine "
        "at least 120), turnover and travel, and the chair total."
    ),
    auth=BearerToken("schedule.view"),
)
def appointment_type_list(request: HttpRequest) -> list[dict[str, Any]]:
    organization = _organization(api_user(request))
    settings = selectors.scheduling_settings_for(organization=organization)
    rows = []
    for t in selectors.appointment_types_for(organization=organization).order_by("name", "id"):
        try:
            m = selectors.appointment_minutes(appointment_type=t, settings=settings)
        except ValueError:
            minutes = None
        else:
            minutes = {
                "prep_min": m.prep_min,
                "treatment_min": m.treatment_min,
                "observation_min": m.observation_min,
                "turnover_min": m.turnover_min,
                "travel_min": m.travel_min,
                "patient_min": m.patient_min,
                "chair_min": m.chair_min,
            }
        rows.append(
            {
                **_type_ref(t),
                "kind": t.kind,
                "minutes": minutes,
                "chair_capability": t.chair_capability,
                "staff_role": t.staff_role,
                "staff_exclusive": t.staff_exclusive,
                "needs_physician_available": t.needs_physician_available,
                "public_bookable": t.public_bookable,
                "portal_bookable": t.portal_bookable,
            }
        )
    return rows


@router.get(
    "/availability",
    response={200: AvailabilityOut, 404: DetailOut, 422: ValidationErrorOut | BookingErrorOut},
    summary="Open slots",
    description=(
        "Open start times of an appointment type at a location between `start` and `end` "
        f"(at most {MAX_AVAILABILITY_DAYS} days), on the clinic's slot grid, each with the "
        "chair and staff member it would take, in the location's UTC offset. Never in the "
        "past. **422** names a bad field (a time without its UTC offset, an end before the "
        "start, a range too long); with `code` when the type cannot be booked at all."
    ),
    auth=BearerToken("schedule.view"),
)
def availability(request: HttpRequest, params: Query[AvailabilityQuery]) -> Any:
    user = api_user(request)
    organization = _organization(user)
    _check_range(params.start, params.end, max_days=MAX_AVAILABILITY_DAYS)
    appointment_type = _type_for(request, organization, params.type)
    location = _location_for(request, organization, params.location)
    chair = _chair_for(request, organization, params.chair)
    staff = _staff_for(request, organization, params.staff)
    patient = _patient_for(request, user, params.patient)
    try:
        slots = selectors.available_slots(
            organization=organization,
            appointment_type=appointment_type,
            location=location,
            start=params.start,
            end=params.end,
            patient_id=patient.pk if patient else None,
            chair=chair,
            staff_id=staff.pk if staff else None,
            limit=params.limit + 1,
        )
    except ValueError as exc:  # an infusion type without a protocol
        return Status(422, {"code": "appointment_type", "detail": str(exc)})
    truncated = len(slots) > params.limit
    slots = slots[: params.limit]
    names = selectors.slot_resource_names(
        organization=organization,
        chair_ids={s.chair_id for s in slots if s.chair_id},
        staff_ids={s.staff_id for s in slots if s.staff_id},
    )
    tz = location.tzinfo

    def ref(kind: str, pk: int | None) -> dict[str, Any] | None:
        return None if pk is None else {"id": pk, "name": names[kind].get(pk, "")}

    if patient is not None:
        audit_record(
            action=AuditEvent.Action.VIEW,
            actor=user,
            context=AuditContext.from_request(request),
            object_type=AuditEvent.ObjectType.APPOINTMENT,
            patient=patient,
            detail={"list": "availability", "via": "api"},
        )
    return {
        "type": _type_ref(appointment_type),
        "location": _location_ref(location),
        "slots": [
            {
                "start": s.patient_time.start.astimezone(tz),
                "end": s.patient_time.end.astimezone(tz),
                "chair": ref("chair", s.chair_id),
                "staff": ref("staff", s.staff_id),
            }
            for s in slots
        ],
        "truncated": truncated,
    }


@router.post(
    "/appointments",
    response={
        201: AppointmentOut,
        403: DetailOut,
        404: DetailOut,
        409: BookingErrorOut,
        422: ValidationErrorOut | BookingErrorOut,
    },
    summary="Book an appointment",
    description=(
        "Book a patient at a start time (a slot's `start` from /availability), under the "
        "same rules as the staff calendar; the chair and staff member are the first free "
        "ones unless named. **201** with the appointment. **409** `{code, detail}` when the "
        "chair, the staff member or the patient was just taken (`chair_busy`, `staff_busy`, "
        "`patient_busy`): ask /availability again. **422** `{code, detail}` for a booking "
        "rule the time breaks (e.g. `outside_hours`, `no_staff_on_shift`, `min_interval`), "
        "or the field list for a bad body. **404** for a patient, type, location, chair or "
        "staff id that is not the clinic's."
    ),
    auth=BearerToken("schedule.book"),
)
def appointment_create(request: HttpRequest, payload: AppointmentIn) -> Any:
    user = api_user(request)
    organization = _organization(user)
    patient = _patient_for(request, user, payload.patient)
    assert patient is not None
    appointment_type = _type_for(request, organization, str(payload.type))
    location = _location_for(request, organization, payload.location)
    chair = _chair_for(request, organization, payload.chair)
    staff = _staff_for(request, organization, payload.staff)
    try:
        appointment = services.appointment_book(
            organization=organization,
            appointment_type=appointment_type,
            location=location,
            service_starts_at=payload.start,
            patient=patient,
            chair=chair,
            staff=staff,
            by=user,
            source=Appointment.Source.API,
            note=payload.note,
            visit_address=payload.visit_address,
            prepaid_sessions=payload.prepaid_sessions,
            context=AuditContext.from_request(request),
        )
    except services.BookingError as exc:
        return _booking_error(exc)
    except ValueError as exc:  # an infusion type without a protocol
        return Status(422, {"code": "appointment_type", "detail": str(exc)})
    return Status(201, _appointment_out(appointment))


@router.get(
    "/appointments",
    response={200: AppointmentPage, 404: DetailOut, 422: ValidationErrorOut},
    summary="List appointments by date range",
    description=(
        "Appointments whose patient time overlaps [`start`, `end`) (at most "
        f"{MAX_LIST_DAYS} days), in start order, `limit` per page from `offset`. Cancelled "
        "ones only with `status=cancelled`. Each listed patient is recorded in the audit "
        "trail."
    ),
    auth=BearerToken("schedule.view"),
)
def appointment_list(request: HttpRequest, params: Query[AppointmentListQuery]) -> Any:
    user = api_user(request)
    organization = _organization(user)
    _check_range(params.start, params.end, max_days=MAX_LIST_DAYS)
    location = _location_for(request, organization, params.location) if params.location else None
    patient = _patient_for(request, user, params.patient)
    qs = selectors.appointments_between(
        organization=organization,
        start=params.start,
        end=params.end,
        location=location,
        patient_id=patient.pk if patient else None,
        include_cancelled=params.status == Appointment.Status.CANCELLED,
    )
    if params.status is not None:
        qs = qs.filter(status=params.status)
    count = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit])
    audit_record_patients(
        action=AuditEvent.Action.VIEW,
        actor=user,
        context=AuditContext.from_request(request),
        shown={AuditEvent.ObjectType.APPOINTMENT: [a.patient for a in rows if a.patient]},
        detail={"list": "appointments", "via": "api"},
    )
    return {"count": count, "results": [_appointment_out(a) for a in rows]}


def _appointment_for(user: User, appointment_id: int) -> Appointment:
    found = None
    if 1 <= appointment_id <= 2_147_483_647:
        found = selectors.appointment_get(
            organization=_organization(user), appointment_id=appointment_id
        )
    if found is None:
        raise HttpError(404, "No such appointment.")
    return found


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, 404: DetailOut},
    summary="One appointment",
    auth=BearerToken("schedule.view"),
)
def appointment_detail(request: HttpRequest, appointment_id: int) -> Any:
    user = api_user(request)
    appointment = _appointment_for(user, appointment_id)
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=user,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.APPOINTMENT,
        object_id=appointment.pk,
        patient=appointment.patient,
        detail={"via": "api"},
    )
    return _appointment_out(appointment)


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={200: AppointmentOut, 404: DetailOut, 422: ValidationErrorOut | BookingErrorOut},
    summary="Cancel an appointment",
    description=(
        "Cancel an active appointment with a reason (required). A cancellation within the "
        "clinic's late-cancellation window before the start is flagged "
        "`late_cancellation`. **422** `not_active` for one already cancelled or finished."
    ),
    auth=BearerToken("schedule.book"),
)
def appointment_cancel(request: HttpRequest, appointment_id: int, payload: CancelIn) -> Any:
    user = api_user(request)
    appointment = _appointment_for(user, appointment_id)
    try:
        appointment = services.appointment_cancel(
            appointment=appointment,
            by=user,
            reason=payload.reason,
            context=AuditContext.from_request(request),
        )
    except services.BookingError as exc:
        return _booking_error(exc)
    return _appointment_out(appointment)
