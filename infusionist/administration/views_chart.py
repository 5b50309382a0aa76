"""The chart settings page: the clinic's chairside thresholds and its REMS form rules.

The thresholds are the infusions app's (``ChartSettings``): every staff member with
``chart.settings`` reads each value beside its documented default and source; only a
physician changes them, signing with their password (``infusions.services_settings``,
docs/decisions/0007). The REMS form rules (which programme forms a session leaves owed, and
within how many days) are listed, added, edited and retired on the same page by the
physician or the clinic admin. Every change is audited with its old and new values.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infusionist.accounts.access import (
    context_of,
    organization_of,
    record_view,
    require_capability,
    user_of,
)
from infusionist.accounts.roles import can
from infusionist.accounts.signing import SigningError
from infusionist.administration.forms_chart import ChartSettingsForm, RemsFormRuleForm
from infusionist.audit.models import AuditEvent
from infusionist.clinics.models import Organization
from infusionist.infusions import selectors
from infusionist.infusions import services_settings as services
from infusionist.infusions.models import ChartSettings, RemsFormRule
from infusionist.postonly import post_only
from infusionist.treatment.models import Drug
from infusionist.treatment.views import form_errors

#: The page's groups of thresholds, in the order the nurse meets them. A threshold added to
#: the model and not named here is shown under "Other chart limits".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Before the dose",
        (
            "pre_systolic_max_mmhg",
            "pre_diastolic_max_mmhg",
            "weight_change_max_pct",
            "questionnaire_window_hours",
            "fasting_food_min",
            "fasting_liquids_min",
            "esketamine_fasting_food_min",
            "esketamine_fasting_liquids_min",
            "start_rate_tolerance_pct",
            "stopped_early_below_pct",
        ),
    ),
    (
        "Alerts during and after the infusion",
        (
            "hold_systolic_mmhg",
            "hold_diastolic_mmhg",
            "hold_confirm_min",
            "hold_confirm_within_min",
            "severe_systolic_mmhg",
            "severe_diastolic_mmhg",
            "spo2_min_pct",
            "heart_rate_max_per_min",
            "heart_rate_sustained_min",
            "heart_rate_min_per_min",
            "respiratory_rate_min_per_min",
        ),
    ),
    ("How often vitals are taken", ("vitals_during_min", "vitals_after_min")),
    ("Discharge", ("discharge_aldrete_min", "discharge_bp_within_pct", "discharge_moaas")),
)
GROUP_HEADINGS = {
    "Before the dose": gettext_lazy("Before the dose"),
    "Alerts during and after the infusion": gettext_lazy("Alerts during and after the infusion"),
    "How often vitals are taken": gettext_lazy("How often vitals are taken"),
    "Discharge": gettext_lazy("Discharge"),
    "Other chart limits": gettext_lazy("Other chart limits"),
}


def _default(name: str) -> object:
    field = ChartSettings._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_default()


def _groups(form: ChartSettingsForm, stored: ChartSettings) -> list[dict[str, object]]:
    named = {name for _heading, names in GROUPS for name in names}
    others = tuple(n for n in services.CHART_SETTINGS_FIELDS if n not in named)
    groups = []
    for heading, names in (*GROUPS, ("Other chart limits", others)):
        rows = [
            {
                "field": form[name],
                "in_use": getattr(stored, name),
                "default": _default(name),
                "source": ChartSettings.SOURCES[name],
                "unsourced": "[?]" in ChartSettings.SOURCES[name],
            }
            for name in names
            if name in services.CHART_SETTINGS_FIELDS
        ]
        if rows:
            groups.append({"heading": GROUP_HEADINGS[heading], "rows": rows})
    return groups


def _rules_context(organization: Organization) -> dict[str, object]:
    services.rems_rules_ensure(organization=organization)
    rules = selectors.rems_rules_all(organization=organization)
    drugs = dict(Drug.choices)
    for rule in rules:
        rule.drug_label = drugs.get(rule.drug, rule.drug)  # type: ignore[attr-defined]
    return {"rules": rules}


@require_capability("chart.settings")
def chart_settings(request: HttpRequest) -> HttpResponse:
    """Show the chart thresholds (read-only unless a physician) and the REMS form rules; a
    physician's post signs new thresholds with their password."""
    user = user_of(request)
    organization = organization_of(request)
    stored = selectors.chart_settings_for(organization=organization)
    may_sign = can(user, services.SIGN_CAPABILITY)
    if request.method == "POST" and not may_sign:
        raise PermissionDenied("Only a physician signs the chart settings.")
    # The form fills its own copy with what was typed; the page shows the stored values too.
    form = ChartSettingsForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(stored)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.chart_settings_update(
                    organization=organization,
                    signer=user,
                    data=form.settings_data(),
                    password=form.cleaned_data["password"],
                    attested=form.cleaned_data["attested"],
                    context=context_of(request),
                )
            except SigningError as exc:
                form.add_error("password", str(exc))
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                if changed:
                    messages.success(request, _("Signed: the new chart settings apply now."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("administration:chart_settings")
        status = 422
    record_view(
        request,
        object_type=AuditEvent.ObjectType.CHART_SETTINGS,
        object_id=organization.pk,
        detail={"page": "chart settings"},
    )
    return render(
        request,
        "administration/chart_settings.html",
        {
            "form": form,
            "groups": _groups(form, stored),
            "may_sign": may_sign,
            "may_change_rules": can(user, "chart.rems_rules"),
            "stored": stored,
            **_rules_context(organization),
        },
        status=status,
    )


# --- REMS form rules ------------------------------------------------------------------------


def _rule(request: HttpRequest, rule_id: int) -> RemsFormRule:
    rule = RemsFormRule.objects.filter(organization=organization_of(request), pk=rule_id).first()
    if rule is None:
        raise Http404("No such REMS form rule in this clinic.")
    return rule


def _rule_form_page(
    request: HttpRequest, form: RemsFormRuleForm, rule: RemsFormRule | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "administration/rems_rule_form.html",
        {"form": form, "rule": rule},
        status=status,
    )


@require_capability("chart.rems_rules")
def rems_rule_create(request: HttpRequest) -> HttpResponse:
    """Add a REMS form rule."""
    form = RemsFormRuleForm(request.POST or None, initial={"due_days": 7})
    if request.method == "POST":
        if form.is_valid():
            try:
                rule = services.rems_rule_create(
                    organization=organization_of(request),
                    actor=user_of(request),
                    data=form.rule_data(),
                    context=context_of(request),
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Added: %(name)s.") % {"name": rule.name})
                return redirect(reverse("administration:chart_settings") + "#rems-rules")
        return _rule_form_page(request, form, None, status=422)
    return _rule_form_page(request, form, None)


@require_capability("chart.rems_rules")
def rems_rule_edit(request: HttpRequest, rems_rule_id: int) -> HttpResponse:
    """Change a REMS form rule (forms already owed keep the due date they were given)."""
    rule = _rule(request, rems_rule_id)
    form = RemsFormRuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.rems_rule_update(
                    rule=rule,
                    actor=user_of(request),
                    data=form.rule_data(),
                    context=context_of(request),
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                if changed:
                    name = form.cleaned_data["name"]
                    messages.success(request, _("Saved: %(name)s.") % {"name": name})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(reverse("administration:chart_settings") + "#rems-rules")
        return _rule_form_page(request, form, rule, status=422)
    return _rule_form_page(request, form, rule)


def _set_active(request: HttpRequest, rems_rule_id: int, *, active: bool) -> HttpResponse:
    rule = _rule(request, rems_rule_id)
    services.rems_rule_set_active(
        rule=rule, actor=user_of(request), active=active, context=context_of(request)
    )
    if active:
        messages.success(request, _("Back in use: %(name)s.") % {"name": rule.name})
    else:
        messages.success(
            request,
            _("Retired: %(name)s. Sessions no longer ask for it; forms already owed stay owed.")
            % {"name": rule.name},
        )
    return redirect(reverse("administration:chart_settings") + "#rems-rules")


def _rules_page(request: HttpRequest, rems_rule_id: int) -> str:
    return reverse("administration:chart_settings")


@post_only(form_page=_rules_page)
@require_capability("chart.rems_rules")
def rems_rule_retire(request: HttpRequest, rems_rule_id: int) -> HttpResponse:
    """Retire a REMS form rule: sessions no longer ask for its form."""
    return _set_active(request, rems_rule_id, active=False)


@post_only(form_page=_rules_page)
@require_capability("chart.rems_rules")
def rems_rule_reinstate(request: HttpRequest, rems_rule_id: int) -> HttpResponse:
    """Put a retired REMS form rule back in use."""
    return _set_active(request, rems_rule_id, active=True)
