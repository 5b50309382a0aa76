"""Protocols, per-clinic dosing settings and versioned, signed treatment plans.

Every clinical number on a protocol or a setting is a per-organization value seeded from
the documented defaults in `treatment/defaults.py` and `lib.dosing.DoseLimits`, each citing
its source key in the project's clinical reference. Plan versions are immutable once signed
(services refuse, the model guard refuses, and on PostgreSQL a trigger rejects UPDATE and
DELETE; migration 0002).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from infusionist.lib import sources
from infusionist.lib.dosing import (
    ABSOLUTE_CEILINGS,
    ABSOLUTE_MAX_WEIGHT_KG,
    ABSOLUTE_MIN_WEIGHT_KG,
    DOSE_FIELDS,
    MAX_DEFAULT_SESSION_DOSE_MG_PER_KG,
    ROUTE_DRUGS,
    DoseInputs,
    DoseLimits,
    InvalidDoseInput,
)
from infusionist.lib.products import KETALAR_VIALS
from infusionist.lib.regimens import parse_titration_steps


class SignedVersionError(Exception):
    """An attempt to change or remove a signed treatment plan version."""


class Indication(models.TextChoices):
    DEPRESSION = "depression", _("Depression (incl. treatment-resistant)")
    ANXIETY = "anxiety", _("Anxiety")
    PTSD = "ptsd", _("PTSD")
    OCD = "ocd", _("OCD")
    CHRONIC_PAIN = "chronic_pain", _("Chronic pain")
    CRPS = "crps", _("CRPS")


class Route(models.TextChoices):
    IV = "iv", _("Intravenous infusion")
    IM = "im", _("Intramuscular injection")
    INTRANASAL = "intranasal", _("Intranasal (esketamine)")


class Drug(models.TextChoices):
    KETAMINE = "ketamine", _("Ketamine (racemic)")
    ESKETAMINE = "esketamine", _("Esketamine (Spravato)")


class Phase(models.TextChoices):
    """Plan phases; the measurement schedule reads these values."""

    EVALUATION = "evaluation", _("Evaluation")
    INDUCTION = "induction", _("Induction")
    MAINTENANCE = "maintenance", _("Maintenance")


class WeightBasis(models.TextChoices):
    ACTUAL = "actual", _("Actual body weight")
    IDEAL = "ideal", _("Ideal body weight (Devine)")
    ADJUSTED = "adjusted", _("Adjusted body weight")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


def _dec(max_digits: int, places: int, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=max_digits, decimal_places=places, **kwargs)


_POSITIVE = [MinValueValidator(Decimal("0.001"))]

#: The longest free text a clinician writes in one field (characters): enough for a page of
#: reasoning, short enough to read at the chair; the database refuses more (constraints below).
TEXT_MAX_CHARS = 2000
_FITS = [MaxLengthValidator(TEXT_MAX_CHARS)]


def _at_most(value: float) -> list[Any]:
    """Return validators for a positive number no larger than an absolute ceiling."""
    return [*_POSITIVE, MaxValueValidator(Decimal(str(value)))]


def _text_fits(*names: str, model: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(name), TEXT_MAX_CHARS),
            name=f"{model}_{name}_fits",
            violation_error_message=_("Keep this text to 2000 characters or fewer."),
        )
        for name in names
    ]


def source_key_errors(text: str) -> list[str]:
    """Return a message for each cited key of ``text`` that no source in the reference has.

    A text must cite at least one key; ``[?]`` (no published source) is a key.
    """
    keys = sources.keys_in(text or "")
    if not keys:
        return [str(_("Cite at least one key of the clinical reference, e.g. [1], or [?]."))]
    unknown = []
    for key in keys:
        if key == sources.UNSOURCED:
            continue
        try:
            sources.get(key)
        except KeyError:
            unknown.append(f"[{key}]")
    if not unknown:
        return []
    return [
        str(
            _(
                "%(keys)s is not a source of the clinical reference; cite keys listed on the "
                "reference page, or [?] for no published source."
            )
            % {"keys": ", ".join(unknown)}
        )
    ]


class Protocol(models.Model):
    """One clinic's treatment protocol: route, dose, schedule, monitoring and limits."""

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="protocols"
    )
    key = models.SlugField(_("key"), max_length=60, help_text=_("Short stable identifier."))
    name = models.CharField(_("name"), max_length=120)
    indication = models.CharField(_("indication"), max_length=20, choices=Indication.choices)
    phase = models.CharField(
        _("phase"),
        max_length=12,
        choices=[(Phase.INDUCTION, Phase.INDUCTION.label), (Phase.MAINTENANCE, _("Maintenance"))],
    )
    route = models.CharField(_("route"), max_length=12, choices=Route.choices)
    drug = models.CharField(_("drug"), max_length=12, choices=Drug.choices, default=Drug.KETAMINE)
    # Exactly one dose form is set (checked in clean()).
    # Every dose and limit is bounded by the absolute ceilings of lib.dosing (§1; [18] [21]
    # [22]); clean() checks them per route.
    dose_mg_per_kg = _dec(
        6,
        3,
        verbose_name=_("dose (mg/kg)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    dose_mg = _dec(
        7,
        2,
        verbose_name=_("fixed dose (mg)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    dose_mg_per_kg_per_h = _dec(
        6,
        3,
        verbose_name=_("dose rate (mg/kg/h)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    dose_mg_per_h = _dec(
        7,
        2,
        verbose_name=_("fixed dose rate (mg/h)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    duration_min = models.PositiveIntegerField(
        _("duration (min)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1),
            MaxValueValidator(int(ABSOLUTE_CEILINGS["iv"].max_duration_min or 0)),
        ],
        help_text=_("Infusion length; required for IV, empty for IM and intranasal."),
    )
    session_count = models.PositiveIntegerField(
        _("sessions"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    sessions_per_week = _dec(
        4,
        2,
        verbose_name=_("sessions per week"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("7"))],
        help_text=_("3 = thrice weekly, 1 = weekly, 0.5 = every 2 weeks, 7 = daily."),
    )
    course_max_days = models.PositiveIntegerField(
        _("course length limit (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("All sessions within this many days (e.g. 6 infusions within 21 days)."),
    )
    min_interval_h = models.PositiveIntegerField(
        _("minimum interval between sessions (h)"), validators=[MaxValueValidator(8760)]
    )
    max_sessions_per_7_days = models.PositiveIntegerField(
        _("maximum sessions in any 7 days"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    monitoring_interval_min = models.PositiveIntegerField(
        _("vital signs every (min)"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    observation_min = models.PositiveIntegerField(
        _("observation after dose (min)"), validators=[MaxValueValidator(1440)]
    )
    titration_steps_mg_per_kg = models.CharField(
        _("titration steps (mg/kg)"),
        max_length=80,
        blank=True,
        help_text=_("Comma-separated, rising, e.g. 0.5, 0.75, 1.0."),
    )
    titration_rule = models.TextField(
        _("titration rule"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )
    max_dose_mg_per_kg = _dec(
        6,
        3,
        verbose_name=_("maximum dose per session (mg/kg)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
        help_text=_("Hard stop and titration ceiling. Empty: no per-session mg/kg limit."),
    )
    max_dose_rate_mg_per_kg_per_h = _dec(
        6,
        3,
        verbose_name=_("maximum dose rate (mg/kg/h)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    max_dose_mg = _dec(
        7,
        2,
        verbose_name=_("maximum fixed dose (mg)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    device_mg = _dec(
        6,
        2,
        verbose_name=_("mg per device"),
        null=True,
        blank=True,
        validators=_POSITIVE,
        help_text=_("Intranasal: doses are whole devices (Spravato 28 mg)."),
    )
    older_adult_age_years = models.PositiveIntegerField(
        _("older-adult age (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(120)],
    )
    older_adult_start_dose_mg = _dec(
        7,
        2,
        verbose_name=_("older-adult starting dose (mg)"),
        null=True,
        blank=True,
        validators=_POSITIVE,
    )
    rems_required = models.BooleanField(_("REMS programme applies"), default=False)
    monitoring_requirements = models.TextField(
        _("monitoring requirements"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )
    schedule_description = models.TextField(
        _("schedule"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )
    source_keys = models.CharField(
        _("sources"),
        max_length=200,
        help_text=_("Keys of the clinical reference that back this protocol, e.g. [1] [2] [10]."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["indication", "route", "phase", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="protocol_key_per_org"),
        ]
        constraints += _text_fits(
            "titration_rule", "monitoring_requirements", "schedule_description", model="protocol"
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            order_errors = DoseInputs.from_values(self).order_errors(self.route)
        except InvalidDoseInput as exc:
            order_errors = exc.errors
        errors: dict[str, list[str]] = {name: [message] for name, message in order_errors.items()}
        for name, message in self.dose_limit_errors().items():
            errors.setdefault(name, []).append(message)
        for name, message in self.ceiling_errors().items():
            errors.setdefault(name, []).append(message)
        for message in source_key_errors(self.source_keys):
            errors.setdefault("source_keys", []).append(message)
        if self.titration_steps_mg_per_kg:
            try:
                steps = parse_titration_steps(self.titration_steps_mg_per_kg)
            except ValueError as exc:
                errors.setdefault("titration_steps_mg_per_kg", []).append(str(exc))
            else:
                ceiling = self.max_dose_mg_per_kg
                absolute = ABSOLUTE_CEILINGS.get(self.route)
                top = absolute.max_dose_mg_per_kg if absolute else None
                if self.route == "intranasal" and steps:
                    errors.setdefault("titration_steps_mg_per_kg", []).append(
                        gettext(
                            "Esketamine is dosed in whole 28-mg devices, not mg/kg: leave this "
                            "empty."
                        )
                    )
                elif top is not None and steps and steps[-1] > Decimal(str(top)):
                    errors.setdefault("titration_steps_mg_per_kg", []).append(
                        _(
                            "The last step %(step)s mg/kg is above %(top)s mg/kg, the absolute "
                            "ceiling for this route."
                        )
                        % {"step": steps[-1], "top": f"{top:g}"}
                    )
                elif ceiling is not None and steps and steps[-1] > ceiling:
                    errors.setdefault("titration_steps_mg_per_kg", []).append(
                        _("The last step %(step)s mg/kg is above the maximum %(max)s mg/kg.")
                        % {"step": steps[-1], "max": ceiling}
                    )
        if errors:
            raise ValidationError(errors)

    @property
    def dose_field(self) -> str | None:
        """Return the name of the dose form this protocol orders, or None."""
        return next((name for name in DOSE_FIELDS if getattr(self, name) is not None), None)

    def ceiling_errors(self) -> dict[str, str]:
        """Return field -> message for a drug the route cannot give or a value above a ceiling.

        Racemic ketamine is given IV or IM and esketamine only intranasally [18] [22]
        (``lib.dosing.ROUTE_DRUGS``); every dose, rate and maximum stays within the route's
        absolute ceiling (``lib.dosing.ABSOLUTE_CEILINGS``, clinical reference §1), which no
        protocol can raise. An infusion's totals are bounded through its duration by the rate
        ceiling; fixed doses of weight-based routes at the widest plausible weight.
        """
        errors: dict[str, str] = {}
        ceiling = ABSOLUTE_CEILINGS.get(self.route or "")
        if ceiling is None:
            return errors
        if self.drug and ROUTE_DRUGS[self.route] != self.drug:
            drug_label = Drug(self.drug).label if self.drug in Drug.values else self.drug
            errors["drug"] = str(
                _(
                    "%(drug)s is not given by this route: racemic ketamine is given "
                    "intravenously or intramuscularly, esketamine only with its nasal device."
                )
                % {"drug": drug_label}
            )
        why = f"{ceiling.why} {ceiling.source}"
        per_kg = ceiling.max_dose_mg_per_kg
        rate = ceiling.max_dose_rate_mg_per_kg_per_h
        hours: float | None = None
        longest = ceiling.max_duration_min or 0
        if isinstance(self.duration_min, int) and 0 < self.duration_min <= longest:
            # A longer duration is refused beside its own field (its validator).
            hours = self.duration_min / 60
        heaviest = ABSOLUTE_MAX_WEIGHT_KG
        # (field, value, ceiling, unit, what the ceiling is)
        checks: list[tuple[str, Decimal | None, float | None, str, str]] = [
            ("dose_mg_per_kg", self.dose_mg_per_kg, per_kg, "mg/kg", why),
            ("max_dose_mg_per_kg", self.max_dose_mg_per_kg, per_kg, "mg/kg", why),
            ("dose_mg_per_kg_per_h", self.dose_mg_per_kg_per_h, rate, "mg/kg/h", why),
            (
                "max_dose_rate_mg_per_kg_per_h",
                self.max_dose_rate_mg_per_kg_per_h,
                rate,
                "mg/kg/h",
                why,
            ),
        ]
        if rate is not None:
            at_rate = f"{rate:g} mg/kg/h at {heaviest:g} kg, {why}"
            checks.append(("dose_mg_per_h", self.dose_mg_per_h, rate * heaviest, "mg/h", at_rate))
        if ceiling.route == "intranasal":
            for name in ("dose_mg", "max_dose_mg", "older_adult_start_dose_mg"):
                checks.append((name, getattr(self, name), ceiling.max_dose_mg, "mg", why))
        elif per_kg is not None:
            at_weight = f"{per_kg:g} mg/kg at {heaviest:g} kg, {why}"
            for name in ("dose_mg", "max_dose_mg"):
                checks.append((name, getattr(self, name), per_kg * heaviest, "mg", at_weight))
        if hours and rate is not None:
            # An infusion's total is bounded by its rate: 2 mg/kg for each hour infused.
            over = f"{rate:g} mg/kg/h for {self.duration_min} min, {why}"
            for name in ("dose_mg_per_kg", "max_dose_mg_per_kg"):
                checks.append((name, getattr(self, name), rate * hours, "mg/kg", over))
            if self.dose_mg_per_kg is not None:
                speed = self.dose_mg_per_kg / Decimal(str(hours))
                checks.append(("dose_mg_per_kg", speed, rate, "mg/kg/h", why))
            at_both = f"{rate:g} mg/kg/h at {heaviest:g} kg for {self.duration_min} min, {why}"
            for name in ("dose_mg", "max_dose_mg"):
                checks.append((name, getattr(self, name), rate * heaviest * hours, "mg", at_both))
        for name, value, top, unit, basis in checks:
            if name in errors or not isinstance(value, Decimal) or top is None:
                continue
            if value > Decimal(str(round(top, 6))):
                errors[name] = str(
                    _(
                        "%(value)s %(unit)s is above %(top)s %(unit)s, the absolute ceiling "
                        "for this route (%(basis)s). No protocol can allow more; check the "
                        "number and its unit."
                    )
                    % {
                        "value": _plain(value),
                        "unit": unit,
                        "top": _plain(Decimal(str(round(top, 3)))),
                        "basis": basis,
                    }
                )
        if self.route == "intranasal":
            if self.device_mg != Decimal("28"):
                errors["device_mg"] = str(
                    _("Esketamine comes only in 28-mg devices [18]: enter 28.")
                )
        elif self.device_mg is not None:
            errors["device_mg"] = str(_("Leave this empty: only intranasal doses use devices."))
        return errors

    def dose_limit_errors(self) -> dict[str, str]:
        """Return field -> message for a default dose above the protocol's own maximum.

        Every dose form is checked against its matching maximum, directly or through the
        duration (weight-independent, so exact): mg/kg against the mg/kg maximum, and its
        rate over the duration against the mg/kg/h maximum; mg/kg/h against the rate
        maximum, and its total over the duration against the mg/kg maximum; mg, and mg/h
        over the duration, against the mg maximum; the older-adult start against the mg
        maximum.
        """
        hours = None
        if isinstance(self.duration_min, int) and self.duration_min > 0:
            hours = Decimal(self.duration_min) / 60
        checks: list[tuple[str, Decimal | None, str, Decimal | None, str, str]] = []
        per_kg, per_kg_h = self.dose_mg_per_kg, self.dose_mg_per_kg_per_h
        max_per_kg, max_rate = self.max_dose_mg_per_kg, self.max_dose_rate_mg_per_kg_per_h
        checks.append(("dose_mg_per_kg", per_kg, "max_dose_mg_per_kg", max_per_kg, "mg/kg", ""))
        checks.append(
            (
                "dose_mg_per_kg_per_h",
                per_kg_h,
                "max_dose_rate_mg_per_kg_per_h",
                max_rate,
                "mg/kg/h",
                "",
            )
        )
        checks.append(("dose_mg", self.dose_mg, "max_dose_mg", self.max_dose_mg, "mg", ""))
        if hours:
            if per_kg is not None:
                checks.append(
                    (
                        "dose_mg_per_kg",
                        per_kg / hours,
                        "max_dose_rate_mg_per_kg_per_h",
                        max_rate,
                        "mg/kg/h",
                        f" over {self.duration_min} min",
                    )
                )
            if per_kg_h is not None:
                checks.append(
                    (
                        "dose_mg_per_kg_per_h",
                        per_kg_h * hours,
                        "max_dose_mg_per_kg",
                        max_per_kg,
                        "mg/kg",
                        f" for {self.duration_min} min",
                    )
                )
            if self.dose_mg_per_h is not None:
                checks.append(
                    (
                        "dose_mg_per_h",
                        self.dose_mg_per_h * hours,
                        "max_dose_mg",
                        self.max_dose_mg,
                        "mg",
                        f" for {self.duration_min} min",
                    )
                )
        checks.append(
            (
                "older_adult_start_dose_mg",
                self.older_adult_start_dose_mg,
                "max_dose_mg",
                self.max_dose_mg,
                "mg",
                "",
            )
        )
        errors: dict[str, str] = {}
        for field_name, value, max_name, maximum, unit, how in checks:
            if value is None or maximum is None or field_name in errors:
                continue
            if not isinstance(value, Decimal) or not isinstance(maximum, Decimal):
                continue
            if value > maximum:
                label = getattr(self._meta.get_field(max_name), "verbose_name", max_name)
                errors[field_name] = str(
                    _(
                        "This default dose is %(value)s %(unit)s%(how)s, above this protocol's "
                        "own %(label)s, %(max)s %(unit)s: lower the dose or raise the maximum."
                    )
                    % {
                        "value": _plain(value),
                        "unit": unit,
                        "how": how,
                        "label": label,
                        "max": _plain(maximum),
                    }
                )
        return errors


def _plain(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.001")).normalize(), "f")


def _between(low: float, high: float) -> list[Any]:
    return [MinValueValidator(Decimal(str(low))), MaxValueValidator(Decimal(str(high)))]


def _limit(name: str) -> Decimal:
    """Return a ``DoseLimits`` default as a Decimal: the one home of each documented value."""
    return Decimal(str(getattr(DoseLimits(), name)))


class DosingSettings(models.Model):
    """One clinic's dose-calculator guards; unset clinics use the documented defaults."""

    class PKModelName(models.TextChoices):
        DOMINO = "domino", "Domino et al. (adults)"
        CLEMENTS = "clements", "Clements & Nimmo 1981"
        KAMP = "kamp", "Kamp 2020"
        HIJAZI = "hijazi", "Hijazi 2003"

    organization = models.OneToOneField(
        "clinics.Organization", on_delete=models.CASCADE, related_name="dosing_settings"
    )
    # [?] no source: conservative range that catches pounds typed as kilograms.
    # Within the widest range any clinic may set, ABSOLUTE_MIN/MAX_WEIGHT_KG (lib.dosing).
    min_weight_kg = _dec(
        5,
        1,
        verbose_name=_("lowest plausible weight (kg)"),
        default=_limit("min_weight_kg"),
        validators=_between(ABSOLUTE_MIN_WEIGHT_KG, 100),
    )
    max_weight_kg = _dec(
        5,
        1,
        verbose_name=_("highest plausible weight (kg)"),
        default=_limit("max_weight_kg"),
        validators=_between(100, ABSOLUTE_MAX_WEIGHT_KG),
    )
    # [?] no source: catches inches typed as centimetres.
    min_height_cm = _dec(
        5,
        1,
        verbose_name=_("lowest plausible height (cm)"),
        default=_limit("min_height_cm"),
        validators=_between(90, 160),
    )
    max_height_cm = _dec(
        5,
        1,
        verbose_name=_("highest plausible height (cm)"),
        default=_limit("max_height_cm"),
        validators=_between(180, 250),
    )
    # [?] no source: with no height or last weight to corroborate it, a weight outside this
    # range must be confirmed (154.3 "kg" is usually 154.3 lb).
    confirm_weight_below_kg = _dec(
        5,
        1,
        verbose_name=_("confirm a weight below (kg), when nothing corroborates it"),
        default=_limit("confirm_weight_below_kg"),
        validators=_between(ABSOLUTE_MIN_WEIGHT_KG, 80),
    )
    confirm_weight_above_kg = _dec(
        5,
        1,
        verbose_name=_("confirm a weight above (kg), when nothing corroborates it"),
        default=_limit("confirm_weight_above_kg"),
        validators=_between(60, ABSOLUTE_MAX_WEIGHT_KG),
    )
    # [?] no source: outside this BMI (height known) a weight must be confirmed; catches
    # pounds typed as kilograms below the weight range's ceiling.
    min_bmi_kg_per_m2 = _dec(
        4,
        1,
        verbose_name=_("lowest plausible BMI (kg/m²)"),
        default=_limit("min_bmi_kg_per_m2"),
        validators=[MinValueValidator(Decimal("5")), MaxValueValidator(Decimal("40"))],
    )
    max_bmi_kg_per_m2 = _dec(
        4,
        1,
        verbose_name=_("highest plausible BMI (kg/m²)"),
        default=_limit("max_bmi_kg_per_m2"),
        validators=[MinValueValidator(Decimal("25")), MaxValueValidator(Decimal("150"))],
    )
    # [?] no source: a bigger change from the last recorded weight must be confirmed.
    max_weight_change_pct = _dec(
        5,
        1,
        verbose_name=_("largest change from the last recorded weight without a confirmation (%)"),
        default=_limit("max_weight_change_pct"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
    )
    # [4]: 1.0 mg/kg is the top arm of the dose-finding RCT; used when no protocol is chosen.
    default_max_dose_mg_per_kg = _dec(
        6,
        3,
        verbose_name=_("maximum dose without a protocol (mg/kg)"),
        default=_limit("max_dose_mg_per_kg"),
        validators=_at_most(MAX_DEFAULT_SESSION_DOSE_MG_PER_KG),
    )
    # [21]: 0.5–2 mg/kg/h outpatient infusion range (ASRA/AAPM/ASA 2018).
    default_max_dose_rate_mg_per_kg_per_h = _dec(
        6,
        3,
        verbose_name=_("maximum dose rate without a protocol (mg/kg/h)"),
        default=_limit("max_dose_rate_mg_per_kg_per_h"),
        validators=_at_most(ABSOLUTE_CEILINGS["iv"].max_dose_rate_mg_per_kg_per_h or 0),
    )
    # [22]: the Ketalar label requires 100 mg/mL to be diluted before IV use.
    must_dilute_vial_mg_per_ml = _dec(
        6,
        2,
        verbose_name=_("vials this strong must be diluted (mg/mL)"),
        default=_limit("must_dilute_vial_mg_per_ml"),
        validators=_between(1, 100),
    )
    # [22]: 100 mg/mL diluted with an equal volume = 50 mg/mL.
    max_iv_concentration_mg_per_ml = _dec(
        6,
        2,
        verbose_name=_("strongest IV concentration (mg/mL)"),
        default=_limit("max_iv_concentration_mg_per_ml"),
        validators=_between(0.1, 50),
    )
    # [22][23]: the clinic's usual vial; others 10× away trigger the draw-volume check.
    usual_vial_mg_per_ml = _dec(
        6,
        2,
        verbose_name=_("usual vial strength (mg/mL)"),
        default=_limit("usual_vial_mg_per_ml"),
        choices=[(Decimal(f"{vial.strength_mg_per_ml:.2f}"), vial.label) for vial in KETALAR_VIALS],
    )
    # [9]: adjusted weight = IBW + 0.4 × (actual − IBW).
    adjusted_weight_factor = _dec(
        4,
        2,
        verbose_name=_("adjusted-weight factor"),
        default=_limit("adjusted_weight_factor"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    # [?] usual pharmacy practice, unsourced.
    use_actual_weight_below_ibw = models.BooleanField(
        _("use actual weight when it is below ideal weight"),
        default=DoseLimits().use_actual_weight_below_ibw,
    )
    # §7: decision-support curve; Domino has the published check value.
    pk_model = models.CharField(
        _("PK model for predicted curves"),
        max_length=12,
        choices=PKModelName.choices,
        default=PKModelName.DOMINO,
    )
    # [?] no source: how long after the infusion the predicted curve runs.
    pk_curve_after_min = models.PositiveIntegerField(
        _("predicted curve continues after the infusion (min)"),
        default=120,
        validators=[MinValueValidator(10), MaxValueValidator(720)],
    )
    # [18][19]: esketamine is approved for adults only; ketamine for depression has been
    # studied in adults. Younger patients need a physician's recorded override.
    min_patient_age_years = models.PositiveSmallIntegerField(
        _("youngest patient a plan may be ordered for without an override (years)"),
        default=18,
        validators=[MinValueValidator(18), MaxValueValidator(99)],
    )
    # [?] no source: a first session further ahead than this is a typing slip (2099).
    max_plan_start_days = models.PositiveSmallIntegerField(
        _("latest first session date, counted from today (days)"),
        default=365,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    SOURCE_KEYS = {
        "min_weight_kg": "[?]",
        "max_weight_kg": "[?]",
        "min_height_cm": "[?]",
        "max_height_cm": "[?]",
        "min_bmi_kg_per_m2": "[?]",
        "max_bmi_kg_per_m2": "[?]",
        "max_weight_change_pct": "[?]",
        "confirm_weight_below_kg": "[?]",
        "confirm_weight_above_kg": "[?]",
        "default_max_dose_mg_per_kg": "[4]",
        "default_max_dose_rate_mg_per_kg_per_h": "[21]",
        "must_dilute_vial_mg_per_ml": "[22]",
        "max_iv_concentration_mg_per_ml": "[22]",
        "usual_vial_mg_per_ml": "[22] [23]",
        "adjusted_weight_factor": "[9]",
        "use_actual_weight_below_ibw": "[?]",
        "pk_model": "§7 [83]",
        "pk_curve_after_min": "[?]",
        "min_patient_age_years": "[18] [19]",
        "max_plan_start_days": "[?]",
    }

    class Meta:
        verbose_name_plural = "dosing settings"

    def __str__(self) -> str:
        return f"Dosing settings of {self.organization_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for low, high, unit in (
            ("min_weight_kg", "max_weight_kg", "kg"),
            ("min_height_cm", "max_height_cm", "cm"),
            ("min_bmi_kg_per_m2", "max_bmi_kg_per_m2", "kg/m²"),
            ("confirm_weight_below_kg", "confirm_weight_above_kg", "kg"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value >= high_value:
                errors[high] = _("Must be above the lowest value, %(low)s %(unit)s.") % {
                    "low": low_value,
                    "unit": unit,
                }
        if errors:
            raise ValidationError(errors)


class TreatmentPlan(models.Model):
    """A patient's treatment plan; its content lives in numbered versions."""

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plan"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    def __str__(self) -> str:
        return f"Treatment plan {self.pk}"


class TreatmentPlanVersion(models.Model):
    """One version of a plan: a draft, or a signed physician's order that never changes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="versions")
    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_plan_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)

    indication = models.CharField(_("indication"), max_length=20, choices=Indication.choices)
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="+")
    # The protocol as it was when this version was written: later protocol edits never
    # change what a signed order meant.
    protocol_snapshot = models.JSONField(default=dict, editable=False)
    route = models.CharField(_("route"), max_length=12, choices=Route.choices)
    planned_sessions = models.PositiveIntegerField(
        _("planned sessions"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    sessions_per_week = _dec(
        4,
        2,
        verbose_name=_("sessions per week"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("7"))],
    )
    planned_start_date = models.DateField(_("first session on"))

    # The order as written: exactly one dose form.
    dose_mg_per_kg = _dec(6, 3, verbose_name=_("dose (mg/kg)"), null=True, blank=True)
    dose_mg = _dec(7, 2, verbose_name=_("fixed dose (mg)"), null=True, blank=True)
    dose_mg_per_kg_per_h = _dec(6, 3, verbose_name=_("dose rate (mg/kg/h)"), null=True, blank=True)
    dose_mg_per_h = _dec(7, 2, verbose_name=_("fixed dose rate (mg/h)"), null=True, blank=True)
    duration_min = models.PositiveIntegerField(_("duration (min)"), null=True, blank=True)

    # The patient measurements and the weight the dose was calculated on (safety fact 1).
    weight_kg = _dec(5, 1, verbose_name=_("weight (kg)"))
    height_cm = _dec(5, 1, verbose_name=_("height (cm)"), null=True, blank=True)
    sex = models.CharField(
        _("sex (for weight formulas)"), max_length=6, choices=Sex.choices, blank=True
    )
    weight_basis = models.CharField(
        _("dosing weight basis"), max_length=8, choices=WeightBasis.choices
    )
    dosing_weight_kg = _dec(6, 2, verbose_name=_("dosing weight (kg)"))
    weight_formula = models.TextField(_("dosing weight formula"))

    # What the calculator produced for one session.
    session_dose_mg = _dec(8, 2, verbose_name=_("dose per session (mg)"))
    dose_rate_mg_per_h = _dec(8, 2, verbose_name=_("dose rate (mg/h)"), null=True, blank=True)
    vial_mg_per_ml = _dec(6, 2, verbose_name=_("vial strength (mg/mL)"), null=True, blank=True)
    bag_volume_ml = _dec(6, 1, verbose_name=_("diluent bag (mL)"), null=True, blank=True)
    withdraw_equal_volume = models.BooleanField(_("withdraw an equal volume first"), default=False)

    rationale = models.TextField(
        _("rationale / changes"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )
    # A flagged weight (implausible BMI, large change from the last recorded weight) and who
    # confirmed it: the author when saving the draft, then the signer when signing.
    weight_findings = models.JSONField(default=list, blank=True, editable=False)
    weight_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # The protocol limits the signed plan breaks (one summarised finding per rule) and the
    # signer's reason for overriding them; empty when it breaks none.
    override_findings = models.JSONField(default=list, blank=True, editable=False)
    override_reason = models.TextField(
        _("reason for the override"),
        blank=True,
        editable=False,
        max_length=TEXT_MAX_CHARS,
        validators=_FITS,
    )
    # The open safety alerts (suicidality answers) the signer was shown, and the signer's
    # reason for signing with them open; empty when none was open.
    safety_alerts_acknowledged = models.JSONField(default=list, blank=True, editable=False)
    safety_acknowledgment_reason = models.TextField(
        _("reason for signing with an open safety alert"),
        blank=True,
        editable=False,
        max_length=TEXT_MAX_CHARS,
        validators=_FITS,
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    attestation = models.TextField(blank=True, editable=False)
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="draft"), name="one_draft_per_plan"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False, signed_by__isnull=False) & ~Q(content_sha256="")),
                name="signed_version_has_signature",
            ),
            *_text_fits(
                "rationale",
                "override_reason",
                "safety_acknowledgment_reason",
                model="plan_version",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "status", "-number"], name="plan_version_patient"),
        ]

    def __str__(self) -> str:
        return f"Plan version {self.number} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Invariant guard, like AuditEvent's: a version loaded as signed is never written.
        if getattr(self, "_stored_status", None) == self.Status.SIGNED:
            raise SignedVersionError("A signed plan version cannot be changed; write a new one.")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == self.Status.SIGNED:
            raise SignedVersionError("A signed plan version cannot be deleted.")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> TreatmentPlanVersion:
        instance = super().from_db(db, field_names, values)
        instance._stored_status = instance.__dict__.get("status") or ""
        return instance

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def dose_field(self) -> str | None:
        """Return the name of the dose form this version orders, or None."""
        return next((name for name in DOSE_FIELDS if getattr(self, name) is not None), None)

    def dose_inputs(self) -> DoseInputs:
        """Return the stored order and measurements as the dose calculator's typed input."""
        return DoseInputs.from_values(self)


class ClinicalChangeProposal(models.Model):
    """A proposed change to a clinic's clinical limits, waiting for a physician's signature.

    Clinical limits (the clinical dosing settings, the clinical fields of a protocol,
    `services.CLINICAL_PROTOCOL_FIELDS`, and the clinical measurement settings,
    `measurements.services.CLINICAL_MEASUREMENT_SETTINGS_FIELDS`; docs/decisions/0007 and
    0010) change only with a physician's signature: a clinic
    admin's edit of them becomes a proposal, which a physician approves by re-entering their
    password (the change is then applied) or rejects. ``changes`` holds, per field, the value
    the proposal was made against and the proposed one, as JSON-ready values.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a physician's signature")
        APPROVED = "approved", _("Signed and applied")
        REJECTED = "rejected", _("Rejected")

    class Target(models.TextChoices):
        DOSING_SETTINGS = "dosing_settings", _("Dose calculator settings")
        PROTOCOL = "protocol", _("Protocol")
        MEASUREMENT_SETTINGS = "measurement_settings", _("Measurement settings")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField(_("what changes"), max_length=20, choices=Target.choices)
    protocol = models.ForeignKey(
        Protocol,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="change_proposals",
    )
    changes = models.JSONField(_("changes"))
    reason = models.TextField(
        _("reason for the change"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(
        _("note"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="change_proposal_org_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__in=["dosing_settings", "measurement_settings"])
                & Q(protocol__isnull=True)
                | Q(target="protocol", protocol__isnull=False),
                name="change_proposal_target_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"Change proposal {self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class AdministeredDose(models.Model):
    """A dose the patient was actually given, as the chart reported it (plain values).

    The chairside chart (``infusions``) reports each session's delivered amount when the dose
    ends; ``reference`` names where it came from ("visit 12") and makes a repeated report of
    the same session harmless. The plan page sums these into the administered exposure.
    """

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="administered_doses"
    )
    given_at = models.DateTimeField(_("given at"))
    dose_mg = models.DecimalField(
        _("dose (mg)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("5000"))],
    )
    route = models.CharField(_("route"), max_length=12, choices=Route.choices)
    reference = models.CharField(_("reference"), max_length=80)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "reference"], name="administered_dose_once"),
        ]
        indexes = [
            models.Index(fields=["patient", "given_at"], name="administered_dose_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.dose_mg} mg {self.route} at {self.given_at:%Y-%m-%d %H:%M}"
