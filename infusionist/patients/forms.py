from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from infusionist.contact import zip_state_mismatch
from infusionist.formfields import PageNumberField
from infusionist.patients.birth_dates import FORMAT_HELP, DateOfBirthError, date_of_birth_parse
from infusionist.patients.models import Patient
from infusionist.patients.services import (
    EDITABLE_FIELDS,
    MAX_REASON_CHARS,
    not_duplicate_reason_problem,
)


class DateOfBirthField(forms.DateField):
    """A date of birth typed as 1985-04-12, 04/12/1985 or 04/12/85 (never in the future)."""

    default_error_messages = {"invalid": FORMAT_HELP}

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return date_of_birth_parse(str(value))
        except DateOfBirthError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None


class PatientForm(forms.ModelForm):
    """Demographics a front desk collects.

    A patient who may be someone already registered is saved only with the box ticked and a
    reason that says what tells them apart (audited); otherwise the user opens the match.
    """

    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label=_("I have checked the possible matches: this is a different person."),
    )
    not_duplicate_reason = forms.CharField(
        required=False,
        max_length=MAX_REASON_CHARS,
        label=_("What tells them apart (recorded in the audit trail)"),
        help_text=_("For example: different middle name and address on the ID card."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Patient
        fields = list(EDITABLE_FIELDS)
        field_classes = {"date_of_birth": DateOfBirthField}
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "legal_first_name": _("As on the patient's ID and insurance card."),
            "preferred_name": _("What the patient likes to be called, if different."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sex_field = self.fields["sex_at_birth"]
        assert isinstance(sex_field, forms.ChoiceField)
        sex_field.choices = [("", "—"), *Patient.SexAtBirth.choices]
        gender_field = self.fields["gender_identity"]
        assert isinstance(gender_field, forms.ChoiceField)
        gender_field.choices = [("", "—"), *Patient.GenderIdentity.choices]

    def clean_email(self) -> str:
        return self.cleaned_data.get("email", "").strip().lower()

    def patient_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mismatch = zip_state_mismatch(data.get("state") or "", data.get("postal_code") or "")
        if mismatch:
            self.add_error("postal_code", mismatch)
        if data.get("confirm_not_duplicate"):
            problem = not_duplicate_reason_problem(data.get("not_duplicate_reason") or "")
            if problem:
                self.add_error("not_duplicate_reason", problem)
        return data

    def reason_to_record(self) -> str:
        """The reason to record when the user confirms a record despite possible matches."""
        if not self.cleaned_data.get("confirm_not_duplicate"):
            return ""
        return (self.cleaned_data.get("not_duplicate_reason") or "").strip()


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search patients"),
        max_length=100,
        required=False,
        help_text=_("Name, date of birth (YYYY-MM-DD or MM/DD/YYYY), phone or MRN."),
    )


class PatientListState(forms.Form):
    """What the results URL carries: an opaque search key and a page number, never the text."""

    s = forms.CharField(max_length=20, required=False)
    page = PageNumberField(max_value=100000)
