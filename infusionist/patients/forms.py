from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.patients.models import Patient
from infusionist.patients.services import EDITABLE_FIELDS

_PHONE = re.compile(r"^[0-9 ()+.\-]{7,30}$")
MAX_AGE_YEARS = 120


class PatientForm(forms.ModelForm):
    """Demographics a front desk collects; duplicates must be confirmed before saving."""

    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label=_("I have checked the possible matches: this is a different person."),
    )

    class Meta:
        model = Patient
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }
        help_texts = {
            "legal_first_name": _("As on the patient's ID and insurance card."),
            "preferred_name": _("What the patient likes to be called, if different."),
            "phone": _("Digits, spaces, dashes or brackets, e.g. (541) 555-0142."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dob_field = self.fields["date_of_birth"]
        sex_field = self.fields["sex_at_birth"]
        assert isinstance(dob_field, forms.DateField)
        assert isinstance(sex_field, forms.ChoiceField)
        dob_field.input_formats = ["%Y-%m-%d", "%m/%d/%Y"]
        sex_field.choices = [("", "—"), *Patient.SexAtBirth.choices]

    def clean_date_of_birth(self) -> dt.date:
        dob: dt.date = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError(_("Date of birth cannot be in the future."))
        if today.year - dob.year > MAX_AGE_YEARS:
            raise forms.ValidationError(
                _("Date of birth is more than %(years)s years ago: check the year."),
                params={"years": MAX_AGE_YEARS},
            )
        return dob

    def _clean_phone(self, name: str) -> str:
        value: str = self.cleaned_data.get(name, "").strip()
        if value and not _PHONE.match(value):
            raise forms.ValidationError(
                _("Enter a phone number with digits, spaces, dashes or brackets only.")
            )
        if value and len(re.sub(r"\D", "", value)) < 7:
            raise forms.ValidationError(_("A phone number needs at least 7 digits."))
        return value

    def clean_phone(self) -> str:
        return self._clean_phone("phone")

    def clean_emergency_contact_phone(self) -> str:
        return self._clean_phone("emergency_contact_phone")

    def clean_email(self) -> str:
        return self.cleaned_data.get("email", "").strip().lower()

    def patient_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


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
    page = forms.IntegerField(min_value=1, max_value=100000, required=False)
