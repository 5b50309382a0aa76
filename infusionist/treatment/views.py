from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

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
from infusionist.audit.services import audit_record
from infusionist.lib import dosing, exposure, regimens
from infusionist.patients import selectors as patient_selectors
from infusionist.patients.models import Patient
from infusionist.postonly import post_only
from infusionist.treatment import calculations, charts, selectors, services
from infusionist.treatment.calculations import SessionResult
from infusionist.treatment.forms import (
    CalculatorForm,
    ChangeApproveForm,
    ChangeRejectForm,
    DosingSettingsForm,
    PatientPickForm,
    PlanForm,
    ProtocolForm,
    SignForm,
)
from infusionist.treatment.models import (
    ClinicalChangeProposal,
    DosingSettings,
    Protocol,
    TreatmentPlanVersion,
)

LIST_LIMIT = 50


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_selectors.patient_get_for_user(user=user_of(request), patient_id=patient_id)


def _pk_curve(
    result: SessionResult, *, dosing_settings: DosingSettings, age_years: float | None
) -> charts.PKCurve | None:
    calc = result.infusion
    if calc is None:
        return None
    return charts.pk_curve_for_session(
        model_name=dosing_settings.pk_model,
        weight_kg=calc.actual_weight_kg,
        age_years=age_years,
        dose_mg=calc.dose_mg,
        duration_min=calc.duration_min,
        after_min=float(dosing_settings.pk_curve_after_min),
    )


# --- dose calculator -------------------------------------------------------------------


