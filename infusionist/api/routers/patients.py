from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from infusionist.accounts.api_auth import BearerToken, api_user
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record, audit_record_patients
from infusionist.patients import selectors, services
from infusionist.patients.birth_dates import DateOfBirthError, date_of_birth_parse
from infusionist.patients.duplicates import DuplicateMatch
from infusionist.patients.models import Patient

router = Router(tags=["patients"])


class PatientOut(Schema):
    id: int
    mrn: str
    legal_first_name: str
    legal_last_name: str
    preferred_name: str
    date_of_birth: dt.date
    sex_at_birth: str
    preferred_language: str


class PatientPage(Schema):
    count: int
    results: list[PatientOut]


class PageParams(Schema):
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


class SearchIn(PageParams):
    q: str = Field(
        "",
        max_length=100,
        description="Name, date of birth, phone or MRN. Sent in the body, never the URL, so "
        "search terms stay out of access logs.",
    )


def _page(request: HttpRequest, user: User, *, text: str, limit: int, offset: int) -> dict:
    assert user.organization is not None  # can() refuses users without an organization
    query, qs = selectors.patient_search(organization=user.organization, text=text)
    if query.problem:
        raise HttpError(422, f"q: {query.problem}")
    count = qs.count()
    rows = list(qs[offset : offset + limit])
    context = AuditContext.from_request(request)
    audit_record(
        action=AuditEvent.Action.SEARCH,
        actor=user,
        context=context,
        object_type=AuditEvent.ObjectType.PATIENT,
        detail={"query": text, "kind": query.kind, "results": count, "via": "api"},
    )
    audit_record_patients(
        action=AuditEvent.Action.VIEW,
        actor=user,
        context=context,
        shown={AuditEvent.ObjectType.PATIENT: rows},
        detail={"list": "search" if text else "all", "via": "api"},
    )
    return {"count": count, "results": rows}


@router.get(
    "",
    response=PatientPage,
    summary="List patients by last name",
    auth=BearerToken("patients.search"),
)
def patient_list(request: HttpRequest, params: Query[PageParams]) -> dict:
    user = api_user(request)
    return _page(request, user, text="", limit=params.limit, offset=params.offset)


@router.post(
    "/search",
    response=PatientPage,
    summary="Search patients",
    auth=BearerToken("patients.search"),
)
def patient_search(request: HttpRequest, payload: SearchIn) -> dict:
    user = api_user(request)
    if "\x00" in payload.q:
        raise HttpError(422, "The search text contains a null character.")
    return _page(request, user, text=payload.q, limit=payload.limit, offset=payload.offset)


@router.get(
    "/{patient_id}", response=PatientOut, summary="One patient", auth=BearerToken("patients.view")
)
def patient_detail(request: HttpRequest, patient_id: int) -> object:
    user = api_user(request)
    try:
        patient = selectors.patient_get_for_user(user=user, patient_id=patient_id)
    except Http404 as exc:
        raise HttpError(404, "No such patient.") from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        actor=user,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.PATIENT,
        object_id=patient.pk,
        patient=patient,
        detail={"via": "api"},
    )
    return patient


# --- creating a patient -------------------------------------------------------------------


