from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.widgets import Input
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from infusionist.lib import dosing
from infusionist.lib.products import KETALAR_VIALS
from infusionist.treatment import calculations, services
from infusionist.treatment.models import (
    TEXT_MAX_CHARS,
    DosingSettings,
    Indication,
    Phase,
    Protocol,
    Sex,
    WeightBasis,
)

VIAL_CHOICES = [(f"{vial.strength_mg_per_ml:g}", vial.label) for vial in KETALAR_VIALS]
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


def _plain(value: object) -> str:
    """Return a limit as typed: Decimal("9.999000") -> "9.999", 500.0 -> "500"."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format(number.normalize(), "f") if number.is_finite() else str(value)


def _name_and_unit(label: object) -> tuple[str, str]:
    """Split "Dose (mg/kg)" into ("Dose", "mg/kg"); a label without a unit keeps "" as unit."""
    text = str(label).strip()
    found = re.search(r"\s*\(([^()]*)\)", text)
    if found is None:
        return text, ""
    name = (text[: found.start()] + text[found.end() :]).strip()
    return name, found.group(1).strip()


def plain_number_messages(form: forms.BaseForm) -> None:
    """Give every numeric field messages that name it, its unit and its limits.

    "Dose must be at most 100 mg/kg" instead of Django's "Ensure this value is less than or
    equal to 100", and "Weight takes at most 1 decimal place (kg)" instead of "Ensure that
    there are no more than 1 decimal places". A model form's own min/max validators are
    copied to the form field, so a bad value is caught (and named) before the model's.
    """
    model_fields: dict[str, Any] = {}
    meta = getattr(getattr(form, "_meta", None), "model", None)
    if meta is not None:
        model_fields = {f.name: f for f in meta._meta.get_fields() if hasattr(f, "validators")}
    for name, field in form.fields.items():
        if not isinstance(field, forms.DecimalField | forms.IntegerField | forms.FloatField):
            continue
        label, unit = _name_and_unit(field.label or name)
        label = label[:1].upper() + label[1:].replace("%", str(_("percent")))
        if unit == "%":
            unit = str(_("percent"))
        suffix = f" {unit}" if unit else ""
        # The strictest of the form's and the model's bounds, one validator each.
        bounds = [*field.validators, *getattr(model_fields.get(name), "validators", [])]
        lows = [v.limit_value for v in bounds if isinstance(v, MinValueValidator)]
        highs = [v.limit_value for v in bounds if isinstance(v, MaxValueValidator)]
        lowest = max(lows) if lows else None
        highest = min(highs) if highs else None
        field.validators = [
            v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)
        ]
        if lowest is not None:
            field.validators.append(MinValueValidator(lowest))
        if highest is not None:
            field.validators.append(MaxValueValidator(highest))
        places = getattr(field, "decimal_places", None)
        digits = getattr(field, "max_digits", None)
        if highest is None and digits is not None and places is not None:
            highest = Decimal(10) ** (digits - places) - Decimal(10) ** (-places)
        messages = {
            "invalid": _("%(label)s must be %(kind)s%(unit)s, for example %(example)s.")
            % {
                "label": label,
                "kind": (
                    _("a number")
                    if isinstance(field, forms.DecimalField | forms.FloatField)
                    else _("a whole number")
                ),
                "unit": _(" in %(unit)s") % {"unit": unit} if unit else "",
                "example": _plain(lowest if lowest is not None else 1),
            },
            "required": _("Enter the %(label)s%(unit)s.")
            % {"label": label.lower(), "unit": f" ({unit})" if unit else ""},
        }
        if lowest is not None:
            messages["min_value"] = _("%(label)s must be at least %(limit)s%(unit)s.") % {
                "label": label,
                "limit": _plain(lowest),
                "unit": suffix,
            }
        if highest is not None:
            at_most = _("%(label)s must be at most %(limit)s%(unit)s.") % {
                "label": label,
                "limit": _plain(highest),
                "unit": suffix,
            }
            messages["max_value"] = messages["max_digits"] = messages["max_whole_digits"] = at_most
        if places is not None:
            messages["max_decimal_places"] = (
                _("%(label)s takes at most %(places)s decimal place%(unit)s.")
                if places == 1
                else _("%(label)s takes at most %(places)s decimal places%(unit)s.")
            ) % {
                "label": label,
                "places": places,
                "unit": f" ({unit})" if unit else "",
            }
        # Django formats a message with the error's params when it has any: no literal "%"
        # may reach it, so a percentage's unit is written out ("percent") above.
        field.error_messages.update(messages)
        field.run_validators = _once_each(field.run_validators)  # type: ignore[method-assign]


def _once_each(run_validators: Any) -> Any:
    """Wrap a field's ``run_validators`` so one message is shown once: "12345" breaks both the
    maximum and the digit count, and both now read "Weight must be at most 300 kg."."""
    if getattr(run_validators, "_once_each", False):
        return run_validators

    def run(value: Any) -> None:
        try:
            run_validators(value)
        except ValidationError as exc:
            seen: dict[str, ValidationError] = {}
            for error in exc.error_list:
                seen.setdefault(" ".join(str(m) for m in error.messages), error)
            raise ValidationError(list(seen.values())) from None

    run._once_each = True  # type: ignore[attr-defined]
    return run


def _same_number(a: object, b: object) -> bool:
    """Return True when two typed numbers are equal as decimals ("180" == "180.0")."""
    try:
        first, second = Decimal(str(a).strip()), Decimal(str(b).strip())
    except (InvalidOperation, ValueError):
        return False
    return first.is_finite() and second.is_finite() and first == second


#: What a tick box sends without a value of its own.
TICKED = frozenset({"on", "true", "1", "yes"})


def _confirms(ticked: object, weight: object) -> bool:
    """Return True when a confirmation box confirms this weight.

    The box the page draws carries the weight it was shown with, so a browser sends that
    weight: changing the weight afterwards clears the confirmation. A plain tick ("on")
    confirms the weight sent with it.
    """
    if not ticked or weight in (None, ""):
        return False
    if str(ticked).strip().lower() in TICKED:
        return True
    return _same_number(ticked, weight)


class ConfirmWeightInput(forms.CheckboxInput):
    """A tick box whose value is the weight it confirms.

    The form sets ``weight`` to the weight as typed; the box is ticked again only while the
    weight is unchanged, so a confirmation never carries over to a different weight.
    """

    weight: str = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = Input.get_context(self, name, self.weight or None, attrs)
        if _confirms(value, self.weight):
            context["widget"]["attrs"]["checked"] = True
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name) or None


class ConfirmWeightField(forms.CharField):
    """The weight a clinician confirms by ticking the box; cleaned to that weight's text."""

    widget = ConfirmWeightInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=20, **kwargs)

    def set_weight(self, value: object) -> None:
        """Say which weight the box confirms (the weight as it stands in the form)."""
        cast(ConfirmWeightInput, self.widget).weight = "" if value is None else str(value)


