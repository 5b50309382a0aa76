"""Forms of the consultation and eligibility pages: they parse input; services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.models import User
from infusionist.consultations.models import (
    Consultation,
    EligibilityDecision,
    EligibilitySettings,
)
from infusionist.consultations.services import (
    DECISION_ATTESTATION_TEXT,
    LIMIT_FIELDS,
    approval_problems,
)
from infusionist.lib import eligibility
from infusionist.treatment.forms import plain_number_messages
from infusionist.treatment.models import TEXT_MAX_CHARS


class ScheduleForm(forms.Form):
    physician = forms.TypedChoiceField(label=_("Supervising physician"), coerce=int)
    modality = forms.ChoiceField(
        label=_("How"), choices=Consultation.Modality.choices, widget=forms.RadioSelect
    )
    scheduled_date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    scheduled_time = forms.TimeField(
        label=_("Time (clinic time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, physicians: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["physician"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose a physician"))] + [
            (p.pk, p.display_name) for p in physicians
        ]
        self.physicians = {p.pk: p for p in physicians}

    def scheduled_at(self) -> dt.datetime:
        """Return the chosen date and time as an aware datetime in the clinic's zone."""
        naive = dt.datetime.combine(
            self.cleaned_data["scheduled_date"], self.cleaned_data["scheduled_time"]
        )
        return timezone.make_aware(naive, timezone.get_current_timezone())

    def chosen_physician(self) -> User:
        return self.physicians[self.cleaned_data["physician"]]


class HeldForm(forms.Form):
    notes = forms.CharField(
        label=_("Consultation notes"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    """The physician's decision: outcome, note, one reason per rule needing an override,
    the attestation and the password. ``result`` is the checklist the page shows."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (EligibilityDecision.Outcome.APPROVED, _("Approve treatment")),
            (EligibilityDecision.Outcome.DECLINED, _("Decline")),
            (EligibilityDecision.Outcome.DEFERRED, _("Defer (more information needed)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your reasoning, stored with the signed decision."),
    )
    facts_sha256 = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    attest = forms.BooleanField(label=DECISION_ATTESTATION_TEXT, required=True)
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your own password to sign as yourself."),
    )

    def __init__(
        self, *args: Any, result: eligibility.EligibilityResult | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.result = result
        self.override_checks = list(result.needs_override) if result else []
        for check in self.override_checks:
            self.fields[self.override_field(check.code)] = forms.CharField(
                label=_("Reason for overriding: %(title)s") % {"title": check.title},
                required=False,
                max_length=TEXT_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Needed to approve; stored with the signed decision."),
            )

    @staticmethod
    def override_field(code: str) -> str:
        return f"override_{code}"

    def override_fields(self) -> list[forms.BoundField]:
        return [self[self.override_field(c.code)] for c in self.override_checks]

    def overrides(self) -> dict[str, str]:
        return {
            c.code: self.cleaned_data.get(self.override_field(c.code)) or ""
            for c in self.override_checks
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") != EligibilityDecision.Outcome.APPROVED or self.result is None:
            return data
        problems = approval_problems(self.result, self.overrides())
        for check in self.result.hard_stops:
            self.add_error("outcome", problems.pop(check.code))
        for code, problem in problems.items():
            self.add_error(self.override_field(code), problem)
        return data


class EligibilitySettingsForm(forms.ModelForm):
    """The clinic's eligibility limits with the physician's signature (password and
    attestation). Each value stands beside its documented default and source on the page;
    a value outside its range is refused beside its box, with what was typed kept."""

    attested = forms.BooleanField(
        label=_(
            "I have reviewed these limits and sign them as the clinic's eligibility thresholds."
        ),
        required=False,
    )
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        max_length=200,
    )

    class Meta:
        model = EligibilitySettings
        fields = list(LIMIT_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_number_messages(self)
        for name in LIMIT_FIELDS:
            self.fields[name].widget.attrs.setdefault("inputmode", "decimal")

    def limits_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in LIMIT_FIELDS}
