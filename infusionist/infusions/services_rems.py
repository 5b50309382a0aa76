"""Writes of the REMS forms: filling in a form's data, and marking it submitted [36][46][47].

A form is opened by the chart when a session is discharged (``services._rems_forms_open``,
from the clinic's ``RemsFormRule`` rows). Clinical staff fill its data here (prefilled from
the visit, ``selectors_rems.rems_prefill``) and record when it was sent and its confirmation.
A submitted form never changes. Each write is audited with the old and new values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import NO_REQUEST, AuditContext, audit_record
from infusionist.infusions.errors import ChartError
from infusionist.infusions.models import RemsForm
from infusionist.infusions.selectors import visit_zone
from infusionist.integrity import jsonable

__all__ = ["rems_form_save", "rems_form_submit"]


def _locked(form: RemsForm) -> RemsForm:
    return (
        RemsForm.objects.select_for_update(of=("self",))
        .select_related("visit", "visit__patient", "visit__organization", "visit__location")
        .get(pk=form.pk)
    )


def _check(form: RemsForm, by: Any, doing: str) -> None:
    if not can(by, "chart.record"):
        raise ChartError("", f"Your role cannot {doing}.", status=403)
    if getattr(by, "organization_id", None) != form.visit.organization_id:
        raise ChartError("", "No such form.", status=404)


def _audit(form: RemsForm, *, by: Any, context: AuditContext, detail: dict[str, Any]) -> None:
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        context=context,
        organization=form.visit.organization,
        object_type=AuditEvent.ObjectType.REMS_FORM,
        object_id=form.pk,
        patient=form.visit.patient,
        detail=jsonable(detail),
    )


def rems_form_save(
    *,
    form: RemsForm,
    data: Mapping[str, Any],
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> RemsForm:
    """Store the form's data (the cleaned values of ``RemsMonitoringForm``, JSON-ready).

    Raises ChartError for a user who may not chart (403) or a form already submitted.
    """
    now = now or timezone.now()
    _check(form, by, "fill in a REMS form")
    with transaction.atomic():
        form = _locked(form)
        if form.submitted_at is not None:
            raise ChartError("", "This form was submitted; a submitted form never changes.")
        before = dict(form.data or {})
        after = jsonable(dict(data)) | {"saved_at": now, "saved_by": by.pk}
        form.data = jsonable(after)
        form.save(update_fields=["data"])
        changed = sorted(k for k in after if before.get(k) != after.get(k))
        _audit(
            form,
            by=by,
            context=context,
            detail={
                "step": "data_saved",
                "before": {k: before.get(k) for k in changed},
                "after": {k: after.get(k) for k in changed},
            },
        )
    return form


def rems_form_submit(
    *,
    form: RemsForm,
    submitted_on: dt.date,
    confirmation: str,
    by: Any,
    context: AuditContext = NO_REQUEST,
    now: dt.datetime | None = None,
) -> RemsForm:
    """Mark the form submitted on ``submitted_on`` with its confirmation or fax reference.

    Raises ChartError (naming the field) when the data was never saved, the date is before
    the session or in the future (in the location's zone), or the reference is empty.
    """
    now = now or timezone.now()
    _check(form, by, "submit a REMS form")
    reference = (confirmation or "").strip()
    with transaction.atomic():
        form = _locked(form)
        if form.submitted_at is not None:
            raise ChartError("", "This form was already submitted.")
        if not form.data:
            raise ChartError(
                "submitted_on", "Fill in and save the form's data before marking it submitted."
            )
        zone = visit_zone(form.visit)
        today = timezone.localtime(now, zone).date()
        session_day = timezone.localtime(form.visit.scheduled_at, zone).date()
        if submitted_on > today:
            raise ChartError("submitted_on", "That date is in the future.", status=422)
        if submitted_on < session_day:
            raise ChartError(
                "submitted_on", "That date is before the session; check it.", status=422
            )
        if not reference:
            raise ChartError(
                "confirmation", "Enter the confirmation number or fax reference.", status=422
            )
        form.submitted_at = now
        form.submitted_by = by
        form.confirmation = reference[:80]
        form.data = jsonable({**form.data, "submitted_on": submitted_on})
        form.save(update_fields=["submitted_at", "submitted_by", "confirmation", "data"])
        _audit(
            form,
            by=by,
            context=context,
            detail={
                "step": "submitted",
                "before": {"submitted_at": None, "confirmation": ""},
                "after": {
                    "submitted_on": submitted_on,
                    "confirmation": form.confirmation,
                    "late": submitted_on > form.due_on,
                },
            },
        )
    return form
