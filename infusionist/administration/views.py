"""Clinic administration pages: locations and hours, and the audit report."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_list_view,
    require_capability,
    user_of,
)
from infusionist.administration.forms import AuditFilterForm
from infusionist.audit.models import AuditEvent
from infusionist.audit.selectors import audit_events
from infusionist.audit.services import audit_record
from infusionist.clinics import selectors as clinic_selectors
from infusionist.patients.selectors import patients_for_organization

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
    locations = [
        {
            "location": loc,
            "hours": list(loc.hours.all()),
            "open_now": clinic_selectors.is_open(location=loc, now=now),
        }
        for loc in clinic_selectors.locations_for_organization(
            organization=organization_of(request)
        )
    ]
    return render(request, "administration/locations.html", {"locations": locations})


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
        {"form": form, "page": page, "query": query.urlencode(), "patient_filter": patient_filter},
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
    for e in events.iterator(chunk_size=2000):
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
