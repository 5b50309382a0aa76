"""Staff pages of consultations and the physician's eligibility review and decision.

One action per URL, ids in the path, actions POST only (``post_only``); each page records
what it showed (``record_view``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_view,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import can
from infusionist.accounts.signing import SigningError
from infusionist.audit.models import AuditEvent
from infusionist.consultations import selectors, services
from infusionist.consultations.forms import (
    DecisionForm,
    EligibilitySettingsForm,
    HeldForm,
    ScheduleForm,
)
from infusionist.consultations.models import EligibilitySettings
from infusionist.patients.models import Patient
from infusionist.patients.selectors import patient_get_for_user
from infusionist.postonly import post_only


def _patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_get_for_user(user=user_of(request), patient_id=patient_id)


# --- consultations -------------------------------------------------------------------------


def _consultations_page(
    request: HttpRequest,
    patient: Patient,
    *,
    held_forms: dict[int, HeldForm] | None = None,
    errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    consultations = selectors.consultations_for_patient(patient=patient)
    held_forms = held_forms or {}
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSULTATION,
        patient=patient,
        detail={"page": "consultations", "shown": [c.pk for c in consultations]},
    )
    rows = [
        {
            "consultation": c,
            "held_form": held_forms.get(c.pk) or HeldForm(prefix=f"c{c.pk}"),
            "errors": (errors or {}).get(c.pk, []),
        }
        for c in consultations
    ]
    return render(
        request,
        "consultations/patient.html",
        {
            "patient": patient,
            "rows": rows,
            "can_schedule": can(user, "consultations.schedule"),
            "can_record": can(user, "consultations.record"),
            "can_review": can(user, "eligibility.view"),
        },
        status=status,
    )


@require_capability("consultations.view")
def patient_consultations(request: HttpRequest, patient_id: int) -> HttpResponse:
    """List the patient's consultations; a physician records one as held here."""
    return _consultations_page(request, _patient(request, patient_id))