@require_capability("treatment.calculate")
def calculator(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    dosing_settings = selectors.dosing_settings_for(organization=organization)
    initial = {
        "weight_basis": "actual",
        "vial_mg_per_ml": f"{dosing_settings.usual_vial_mg_per_ml:g}",
        "dose_mg_per_kg": Decimal("0.5"),
        "duration_min": 40,
        "bag_volume_ml": Decimal("100"),
    }
    form = CalculatorForm(request.POST or None, organization=organization, initial=initial)
    result = curve = None
    if request.method == "POST" and form.is_valid():
        protocol = form.cleaned_data.get("protocol")
        previous = form.cleaned_data.get("previous_weight_kg")
        try:
            result = calculations.calculate_session(
                route="iv",
                inputs=form.dose_inputs(),
                limits=calculations.limits_for(dosing_settings=dosing_settings, protocol=protocol),
                protocol=protocol,
                previous_weight_kg=None if previous is None else float(previous),
                weight_confirmed=bool(form.cleaned_data.get("confirm_weight")),
            )
        except dosing.InvalidDoseInput as exc:
            form.add_dose_errors(exc)
        else:
            result.weight_entered_lb = form.weight_entered_lb
            age_stop = calculations.age_stop(
                form.cleaned_data.get("age_years"),
                min_age_years=int(dosing_settings.min_patient_age_years),
            )
            if age_stop is not None:
                result.findings.append(age_stop)
            for stop in result.stops:
                if stop.field in form.fields:
                    form.add_error(stop.field, _("Hard stop: %(m)s") % {"m": stop.message})
            if result.needs_weight_confirmation:
                form.add_error(
                    "confirm_weight",
                    _(
                        "Check the weight and tick this box to confirm it; until then the "
                        "numbers must not be used."
                    ),
                )
            if result.is_usable:
                curve = _pk_curve(
                    result,
                    dosing_settings=dosing_settings,
                    age_years=form.cleaned_data.get("age_years"),
                )
    return render(
        request,
        "treatment/calculator.html",
        {"form": form, "result": result, "curve": curve, "dosing_settings": dosing_settings},
    )


# --- protocols and settings ------------------------------------------------------------


@require_capability("protocols.view")
def protocol_list(request: HttpRequest) -> HttpResponse:
    organization = organization_of(request)
    protocols = list(selectors.protocols_for_organization(organization=organization))
    dosing_settings = selectors.dosing_settings_for(organization=organization)
    setting_rows = [
        (
            getattr(dosing_settings._meta.get_field(name), "verbose_name", name),
            getattr(dosing_settings, name),
            f"{source} {calculations.UNSOURCED}" if "?" in source else source,
        )
        for name, source in DosingSettings.SOURCE_KEYS.items()
    ]
    return render(
        request,
        "treatment/protocol_list.html",
        {
            "protocols": protocols,
            "can_edit": can(user_of(request), "protocols.edit"),
            "can_edit_measurement_settings": can(user_of(request), "measurements.settings"),
            "setting_rows": setting_rows,
            "ceiling_rows": calculations.ceiling_rows(),
            "proposals": selectors.pending_change_proposals(organization=organization),
        },
    )


@post_only
@require_capability("protocols.edit")
def protocols_add_defaults(request: HttpRequest) -> HttpResponse:
    created = services.protocols_create_defaults(
        organization=organization_of(request), actor=user_of(request), context=context_of(request)
    )
    messages.success(
        request,
        ngettext(
            "%(n)s documented default protocol added.",
            "%(n)s documented default protocols added.",
            len(created),
        )
        % {"n": len(created)}
        if created
        else _("Every default protocol is already here."),
    )
    return redirect("treatment:protocol_list")


def proposed_message(request: HttpRequest, proposal: ClinicalChangeProposal | None) -> None:
    """Tell the user which of their changes wait for a physician's signature (if any)."""
    if proposal is not None:
        messages.warning(
            request,
            _(
                "Your change to %(fields)s waits for a physician's signature: clinical limits "
                "change only when a physician signs them."
            )
            % {"fields": ", ".join(row["label"] for row in change_proposal_rows(proposal))},
        )


@require_capability("protocols.edit")
def protocol_edit(request: HttpRequest, protocol_id: int) -> HttpResponse:
    """Edit a protocol: a physician's change applies; a clinic admin's clinical change waits."""
    user = user_of(request)
    protocol = selectors.protocol_get_for_user(user=user, protocol_id=protocol_id)
    needs_signature = not can(user, services.SIGN_CAPABILITY)
    form = ProtocolForm(request.POST or None, instance=protocol, needs_signature=needs_signature)
    if request.method == "POST" and form.is_valid():
        protocol.refresh_from_db()
        try:
            edit = services.clinical_limits_edit(
                target=ClinicalChangeProposal.Target.PROTOCOL,
                organization=organization_of(request),
                actor=user,
                protocol=protocol,
                data=form.protocol_data(),
                reason=form.cleaned_data["change_reason"],
                context=context_of(request),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            proposed_message(request, edit.proposal)
            if edit.changed:
                messages.success(
                    request,
                    _("Protocol saved. Signed plans keep the version they were signed with."),
                )
            elif edit.proposal is None:
                messages.info(request, _("Nothing was changed."))
            return redirect("treatment:protocol_list")
    return render(
        request,
        "treatment/protocol_form.html",
        {
            "form": form,
            "protocol": protocol,
            "needs_signature": needs_signature,
            "proposals": [
                p
                for p in selectors.pending_change_proposals(organization=organization_of(request))
                if p.protocol_id == protocol.pk
            ],
        },
    )


@require_capability("protocols.edit")
def dosing_settings_edit(request: HttpRequest) -> HttpResponse:
    """Edit the dose calculator's guards: clinical ones only with a physician's signature."""
    user = user_of(request)
    organization = organization_of(request)
    current = selectors.dosing_settings_for(organization=organization)
    needs_signature = not can(user, services.SIGN_CAPABILITY)
    form = DosingSettingsForm(
        request.POST or None, instance=current, needs_signature=needs_signature
    )
    if request.method == "POST" and form.is_valid():
        try:
            edit = services.clinical_limits_edit(
                target=ClinicalChangeProposal.Target.DOSING_SETTINGS,
                organization=organization,
                actor=user,
                data=form.dosing_settings_data(),
                reason=form.cleaned_data["change_reason"],
                context=context_of(request),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            proposed_message(request, edit.proposal)
            if edit.changed:
                messages.success(request, _("Dosing settings saved."))
            elif edit.proposal is None:
                messages.info(request, _("Nothing was changed."))
            return redirect("treatment:protocol_list")
    return render(
        request,
        "treatment/dosing_settings_form.html",
        {
            "form": form,
            "needs_signature": needs_signature,
            "proposals": [
                p
                for p in selectors.pending_change_proposals(organization=organization)
                if p.target == ClinicalChangeProposal.Target.DOSING_SETTINGS
            ],
        },
    )


def form_errors(form: Any, exc: ValidationError) -> None:
    """Show a service's ValidationError beside the form's fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- proposed changes to clinical limits ------------------------------------------------


def proposal_value_display(field: Any, value: Any) -> str:
    """Return a proposal's recorded value in one format per field.

    Numbers are read with the field's parser, rounded to its decimal places and written
    without trailing zeros (1.0, 1.000 and 1 all read "1"; 250.0 reads "250"); yes/no
    fields read Yes/No; an empty value reads "—".
    """
    if value in (None, ""):
        return "—"
    try:
        parsed = field.to_python(value)
    except (ValidationError, AttributeError):
        return str(value)
    if isinstance(parsed, bool):
        return str(_("Yes") if parsed else _("No"))
    if isinstance(parsed, (Decimal, float, int)):
        number = Decimal(str(parsed))
        places = getattr(field, "decimal_places", None)
        if places is not None:
            number = number.quantize(Decimal(1).scaleb(-places))
        text = format(number, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(parsed)


def change_proposal_rows(proposal: ClinicalChangeProposal) -> list[dict[str, Any]]:
    """Return each proposed change with its label, old and new value and its source."""
    target = services.CHANGE_TARGETS[proposal.target]
    rows = []
    for name, change in proposal.changes.items():
        field = target.model._meta.get_field(name)
        if proposal.protocol is not None:
            source = _("protocol sources: %(keys)s") % {"keys": proposal.protocol.source_keys}
        else:
            source = target.source_keys.get(name, "")
            if "?" in source:
                source = source.replace("[?]", f"[?] {calculations.UNSOURCED}", 1)
        rows.append(
            {
                "label": str(getattr(field, "verbose_name", name)),
                "before": proposal_value_display(field, change["before"]),
                "after": proposal_value_display(field, change["after"]),
                "source": source,
                "lines": (
                    _line_changes(change["before"], change["after"])
                    if name in LINE_KEYED_SETTINGS
                    else []
                ),
            }
        )
    return rows


#: Settings written one "key: text" line per item (the licensed C-SSRS wording): their
#: proposals show item by item what changes.
LINE_KEYED_SETTINGS = frozenset({"cssrs_licensed_wording"})


def _line_changes(before: object, after: object) -> list[dict[str, str]]:
    """Return the lines of a "key: text" setting as before/after pairs, changed ones marked,
    so the signing physician sees exactly which items change."""
    before = before if isinstance(before, str) else ""
    after = after if isinstance(after, str) else ""

    def keyed(text: str) -> dict[str, str]:
        pairs = (line.partition(":") for line in text.splitlines() if line.strip())
        return {key.strip().lower(): rest.strip() for key, _sep, rest in pairs}

    old, new = keyed(before), keyed(after)
    return [
        {
            "key": key,
            "before": old.get(key, ""),
            "after": new.get(key, ""),
            "changed": "yes" if old.get(key, "") != new.get(key, "") else "",
        }
        for key in dict.fromkeys([*new, *old])
    ]


# Where a proposal's row is edited: the page to go back to once it is decided.
_ROW_PAGES: dict[str, tuple[str, Promise]] = {
    ClinicalChangeProposal.Target.MEASUREMENT_SETTINGS: (
        "administration:measurement_settings",
        _lazy("Back to the measurement settings"),
    ),
}
_PROTOCOLS_PAGE: tuple[str, Promise] = ("treatment:protocol_list", _lazy("Back to the protocols"))


def _proposal_page(
    request: HttpRequest,
    proposal: ClinicalChangeProposal,
    *,
    approve_form: ChangeApproveForm | None = None,
    reject_form: ChangeRejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    back_name, back_label = _ROW_PAGES.get(proposal.target, _PROTOCOLS_PAGE)
    return render(
        request,
        "treatment/change_proposal.html",
        {
            "proposal": proposal,
            "rows": change_proposal_rows(proposal),
            "can_sign": can(user_of(request), services.SIGN_CAPABILITY),
            "approve_form": approve_form or ChangeApproveForm(),
            "reject_form": reject_form or ChangeRejectForm(),
            "back_url": reverse(back_name),
            "back_label": back_label,
        },
        status=status,
    )


def _after_decision(proposal: ClinicalChangeProposal) -> HttpResponse:
    return redirect(_ROW_PAGES.get(proposal.target, _PROTOCOLS_PAGE)[0])


@require_capability("protocols.edit")
def change_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Show a proposed change to clinical limits; a physician signs or rejects it here."""
    proposal = selectors.change_proposal_get_for_user(
        user=user_of(request), proposal_id=proposal_id
    )
    return _proposal_page(request, proposal)


@post_only
@require_capability("protocols.sign")
def change_proposal_approve(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Sign a proposed change with the physician's password; the change then applies."""
    proposal = selectors.change_proposal_get_for_user(
        user=user_of(request), proposal_id=proposal_id
    )
    form = ChangeApproveForm(request.POST)
    if form.is_valid():
        try:
            services.clinical_change_approve(
                proposal=proposal,
                signer=user_of(request),
                password=form.cleaned_data["password"],
                context=context_of(request),
            )
        except services.SigningError as exc:
            form.add_error("password" if "password" in str(exc) else None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Change signed and applied."))
            return _after_decision(proposal)
    return _proposal_page(request, proposal, approve_form=form)


@post_only
@require_capability("protocols.sign")
def change_proposal_reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Reject a proposed change to clinical limits; nothing changes."""
    proposal = selectors.change_proposal_get_for_user(
        user=user_of(request), proposal_id=proposal_id
    )
    form = ChangeRejectForm(request.POST)
    if form.is_valid():
        try:
            services.clinical_change_reject(
                proposal=proposal,
                signer=user_of(request),
                note=form.cleaned_data["note"],
                context=context_of(request),
            )
        except services.SigningError as exc:
            form.add_error(None, str(exc))
        else:
            messages.info(request, _("Change rejected; nothing was changed."))
            return _after_decision(proposal)
    return _proposal_page(request, proposal, reject_form=form)


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
            actor=user_of(request),
            context=context_of(request),
            object_type=AuditEvent.ObjectType.PATIENT,
            detail={"query": text, "kind": query.kind, "results": len(matches), "via": "plans"},
        )
    drafts = list(
        selectors.plan_draft_versions_for_organization(organization=organization)[:LIST_LIMIT]
    )
    signed = list(
        selectors.current_plan_versions_for_organization(organization=organization)[:LIST_LIMIT]
    )
    record_list_view(
        request,
        {
            AuditEvent.ObjectType.TREATMENT_PLAN_VERSION: [v.patient for v in drafts + signed],
            AuditEvent.ObjectType.PATIENT: matches,
        },
        detail={"list": "treatment plans"},
    )
    return render(
        request,
        "treatment/plan_list.html",
        {"form": form, "matches": matches, "q": text, "drafts": drafts, "signed": signed},
    )


def _plan_checks(
    version: TreatmentPlanVersion,
    tz: dt.tzinfo,
    *,
    patient: Patient,
    dosing_settings: DosingSettings,
) -> dict[str, Any]:
    """Return the planned schedule, planned exposure and the rules a version breaks.

    One finding per broken rule (with its rule, source and inputs), however many planned
    sessions break it: ``frequency_findings`` (the protocol's frequency limits) and
    ``rule_findings`` (the patient's age, the indication), each needing an override reason.
    """
    times = calculations.planned_session_times(
        planned_sessions=version.planned_sessions,
        sessions_per_week=version.sessions_per_week,
        start_date=version.planned_start_date,
        tz=tz,
    )
    dose_mg = float(version.session_dose_mg)
    doses = [(t, dose_mg) for t in times]
    return {
        "schedule": [(i + 1, t, dose_mg) for i, t in enumerate(times)],
        "peak": exposure.peak_exposure(doses),
        "course_total_mg": dose_mg * len(times),
        "administered": _administered(version, patient=patient, tz=tz),
        "frequency_findings": services.plan_version_frequency_findings(version),
        "rule_findings": services.plan_rule_findings(
            patient=patient,
            protocol_values=version.protocol_snapshot,
            indication=version.indication,
            dosing_settings=dosing_settings,
        ),
        "patient_age_years": patient.age_years() if patient.date_of_birth else None,
    }


def _administered(
    version: TreatmentPlanVersion, *, patient: Patient, tz: dt.tzinfo
) -> dict[str, Any]:
    """Return the administered exposure beside the planned one (one query).

    ``doses``: every dose the chart reported (when, mg, route); ``total_mg``; ``peak``: the
    largest trailing 7-, 30- and 365-day totals over them (``lib.exposure.peak_exposure``);
    ``sessions_given``: doses given under this version, counted from its first planned
    session or the day it was signed, whichever is earlier (in the clinic's zone), against
    its ``planned_sessions``.
    """
    given = selectors.administered_doses(patient=patient)
    pairs = [(d.given_at, float(d.dose_mg)) for d in given]
    since = version.planned_start_date
    if version.signed_at is not None:
        since = min(since, version.signed_at.astimezone(tz).date())
    in_course = [d for d in given if d.given_at.astimezone(tz).date() >= since]
    return {
        "doses": given,
        "total_mg": float(sum((d.dose_mg for d in given), Decimal("0"))),
        "peak": exposure.peak_exposure(pairs),
        "sessions_given": len(in_course),
        "sessions_planned": version.planned_sessions,
    }


def _titration_hint(version: TreatmentPlanVersion) -> dict[str, Any] | None:
    """Return where the dose stands on the protocol's titration steps, said only when true.

    ``state`` is "next" (a higher step within the ceiling exists), "at_ceiling" (the dose is
    the ceiling, or the highest step within it), "above_ceiling" (the dose is above the
    protocol's ceiling) or "top_step" (no higher step: the dose is at or above the last one).
    """
    snapshot = version.protocol_snapshot
    if version.dose_mg_per_kg is None or not snapshot.get("titration_steps_mg_per_kg"):
        return None
    try:
        parsed = regimens.parse_titration_steps(snapshot["titration_steps_mg_per_kg"])
        steps = [float(s) for s in parsed]
    except ValueError:
        return None
    raw_ceiling = snapshot.get("max_dose_mg_per_kg")
    ceiling = float(raw_ceiling) if raw_ceiling not in (None, "") else None
    dose = float(version.dose_mg_per_kg)
    step = regimens.next_titration_step(steps, dose, ceiling)
    tolerance = 1e-9
    higher = [s for s in steps if s > dose * (1 + tolerance)]
    if step is not None:
        state = "next"
    elif ceiling is not None and dose > ceiling * (1 + tolerance):
        state = "above_ceiling"
    elif ceiling is not None and (abs(dose - ceiling) <= ceiling * tolerance or higher):
        # Equal to the ceiling, or every higher step is above it.
        state = "at_ceiling"
    else:
        state = "top_step"
    return {
        "state": state,
        "next_mg_per_kg": step,
        "ceiling": raw_ceiling,
        "dose": version.dose_mg_per_kg,
        "rule": snapshot.get("titration_rule"),
    }


@require_capability("treatment.view")
def plan_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Show the current signed version (else the newest draft) of the patient's plan."""
    patient = _patient(request, patient_id)
    versions = selectors.plan_versions(patient=patient)
    shown = next((v for v in versions if v.is_signed), None) or (versions[0] if versions else None)
    return _plan_page(request, patient=patient, versions=versions, shown=shown)


@require_capability("treatment.view")
def plan_version_detail(request: HttpRequest, patient_id: int, number: int) -> HttpResponse:
    """Show one numbered version of the patient's plan."""
    patient = _patient(request, patient_id)
    versions = selectors.plan_versions(patient=patient)
    shown = next((v for v in versions if v.number == number), None)
    if shown is None:
        record_view(request, object_type=AuditEvent.ObjectType.TREATMENT_PLAN, patient=patient)
        raise Http404("No such plan version.")
    return _plan_page(request, patient=patient, versions=versions, shown=shown)


def _plan_page(
    request: HttpRequest,
    *,
    patient: Patient,
    versions: list[TreatmentPlanVersion],
    shown: TreatmentPlanVersion | None,
) -> HttpResponse:
    user = user_of(request)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN,
        object_id=shown.pk if shown else "",
        patient=patient,
        detail={"version": shown.number if shown else None},
    )
    context: dict[str, Any] = {
        "patient": patient,
        "versions": versions,
        "shown": shown,
        "draft": next((v for v in versions if not v.is_signed), None),
        "current": next((v for v in versions if v.is_signed), None),
        "can_draft": can(user, "treatment.draft"),
        "can_sign": can(user, "treatment.sign"),
        "open_alerts": selectors.open_safety_alerts(patient=patient),
    }
    if shown is None:
        if context["can_draft"]:
            context["protocols"] = selectors.protocols_for_organization(
                organization=organization_of(request), active_only=True
            )
        return render(request, "treatment/plan_detail.html", context)
    dosing_settings = selectors.dosing_settings_for(organization=organization_of(request))
    context.update(
        _version_context(shown, patient=patient, dosing_settings=dosing_settings, versions=versions)
    )
    return render(request, "treatment/plan_detail.html", context)


def _version_context(
    version: TreatmentPlanVersion,
    *,
    patient: Patient,
    dosing_settings: DosingSettings,
    versions: list[TreatmentPlanVersion],
) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    previous_weight_kg = selectors.last_recorded_weight_kg(versions, before_number=version.number)
    result: SessionResult | None = None
    error = ""
    try:
        result = services.plan_session_calculate(
            patient=patient,
            protocol=version.protocol,
            inputs=version.dose_inputs(),
            dosing_settings=dosing_settings,
            previous_weight_kg=previous_weight_kg,
        )
    except dosing.InvalidDoseInput as exc:
        error = exc.message
    else:
        result.weight_confirmed = services.weight_confirmation_covers(version, result)
    curve = None
    if result is not None and not result.is_stopped:
        curve = _pk_curve(result, dosing_settings=dosing_settings, age_years=patient.age_years())
    hash_ok = None
    if version.is_signed:
        hash_ok = services.plan_version_content_sha256(version) == version.content_sha256
    return {
        "result": result,
        "calc_error": error,
        "curve": curve,
        "checks": _plan_checks(version, tz, patient=patient, dosing_settings=dosing_settings),
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
    for name in dosing.DOSE_FIELDS:
        initial[name] = getattr(protocol, name)
    if protocol.route == "iv":
        initial.update({"vial_mg_per_ml": "10", "bag_volume_ml": Decimal("100")})
    elif protocol.route == "im":
        initial["vial_mg_per_ml"] = "50"
    return initial


def _initial_from_version(version: TreatmentPlanVersion) -> dict[str, Any]:
    initial = {
        name: getattr(version, name)
        for name in PlanForm.base_fields
        if name not in ("protocol", "confirm_weight", "weight_lb")
    }
    initial["protocol"] = version.protocol_id
    if version.vial_mg_per_ml is not None:
        initial["vial_mg_per_ml"] = str(int(version.vial_mg_per_ml))
    return initial


@require_capability("treatment.draft")
def plan_draft(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Write or revise the patient's draft version."""
    return _plan_draft_page(request, patient=_patient(request, patient_id), protocol=None)


@require_capability("treatment.draft")
def plan_draft_from_protocol(
    request: HttpRequest, patient_id: int, protocol_id: int
) -> HttpResponse:
    """Start the draft form filled in from one of the clinic's protocols."""
    patient = _patient(request, patient_id)
    protocol = selectors.protocol_get_for_user(user=user_of(request), protocol_id=protocol_id)
    return _plan_draft_page(request, patient=patient, protocol=protocol)


def _plan_draft_page(
    request: HttpRequest, *, patient: Patient, protocol: Protocol | None
) -> HttpResponse:
    organization = organization_of(request)
    draft = selectors.plan_draft_version(patient=patient)
    current = selectors.current_plan_version(patient=patient)
    if protocol is not None:
        initial = _initial_from_protocol(protocol)
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
    previous_weight_kg = current.weight_kg if current is not None else None
    form = PlanForm(
        request.POST or None,
        patient=patient,
        previous_weight_kg=previous_weight_kg,
        initial=_plain(initial),
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.plan_version_draft_save(
                patient=patient,
                actor=user_of(request),
                spec=form.plan_spec(),
                context=context_of(request),
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
    record_view(
        request,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN,
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
            "previous_weight_kg": previous_weight_kg,
            "open_alerts": selectors.open_safety_alerts(patient=patient),
        },
    )


@post_only
@require_capability("treatment.draft")
def plan_draft_discard(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Discard the patient's unsigned draft version."""
    patient = _patient(request, patient_id)
    draft = selectors.plan_draft_version(patient=patient)
    if draft is not None:
        services.plan_version_draft_discard(
            version=draft, actor=user_of(request), context=context_of(request)
        )
        messages.info(request, _("Draft discarded."))
    else:
        messages.info(request, _("There is no draft to discard."))
    return redirect("treatment:plan_detail", patient_id=patient.pk)


@require_capability("treatment.sign")
def plan_sign(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    versions = selectors.plan_versions(patient=patient)
    draft = next((v for v in versions if not v.is_signed), None)
    open_alerts = selectors.open_safety_alerts(patient=patient)
    form = SignForm(
        request.POST or None,
        weight_kg=draft.weight_kg if draft else None,
        open_alerts=bool(open_alerts),
    )
    if draft is None:
        record_view(
            request,
            object_type=AuditEvent.ObjectType.TREATMENT_PLAN,
            patient=patient,
            detail={"form": "sign", "version": None},
        )
        return render(
            request,
            "treatment/plan_sign.html",
            {"patient": patient, "draft": None, "open_alerts": open_alerts},
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_version_sign(
                version=draft,
                signer=user_of(request),
                password=form.cleaned_data["password"],
                attested=form.cleaned_data["attest"],
                weight_confirmed=form.cleaned_data["confirm_weight"],
                override_reason=form.cleaned_data["override_reason"],
                safety_acknowledged=form.cleaned_data["safety_acknowledged"],
                safety_reason=form.cleaned_data["safety_reason"],
                context=context_of(request),
            )
        except services.SigningError as exc:
            form.add_error(_sign_error_field(str(exc)), str(exc))
        else:
            messages.success(
                request,
                _("Version %(n)s signed. It is now the patient's current plan.")
                % {"n": draft.number},
            )
            return redirect("treatment:plan_detail", patient_id=patient.pk)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.TREATMENT_PLAN,
        object_id=draft.pk,
        patient=patient,
        detail={"form": "sign", "version": draft.number},
    )
    dosing_settings = selectors.dosing_settings_for(organization=organization_of(request))
    context = {
        "patient": patient,
        "draft": draft,
        "form": form,
        "shown": draft,
        "open_alerts": open_alerts,
    }
    context.update(
        _version_context(draft, patient=patient, dosing_settings=dosing_settings, versions=versions)
    )
    return render(request, "treatment/plan_sign.html", context)


def _sign_error_field(message: str) -> str | None:
    """Return the sign form's field a refusal is about (None: the form as a whole)."""
    if "password" in message:
        return "password"
    if message.startswith("Confirm the weight"):
        return "confirm_weight"
    if "reason for the override" in message:
        return "override_reason"
    if "open safety alert" in message:
        return "safety_reason"
    if "first session date" in message:
        return None
    return None
