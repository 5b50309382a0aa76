from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from infusionist.lib import dosing
from infusionist.treatment import calculations, services
from infusionist.treatment.models import (
    DosingSettings,
    Indication,
    Phase,
    Protocol,
    Sex,
    WeightBasis,
)
from infusionist.treatment.validation import check_dose_shape

VIAL_CHOICES = [("10", "10 mg/mL"), ("50", "50 mg/mL"), ("100", "100 mg/mL")]
VIAL_HELP = _("Read the vial label: 35 mg is 3.5 mL of 10 mg/mL but 0.35 mL of 100 mg/mL.")


def _decimal(
    label: Any,
    *,
    places: int,
    digits: int,
    min_value: str,
    max_value: str,
    required: bool = False,
    help_text: Any = "",
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=digits,
        decimal_places=places,
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class _DoseInputsMixin(forms.Form):
    """Inputs the dose calculator and the plan form share; units are in every label."""

    weight_kg = _decimal(
        _("Weight (kg)"), places=1, digits=5, min_value="1", max_value="500", required=True
    )
    height_cm = _decimal(
        _("Height (cm)"),
        places=1,
        digits=5,
        min_value="30",
        max_value="300",
        help_text=_("Needed for ideal or adjusted weight."),
    )
    sex = forms.ChoiceField(
        label=_("Sex (for the weight formulas)"),
        choices=[("", "—"), *Sex.choices],
        required=False,
    )
    weight_basis = forms.ChoiceField(
        label=_("Dose on"), choices=WeightBasis.choices, initial=WeightBasis.ACTUAL
    )
    dose_mg_per_kg = _decimal(
        _("Dose (mg/kg)"), places=3, digits=6, min_value="0.001", max_value="100"
    )
    dose_mg = _decimal(_("Dose (mg)"), places=2, digits=7, min_value="0.01", max_value="10000")
    dose_mg_per_kg_per_h = _decimal(
        _("Dose rate (mg/kg/h)"), places=3, digits=6, min_value="0.001", max_value="100"
    )
    dose_mg_per_h = _decimal(
        _("Dose rate (mg/h)"), places=2, digits=7, min_value="0.01", max_value="10000"
    )
    duration_min = forms.IntegerField(
        label=_("Duration (min)"), required=False, min_value=1, max_value=10080
    )
    vial_mg_per_ml = forms.TypedChoiceField(
        label=_("Vial strength"),
        choices=VIAL_CHOICES,
        coerce=Decimal,
        empty_value=None,
        initial="10",
        help_text=VIAL_HELP,
        required=False,
    )
    bag_volume_ml = _decimal(
        _("Diluent bag (mL)"),
        places=1,
        digits=6,
        min_value="0",
        max_value="5000",
        help_text=_("Volume before the drug is added; 0 for a neat syringe."),
    )
    withdraw_equal_volume = forms.BooleanField(
        label=_("Withdraw an equal volume from the bag first"), required=False
    )

    dose_fields = ("dose_mg_per_kg", "dose_mg", "dose_mg_per_kg_per_h", "dose_mg_per_h")

    def calculation_inputs(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = (
            "weight_kg",
            "height_cm",
            "sex",
            "weight_basis",
            *self.dose_fields,
            "duration_min",
            "vial_mg_per_ml",
            "bag_volume_ml",
            "withdraw_equal_volume",
        )
        return {name: data.get(name) for name in names}

    def add_dose_error(self, exc: dosing.InvalidDoseInput) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


class CalculatorForm(_DoseInputsMixin):
    """The stand-alone dose calculator (no patient; nothing is stored)."""

    protocol = forms.ModelChoiceField(
        label=_("Protocol limits"),
        queryset=Protocol.objects.none(),
        required=False,
        empty_label=_("Clinic defaults (no protocol)"),
        help_text=_("A protocol's maximum dose and rate apply when one is chosen."),
    )
    age_years = forms.IntegerField(
        label=_("Age (years, for the PK model)"), required=False, min_value=1, max_value=120
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocol_field = cast(forms.ModelChoiceField, self.fields["protocol"])
        protocol_field.queryset = Protocol.objects.filter(
            organization=organization, is_active=True, route="iv"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in self.dose_fields if data.get(name) is not None]
        if len(given) != 1 and not any(name in self.errors for name in self.dose_fields):
            self.add_error(
                "dose_mg_per_kg",
                _("Enter exactly one dose: mg/kg, mg, mg/kg/h or mg/h (%(n)s given).")
                % {"n": len(given)},
            )
        for name in ("duration_min", "vial_mg_per_ml", "bag_volume_ml"):
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, _("This field is required for an IV infusion."))
        return data


class PlanForm(_DoseInputsMixin):
    """A treatment plan version: the order, the patient's measurements and the preparation."""

    protocol = forms.ModelChoiceField(label=_("Protocol"), queryset=Protocol.objects.none())
    indication = forms.ChoiceField(label=_("Indication"), choices=Indication.choices)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    planned_start_date = forms.DateField(
        label=_("First session on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
    )
    planned_sessions = forms.IntegerField(label=_("Planned sessions"), min_value=1, max_value=200)
    sessions_per_week = _decimal(
        _("Sessions per week"),
        places=2,
        digits=4,
        min_value="0.1",
        max_value="7",
        required=True,
        help_text=_("3 = thrice weekly, 1 = weekly, 0.5 = every 2 weeks."),
    )
    rationale = forms.CharField(
        label=_("Rationale / what changed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, patient: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        protocol_field = cast(forms.ModelChoiceField, self.fields["protocol"])
        protocol_field.queryset = Protocol.objects.filter(
            organization_id=patient.organization_id, is_active=True
        )
        self.result: calculations.SessionResult | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        protocol = data.get("protocol")
        if protocol is None or self.errors:
            return data
        shape = check_dose_shape(
            _Attrs(data), route=protocol.route, duration_min=data.get("duration_min")
        )
        for field, messages in shape.items():
            for message in messages:
                self.add_error(field, message)
        if protocol.route == "iv":
            for name in ("vial_mg_per_ml", "bag_volume_ml"):
                if data.get(name) is None:
                    self.add_error(name, _("This field is required for an IV infusion."))
        if protocol.route == "im" and data.get("vial_mg_per_ml") is None:
            self.add_error("vial_mg_per_ml", _("Choose the vial strength for an IM dose."))
        if self.errors:
            return data
        try:
            self.result = services.plan_session_calculate(
                patient=self.patient, protocol=protocol, values=data
            )
        except dosing.InvalidDoseInput as exc:
            self.add_dose_error(exc)
            return data
        for stop in self.result.stops:
            self.add_error(None, f"Hard stop — {stop.rule} ({stop.source}): {stop.message}")
        return data

    def plan_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in services.PLAN_INPUT_FIELDS}


class _Attrs:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        return self._data.get(name)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your own password to sign as yourself."),
    )
    attest = forms.BooleanField(label=services.ATTESTATION_TEXT, required=True)


class ProtocolForm(forms.ModelForm):
    class Meta:
        model = Protocol
        fields = list(services.PROTOCOL_EDITABLE_FIELDS)
        widgets = {
            "titration_rule": forms.Textarea(attrs={"rows": 2}),
            "monitoring_requirements": forms.Textarea(attrs={"rows": 3}),
            "schedule_description": forms.Textarea(attrs={"rows": 2}),
        }

    def protocol_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.PROTOCOL_EDITABLE_FIELDS}


class DosingSettingsForm(forms.ModelForm):
    class Meta:
        model = DosingSettings
        fields = list(services.SETTINGS_EDITABLE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            source = DosingSettings.SOURCE_KEYS.get(name, "")
            unsourced = (
                " — no authoritative source; a conservative default" if "?" in source else ""
            )
            field.help_text = f"Source: {source}{unsourced}"

    def settings_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.SETTINGS_EDITABLE_FIELDS}


class PatientPickForm(forms.Form):
    q = forms.CharField(
        label=_("Open a patient's plan"),
        max_length=100,
        required=False,
        help_text=_("Name, date of birth, phone or MRN."),
    )
