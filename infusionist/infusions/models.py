"""The chairside infusion chart: the visit, its gate, administration, monitoring and notes.

A :class:`Visit` is one treatment session of one patient (usually the chair appointment the
front desk booked). It moves through the phases of :class:`Visit.Phase`, each step by the
roles that may take it, timestamped (:class:`VisitEvent`) and audited. What the nurse charts
hangs off it: vital signs (:class:`VitalSign`, from the nurse or a monitor) and the alerts
they raise (:class:`VitalAlert`, each needing a documented response), the administration
record (:class:`AdministrationEvent`: pump start, rate changes, pauses, stop, devices, waste),
ratings (MOAA/S, CADSS, modified Aldrete), side effects and as-needed medications, the
discharge, and the signed note (:class:`SignedNote`, append-only, with co-signature and
addenda). Every clinical threshold is a per-clinic :class:`ChartSettings` value whose default
and source key come from the clinical reference (``lib/sources.py``); ``[?]`` marks a default
no published source gives (a conservative clinic setting).

Times are aware datetimes stored in UTC and shown in the location's zone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.integrity import AppendOnlyModel

#: The longest free text a nurse or physician writes in one field (characters).
TEXT_MAX_CHARS = 2000
_FITS = [MaxLengthValidator(TEXT_MAX_CHARS)]


def _dec(max_digits: int, places: int, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(max_digits=max_digits, decimal_places=places, **kwargs)


def _whole(minimum: int, maximum: int) -> list[Any]:
    return [MinValueValidator(minimum), MaxValueValidator(maximum)]


class ChartSettings(models.Model):
    """One clinic's chairside thresholds. Each default and its source key: ``SOURCES``.

    Blood pressure before the dose [27]; alert rules during and after it ([41][42][43][10],
    the numbers themselves are unsourced clinic settings [?]); SpO2 and discharge from the
    modified Aldrete score [50]; MOAA/S [48]; observation floors from the protocol and, for
    esketamine, the REMS [46][47].
    """

    organization = models.OneToOneField(
        "clinics.Organization", on_delete=models.CASCADE, related_name="chart_settings"
    )
    # --- Pre-infusion gate ---------------------------------------------------------------
    pre_systolic_max_mmhg = models.PositiveSmallIntegerField(
        _("before the dose: systolic at most (mmHg)"), default=140, validators=_whole(90, 220)
    )
    pre_diastolic_max_mmhg = models.PositiveSmallIntegerField(
        _("before the dose: diastolic at most (mmHg)"), default=90, validators=_whole(50, 140)
    )
    weight_change_max_pct = _dec(
        4,
        1,
        verbose_name=_("flag today's weight when it differs from the order's by more than (%)"),
        default=Decimal("5.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("50"))],
    )
    fasting_food_min = models.PositiveSmallIntegerField(
        _("ketamine: no food for (min) before; 0 = no fasting asked"),
        default=240,
        validators=_whole(0, 720),
    )
    fasting_liquids_min = models.PositiveSmallIntegerField(
        _("ketamine: no liquids for (min) before; 0 = none asked"),
        default=120,
        validators=_whole(0, 720),
    )
    esketamine_fasting_food_min = models.PositiveSmallIntegerField(
        _("esketamine: no food for (min) before"), default=120, validators=_whole(0, 720)
    )
    esketamine_fasting_liquids_min = models.PositiveSmallIntegerField(
        _("esketamine: no liquids for (min) before"), default=30, validators=_whole(0, 720)
    )
    questionnaire_window_hours = models.PositiveSmallIntegerField(
        _("pre-infusion questionnaire counts when completed within (hours)"),
        default=72,
        validators=_whole(1, 336),
    )
    # --- Starting and stopping the dose ------------------------------------------------------
    start_rate_tolerance_pct = models.PositiveSmallIntegerField(
        _("refuse a start rate further than this from the order's (%)"),
        default=10,
        validators=_whole(1, 50),
    )
    stopped_early_below_pct = models.PositiveSmallIntegerField(
        _("a stop with less than this share of the ordered dose given is early (%)"),
        default=95,
        validators=_whole(50, 100),
    )
    # --- Alerts during and after the infusion --------------------------------------------
    hold_systolic_mmhg = models.PositiveSmallIntegerField(
        _("alert when systolic reaches (mmHg), confirmed on a repeat reading"),
        default=180,
        validators=_whole(120, 260),
    )
    hold_diastolic_mmhg = models.PositiveSmallIntegerField(
        _("alert when diastolic reaches (mmHg), confirmed on a repeat reading"),
        default=110,
        validators=_whole(70, 160),
    )
    hold_confirm_min = models.PositiveSmallIntegerField(
        _("repeat reading at least this many minutes after the first (min)"),
        default=5,
        validators=_whole(1, 30),
    )
    hold_confirm_within_min = models.PositiveSmallIntegerField(
        _("repeat reading counts when taken within (min) of the first"),
        default=20,
        validators=_whole(5, 60),
    )
    severe_systolic_mmhg = models.PositiveSmallIntegerField(
        _("alert at once when systolic reaches (mmHg)"), default=200, validators=_whole(140, 280)
    )
    severe_diastolic_mmhg = models.PositiveSmallIntegerField(
        _("alert at once when diastolic reaches (mmHg)"), default=120, validators=_whole(80, 180)
    )
    spo2_min_pct = models.PositiveSmallIntegerField(
        _("alert when SpO2 is below (%)"), default=92, validators=_whole(80, 100)
    )
    heart_rate_max_per_min = models.PositiveSmallIntegerField(
        _("alert when heart rate stays above (/min)"), default=120, validators=_whole(80, 200)
    )
    heart_rate_sustained_min = models.PositiveSmallIntegerField(
        _("… for at least (min)"), default=5, validators=_whole(0, 30)
    )
    heart_rate_min_per_min = models.PositiveSmallIntegerField(
        _("alert when heart rate is below (/min)"), default=45, validators=_whole(20, 80)
    )
    respiratory_rate_min_per_min = models.PositiveSmallIntegerField(
        _("alert when respiratory rate is below (/min)"), default=8, validators=_whole(4, 16)
    )
    # --- Monitoring cadence ----------------------------------------------------------------
    vitals_during_min = models.PositiveSmallIntegerField(
        _("vitals during the infusion every (min), when the protocol sets none"),
        default=10,
        validators=_whole(1, 60),
    )
    vitals_after_min = models.PositiveSmallIntegerField(
        _("vitals during observation every (min)"), default=15, validators=_whole(1, 60)
    )
    # --- Discharge ---------------------------------------------------------------------------
    discharge_aldrete_min = models.PositiveSmallIntegerField(
        _("discharge needs a modified Aldrete total of at least"),
        default=9,
        validators=_whole(0, 10),
    )
    discharge_bp_within_pct = models.PositiveSmallIntegerField(
        _("discharge needs blood pressure within (%) of baseline"),
        default=20,
        validators=_whole(5, 50),
    )
    discharge_moaas = models.PositiveSmallIntegerField(
        _("discharge needs MOAA/S of"), default=5, validators=_whole(0, 5)
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    #: field -> the source key(s) of its default, shown beside it on every screen.
    SOURCES = {
        "pre_systolic_max_mmhg": "[27]",
        "pre_diastolic_max_mmhg": "[27]",
        "weight_change_max_pct": "[?]",
        "questionnaire_window_hours": "[?]",
        "fasting_food_min": "[?]",
        "fasting_liquids_min": "[?]",
        "esketamine_fasting_food_min": "[18]",
        "esketamine_fasting_liquids_min": "[18]",
        "start_rate_tolerance_pct": "[?]",
        "stopped_early_below_pct": "[?]",
        "hold_systolic_mmhg": "[10][42] [?]",
        "hold_diastolic_mmhg": "[10][42] [?]",
        "hold_confirm_min": "[?]",
        "hold_confirm_within_min": "[?]",
        "severe_systolic_mmhg": "[43] [?]",
        "severe_diastolic_mmhg": "[43] [?]",
        "spo2_min_pct": "[50]",
        "heart_rate_max_per_min": "[?]",
        "heart_rate_sustained_min": "[?]",
        "heart_rate_min_per_min": "[?]",
        "respiratory_rate_min_per_min": "[?]",
        "vitals_during_min": "[7][41]",
        "vitals_after_min": "[7]",
        "discharge_aldrete_min": "[50]",
        "discharge_bp_within_pct": "[50]",
        "discharge_moaas": "[48]",
    }

    class Meta:
        verbose_name = _("chart settings")
        verbose_name_plural = _("chart settings")

    def __str__(self) -> str:
        return f"Chart settings of organization {self.organization_id}"


class RemsFormRule(models.Model):
    """A form a REMS programme asks after a session: which drug, when, due how many days later.

    Kept as data so a change to the programme is followed without code. The demo and a new
    clinic get the Spravato REMS Patient Monitoring Form: after every outpatient esketamine
    session, due within 7 days [36][46][47].
    """

    class When(models.TextChoices):
        EVERY_SESSION = "every_session", _("After every session")
        FIRST_SESSION = "first_session", _("After the patient's first session only")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="rems_form_rules"
    )
    name = models.CharField(_("form"), max_length=120)
    drug = models.CharField(_("drug"), max_length=12)
    when = models.CharField(
        _("required"), max_length=16, choices=When.choices, default=When.EVERY_SESSION
    )
    due_days = models.PositiveSmallIntegerField(
        _("due within (days of the session)"), default=7, validators=_whole(1, 60)
    )
    source_keys = models.CharField(_("source"), max_length=60, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One treatment session at the chair, from check-in to the signed note."""

    class Phase(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CHECKED_IN = "checked_in", _("Checked in")
        PRE_CHECKS = "pre_checks", _("Pre-infusion checks")
        INFUSING = "infusing", _("Infusing")
        PAUSED = "paused", _("Paused")
        OBSERVATION = "observation", _("Observation")
        READY = "ready", _("Ready for discharge")
        DISCHARGED = "discharged", _("Discharged")
        SIGNED = "signed", _("Note signed")
        CANCELLED = "cancelled", _("Cancelled")

    class Pregnancy(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        NEGATIVE_TEST = "negative_test", _("Negative test today")
        NOT_PREGNANT_REPORTED = "reported_not", _("Not pregnant (patient's report)")
        PREGNANT = "pregnant", _("Pregnant or possibly pregnant")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="visits"
    )
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="visits")
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit",
    )
    chair = models.ForeignKey(
        "clinics.Chair", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(_("scheduled for"))
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.SCHEDULED)

    # The order this session carries out (the signed plan version) and what it said.
    plan_version = models.ForeignKey(
        "treatment.TreatmentPlanVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    drug = models.CharField(_("drug"), max_length=12, blank=True)
    route = models.CharField(_("route"), max_length=12, blank=True)
    ordered_dose_mg = _dec(8, 2, verbose_name=_("ordered dose (mg)"), null=True, blank=True)
    ordered_weight_kg = _dec(
        5, 1, verbose_name=_("weight on the order (kg)"), null=True, blank=True
    )
    duration_min = models.PositiveIntegerField(_("infusion minutes"), null=True, blank=True)
    observation_min = models.PositiveIntegerField(_("observation minutes"), null=True, blank=True)
    monitoring_interval_min = models.PositiveIntegerField(
        _("vitals every (min) during the infusion"), null=True, blank=True
    )

    # Pre-infusion checks, as the nurse confirmed them.
    weight_today_kg = _dec(5, 1, verbose_name=_("today's weight (kg)"), null=True, blank=True)
    weight_change_pct = _dec(
        6, 2, verbose_name=_("change from the order (%)"), null=True, blank=True
    )
    recalculated_dose_mg = _dec(
        8, 2, verbose_name=_("dose on today's weight (mg)"), null=True, blank=True
    )
    fasting_confirmed = models.BooleanField(_("fasting confirmed"), null=True, blank=True)
    fasting_note = models.CharField(_("fasting"), max_length=200, blank=True)
    escort_name = models.CharField(_("escort's name"), max_length=150, blank=True)
    escort_phone = models.CharField(_("escort's phone"), max_length=20, blank=True)
    pregnancy = models.CharField(
        _("pregnancy status"), max_length=16, choices=Pregnancy.choices, blank=True
    )
    gate_passed_at = models.DateTimeField(null=True, blank=True)
    gate_snapshot = models.JSONField(default=list, blank=True)

    # Administration set-up: what hangs on the pump.
    container_label = models.CharField(_("container"), max_length=120, blank=True)
    lot_number = models.CharField(_("lot"), max_length=40, blank=True)
    vial_mg_per_ml = _dec(6, 2, verbose_name=_("vial strength (mg/mL)"), null=True, blank=True)
    concentration_mg_per_ml = _dec(
        7, 4, verbose_name=_("final concentration (mg/mL)"), null=True, blank=True
    )
    bag_volume_ml = _dec(6, 1, verbose_name=_("final volume (mL)"), null=True, blank=True)
    delivered_mg = _dec(8, 2, verbose_name=_("delivered (mg)"), null=True, blank=True)
    wasted_mg = _dec(8, 2, verbose_name=_("wasted (mg)"), null=True, blank=True)

    # Times of each phase.
    checked_in_at = models.DateTimeField(null=True, blank=True)
    infusion_started_at = models.DateTimeField(null=True, blank=True)
    infusion_ended_at = models.DateTimeField(null=True, blank=True)
    stopped_early = models.BooleanField(default=False)
    stop_reason = models.CharField(_("why stopped early"), max_length=300, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escort_present_name = models.CharField(_("left with"), max_length=150, blank=True)
    instructions_given = models.BooleanField(default=False)
    discharge_snapshot = models.JSONField(default=dict, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    note_draft = models.TextField(
        _("nurse's note"), blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [
            models.Index(fields=["organization", "scheduled_at"], name="visit_org_scheduled"),
            models.Index(fields=["location", "phase"], name="visit_location_phase"),
            models.Index(fields=["patient", "scheduled_at"], name="visit_patient_scheduled"),
        ]

    def __str__(self) -> str:
        return f"Visit {self.pk} ({self.phase})"

    ACTIVE_PHASES = frozenset(
        {
            Phase.CHECKED_IN,
            Phase.PRE_CHECKS,
            Phase.INFUSING,
            Phase.PAUSED,
            Phase.OBSERVATION,
            Phase.READY,
        }
    )

    @property
    def is_active(self) -> bool:
        return self.phase in self.ACTIVE_PHASES


class VisitEvent(AppendOnlyModel):
    """A step of the visit's lifecycle (or a gate override), with who and when."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class GateOverride(AppendOnlyModel):
    """A physician's override of one failed pre-infusion check, with the reason."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="gate_overrides")
    code = models.CharField(max_length=40)
    reason = models.TextField(max_length=TEXT_MAX_CHARS, validators=_FITS)
    inputs = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class VitalSign(models.Model):
    """One set of vital signs: each value optional, blood pressure as a pair.

    Plausible ranges live in ``lib.vitals.PLAUSIBLE``. ``source`` says whether the nurse or a
    monitor entered it; ``fingerprint`` makes a repeated submission of the same reading harmless.
    """

    class Source(models.TextChoices):
        NURSE = "nurse", _("Entered by the nurse")
        MONITOR = "monitor", _("From the monitor")

    class Stage(models.TextChoices):
        BASELINE = "baseline", _("Before the dose")
        DURING = "during", _("During the infusion")
        AFTER = "after", _("Observation")
        DISCHARGE = "discharge", _("At discharge")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="vitals")
    measured_at = models.DateTimeField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_per_min = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate_per_min = models.PositiveSmallIntegerField(null=True, blank=True)
    on_oxygen = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.NURSE)
    device = models.CharField(max_length=80, blank=True)
    fingerprint = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measured_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "fingerprint"], name="vital_once"),
            models.CheckConstraint(
                condition=Q(systolic_mmhg__isnull=True, diastolic_mmhg__isnull=True)
                | Q(systolic_mmhg__isnull=False, diastolic_mmhg__isnull=False),
                name="vital_bp_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"Vital signs at {self.measured_at:%Y-%m-%d %H:%M} (visit {self.visit_id})"


class VitalAlert(models.Model):
    """An alert a reading (or a rating) raised: its rule, threshold, source and the response."""

    class Response(models.TextChoices):
        PAUSED = "paused", _("Infusion paused")
        TREATED = "treated", _("Treated")
        OBSERVED = "observed", _("Observed and rechecked")
        PHYSICIAN_NOTIFIED = "physician_notified", _("Physician notified")
        STOPPED = "stopped", _("Infusion stopped")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="alerts")
    vital = models.ForeignKey(
        VitalSign, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    rule = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    threshold = models.CharField(max_length=120)
    source_keys = models.CharField(max_length=60)
    inputs = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    responses = models.JSONField(default=list, blank=True)
    response_note = models.TextField(blank=True, max_length=TEXT_MAX_CHARS, validators=_FITS)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.rule} alert on visit {self.visit_id}"

    @property
    def is_open(self) -> bool:
        return self.responded_at is None


