from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from infusionist.accounts.api_auth import require_api_capability
from infusionist.accounts.models import User
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import AuditContext, audit_record
from infusionist.patients import selectors

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
    audit_record(
        action=AuditEvent.Action.SEARCH,
        actor=user,
        context=AuditContext.from_request(request),
        object_type=AuditEvent.ObjectType.PATIENT,
        detail={"query": text, "kind": query.kind, "results": count, "via": "api"},
    )
    return {"count": count, "results": rows}


@router.get("", response=PatientPage, summary="List patients by last name")
def patient_list(request: HttpRequest, params: Query[PageParams]) -> dict:
    user = require_api_capability(request, "patients.search")
    return _page(request, user, text="", limit=params.limit, offset=params.offset)


@router.post("/search", response=PatientPage, summary="Search patients")
def patient_search(request: HttpRequest, payload: SearchIn) -> dict:
    user = require_api_capability(request, "patients.search")
    if "\x00" in payload.q:
        raise HttpError(422, "The search text contains a null character.")
    return _page(request, user, text=payload.q, limit=payload.limit, offset=payload.offset)


@router.get("/{patient_id}", response=PatientOut, summary="One patient")
def patient_detail(request: HttpRequest, patient_id: int) -> object:
    user = require_api_capability(request, "patients.view")
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
