"""The Spravato REMS Patient Monitoring Form's data, and its submission [36][46][47]."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]
DOSES = [("", "—"), ("56", "56 mg"), ("84", "84 mg"), ("other", _("Other"))]


def _bp(label: str | _StrPromise) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=50, max_value=260)


def _dia(label: str | _StrPromise) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=20, max_value=180)


class RemsMonitoringForm(forms.Form):
    """What the Patient Monitoring Form records after one outpatient session [36]."""

    sedating_drugs = forms.CharField(
        label=_("Sedating medicines the patient takes"),
        max_length=500,
        help_text=_("From the intake's medicines; write “None” if none."),
    )
    bp_drugs = forms.CharField(
        label=_("Medicines that can raise blood pressure"),
        max_length=500,
        help_text=_("Psychostimulants, MAOIs [27][36]; write “None” if none."),
    )
    dose_choice = forms.ChoiceField(label=_("Dose given"), choices=DOSES)
    dose_other_mg = forms.DecimalField(
        label=_("Other dose (mg)"),
        required=False,
        min_value=Decimal("28"),
        max_value=Decimal("84"),
        decimal_places=0,
        help_text=_("Only for a dose other than 56 or 84 mg (28 mg per device [18])."),
    )
    lot_number = forms.CharField(label=_("Lot number"), max_length=40)
    monitoring_min = forms.IntegerField(
        label=_("Minutes from the first device to the end of monitoring (min)"),
        min_value=0,
        max_value=720,
    )
    could_leave_at = forms.TimeField(
        label=_("Time the patient could have left"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    vitals_ok_before = forms.ChoiceField(
        label=_("Vital signs acceptable before the dose"), choices=YES_NO
    )
    vitals_ok_after = forms.ChoiceField(
        label=_("Vital signs acceptable after the dose"), choices=YES_NO
    )
    bp_before_systolic = _bp(_("Before the dose: systolic (mmHg)"))
    bp_before_diastolic = _dia(_("Before the dose: diastolic (mmHg)"))
    bp_40_systolic = _bp(_("About 40 min after: systolic (mmHg)"))
    bp_40_diastolic = _dia(_("About 40 min after: diastolic (mmHg)"))
    bp_leaving_systolic = _bp(_("Before leaving: systolic (mmHg)"))
    bp_leaving_diastolic = _dia(_("Before leaving: diastolic (mmHg)"))
    sedation = forms.ChoiceField(label=_("Sedation (MOAA/S below 5)"), choices=YES_NO)
    sedation_moaas_lowest = forms.IntegerField(
        label=_("Lowest MOAA/S (0–5)"), min_value=0, max_value=5, required=False
    )
    dissociation = forms.ChoiceField(label=_("Dissociation (CADSS)"), choices=YES_NO)
    dissociation_cadss_highest = forms.IntegerField(
        label=_("Highest CADSS total (0–92)"), min_value=0, max_value=92, required=False
    )
    respiratory_depression = forms.ChoiceField(label=_("Respiratory depression"), choices=YES_NO)
    adverse_events = forms.CharField(
        label=_("Adverse events"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Write “None” if none."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dose_choice") == "other" and data.get("dose_other_mg") is None:
            self.add_error("dose_other_mg", _("Enter the dose in mg (a multiple of 28)."))
        if data.get("dose_choice") in ("56", "84") and data.get("dose_other_mg") is not None:
            self.add_error("dose_other_mg", _("Leave this empty: the dose is 56 or 84 mg."))
        other = data.get("dose_other_mg")
        if other is not None and other % 28:
            self.add_error("dose_other_mg", _("A dose is whole 28 mg devices: 28, 56 or 84 mg."))
        for stage in ("before", "40", "leaving"):
            systolic = data.get(f"bp_{stage}_systolic")
            diastolic = data.get(f"bp_{stage}_diastolic")
            if systolic is not None and diastolic is not None and diastolic >= systolic:
                self.add_error(
                    f"bp_{stage}_diastolic",
                    _("The diastolic must be below the systolic: check the two numbers."),
                )
        return data

    def stored(self) -> dict[str, Any]:
        """Return the cleaned values as JSON-ready values (times "HH:MM", mg as text)."""
        values: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, dt.time):
                values[name] = value.strftime("%H:%M")
            elif isinstance(value, Decimal):
                values[name] = str(value.normalize())
            else:
                values[name] = value
        return values


class RemsSubmitForm(forms.Form):
    """When the form went to the REMS and its confirmation (or fax) reference."""

    submitted_on = forms.DateField(
        label=_("Submitted on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmation = forms.CharField(
        label=_("Confirmation or fax reference"),
        max_length=80,
        help_text=_("The confirmation number the REMS gave, or the fax transmission reference."),
    )