class AdministrationEvent(models.Model):
    """A pump or dose event: start, rate change, pause, resume, stop, a device or bolus, waste.

    Rates in mL/h at the visit's final concentration (mg/mL); ``dose_mg`` for a device, an
    injection or waste. The delivered amount is computed from these (``lib.administration``).
    """

    class Kind(models.TextChoices):
        START = "start", _("Pump started")
        RATE = "rate", _("Rate changed")
        PAUSE = "pause", _("Paused")
        RESUME = "resume", _("Resumed")
        STOP = "stop", _("Stopped")
        DOSE = "dose", _("Dose given (device or injection)")
        WASTE = "waste", _("Waste")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="administration")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()
    rate_ml_per_h = _dec(7, 2, null=True, blank=True)
    dose_mg = _dec(8, 2, null=True, blank=True)
    volume_ml = _dec(7, 2, null=True, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%H:%M} (visit {self.visit_id})"


class Rating(models.Model):
    """A sedation (MOAA/S), dissociation (CADSS total) or recovery (modified Aldrete) rating."""

    class Scale(models.TextChoices):
        MOAAS = "moaas", _("Sedation (MOAA/S)")
        CADSS = "cadss", _("Dissociation (CADSS)")
        ALDRETE = "aldrete", _("Recovery (modified Aldrete)")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="ratings")
    scale = models.CharField(max_length=8, choices=Scale.choices)
    score = models.PositiveSmallIntegerField()
    items = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.scale} {self.score} (visit {self.visit_id})"


