"""Forms of the chart settings page: the chairside thresholds (signed) and the REMS form rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from infusionist.infusions.models import ChartSettings, RemsFormRule
from infusionist.infusions.services_settings import CHART_SETTINGS_FIELDS, REMS_RULE_FIELDS
from infusionist.treatment.forms import plain_number_messages
from infusionist.treatment.models import Drug

#: The unit said in the label of a threshold whose model label names none (a score).
SCORE_UNITS = {
    "discharge_aldrete_min": _("points of 10"),
    "discharge_moaas": _("score of 5"),
}


def chart_label(name: str) -> str:
    """Return a threshold's label with its unit: "Alert when SpO2 is below (%)"."""
    field = ChartSettings._meta.get_field(name)
    text = str(field.verbose_name)  # type: ignore[union-attr]
    if name in SCORE_UNITS and "(" not in text:
        text = f"{text} ({SCORE_UNITS[name]})"
    return text[:1].upper() + text[1:]


class ChartSettingsForm(forms.ModelForm):
    """The clinic's chairside thresholds with the physician's signature (password and
    attestation). Each value stands beside its default and source on the page; a value
    outside its range is refused beside its box, with what was typed kept."""

    attested = forms.BooleanField(
        label=_("I have reviewed these thresholds and sign them as the clinic's chart limits."),
        required=False,
    )
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        max_length=200,
    )

    class Meta:
        model = ChartSettings
        fields = list(CHART_SETTINGS_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in CHART_SETTINGS_FIELDS:
            self.fields[name].label = chart_label(name)
            self.fields[name].widget.attrs.setdefault("inputmode", "decimal")
        plain_number_messages(self)

    #: (lower field, higher field, message): pairs of limits that only make sense in order.
    ORDERED = (
        (
            "pre_systolic_max_mmhg",
            "hold_systolic_mmhg",
            "The alert level must be above the highest blood pressure allowed before the dose.",
        ),
        (
            "pre_diastolic_max_mmhg",
            "hold_diastolic_mmhg",
            "The alert level must be above the highest blood pressure allowed before the dose.",
        ),
        (
            "hold_systolic_mmhg",
            "severe_systolic_mmhg",
            "The at-once level must be above the level confirmed on a repeat reading.",
        ),
        (
            "hold_diastolic_mmhg",
            "severe_diastolic_mmhg",
            "The at-once level must be above the level confirmed on a repeat reading.",
        ),
        (
            "heart_rate_min_per_min",
            "heart_rate_max_per_min",
            "The low heart-rate alert must be below the high one.",
        ),
        (
            "hold_confirm_min",
            "hold_confirm_within_min",
            "The repeat window must end after it starts.",
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for low, high, message in self.ORDERED:
            a, b = cleaned.get(low), cleaned.get(high)
            if a is not None and b is not None and not a < b:
                self.add_error(high, message)
        return cleaned

    def settings_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CHART_SETTINGS_FIELDS}


class RemsFormRuleForm(forms.ModelForm):
    """One REMS form rule: the form's name, the drug, when it is owed and within how many days,
    and the sources that say so."""

    drug = forms.ChoiceField(label=_("Drug"), choices=[("", "—"), *Drug.choices])

    class Meta:
        model = RemsFormRule
        fields = list(REMS_RULE_FIELDS)
        labels = {
            "name": _("Form"),
            "when": _("Required"),
            "due_days": _("Due within (days of the session)"),
            "source_keys": _("Sources (keys of the clinical reference, such as [36][46])"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source_keys"].widget.attrs.setdefault("placeholder", "[36][46][47]")
        self.fields["due_days"].widget.attrs.setdefault("inputmode", "numeric")
        plain_number_messages(self)

    def _post_clean(self) -> None:
        # The service checks the rule (ranges, drug, sources, duplicates) with its organization;
        # the form only reads the values.
        return None

    def rule_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in REMS_RULE_FIELDS}
