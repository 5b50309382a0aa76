"""Staff pages for measurement-based care. The patient's link pages are in views_link.py.

Each action has its own URL and small view; ids travel in the path.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
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
from infusionist.measurements.models import QuestionnaireResponse, SafetyAlert
from infusionist.patients.models import Patient
from infusionist.patients.selectors import patient_get_for_user
from infusionist.postonly import post_only

#: Patients listed on the overdue page at most (longest overdue first).
OVERDUE_LIST_PATIENTS = 200


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_get_for_user(user=user_of(request), patient_id=patient_id)


# ---- the patient's measurement page and its actions ----------------------------------------


@require_capability("measurements.view")
def patient_measurements(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    return _patient_page(request, patient)


def _profile_form(
    request: HttpRequest, patient: Patient, data: Any = None
) -> tuple[ProfileForm, Any]:
    organization = organization_of(request)
    profile = selectors.profile_for(patient=patient)
    form = ProfileForm(
        data,
        instance=profile,
        clinicians=selectors.clinicians(organization=organization),
        initial=(
            {"responsible_clinician": selectors.default_clinician(organization=organization)}
            if profile is None
            else None
        ),
    )
    return form, profile


def _patient_page(
    request: HttpRequest,
    patient: Patient,
    *,
    profile_form: ProfileForm | None = None,
    send_form: SendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = organization_of(request)
    default_profile_form, profile = _profile_form(request, patient)
    measurement_settings = selectors.measurement_settings_for(organization=organization)
    responses = list(selectors.responses_for_patient(patient=patient))
    trajectories = selectors.trajectories(
        patient=patient, measurement_settings=measurement_settings, responses=responses
    )
    record_view(
        request,
        object_type=AuditEvent.ObjectType.MEASUREMENTS,
        object_id=patient.pk,
        patient=patient,
    )
    assignments = list(selectors.assignments_for_patient(patient=patient)[:30])
    now = timezone.now()
    standing = selectors.current_requests(assignments)
    standing_ids = {a.pk for a in standing}
    reachable = bool(patient.email or patient.phone) and (
        profile is None or profile.channel != profile.Channel.NONE
    )
    alerts = list(selectors.alerts_for_patient(patient=patient))
    safety = selectors.safety_state(alerts=alerts, responses=responses)
    return render(
        request,
        "measurements/patient.html",
        {
            "patient": patient,
            "profile": profile,
            "profile_form": profile_form or default_profile_form,
            "send_form": send_form or SendForm(patient_language=patient.preferred_language),
            "measurement_settings": measurement_settings,
            "charts": [
                (t, trajectory_chart(t), trajectory_chart(t, narrow=True)) for t in trajectories
            ],
            "safety": safety,
            "responses": responses,
            "in_progress": [r for r in responses if not r.is_complete],
            "assignments": [
                (
                    a,
                    selectors.delivery_state(
                        a, now=now, reachable=reachable, stands=a.pk in standing_ids
                    ),
                )
                for a in assignments
            ],
            "overdue": sorted(
                (a for a in standing if a.due_at < now), key=lambda a: (a.due_at, a.pk)
            ),
            "now": now,
            "alerts": [a for a in alerts if a.is_open],
            "can_enter": can(user_of(request), "measurements.enter"),
            "enterable": [instruments.get(code) for code in ENTERABLE_INSTRUMENTS],
        },
        status=status,
    )


@post_only
@require_capability("measurements.enter")
def baseline_choose(request: HttpRequest, patient_id: int, response_id: int) -> HttpResponse:
    """Make one completed questionnaire the patient's baseline for its instrument."""
    patient = _patient(request, patient_id)
    response = selectors.response_get(patient=patient, response_id=response_id)
    try:
        services.baseline_choose(
            response=response, actor=user_of(request), context=context_of(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Baseline changed."))
    return redirect("measurements:patient", patient_id=patient.pk)


@post_only
@require_capability("measurements.enter")
def profile_update(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Change who receives the patient's safety alerts and how questionnaires are sent."""
    patient = _patient(request, patient_id)
    form, _profile = _profile_form(request, patient, request.POST)
    if not form.is_valid():
        return _patient_page(request, patient, profile_form=form, status=422)
    try:
        services.measurement_profile_update(
            patient=patient,
            actor=user_of(request),
            responsible_clinician=form.cleaned_data["responsible_clinician"],
            channel=form.cleaned_data["channel"],
            context=context_of(request),
        )
    except ValidationError as exc:
        form.add_error("responsible_clinician", exc)
        return _patient_page(request, patient, profile_form=form, status=422)
    messages.success(request, _("Saved."))
    return redirect("measurements:patient", patient_id=patient.pk)


@post_only
@require_capability("measurements.enter")
def questionnaire_send(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Ask the patient to complete one questionnaire now and send the link."""
    patient = _patient(request, patient_id)
    form = SendForm(request.POST, patient_language=patient.preferred_language)
    if not form.is_valid():
        return _patient_page(request, patient, send_form=form, status=422)
    actor, context = user_of(request), context_of(request)
    try:
        assignment = services.assignment_create_manual(
            patient=patient,
            instrument_code=form.cleaned_data["instrument"],
            actor=actor,
            language_confirmed=form.cleaned_data["confirm_language"],
            context=context,
        )
    except ValidationError as exc:
        form.add_error("instrument", exc.message_dict.get("instrument", exc.messages))
        return _patient_page(request, patient, send_form=form, status=422)
    if services.assignment_send(assignment=assignment, actor=actor, context=context):
        messages.success(request, _("Questionnaire link sent."))
    else:
        messages.warning(
            request,
            _(
                "Questionnaire assigned, but not sent: the patient has no email or phone, or "
                "asked not to be sent links."
            ),
        )
    return redirect("measurements:patient", patient_id=patient.pk)


# ---- staff entry on the patient's behalf ----------------------------------------------------


def _enterable(instrument_code: str) -> instruments.Instrument:
    if instrument_code not in ENTERABLE_INSTRUMENTS:
        raise Http404("No such questionnaire.")
    return instruments.get(instrument_code)


@require_capability("measurements.enter")
def enter_response(request: HttpRequest, patient_id: int, instrument_code: str) -> HttpResponse:
    """Enter and score a questionnaire on the patient's behalf, with the same validation."""
    return _entry(request, patient_id, instrument_code, complete=request.method == "POST")


@post_only
@require_capability("measurements.enter")
def enter_response_save(
    request: HttpRequest, patient_id: int, instrument_code: str
) -> HttpResponse:
    """Keep a staff entry as in progress; it is never scored until every item is answered."""
    return _entry(request, patient_id, instrument_code, complete=False)


def _suicidality_message(response: QuestionnaireResponse, *, saved_partial: bool) -> str:
    """Say at once that a save raised a suicidality alert: who was notified, what to do now."""
    alert = selectors.alert_for_response(response=response)
    who = alert.assigned_to.display_name if alert and alert.assigned_to else None
    parts = (
        [
            str(_("Saved as in progress (not scored until every item is answered).")),
        ]
        if saved_partial
        else []
    )
    parts.append(str(_("Suicidality answer: a safety alert is open.")))
    parts.append(
        str(_("%(who)s, the responsible clinician, has been notified.") % {"who": who})
        if who
        else str(_("No responsible clinician is set: tell the supervising physician now."))
    )
    parts.append(
        str(
            _(
                "Give crisis resources now (call or text 988, text HOME to 741741, 911 for "
                "immediate danger); a documented risk assessment closes the alert."
            )
        )
    )
    return " ".join(parts)


def _entry(
    request: HttpRequest, patient_id: int, instrument_code: str, *, complete: bool
) -> HttpResponse:
    patient = _patient(request, patient_id)
    instrument = _enterable(instrument_code)
    user = user_of(request)
    measurement_settings = selectors.measurement_settings_for(organization=organization_of(request))
    wording = measurement_settings.cssrs_wording() if instrument.code == "cssrs_screener" else None
    draft = selectors.response_in_progress(
        patient=patient, instrument_code=instrument.code, entered_by=user
    )
    form = StaffEntryForm(
        request.POST or None,
        date_of_birth=patient.date_of_birth,
        instrument=instrument,
        lang="en",
        wording=wording,
        initial=dict(draft.answers) if draft and request.method == "GET" else None,
    )
    saved_partial = False
    if request.method == "POST" and form.is_valid():
        common: dict[str, Any] = {
            "patient": patient,
            "instrument_code": instrument.code,
            "answers": form.answers(),
            "source": QuestionnaireResponse.Source.STAFF,
            "language": "en",
            "actor": user,
            "entered_by": user,
            "response": draft,
            "context": context_of(request),
        }
        try:
            if not complete:
                draft = services.questionnaire_response_save(**common)
                saved_partial = True
                if draft.has_suicidality_flag:
                    messages.error(request, _suicidality_message(draft, saved_partial=True))
                else:
                    messages.info(
                        request,
                        _("Saved as in progress. It is not scored until every item is answered."),
                    )
            else:
                response = services.questionnaire_response_submit(
                    **common,
                    completed_at=form.cleaned_data.get("completed_at"),
                    completed_at_reason=(
                        form.cleaned_data.get("old_date_reason") or ""
                        if form.needs_old_confirmation
                        else ""
                    ).strip(),
                )
                if response.has_suicidality_flag:
                    messages.error(request, _suicidality_message(response, saved_partial=False))
                    return redirect("measurements:safety", patient_id=patient.pk)
                messages.success(
                    request,
                    _("%(title)s saved: %(result)s.")
                    % {
                        "title": instrument.display_name,
                        "result": selectors.response_result(response),
                    },
                )
                return redirect("measurements:patient", patient_id=patient.pk)
        except instruments.InvalidAnswers as exc:
            form.add_answer_errors(exc.errors)
        except ValidationError as exc:
            form.add_error(None, exc)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.MEASUREMENT_ENTRY,
        object_id=patient.pk,
        patient=patient,
        detail={"instrument": instrument.code},
    )
    return render(
        request,
        "measurements/enter.html",
        {
            "patient": patient,
            "instrument": instrument,
            "form": form,
            "draft": draft,
            "saved_partial": saved_partial,
            "flagged": bool(saved_partial and draft is not None and draft.has_suicidality_flag),
            "enterable": [instruments.get(c) for c in ENTERABLE_INSTRUMENTS],
            "wording_missing": instrument.code == "cssrs_screener" and not wording,
            "can_edit_settings": can(user_of(request), "measurements.settings"),
        },
        status=422 if request.method == "POST" and not saved_partial and form.errors else 200,
    )


# ---- safety alerts ----------------------------------------------------------------------------


def _risk_form(
    alert: SafetyAlert,
    *,
    wording: dict[str, str],
    data: Any = None,
    screener: QuestionnaireResponse | None = None,
    clinic_phone: str = "",
) -> RiskAssessmentForm:
    """Return the risk-assessment form of one alert; its prefix keeps element ids unique.

    ``screener``: a C-SSRS screener already entered for this alert (by a nurse, say), whose
    answers fill the form's screener for the closing clinician to confirm.
    """
    return RiskAssessmentForm(
        data,
        instrument=instruments.get("cssrs_screener"),
        wording=wording,
        prefix=f"alert-{alert.pk}",
        clinic_phone=clinic_phone,
        initial=dict(screener.answers) if screener is not None and data is None else None,
    )


@require_capability("safety.review")
def patient_safety(request: HttpRequest, patient_id: int) -> HttpResponse:
    """A patient's safety alerts: acknowledge, and close with a documented risk assessment."""
    return _safety_page(request, _patient(request, patient_id))


def _safety_page(
    request: HttpRequest,
    patient: Patient,
    *,
    posted: RiskAssessmentForm | None = None,
    posted_alert_id: int | None = None,
) -> HttpResponse:
    measurement_settings = selectors.measurement_settings_for(organization=organization_of(request))
    wording = measurement_settings.cssrs_wording()
    alerts = list(selectors.alerts_for_patient(patient=patient))
    open_alerts = [a for a in alerts if a.is_open]
    screeners = selectors.screeners_for_alerts(patient=patient, alerts=open_alerts)
    clinic_phone = organization_of(request).contact_phone if open_alerts else ""
    forms = {
        a.pk: posted
        if a.pk == posted_alert_id and posted is not None
        else _risk_form(a, wording=wording, screener=screeners.get(a.pk), clinic_phone=clinic_phone)
        for a in open_alerts
    }
    record_view(
        request,
        object_type=AuditEvent.ObjectType.SAFETY_ALERT,
        object_id=patient.pk,
        patient=patient,
    )
    return render(
        request,
        "measurements/safety.html",
        {
            "patient": patient,
            "alerts": [selectors.alert_detail(a) for a in alerts],
            "open_alerts": [
                (selectors.alert_detail(a), forms[a.pk], screeners.get(a.pk)) for a in open_alerts
            ],
            "can_close": can(user_of(request), "safety.close"),
            "wording_missing": not wording,
            "gate": selectors.infusion_gate(patient=patient),
        },
        status=422 if posted is not None and posted.errors else 200,
    )


@post_only
@require_capability("safety.review")
def alert_acknowledge(request: HttpRequest, patient_id: int, alert_id: int) -> HttpResponse:
    """Record that a clinician is dealing with the alert (stops escalation, not the gate)."""
    patient = _patient(request, patient_id)
    alert = selectors.alert_get(patient=patient, alert_id=alert_id)
    services.safety_alert_acknowledge(
        alert=alert, actor=user_of(request), context=context_of(request)
    )
    messages.success(
        request, _("Alert acknowledged. It stays open until a risk assessment closes it.")
    )
    return redirect("measurements:safety", patient_id=patient.pk)


@post_only
@require_capability("safety.close")
def alert_close(request: HttpRequest, patient_id: int, alert_id: int) -> HttpResponse:
    """Close the alert with a documented risk assessment (C-SSRS screener, level, plan)."""
    patient = _patient(request, patient_id)
    alert = selectors.alert_get(patient=patient, alert_id=alert_id)
    measurement_settings = selectors.measurement_settings_for(organization=organization_of(request))
    form = _risk_form(alert, wording=measurement_settings.cssrs_wording(), data=request.POST)
    if not form.is_valid():
        # Show the screener's item errors too, not only the missing level or plan.
        try:
            instruments.validate_answers(instruments.get("cssrs_screener"), form.answers())
        except instruments.InvalidAnswers as exc:
            form.add_answer_errors(exc.errors)
        return _safety_page(request, patient, posted=form, posted_alert_id=alert.pk)
    try:
        services.safety_alert_close(
            alert=alert,
            actor=user_of(request),
            cssrs_answers=form.answers(),
            risk_level=form.cleaned_data["risk_level"],
            plan_steps=form.plan_steps(),
            override_reason=form.cleaned_data["override_reason"],
            answers_changed_reason=form.cleaned_data["answers_changed_reason"],
            notes=form.cleaned_data["notes"],
            context=context_of(request),
        )
    except instruments.InvalidAnswers as exc:
        form.add_answer_errors(exc.errors)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    else:
        messages.success(request, _("Risk assessment saved. The alert is closed."))
        return redirect("measurements:safety", patient_id=patient.pk)
    return _safety_page(request, patient, posted=form, posted_alert_id=alert.pk)


# ---- lists ------------------------------------------------------------------------------------


@require_capability("safety.review")
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = list(selectors.open_alerts(organization=organization_of(request)))
    record_list_view(
        request,
        {AuditEvent.ObjectType.SAFETY_ALERT: [a.patient for a in alerts]},
        detail={"list": "open safety alerts"},
    )
    return render(request, "measurements/alerts.html", {"alerts": alerts, "now": timezone.now()})


@require_capability("measurements.overdue")
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Overdue questionnaires: who and since when, never the answers (front desk may call).

    One row per patient, with every questionnaire of theirs that is overdue.
    """
    now = timezone.now()
    rows = selectors.overdue_patients(
        organization=organization_of(request), now=now, limit=OVERDUE_LIST_PATIENTS
    )
    record_list_view(
        request,
        {AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT: [a.patient for a in rows]},
        detail={"list": "overdue questionnaires"},
    )
    return render(
        request,
        "measurements/overdue.html",
        {"rows": rows, "now": now, "clinical": can(user_of(request), "measurements.view")},
    )
