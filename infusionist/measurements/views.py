"""Staff pages for measurement-based care. The patient's link pages are in views_link.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import organization_of, require_capability, user_of
from infusionist.accounts.roles import can
from infusionist.audit.models import AuditEvent
from infusionist.audit.services import audit_record
from infusionist.lib import instruments
from infusionist.measurements import selectors, services
from infusionist.measurements.charts import trajectory_chart
from infusionist.measurements.forms import (
    ENTERABLE_INSTRUMENTS,
    ProfileForm,
    RiskAssessmentForm,
    SendForm,
    StaffEntryForm,
)
from infusionist.measurements.models import QuestionnaireResponse
from infusionist.patients.selectors import patient_get


def _audit_view(request: HttpRequest, *, object_type: str, patient=None, **detail) -> None:  # noqa: ANN001
    audit_record(
        action=AuditEvent.Action.VIEW,
        request=request,
        object_type=object_type,
        object_id=getattr(patient, "pk", "") or "",
        patient=patient,
        detail=detail or None,
    )


@require_capability("measurements.view")
def patient_measurements(request: HttpRequest, patient_id: int) -> HttpResponse:
    organization = organization_of(request)
    patient = patient_get(organization=organization, patient_id=patient_id)
    profile = selectors.profile_for(patient=patient)
    profile_form = ProfileForm(
        instance=profile,
        clinicians=selectors.clinicians(organization=organization),
        initial=(
            {"responsible_clinician": selectors.default_clinician(organization=organization)}
            if profile is None
            else None
        ),
    )
    send_form = SendForm()
    can_enter = can(request.user, "measurements.enter")
    if request.method == "POST":
        if not can_enter:
            return render(request, "403.html", {}, status=403)
        action = request.POST.get("action", "")
        if action == "baseline":
            response = (
                selectors.responses_for_patient(patient=patient)
                .filter(pk=_int(request.POST.get("response_id")))
                .first()
            )
            if response is None:
                raise Http404("No such response.")
            try:
                services.baseline_choose(response=response, actor=request.user, request=request)
                messages.success(request, _("Baseline changed."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("measurements:patient", patient_id=patient.pk)
        if action == "profile":
            profile_form = ProfileForm(
                request.POST,
                instance=profile,
                clinicians=selectors.clinicians(organization=organization),
            )
            if profile_form.is_valid():
                services.measurement_profile_update(
                    patient=patient,
                    actor=request.user,
                    responsible_clinician=profile_form.cleaned_data["responsible_clinician"],
                    channel=profile_form.cleaned_data["channel"],
                    request=request,
                )
                messages.success(request, _("Saved."))
                return redirect("measurements:patient", patient_id=patient.pk)
        if action == "send":
            send_form = SendForm(request.POST)
            if send_form.is_valid():
                assignment = services.assignment_create_manual(
                    patient=patient,
                    instrument_code=send_form.cleaned_data["instrument"],
                    actor=request.user,
                    request=request,
                )
                channel = services.assignment_send(
                    assignment=assignment, actor=request.user, request=request
                )
                if channel:
                    messages.success(request, _("Questionnaire link sent."))
                else:
                    messages.warning(
                        request,
                        _(
                            "Questionnaire assigned, but not sent: the patient has no email or "
                            "phone, or asked not to be sent links."
                        ),
                    )
                return redirect("measurements:patient", patient_id=patient.pk)

    settings = selectors.settings_for(organization=organization)
    responses = list(selectors.responses_for_patient(patient=patient))
    trajectories = selectors.trajectories(patient=patient, settings=settings, responses=responses)
    infusion_dates = selectors.infusion_dates(patient=patient)
    charts = [(t, trajectory_chart(t, infusion_dates)) for t in trajectories]
    now = timezone.now()
    assignments = list(selectors.assignments_for_patient(patient=patient)[:30])
    _audit_view(request, object_type="measurements", patient=patient)
    return render(
        request,
        "measurements/patient.html",
        {
            "patient": patient,
            "profile": profile,
            "profile_form": profile_form,
            "send_form": send_form,
            "settings": settings,
            "charts": charts,
            "responses": responses,
            "in_progress": [r for r in responses if not r.is_complete],
            "assignments": assignments,
            "now": now,
            "alerts": [a for a in selectors.alerts_for_patient(patient=patient) if a.is_open],
            "can_enter": can_enter,
            "enterable": [instruments.get(code) for code in ENTERABLE_INSTRUMENTS],
        },
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


@require_capability("measurements.enter")
def enter_response(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Staff enter a questionnaire on the patient's behalf, with the same validation."""
    organization = organization_of(request)
    patient = patient_get(organization=organization, patient_id=patient_id)
    code = request.GET.get("instrument") or request.POST.get("instrument") or "phq9"
    if code not in ENTERABLE_INSTRUMENTS:
        code = "phq9"
    instrument = instruments.get(code)
    settings = selectors.settings_for(organization=organization)
    wording = settings.cssrs_wording() if code == "cssrs_screener" else None
    lang = "en"
    draft = selectors.response_in_progress(
        patient=patient, instrument_code=code, entered_by=request.user
    )
    form = StaffEntryForm(
        request.POST or None,
        instrument=instrument,
        lang=lang,
        wording=wording,
        initial=dict(draft.answers) if draft and request.method == "GET" else None,
    )
    saved_partial = False
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "submit")
        kwargs: dict[str, Any] = {
            "patient": patient,
            "instrument_code": code,
            "answers": form.answers(),
            "source": QuestionnaireResponse.Source.STAFF,
            "language": lang,
            "actor": request.user,
            "entered_by": request.user,
            "response": draft,
            "request": request,
        }
        try:
            if action == "save":
                draft = services.questionnaire_response_save(**kwargs)
                saved_partial = True
                messages.info(
                    request,
                    _("Saved as in progress. It is not scored until every item is answered."),
                )
            else:
                response = services.questionnaire_response_submit(
                    **kwargs, completed_at=form.cleaned_data.get("completed_at")
                )
                if response.has_suicidality_flag:
                    messages.error(
                        request,
                        _(
                            "Suicidality answer: a safety alert is open. Give crisis resources "
                            "now and document a risk assessment."
                        ),
                    )
                    return redirect("measurements:safety", patient_id=patient.pk)
                messages.success(
                    request,
                    _("%(title)s saved: total %(total)s.")
                    % {"title": instrument.title, "total": response.total},
                )
                return redirect("measurements:patient", patient_id=patient.pk)
        except instruments.InvalidAnswers as exc:
            form.add_answer_errors(exc.errors)
        except ValidationError as exc:
            form.add_error(None, exc)
    if request.method == "GET":
        _audit_view(request, object_type="measurement_entry", patient=patient, instrument=code)
    return render(
        request,
        "measurements/enter.html",
        {
            "patient": patient,
            "instrument": instrument,
            "form": form,
            "draft": draft,
            "saved_partial": saved_partial,
            "enterable": [instruments.get(c) for c in ENTERABLE_INSTRUMENTS],
            "wording_missing": code == "cssrs_screener" and not wording,
        },
        status=422 if request.method == "POST" and not saved_partial and form.errors else 200,
    )