class _DoseInputsMixin(forms.Form):
    """Inputs the dose calculator and the plan form share; units are in every label."""

    weight_kg = _decimal(_("Weight (kg)"), places=1, digits=5, min_value="1", max_value="500")
    weight_lb = _decimal(
        _("Or the weight in pounds (lb)"),
        places=1,
        digits=5,
        min_value="2",
        max_value="1100",
        help_text=_(
            "Converted exactly (1 lb = 0.45359237 kg) to kilograms, which are shown, used and "
            "stored. Leave empty when the weight is entered in kilograms."
        ),
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
        label=_("Duration (min)"),
        required=False,
        min_value=1,
        # The longest infusion in the reference, 4 days (CRPS [21]): an absolute ceiling.
        max_value=int(dosing.ABSOLUTE_CEILINGS["iv"].max_duration_min or 0),
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
    confirm_weight = ConfirmWeightField(
        label=_("I have checked the weight: it is right, in kilograms"),
        help_text=_(
            "Needed only when the weight is flagged (an implausible BMI, or a large change "
            "from the last recorded weight). Changing the weight clears the confirmation."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_number_messages(self)
        self._show_pounds()
        cast(ConfirmWeightField, self.fields["confirm_weight"]).set_weight(
            self["weight_kg"].value()
        )

    #: The pounds the weight was entered in and their exact conversion, when entered in lb.
    weight_conversion: str = ""
    #: The weight as typed in pounds (None when typed in kilograms).
    weight_entered_lb: Decimal | None = None
    #: Decimal places of the kilograms a weight in pounds converts to: a plan stores 0.1 kg;
    #: the calculator stores nothing and keeps 0.01 kg (180 lb = 81.65 kg).
    POUNDS_KG_PLACES = 1

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._weight_from_pounds(data)
        # The box confirms the weight it was shown with, and no other.
        data["confirm_weight"] = _confirms(data.get("confirm_weight"), data.get("weight_kg"))
        return data

    def _weight_from_pounds(self, data: dict[str, Any]) -> None:
        """Set the weight in kg from a weight entered in pounds; require one of the two.

        The kilograms are the exact conversion rounded half-up to 0.1 kg (the precision the
        weight is stored at); a pound value never reaches an order as kilograms. A weight in
        both units must agree to 0.1 kg.
        """
        if "weight_kg" in self.errors or "weight_lb" in self.errors:
            return
        weight_kg, weight_lb = data.get("weight_kg"), data.get("weight_lb")
        if weight_lb is None:
            if weight_kg is None:
                self.add_error("weight_kg", _("Enter the weight in kilograms (or in pounds)."))
            return
        exact_kg = float(weight_lb) * dosing.KG_PER_LB
        converted = dosing.round_half_up(exact_kg, self.POUNDS_KG_PLACES)
        if weight_kg is not None and abs(weight_kg - converted) > Decimal("0.05"):
            self.add_error(
                "weight_lb",
                _(
                    "%(lb)s lb is %(kg)s kg, but %(entered)s kg is entered: clear one of the "
                    "two weights."
                )
                % {
                    "lb": format(weight_lb.normalize(), "f"),
                    "kg": f"{converted:.1f}",
                    "entered": format(weight_kg.normalize(), "f"),
                },
            )
            return
        data["weight_kg"] = converted
        places = self.POUNDS_KG_PLACES
        kg_text = f"{converted:.{places}f}"
        exact_text = format(dosing.round_half_up(exact_kg, 2).normalize(), "f")
        lb_text = format(weight_lb.normalize(), "f")
        if places >= 2:
            self.weight_conversion = str(
                _("%(lb)s lb = %(kg)s kg (× 0.45359237 kg/lb); %(kg)s kg is used.")
                % {"lb": lb_text, "kg": kg_text}
            )
        else:
            self.weight_conversion = str(
                _(
                    "%(lb)s lb = %(exact)s kg (× 0.45359237 kg/lb). A plan stores weights to "
                    "0.1 kg, so %(kg)s kg is used and stored: the same weight, rounded."
                )
                % {"lb": lb_text, "exact": exact_text, "kg": kg_text}
            )
        self.weight_entered_lb = weight_lb
        # Show the kilograms in the weight field, and let the confirmation box confirm them.
        shown = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        shown["weight_kg"] = kg_text
        self.data = shown
        self.fields["weight_kg"].help_text = self.weight_conversion
        self["weight_kg"].help_text = self.weight_conversion
        cast(ConfirmWeightField, self.fields["confirm_weight"]).set_weight(kg_text)

    #: Fields holding a weight in kg; each shows its pounds equivalent as typed.
    WEIGHT_FIELDS: tuple[str, ...] = ("weight_kg",)

    def _show_pounds(self) -> None:
        """Show the pounds equivalent of each weight as typed, beside its field."""
        for name in self.WEIGHT_FIELDS:
            value = self[name].value()
            try:
                weight_kg = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                continue
            if not weight_kg.is_finite() or not 0 < weight_kg <= 1000:
                continue
            pounds = dosing.round_half_up(dosing.pounds_from_kg(float(weight_kg)), 1)
            text = _(
                "= %(lb)s lb. Enter kilograms; a weight in pounds doses 2.2 times too much."
            ) % {"lb": format(pounds.normalize(), "f")}
            # The bound field copied the field's help text when it was first asked for.
            self.fields[name].help_text = self[name].help_text = text

    def dose_inputs(self) -> dosing.DoseInputs:
        """Return the cleaned inputs as the dose calculator's one typed input."""
        return dosing.DoseInputs.from_values(self.cleaned_data)

    def add_dose_errors(self, exc: dosing.InvalidDoseInput) -> None:
        """Show each of the calculator's field errors beside its field."""
        for name, message in exc.errors.items():
            self.add_error(name if name in self.fields else None, message)


class CalculatorForm(_DoseInputsMixin):
    """The stand-alone dose calculator (no patient; nothing is stored)."""

    protocol = forms.ModelChoiceField(
        label=_("Protocol limits"),
        queryset=Protocol.objects.none(),
        required=False,
        empty_label=_("Clinic defaults (no protocol)"),
        help_text=_("A protocol's maximum dose and rate apply when one is chosen."),
    )
    # Nothing is stored here, so a weight converted from pounds keeps 0.01 kg.
    weight_kg = _decimal(_("Weight (kg)"), places=2, digits=6, min_value="1", max_value="500")
    age_years = forms.IntegerField(
        label=_("Age (years)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("Checked against the clinic's minimum age; used by the PK model."),
    )
    previous_weight_kg = _decimal(
        _("Last recorded weight (kg, optional)"),
        places=1,
        digits=5,
        min_value="1",
        max_value="500",
        help_text=_("Optional: a larger change than the clinic allows must be confirmed."),
    )

    WEIGHT_FIELDS = ("weight_kg", "previous_weight_kg")
    POUNDS_KG_PLACES = 2

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocol_field = cast(forms.ModelChoiceField, self.fields["protocol"])
        protocol_field.queryset = Protocol.objects.filter(
            organization=organization, is_active=True, route="iv"
        )


def _confirm_weight_message(result: calculations.SessionResult) -> str:
    return str(
        _("Check the weight (%(codes)s) and tick this box to confirm it.")
        % {"codes": ", ".join(f.rule for f in result.weight_findings)}
    )


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
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    override_reason = forms.CharField(
        label=_("Physician's reason for overriding the age or indication rule"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed only when the patient is younger than the clinic's minimum age (or has no "
            "date of birth) or the indication is not the protocol's; only a physician may "
            "override. Recorded in the audit trail."
        ),
    )

    def __init__(
        self,
        *args: Any,
        patient: Any,
        previous_weight_kg: Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.previous_weight_kg = previous_weight_kg
        protocol_field = cast(forms.ModelChoiceField, self.fields["protocol"])
        protocol_field.queryset = Protocol.objects.filter(
            organization_id=patient.organization_id, is_active=True
        )
        self.result: calculations.SessionResult | None = None

    def clean_planned_start_date(self) -> Any:
        starts_on = self.cleaned_data["planned_start_date"]
        error = services.start_date_error(starts_on)
        if error:
            raise forms.ValidationError(error)
        return starts_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        protocol = data.get("protocol")
        if protocol is None or self.errors:
            return data
        try:
            self.result = services.plan_session_calculate(
                patient=self.patient,
                protocol=protocol,
                inputs=self.dose_inputs(),
                previous_weight_kg=self.previous_weight_kg,
                weight_confirmed=bool(data.get("confirm_weight")),
            )
        except dosing.InvalidDoseInput as exc:
            self.add_dose_errors(exc)
            return data
        for stop in self.result.stops:
            about = stop.field if stop.field in self.fields else None
            self.add_error(about, _("Hard stop: %(message)s") % {"message": stop.message})
        if self.result.needs_weight_confirmation:
            self.add_error("confirm_weight", _confirm_weight_message(self.result))
        return data

    def plan_spec(self) -> services.PlanVersionSpec:
        """Return the cleaned form as the typed input of a draft version."""
        return services.PlanVersionSpec.from_values(self.cleaned_data)


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your own password to sign as yourself."),
    )
    attest = forms.BooleanField(label=services.ATTESTATION_TEXT, required=True)
    confirm_weight = ConfirmWeightField(
        label=_("I have checked the flagged weight: it is right, in kilograms")
    )
    override_reason = forms.CharField(
        label=_("Reason for overriding the protocol's frequency limits"),
        required=False,
        max_length=services.OVERRIDE_REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed only when the planned schedule breaks a limit; stored with the signed "
            "version, shown on the plan and recorded in the audit trail."
        ),
    )

    safety_acknowledged = forms.BooleanField(
        label=_(
            "I have reviewed this patient's open safety alert and I sign this plan with it open"
        ),
        required=False,
    )
    safety_reason = forms.CharField(
        label=_("Why it is safe to sign now"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Needed only while a safety alert is open; stored with the signed version and "
            "recorded in the audit trail."
        ),
    )

    def __init__(
        self,
        *args: Any,
        weight_kg: Decimal | None = None,
        open_alerts: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.weight_kg = weight_kg
        self.open_alerts = open_alerts
        shown = None if weight_kg is None else format(weight_kg.normalize(), "f")
        cast(ConfirmWeightField, self.fields["confirm_weight"]).set_weight(shown)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["confirm_weight"] = _confirms(data.get("confirm_weight"), self.weight_kg)
        if self.open_alerts:
            if not data.get("safety_acknowledged"):
                self.add_error(
                    "safety_acknowledged",
                    _("Tick this to sign while the patient's safety alert is open."),
                )
            if not (data.get("safety_reason") or "").strip():
                self.add_error(
                    "safety_reason",
                    _("Say why it is safe to sign while the safety alert is open."),
                )
            else:
                error = services.reason_error(
                    data.get("safety_reason"),
                    what="The reason for signing with an open safety alert",
                )
                if error:
                    self.add_error("safety_reason", error)
        return data


CHANGE_REASON_HELP = _(
    "Shown to the physician who signs the change. Clinical fields (marked) change only with a "
    "physician's signature; the others change at once."
)
SIGNATURE_NEEDED = _("Clinical: a change waits for a physician's signature.")


def change_reason_field() -> forms.CharField:
    """Return the optional reason a proposer gives the physician who signs the change."""
    return forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=CHANGE_REASON_HELP,
    )


def mark_clinical(form: forms.BaseForm, clinical: tuple[str, ...]) -> None:
    """Say in each clinical field's help that a change waits for a physician's signature."""
    for name in clinical:
        field = form.fields[name]
        field.help_text = f"{field.help_text} {SIGNATURE_NEEDED}".strip()


class ProtocolForm(forms.ModelForm):
    """A protocol; a user who may not sign sees which fields need a physician's signature."""

    change_reason = change_reason_field()

    class Meta:
        model = Protocol
        fields = list(services.PROTOCOL_EDITABLE_FIELDS)
        help_texts = {
            "source_keys": _(
                "Keys of the clinical reference that back this protocol, e.g. [1] [2] [10]. "
                "Write a question mark in brackets for a value no published source supports; "
                "it reads “no published source”."
            ),
        }
        widgets = {
            "titration_rule": forms.Textarea(attrs={"rows": 2}),
            "monitoring_requirements": forms.Textarea(attrs={"rows": 3}),
            "schedule_description": forms.Textarea(attrs={"rows": 2}),
        }

    #: Fields an absolute ceiling bounds; their help names the ceilings and their sources.
    CEILING_FIELDS = (
        "max_dose_mg_per_kg",
        "max_dose_rate_mg_per_kg_per_h",
        "max_dose_mg",
        "drug",
    )

    def __init__(self, *args: Any, needs_signature: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_number_messages(self)
        for name in self.CEILING_FIELDS:
            field = self.fields[name]
            field.help_text = f"{field.help_text} {calculations.CEILINGS_TEXT}".strip()
        if needs_signature:
            mark_clinical(self, services.CLINICAL_PROTOCOL_FIELDS)

    def protocol_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.PROTOCOL_EDITABLE_FIELDS}


class DosingSettingsForm(forms.ModelForm):
    """The dose calculator's guards, each with its source key (or its lack of one)."""

    change_reason = change_reason_field()

    #: The absolute bound of each setting that has one, said beside the field.
    SETTING_CEILINGS: dict[str, str] = {
        "default_max_dose_mg_per_kg": (
            f"At most {dosing.MAX_DEFAULT_SESSION_DOSE_MG_PER_KG:g} mg/kg, the largest IV "
            "induction dose on the Ketalar label [22]; no clinic can set more."
        ),
        "default_max_dose_rate_mg_per_kg_per_h": (
            "At most 2 mg/kg/h, the top of the outpatient infusion range [21]; no clinic can "
            "set more."
        ),
        "must_dilute_vial_mg_per_ml": (
            "At most 100 mg/mL: the Ketalar label requires the 100 mg/mL vial to be diluted [22]."
        ),
        "max_iv_concentration_mg_per_ml": (
            "At most 50 mg/mL, 100 mg/mL diluted with an equal volume [22]."
        ),
        "min_weight_kg": "From 20 kg: no clinic may call a lighter adult weight plausible.",
        "max_weight_kg": "Up to 300 kg: no clinic may call a heavier weight plausible.",
        "min_patient_age_years": (
            "From 18 years: esketamine is approved for adults [18][19]; a younger patient's "
            "plan needs a physician's override with a reason, whatever the setting."
        ),
        "max_plan_start_days": "7 to 730 days: a date further ahead is a typing slip.",
    }

    class Meta:
        model = DosingSettings
        fields = list(services.SETTINGS_EDITABLE_FIELDS)

    def __init__(self, *args: Any, needs_signature: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_number_messages(self)
        # The field template links each key to the clinical reference (``|cite``).
        for name in services.SETTINGS_EDITABLE_FIELDS:
            if name not in self.fields:
                continue
            source = DosingSettings.SOURCE_KEYS.get(name, "")
            self.fields[name].help_text = (
                calculations.UNSOURCED[:1].upper() + calculations.UNSOURCED[1:] + "."
                if source == "[?]"
                else _("Source: %(keys)s") % {"keys": source}
            )
            ceiling = self.SETTING_CEILINGS.get(name)
            if ceiling:
                self.fields[name].help_text = f"{self.fields[name].help_text} {ceiling}"
        if needs_signature:
            mark_clinical(self, services.CLINICAL_SETTINGS_FIELDS)

    def dosing_settings_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.SETTINGS_EDITABLE_FIELDS}


class ChangeApproveForm(forms.Form):
    """A physician's signature on a proposed change to clinical limits."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Re-enter your own password to sign this change as yourself."),
    )


class ChangeRejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is rejected (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PatientPickForm(forms.Form):
    q = forms.CharField(
        label=_("Open a patient's plan"),
        max_length=100,
        required=False,
        help_text=_("Name, date of birth, phone or MRN."),
    )