class SideEffect(models.Model):
    """A side effect seen during the visit."""

    class Kind(models.TextChoices):
        NAUSEA = "nausea", _("Nausea")
        VOMITING = "vomiting", _("Vomiting")
        ANXIETY = "anxiety", _("Anxiety")
        HEADACHE = "headache", _("Headache")
        DIZZINESS = "dizziness", _("Dizziness")
        EMERGENCE = "emergence", _("Emergence reaction")
        HYPERTENSION = "hypertension", _("Hypertension")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="side_effects")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MILD)
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} (visit {self.visit_id})"


class PrnMedication(models.Model):
    """An as-needed medication given during the visit: drug, dose with its unit, route, time."""

    class Unit(models.TextChoices):
        MG = "mg", "mg"
        MCG = "mcg", "mcg"
        ML = "mL", "mL"

    class Route(models.TextChoices):
        ORAL = "oral", _("By mouth")
        SUBLINGUAL = "sublingual", _("Under the tongue")
        IV = "iv", _("Intravenous")
        IM = "im", _("Intramuscular")
        ODT = "odt", _("Dissolving tablet")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="prn_medications")
    drug = models.CharField(max_length=80)
    dose = _dec(8, 3)
    unit = models.CharField(max_length=4, choices=Unit.choices)
    route = models.CharField(max_length=12, choices=Route.choices)
    at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.drug} {self.dose} {self.unit} (visit {self.visit_id})"


class SignedNote(AppendOnlyModel):
    """The nurse's signed session note: its text and the chart as it stood, hashed; final."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="signed_note")
    text = models.TextField(max_length=TEXT_MAX_CHARS, validators=_FITS)
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)
    attestation = models.TextField()


class NoteCosignature(AppendOnlyModel):
    """A provider's co-signature of a signed note."""

    note = models.OneToOneField(SignedNote, on_delete=models.PROTECT, related_name="cosignature")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)
    attestation = models.TextField()


class NoteAddendum(AppendOnlyModel):
    """A correction or addition to a signed note; the note itself never changes."""

    note = models.ForeignKey(SignedNote, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField(max_length=TEXT_MAX_CHARS, validators=_FITS)
    content_sha256 = models.CharField(max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]


class RemsForm(models.Model):
    """A REMS form owed for one visit: its data, due date and when it was submitted."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="rems_forms")
    rule = models.ForeignKey(RemsFormRule, on_delete=models.PROTECT, related_name="forms")
    name = models.CharField(max_length=120)
    due_on = models.DateField()
    data = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmation = models.CharField(_("confirmation or fax reference"), max_length=80, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "rule"], name="rems_form_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} for visit {self.visit_id}"