@require_capability("safety.review")
def patient_safety(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's safety alerts: acknowledge, and close with a documented risk assessment."""
    organization = organization_of(request)
    patient = patient_get(organization=organization, patient_id=patient_id)
    settings = selectors.settings_for(organization=organization)
    wording = settings.cssrs_wording()
    cssrs = instruments.get("cssrs_screener")
    can_close = can(request.user, "safety.close")
    form = RiskAssessmentForm(instrument=cssrs, wording=wording)
    form_alert_id = None
    if request.method == "POST":
        alert = selectors.alert_get(patient=patient, alert_id=request.POST.get("alert_id"))
        action = request.POST.get("action")
        if action == "acknowledge":
            services.safety_alert_acknowledge(alert=alert, actor=request.user, request=request)
            messages.success(
                request, _("Alert acknowledged. It stays open until a risk assessment closes it.")
            )
            return redirect("measurements:safety", patient_id=patient.pk)
        if action == "close":
            if not can_close:
                return render(request, "403.html", {"capability": "safety.close"}, status=403)
            form = RiskAssessmentForm(request.POST, instrument=cssrs, wording=wording)
            form_alert_id = alert.pk
            if not form.is_valid():
                # Show the screener's item errors too, not only the missing level or plan.
                try:
                    instruments.validate_answers(cssrs, form.answers())
                except instruments.InvalidAnswers as exc:
                    form.add_answer_errors(exc.errors)
            else:
                try:
                    services.safety_alert_close(
                        alert=alert,
                        actor=request.user,
                        cssrs_answers=form.answers(),
                        risk_level=form.cleaned_data["risk_level"],
                        safety_plan=form.cleaned_data["safety_plan"],
                        notes=form.cleaned_data["notes"],
                        request=request,
                    )
                    messages.success(request, _("Risk assessment saved. The alert is closed."))
                    return redirect("measurements:safety", patient_id=patient.pk)
                except instruments.InvalidAnswers as exc:
                    form.add_answer_errors(exc.errors)
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for field, errors in exc.message_dict.items():
                            form.add_error(field if field in form.fields else None, errors)
                    else:
                        form.add_error(None, exc)
    alerts = list(selectors.alerts_for_patient(patient=patient))
    if request.method == "GET":
        _audit_view(request, object_type="safety_alert", patient=patient)
    return render(
        request,
        "measurements/safety.html",
        {
            "patient": patient,
            "alerts": alerts,
            "open_alerts": [a for a in alerts if a.is_open],
            "form": form,
            "form_alert_id": form_alert_id,
            "can_close": can_close,
            "wording_missing": not wording,
            "gate": selectors.infusion_gate(patient=patient),
        },
        status=422 if form.errors else 200,
    )


@require_capability("safety.review")
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = list(selectors.open_alerts(organization=organization_of(request)))
    audit_record(
        action=AuditEvent.Action.VIEW,
        request=request,
        object_type="safety_alert",
        detail={"list": "open", "count": len(alerts)},
    )
    return render(request, "measurements/alerts.html", {"alerts": alerts, "now": timezone.now()})


@require_capability("measurements.overdue")
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Overdue questionnaires: who and since when, never the answers (front desk may call)."""
    now = timezone.now()
    rows = list(selectors.overdue_assignments(organization=organization_of(request), now=now)[:200])
    audit_record(
        action=AuditEvent.Action.VIEW,
        request=request,
        object_type="measurement_assignment",
        detail={"list": "overdue", "count": len(rows)},
    )
    return render(
        request,
        "measurements/overdue.html",
        {"rows": rows, "now": now, "clinical": can(request.user, "measurements.view")},
    )


def today_context(*, request: HttpRequest, now: dt.datetime) -> dict[str, Any]:
    """Return the Today page's measurement section, auditing the patient rows it shows."""
    section = selectors.today_section(user=user_of(request), now=now)
    shown = len(section["alerts"]) + len(section["overdue"])
    if shown:
        audit_record(
            action=AuditEvent.Action.VIEW,
            request=request,
            object_type="measurements_today",
            detail={"alerts": len(section["alerts"]), "overdue": len(section["overdue"])},
        )
    return section
