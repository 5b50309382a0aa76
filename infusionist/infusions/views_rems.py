"""The REMS forms a clinic owes: the list of forms due, and one form to fill in and submit.

Clinical staff (``chart.view``) see them; those who chart (``chart.record``) fill in the
Spravato Patient Monitoring Form's data, prefilled from the visit, and record its submission
[36][46][47]. Another clinic's form answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_list_view,
    record_view,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.clinics.selectors import clinic_today
from infusionist.infusions import selectors_rems, services_rems
from infusionist.infusions.errors import ChartError
from infusionist.infusions.forms_rems import RemsMonitoringForm, RemsSubmitForm
from infusionist.infusions.models import RemsForm
from infusionist.infusions.selectors import visit_zone
from infusionist.postonly import post_only


@require_capability("chart.view")
def rems_list(request: HttpRequest) -> HttpResponse:
    """List the clinic's REMS forms not yet submitted (overdue first), and the last sent."""
    organization = organization_of(request)
    due = selectors_rems.rems_forms_due(organization=organization)
    sent = selectors_rems.rems_forms_submitted_recently(organization=organization)
    today = clinic_today(organization_id=organization.pk)
    record_list_view(
        request,
        {AuditEvent.ObjectType.REMS_FORM: [f.visit.patient for f in [*due, *sent]]},
        detail={"page": "rems_forms"},
    )
    rows = [
        {
            "form": f,
            "session_on": timezone.localtime(f.visit.scheduled_at, visit_zone(f.visit)).date(),
            "overdue": f.due_on < today,
            "days_left": (f.due_on - today).days,
            "overdue_days": (today - f.due_on).days,
        }
        for f in due
    ]
    return render(
        request,
        "infusions/rems_list.html",
        {"rows": rows, "sent": sent, "today": today},
    )


def _form_page(
    request: HttpRequest,
    form: RemsForm,
    *,
    data_form: RemsMonitoringForm | None = None,
    submit_form: RemsSubmitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # Shown (also when re-shown after a refused post): a view of the patient's form.
    record_view(
        request,
        object_type=AuditEvent.ObjectType.REMS_FORM,
        object_id=form.pk,
        patient=form.visit.patient,
    )
    user = user_of(request)
    may_record = can(user, "chart.record") and form.submitted_at is None
    prefill: dict[str, Any] = {}
    if data_form is None and may_record:
        prefill = dict(form.data) if form.data else selectors_rems.rems_prefill(visit=form.visit)
        data_form = RemsMonitoringForm(initial=prefill)
    if submit_form is None and may_record:
        submit_form = RemsSubmitForm(
            initial={"submitted_on": clinic_today(organization_id=form.visit.organization_id)}
        )
    zone = visit_zone(form.visit)
    today = clinic_today(organization_id=form.visit.organization_id)
    return render(
        request,
        "infusions/rems_form.html",
        {
            "rems": form,
            "visit": form.visit,
            "patient": form.visit.patient,
            "session_at": timezone.localtime(form.visit.scheduled_at, zone),
            "overdue": form.submitted_at is None and form.due_on < today,
            "may_record": may_record,
            "data_form": data_form,
            "submit_form": submit_form,
            "saved": bool(form.data),
            "shown": _shown(form.data) if form.data else [],
        },
        status=status,
    )


def _shown(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """Return the stored values as (label, value) rows, in the form's order."""
    rows = []
    for name, field in RemsMonitoringForm.base_fields.items():
        value = data.get(name)
        if value in (None, ""):
            continue
        if hasattr(field, "choices") and not isinstance(value, bool):
            value = dict(field.choices).get(value, value)
        rows.append((str(field.label), value))
    return rows


@require_capability("chart.view")
def rems_form(request: HttpRequest, form_id: int) -> HttpResponse:
    """Show one REMS form: its data (prefilled from the visit) and its submission."""
    form = selectors_rems.rems_form_get_for_user(user=user_of(request), form_id=form_id)
    return _form_page(request, form)


def _refused(form: Any, error: ChartError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@post_only
@require_capability("chart.record")
def rems_form_save(request: HttpRequest, form_id: int) -> HttpResponse:
    """Save the form's data; a bad value is shown beside its field and nothing is lost."""
    form = selectors_rems.rems_form_get_for_user(user=user_of(request), form_id=form_id)
    data_form = RemsMonitoringForm(request.POST)
    if not data_form.is_valid():
        return _form_page(request, form, data_form=data_form, status=422)
    try:
        services_rems.rems_form_save(
            form=form, data=data_form.stored(), by=user_of(request), context=context_of(request)
        )
    except ChartError as error:
        _refused(data_form, error)
        return _form_page(request, form, data_form=data_form, status=error.status)
    messages.success(request, _("Saved. Record the submission once the form is sent."))
    return redirect("infusions:rems_form", form_id=form.pk)


@post_only
@require_capability("chart.record")
def rems_form_submit(request: HttpRequest, form_id: int) -> HttpResponse:
    """Mark the form submitted, with the date and the confirmation or fax reference."""
    form = selectors_rems.rems_form_get_for_user(user=user_of(request), form_id=form_id)
    submit_form = RemsSubmitForm(request.POST)
    if not submit_form.is_valid():
        return _form_page(request, form, submit_form=submit_form, status=422)
    try:
        services_rems.rems_form_submit(
            form=form,
            submitted_on=submit_form.cleaned_data["submitted_on"],
            confirmation=submit_form.cleaned_data["confirmation"],
            by=user_of(request),
            context=context_of(request),
        )
    except ChartError as error:
        _refused(submit_form, error)
        return _form_page(request, form, submit_form=submit_form, status=error.status)
    messages.success(request, _("Marked submitted."))
    return redirect("infusions:rems_form", form_id=form.pk)
