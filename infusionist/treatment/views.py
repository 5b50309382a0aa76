from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
from infusionist.lib import dosing, exposure, regimens
from infusionist.patients import selectors as patient_selectors
from infusionist.patients.models import Patient
from infusionist.treatment import calculations, charts, selectors, services
from infusionist.treatment.calculations import SessionResult
from infusionist.treatment.forms import (
    CalculatorForm,
    DosingSettingsForm,
    PatientPickForm,
    PlanForm,
    ProtocolForm,
    SignForm,
)
from infusionist.treatment.models import DosingSettings, Protocol, TreatmentPlanVersion
from infusionist.treatment.validation import parse_titration_steps

LIST_LIMIT = 50
PLANNED_SESSION_HOUR = 9  # planned sessions are placed at 09:00 clinic time


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_selectors.patient_get(
        organization=organization_of(request), patient_id=patient_id
    )


def _pk_curve(
    result: SessionResult, *, settings: DosingSettings, age_years: float | None
) -> charts.PKCurve | None:
    calc = result.infusion
    if calc is None:
        return None
    return charts.pk_curve_for_session(
        model_name=settings.pk_model,
        weight_kg=calc.actual_weight_kg,
        age_years=age_years,
        dose_mg=calc.dose_mg,
        duration_min=calc.duration_min,
        after_min=float(settings.pk_curve_after_min),
    )


# --- dose calculator -------------------------------------------------------------------