@require_capability("consultations.schedule")
def schedule(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Schedule a consultation with a supervising physician (date and time in clinic time)."""
    patient = _patient(request, patient_id)
    physicians = selectors.supervising_physicians(
        organization=organization_of(request), today=timezone.localdate()
    )
    form = ScheduleForm(request.POST or None, physicians=physicians)
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_schedule(
                patient=patient,
                actor=user_of(request),
                physician=form.chosen_physician(),
                modality=form.cleaned_data["modality"],
                scheduled_at=form.scheduled_at(),
                notes=form.cleaned_data["notes"],
                context=context_of(request),
            )
        except ValidationError as exc:
            for name, problems in exc.message_dict.items():
                target = "scheduled_date" if name == "scheduled_at" else name
                for problem in problems:
                    form.add_error(target if target in form.fields else None, problem)
        else:
            messages.success(request, _("Consultation scheduled."))
            return redirect("consultations:patient", patient_id=patient.pk)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CONSULTATION,
        patient=patient,
        detail={"form": "schedule"},
    )
    return render(
        request,
        "consultations/schedule.html",
        {"patient": patient, "form": form, "physicians": physicians},
        status=200 if request.method == "GET" or not form.errors else 422,
    )


def _status_action(
    request: HttpRequest, patient_id: int, consultation_id: int, action: str
) -> HttpResponse:
    patient = _patient(request, patient_id)
    consultation = selectors.consultation_get_for_patient(
        patient=patient, consultation_id=consultation_id
    )
    user, context = user_of(request), context_of(request)
    form = HeldForm(request.POST, prefix=f"c{consultation.pk}")
    try:
        if action == "held":
            if not form.is_valid():
                return _consultations_page(
                    request, patient, held_forms={consultation.pk: form}, status=422
                )
            services.consultation_record_held(
                consultation=consultation,
                actor=user,
                notes=form.cleaned_data["notes"],
                context=context,
            )
            messages.success(request, _("Consultation recorded as held."))
        elif action == "missed":
            services.consultation_mark_missed(
                consultation=consultation, actor=user, context=context
            )
            messages.info(request, _("Consultation marked as missed."))
        else:
            services.consultation_cancel(consultation=consultation, actor=user, context=context)
            messages.info(request, _("Consultation cancelled."))
    except ValidationError as exc:
        return _consultations_page(
            request,
            patient,
            held_forms={consultation.pk: form} if action == "held" else None,
            errors={consultation.pk: exc.messages},
            status=422,
        )
    return redirect("consultations:patient", patient_id=patient.pk)


@post_only
@require_capability("consultations.record")
def record_held(request: HttpRequest, patient_id: int, consultation_id: int) -> HttpResponse:
    """Record a scheduled consultation as held (the physician who held it)."""
    return _status_action(request, patient_id, consultation_id, "held")


@post_only
@require_capability("consultations.schedule")
def mark_missed(request: HttpRequest, patient_id: int, consultation_id: int) -> HttpResponse:
    """Mark a scheduled consultation as missed."""
    return _status_action(request, patient_id, consultation_id, "missed")


@post_only
@require_capability("consultations.schedule")
def cancel(request: HttpRequest, patient_id: int, consultation_id: int) -> HttpResponse:
    """Cancel a scheduled consultation."""
    return _status_action(request, patient_id, consultation_id, "cancel")


# --- eligibility review and decision --------------------------------------------------------


def _review_page(
    request: HttpRequest,
    patient: Patient,
    *,
    review: selectors.EligibilityReview | None = None,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    review = review or selectors.eligibility_review(patient=patient)
    if form is None:
        form = DecisionForm(
            result=review.result,
            initial={"facts_sha256": review.snapshot.facts_sha256 if review.snapshot else ""},
        )
    record_view(
        request,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_REVIEW,
        patient=patient,
        detail={
            "facts_sha256": review.snapshot.facts_sha256 if review.snapshot else None,
            "decision": review.status.decision.version if review.status.decision else None,
        },
    )
    settings_row = review.settings_row
    limit_rows = []
    for name in services.LIMIT_FIELDS:
        field = settings_row._meta.get_field(name)
        assert isinstance(field, Field)
        limit_rows.append(
            {
                "label": field.verbose_name,
                "value": getattr(settings_row, name),
                "help": field.help_text,
            }
        )
    return render(
        request,
        "consultations/review.html",
        {
            "patient": patient,
            "review": review,
            "limit_rows": limit_rows,
            "clear_count": (
                len(review.result.checks) - len(review.result.findings) if review.result else 0
            ),
            "form": form,
            "can_decide": can(user_of(request), "eligibility.decide"),
        },
        status=status,
    )


@require_capability("eligibility.view")
def review(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The physician's review: the eligibility checklist, the intake's state and the form to
    sign a decision."""
    return _review_page(request, _patient(request, patient_id))


def _sign_error_field(message: str) -> str | None:
    if "password" in message:
        return "password"
    if "attestation" in message:
        return "attest"
    if message.startswith("The note"):
        return "note"
    return None


@post_only
@require_capability("eligibility.decide")
def decision_sign(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Sign the next version of the patient's eligibility decision."""
    patient = _patient(request, patient_id)
    review_now = selectors.eligibility_review(patient=patient)
    form = DecisionForm(request.POST, result=review_now.result)
    if form.is_valid():
        try:
            decision = services.eligibility_decision_sign(
                patient=patient,
                signer=user_of(request),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                overrides=form.overrides(),
                password=form.cleaned_data["password"],
                attested=form.cleaned_data["attest"],
                reviewed_facts_sha256=form.cleaned_data["facts_sha256"] or None,
                context=context_of(request),
            )
        except SigningError as exc:
            form.add_error(_sign_error_field(str(exc)), str(exc))
        else:
            messages.success(
                request,
                _("Decision version %(n)s signed: %(outcome)s.")
                % {"n": decision.version, "outcome": decision.get_outcome_display().lower()},
            )
            return redirect("consultations:decisions", patient_id=patient.pk)
    return _review_page(request, patient, review=review_now, form=form, status=422)


@require_capability("eligibility.view")
def decisions(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Every signed version of the patient's eligibility decision, newest first."""
    patient = _patient(request, patient_id)
    versions = selectors.decisions_for_patient(patient=patient)
    status = selectors.eligibility_status(patient=patient)
    record_view(
        request,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_DECISION,
        patient=patient,
        detail={"versions": [d.version for d in versions]},
    )
    return render(
        request,
        "consultations/decisions.html",
        {"patient": patient, "versions": versions, "status": status},
    )


# --- the clinic's eligibility limits ----------------------------------------------------


def _limit_default(name: str) -> object:
    """Return the documented default of one of the clinic's eligibility limits."""
    field = EligibilitySettings._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_default()


@require_capability("protocols.view")
def limits(request: HttpRequest) -> HttpResponse:
    """Show the clinic's eligibility limits, each beside its documented default and source;
    a physician changes them by signing with their password (docs/decisions/0007)."""
    user = user_of(request)
    organization = organization_of(request)
    stored = selectors.eligibility_settings_for(organization=organization)
    may_sign = can(user, "protocols.sign")
    form = EligibilitySettingsForm(
        request.POST if request.method == "POST" and may_sign else None,
        instance=selectors.eligibility_settings_for(organization=organization),
    )
    status = 200
    if request.method == "POST":
        if not may_sign:
            raise PermissionDenied("Only a physician signs the eligibility limits.")
        if form.is_valid():
            try:
                changed = services.eligibility_settings_update(
                    organization=organization,
                    signer=user,
                    data=form.limits_data(),
                    password=form.cleaned_data["password"],
                    attested=form.cleaned_data["attested"],
                    context=context_of(request),
                )
            except SigningError as exc:
                form.add_error("password", str(exc))
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                if changed:
                    messages.success(request, _("Signed: the new eligibility limits apply now."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("consultations:limits")
        status = 422
    record_view(
        request,
        object_type=AuditEvent.ObjectType.ELIGIBILITY_SETTINGS,
        object_id=organization.pk,
        detail={"page": "eligibility limits"},
    )
    rows = [
        {
            "field": form[name],
            "in_use": getattr(stored, name),
            "default": _limit_default(name),
        }
        for name in services.LIMIT_FIELDS
    ]
    return render(
        request,
        "consultations/limits.html",
        {"form": form, "rows": rows, "may_sign": may_sign, "stored": stored},
        status=status,
    )