class PatientIn(Schema):
    """A new patient's demographics: the same fields and rules as the web form."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "legal_first_name": "Felix",
                    "legal_last_name": "Ibarra",
                    "date_of_birth": "1985-04-12",
                    "sex_at_birth": "male",
                    "phone": "(541) 555-0142",
                }
            ]
        },
    )

    legal_first_name: str = Field(min_length=1, max_length=80)
    legal_middle_name: str = Field("", max_length=80)
    legal_last_name: str = Field(min_length=1, max_length=80)
    preferred_name: str = Field("", max_length=80)
    date_of_birth: dt.date = Field(
        description="YYYY-MM-DD (MM/DD/YYYY is accepted too; a two-digit year is read as the "
        "most recent past one). Never in the future, at most 120 years ago."
    )
    sex_at_birth: Patient.SexAtBirth
    gender_identity: Patient.GenderIdentity | Literal[""] = ""
    pronouns: str = Field("", max_length=30)
    phone: str = Field("", max_length=30, description="Digits, spaces, dashes or brackets.")
    email: str = Field("", max_length=254)
    address_line1: str = Field("", max_length=150)
    address_line2: str = Field("", max_length=150)
    city: str = Field("", max_length=80)
    state: str = Field("", max_length=40)
    postal_code: str = Field("", max_length=12)
    emergency_contact_name: str = Field("", max_length=120)
    emergency_contact_relationship: str = Field("", max_length=60)
    emergency_contact_phone: str = Field("", max_length=30)
    preferred_language: Patient.Language = Patient.Language.ENGLISH
    not_duplicate_reason: str | None = Field(
        None,
        min_length=1,
        max_length=services.MAX_REASON_CHARS,
        description="Send it to create the patient although possible duplicates were found "
        "(answer 409): say what tells them apart. The creation's audit event records it.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        if isinstance(value, str) and any(
            ch == "\x00" or unicodedata.category(ch) == "Cs" for ch in value
        ):
            raise PydanticCustomError(
                "text", "Remove the null or invalid characters (pasted text can carry them)."
            )
        return value

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def _date_of_birth(cls, value: Any) -> dt.date:
        if not isinstance(value, str):
            raise PydanticCustomError("date", "Send the date of birth as text: YYYY-MM-DD.")
        try:
            return date_of_birth_parse(value)
        except DateOfBirthError as exc:
            raise PydanticCustomError("date", exc.message) from None

    @field_validator("email")
    @classmethod
    def _lower_case_email(cls, value: str) -> str:
        return value.lower()

    def patient_data(self) -> dict[str, Any]:
        """The patient's fields for ``patient_create`` (choices as their plain values)."""
        data = self.model_dump(exclude={"not_duplicate_reason"})
        return {k: str(v) if isinstance(v, str) else v for k, v in data.items()}


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


class DetailOut(Schema):
    detail: str


class MatchReasonOut(Schema):
    code: str = Field(description="Stable code, e.g. names_swapped, date_of_birth_one_digit_off.")
    message: str


class DuplicateOut(Schema):
    id: int
    mrn: str
    legal_first_name: str
    legal_last_name: str
    preferred_name: str
    date_of_birth: dt.date
    reasons: list[MatchReasonOut]


class DuplicatesOut(Schema):
    detail: str
    duplicates: list[DuplicateOut]


def _duplicate_out(match: DuplicateMatch) -> dict[str, Any]:
    p = match.patient
    return {
        "id": p.pk,
        "mrn": p.mrn,
        "legal_first_name": p.legal_first_name,
        "legal_last_name": p.legal_last_name,
        "preferred_name": p.preferred_name,
        "date_of_birth": p.date_of_birth,
        "reasons": [{"code": r.value, "message": str(r.label)} for r in match.reasons],
    }


@router.post(
    "",
    auth=BearerToken("patients.create"),
    response={
        201: PatientOut,
        403: DetailOut,
        409: DuplicatesOut,
        422: ValidationErrorOut,
    },
    summary="Create a patient",
    description=(
        "Register a patient with the next MRN, under the same rules as the web form, and "
        "record who did it in the audit trail. **403** for a role that may not register "
        "patients (checked before the body). **422** lists each bad field. **409** lists "
        "existing patients who may be the same person, each with the reasons it matched "
        "(same or near-miss date of birth with a swapped, misspelt or partly shared name; "
        "same name, phone or email): check them, and send the request again with "
        "`not_duplicate_reason` to create the patient anyway."
    ),
)
def patient_create(request: HttpRequest, payload: PatientIn) -> Any:
    user = api_user(request)
    assert user.organization is not None  # can() refuses users without an organization
    try:
        patient = services.patient_create(
            organization=user.organization,
            actor=user,
            data=payload.patient_data(),
            context=AuditContext.from_request(request),
            check_duplicates=True,
            not_duplicate_reason=payload.not_duplicate_reason or "",
        )
    except ValidationError as exc:
        errors = [
            {"field": "" if field == NON_FIELD_ERRORS else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        return Status(422, {"detail": "The request has invalid fields.", "errors": errors})
    except services.PossibleDuplicates as exc:
        audit_record_patients(
            action=AuditEvent.Action.VIEW,
            actor=user,
            context=AuditContext.from_request(request),
            shown={AuditEvent.ObjectType.PATIENT: [m.patient for m in exc.matches]},
            detail={"list": "possible duplicates", "via": "api"},
        )
        return Status(
            409,
            {
                "detail": "Existing patients may be this person. Check them; to create the "
                "patient anyway, send the request again with not_duplicate_reason.",
                "duplicates": [_duplicate_out(m) for m in exc.matches],
            },
        )
    return Status(201, patient)