@require_capability("treatment.calculate")
def calculator(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    settings = selectors.dosing_settings(organization=organization)
    initial = {
        "weight_basis": "actual",
        "vial_mg_per_ml": str(int(settings.usual_vial_mg_per_ml)),
        "dose_mg_per_kg": Decimal("0.5"),
        "duration_min": 40,
        "bag_volume_ml": Decimal("100"),
    }
    form = CalculatorForm(request.POST or None, organization=organization, initial=initial)
    result = curve = None
    if request.method == "POST" and form.is_valid():
        protocol = form.cleaned_data.get("protocol")
        inputs: dict[str, Any] = {
            k: (float(v) if isinstance(v, Decimal | int) and not isinstance(v, bool) else v)
            for k, v in form.calculation_inputs().items()
        }
        try:
            result = calculations.calculate_session(
                route="iv",
                limits=calculations.limits_for(settings=settings, protocol=protocol),
                protocol=protocol,
                **{**inputs, "sex": inputs.get("sex") or None},
            )
        except dosing.InvalidDoseInput as exc:
            form.add_dose_error(exc)
        else:
            if not result.is_stopped:
                curve = _pk_curve(
                    result, settings=settings, age_years=form.cleaned_data.get("age_years")
                )
    return render(
        request,
        "treatment/calculator.html",
        {"form": form, "result": result, "curve": curve, "settings": settings},
    )


# --- protocols and settings ------------------------------------------------------------


@require_capability("protocols.view")
def protocol_list(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    can_edit = can(user_of(request), "protocols.edit")
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", {"capability": "protocols.edit"}, status=403)
        created = services.protocols_create_defaults(
            organization=organization, actor=user_of(request), request=request
        )
        messages.success(
            request,
            _("%(n)s documented default protocols added.") % {"n": len(created)}
            if created
            else _("Every default protocol is already here."),
        )
        return redirect("treatment:protocol_list")
    protocols = list(selectors.protocols_for_organization(organization=organization))
    settings = selectors.dosing_settings(organization=organization)
    setting_rows = [
        (
            getattr(settings._meta.get_field(name), "verbose_name", name),
            getattr(settings, name),
            source,
        )
        for name, source in DosingSettings.SOURCE_KEYS.items()
    ]
    return render(
        request,
        "treatment/protocol_list.html",
        {"protocols": protocols, "can_edit": can_edit, "setting_rows": setting_rows},
    )


@require_capability("protocols.edit")
def protocol_edit(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    protocol_id = request.GET.get("protocol") or request.POST.get("protocol_id")
    if not protocol_id:
        protocols = selectors.protocols_for_organization(organization=organization)
        return render(request, "treatment/protocol_choose.html", {"protocols": protocols})
    protocol = selectors.protocol_get(organization=organization, protocol_id=protocol_id)
    form = ProtocolForm(request.POST or None, instance=protocol)
    if request.method == "POST" and form.is_valid():
        protocol.refresh_from_db()
        changed = services.protocol_update(
            protocol=protocol, actor=user_of(request), data=form.protocol_data(), request=request
        )
        if changed:
            messages.success(
                request,
                _("Protocol saved. Signed plans keep the version they were signed with."),
            )
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("treatment:protocol_list")
    return render(request, "treatment/protocol_form.html", {"form": form, "protocol": protocol})


@require_capability("protocols.edit")
def settings_edit(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    current = selectors.dosing_settings(organization=organization)
    form = DosingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.settings_data()
        changed = services.dosing_settings_update(
            organization=organization, actor=user_of(request), data=data, request=request
        )
        messages.success(
            request, _("Dosing settings saved.") if changed else _("Nothing was changed.")
        )
        return redirect("treatment:protocol_list")
    return render(request, "treatment/settings_form.html", {"form": form})


# --- treatment plans ---------------------------------------------------------------------


@require_capability("treatment.view")
def plan_list(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    # Posted, not a query string, so no patient name or date of birth sits in a URL.
    form = PatientPickForm(request.POST or None)
    matches: list[Patient] = []
    text = ""
    if form.is_valid():
        text = form.cleaned_data["q"] or ""
    if text:
        query, qs = patient_selectors.patient_search(organization=organization, text=text)
        matches = list(qs[:LIST_LIMIT])
        audit_record(
            action=AuditEvent.Action.SEARCH,
            request=request,
            object_type="patient",
            detail={"query": text, "kind": query.kind, "results": len(matches), "via": "plans"},
        )
    drafts = selectors.plan_drafts_for_organization(organization=organization)[:LIST_LIMIT]
    signed = selectors.signed_plans_for_organization(organization=organization)[:LIST_LIMIT]
    return render(
        request,
        "treatment/plan_list.html",
        {"form": form, "matches": matches, "q": text, "drafts": drafts, "signed": signed},
    )


def _planned_schedule(version: TreatmentPlanVersion, tz: Any) -> list[dt.datetime]:
    offsets = regimens.planned_session_offsets_days(
        version.planned_sessions, float(version.sessions_per_week)
    )
    start = dt.datetime.combine(version.planned_start_date, dt.time(PLANNED_SESSION_HOUR), tz)
    return [start + dt.timedelta(days=d) for d in offsets]


def _plan_checks(version: TreatmentPlanVersion, tz: Any) -> dict[str, Any]:
    """Return the planned schedule, planned exposure and frequency findings of a version."""
    snapshot = version.protocol_snapshot
    times = _planned_schedule(version, tz)
    dose_mg = float(version.session_dose_mg)
    doses = [(t, dose_mg) for t in times]
    findings = exposure.frequency_findings(
        times,
        min_interval_h=float(snapshot.get("min_interval_h") or 0),
        max_sessions_per_7_days=int(snapshot.get("max_sessions_per_7_days") or 7),
    )
    alerts = [f.message for f in findings]
    course_max_days = snapshot.get("course_max_days")
    if course_max_days and times and (times[-1].date() - times[0].date()).days > course_max_days:
        alerts.append(
            _("The planned sessions span %(days)s days; the protocol keeps them within %(max)s.")
            % {"days": (times[-1].date() - times[0].date()).days, "max": course_max_days}
        )
    return {
        "schedule": [(i + 1, t, dose_mg) for i, t in enumerate(times)],
        "peak": exposure.peak_exposure(doses),
        "course_total_mg": dose_mg * len(times),
        "frequency_alerts": alerts,
    }


def _titration_hint(version: TreatmentPlanVersion) -> dict[str, Any] | None:
    snapshot = version.protocol_snapshot
    if version.dose_mg_per_kg is None or not snapshot.get("titration_steps_mg_per_kg"):
        return None
    try:
        steps = parse_titration_steps(snapshot["titration_steps_mg_per_kg"])
    except ValueError:
        return None
    ceiling = snapshot.get("max_dose_mg_per_kg")
    step = regimens.next_titration_step(
        [float(s) for s in steps],
        float(version.dose_mg_per_kg),
        float(ceiling) if ceiling is not None else None,
    )
    return {"next_mg_per_kg": step, "ceiling": ceiling, "rule": snapshot.get("titration_rule")}


@require_capability("treatment.view")
def plan_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    versions = selectors.plan_versions(patient=patient)
    shown: TreatmentPlanVersion | None = None
    wanted = request.GET.get("version", "")
    if wanted:
        shown = next((v for v in versions if str(v.number) == wanted), None)
        if shown is None:
            raise Http404("No such plan version.")
    else:
        shown = next((v for v in versions if v.is_signed), None) or (
            versions[0] if versions else None
        )
    draft = next((v for v in versions if not v.is_signed), None)
    current = next((v for v in versions if v.is_signed), None)
    audit_record(
        action=AuditEvent.Action.VIEW,
        request=request,
        object_type="treatment_plan",
        object_id=shown.pk if shown else "",
        patient=patient,
        detail={"version": shown.number if shown else None},
    )
    context: dict[str, Any] = {
        "patient": patient,
        "versions": versions,
        "shown": shown,
        "draft": draft,
        "current": current,
        "can_draft": can(user_of(request), "treatment.draft"),
        "can_sign": can(user_of(request), "treatment.sign"),
    }
    if shown is None:
        if context["can_draft"]:
            context["protocols"] = selectors.protocols_for_organization(
                organization=organization_of(request), active_only=True
            )
        return render(request, "treatment/plan_detail.html", context)
    settings = selectors.dosing_settings(organization=organization_of(request))
    context.update(_version_context(shown, patient=patient, settings=settings))
    return render(request, "treatment/plan_detail.html", context)


def _version_context(
    version: TreatmentPlanVersion, *, patient: Patient, settings: DosingSettings
) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    try:
        result = services.plan_session_calculate(
            patient=patient, protocol=version.protocol, values=version, settings=settings
        )
    except dosing.InvalidDoseInput as exc:
        result, error = None, exc.message
    else:
        error = ""
    curve = None
    if result is not None and not result.is_stopped:
        curve = _pk_curve(result, settings=settings, age_years=patient.age_years())
    hash_ok = None
    if version.is_signed:
        hash_ok = services.plan_content_sha256(version) == version.content_sha256
    return {
        "result": result,
        "calc_error": error,
        "curve": curve,
        "checks": _plan_checks(version, tz),
        "titration": _titration_hint(version),
        "snapshot": version.protocol_snapshot,
        "hash_ok": hash_ok,
    }


def _plain(initial: dict[str, Any]) -> dict[str, Any]:
    """Show Decimal("0.500") as 0.5 and Decimal("3.00") as 3 in form fields."""
    return {
        k: (Decimal(format(v.normalize(), "f")) if isinstance(v, Decimal) else v)
        for k, v in initial.items()
    }


def _initial_from_protocol(protocol: Protocol) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "protocol": protocol.pk,
        "indication": protocol.indication,
        "phase": protocol.phase,
        "planned_sessions": protocol.session_count,
        "sessions_per_week": protocol.sessions_per_week,
        "duration_min": protocol.duration_min,
        "weight_basis": "actual",
        "planned_start_date": timezone.localdate(),
    }
    for name in Protocol.DOSE_FIELDS:
        initial[name] = getattr(protocol, name)
    if protocol.route == "iv":
        initial.update({"vial_mg_per_ml": "10", "bag_volume_ml": Decimal("100")})
    elif protocol.route == "im":
        initial["vial_mg_per_ml"] = "50"
    return initial


def _initial_from_version(version: TreatmentPlanVersion) -> dict[str, Any]:
    names = [n for n in services.PLAN_INPUT_FIELDS if n != "protocol"]
    initial = {name: getattr(version, name) for name in names}
    initial["protocol"] = version.protocol_id
    if version.vial_mg_per_ml is not None:
        initial["vial_mg_per_ml"] = str(int(version.vial_mg_per_ml))
    return initial


@require_capability("treatment.draft")
def plan_draft(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    organization = organization_of(request)
    draft = selectors.plan_draft(patient=patient)
    current = selectors.current_plan(patient=patient)
    if request.method == "POST" and request.POST.get("action") == "discard":
        if draft is not None:
            services.plan_draft_discard(version=draft, actor=user_of(request), request=request)
            messages.info(request, _("Draft discarded."))
        return redirect("treatment:plan_detail", patient_id=patient.pk)

    chosen_protocol = None
    protocol_id = request.GET.get("protocol")
    if protocol_id:
        chosen_protocol = selectors.protocol_get(organization=organization, protocol_id=protocol_id)
    if chosen_protocol is not None:
        initial = _initial_from_protocol(chosen_protocol)
        base = draft or current
        if base is not None:
            # Keep the patient's measurements when switching protocol.
            for name in ("weight_kg", "height_cm", "sex", "weight_basis"):
                initial[name] = getattr(base, name)
    elif draft is not None:
        initial = _initial_from_version(draft)
    elif current is not None:
        initial = {**_initial_from_version(current), "rationale": ""}
    else:
        initial = {"planned_start_date": timezone.localdate()}
    form = PlanForm(request.POST or None, patient=patient, initial=_plain(initial))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.plan_draft_save(
                patient=patient, actor=user_of(request), data=form.plan_data(), request=request
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("Draft version %(n)s saved. It is not an order until a physician signs it.")
                % {"n": version.number},
            )
            return redirect("treatment:plan_detail", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(
            action=AuditEvent.Action.VIEW,
            request=request,
            object_type="treatment_plan",
            object_id=draft.pk if draft else "",
            patient=patient,
            detail={"form": "draft"},
        )
    protocols = selectors.protocols_for_organization(organization=organization, active_only=True)
    selected = form["protocol"].value()
    selected_protocol = next((p for p in protocols if str(p.pk) == str(selected)), None)
    return render(
        request,
        "treatment/plan_form.html",
        {
            "form": form,
            "patient": patient,
            "draft": draft,
            "current": current,
            "protocols": protocols,
            "selected_protocol": selected_protocol,
            "result": form.result,
        },
    )


@require_capability("treatment.sign")
def plan_sign(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    draft = selectors.plan_draft(patient=patient)
    form = SignForm(request.POST or None)
    if draft is None:
        audit_record(
            action=AuditEvent.Action.VIEW,
            request=request,
            object_type="treatment_plan",
            patient=patient,
            detail={"form": "sign", "version": None},
        )
        return render(request, "treatment/plan_sign.html", {"patient": patient, "draft": None})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_version_sign(
                version=draft,
                signer=user_of(request),
                password=form.cleaned_data["password"],
                attested=form.cleaned_data["attest"],
                request=request,
            )
        except services.SigningError as exc:
            form.add_error("password" if "password" in str(exc) else None, str(exc))
        else:
            messages.success(
                request,
                _("Version %(n)s signed. It is now the patient's current plan.")
                % {"n": draft.number},
            )
            return redirect("treatment:plan_detail", patient_id=patient.pk)
    if request.method == "GET":
        audit_record(
            action=AuditEvent.Action.VIEW,
            request=request,
            object_type="treatment_plan",
            object_id=draft.pk,
            patient=patient,
            detail={"form": "sign", "version": draft.number},
        )
    settings = selectors.dosing_settings(organization=organization_of(request))
    context = {"patient": patient, "draft": draft, "form": form, "shown": draft}
    context.update(_version_context(draft, patient=patient, settings=settings))
    return render(request, "treatment/plan_sign.html", context)
