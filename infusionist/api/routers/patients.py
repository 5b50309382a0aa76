from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from infusionist.accounts.access import organization_of
from infusionist.api.auth import require_api_capability
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
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


class SearchParams(Schema):
    q: str = Field("", max_length=100, description="Name, date of birth, phone or MRN")
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


@router.get("", response=PatientPage, summary="Search patients")
def patient_search(request: HttpRequest, params: Query[SearchParams]) -> dict:
    require_api_capability(request, "patients.search")
    if "\x00" in params.q:
        raise HttpError(422, "The search text contains a null character.")
    query, qs = selectors.patient_search(organization=organization_of(request), text=params.q)
    count = qs.count()
    rows = list(qs[params.offset : params.offset + params.limit])
    audit_record(
        action=AuditEvent.Action.SEARCH,
        request=request,
        object_type="patient",
        detail={"query": params.q, "kind": query.kind, "results": count, "via": "api"},
    )
    return {"count": count, "results": rows}


@router.get("/{patient_id}", response=PatientOut, summary="One patient")
def patient_detail(request: HttpRequest, patient_id: int) -> object:
    require_api_capability(request, "patients.view")
    try:
        patient = selectors.patient_get(
            organization=organization_of(request), patient_id=patient_id
        )
    except Http404 as exc:
        raise HttpError(404, "No such patient.") from exc
    audit_record(
        action=AuditEvent.Action.VIEW,
        request=request,
        object_type="patient",
        object_id=patient.pk,
        patient=patient,
        detail={"via": "api"},
    )
    return patient
