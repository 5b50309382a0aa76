"""Consultations with the supervising physician and the physician's eligibility decision.

A new patient sees a supervising physician (telehealth video, telephone or in person) before
treatment; the physician reviews the eligibility checklist (``lib.eligibility``) on the
patient's intake and signs a decision: approve, decline or defer (docs/decisions/0025).
Source keys in square brackets resolve in the clinical reference (``lib/sources.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.integrity import AppendOnlyModel
from infusionist.lib.eligibility import EligibilityLimits
from infusionist.treatment.models import TEXT_MAX_CHARS

_DEFAULTS = EligibilityLimits()


class Consultation(models.Model):
    """One consultation of a patient with a supervising physician of the same clinic.

    ``scheduled_at`` is an aware datetime (stored UTC, shown in the clinic's zone);
    ``held_at`` is set when the physician records it as held.
    """

    class Modality(models.TextChoices):
        TELEHEALTH_VIDEO = "telehealth_video", _("Telehealth video")
        TELEPHONE = "telephone", _("Telephone")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consultations"
    )
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    modality = models.CharField(_("how"), max_length=20, choices=Modality.choices)
    scheduled_at = models.DateTimeField(_("date and time"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    held_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=TEXT_MAX_CHARS)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-scheduled_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "status"], name="consult_org_status"),
            models.Index(fields=["patient", "scheduled_at"], name="consult_patient_at"),
        ]

    def __str__(self) -> str:
        return f"Consultation #{self.pk} of patient #{self.patient_id}"

    @property
    def is_open(self) -> bool:
        """Whether it is still scheduled (not yet held, missed or cancelled)."""
        return self.status == self.Status.SCHEDULED


class EligibilitySettings(models.Model):
    """One clinic's eligibility thresholds; the defaults are ``lib.eligibility``'s documented
    values (:class:`~infusionist.lib.eligibility.EligibilityLimits`)."""

    organization = models.OneToOneField(
        "clinics.Organization", on_delete=models.CASCADE, related_name="eligibility_settings"
    )
    max_benzodiazepine_diazepam_mg_per_day = models.DecimalField(
        _("highest benzodiazepine load (mg/day diazepam-equivalent)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(str(_DEFAULTS.max_benzodiazepine_diazepam_mg_per_day)),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))],
        help_text=_(
            "Default 8 mg/day: above this diazepam-equivalent daily dose ketamine's "
            "antidepressant effect was dampened [32]."
        ),
    )
    min_failed_adequate_trials = models.PositiveSmallIntegerField(
        _("treatment resistance: failed adequate antidepressant trials (at least)"),
        default=_DEFAULTS.min_failed_adequate_trials,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "Default 2: no adequate response to at least two antidepressants of adequate dose "
            "and duration in the current episode [25]."
        ),
    )
    max_systolic_mmhg = models.PositiveSmallIntegerField(
        _("highest systolic blood pressure (mmHg)"),
        default=_DEFAULTS.max_systolic_mmhg,
        validators=[MinValueValidator(90), MaxValueValidator(200)],
        help_text=_("Default 140 mmHg, the esketamine label's guide for weighing delay [27]."),
    )
    max_diastolic_mmhg = models.PositiveSmallIntegerField(
        _("highest diastolic blood pressure (mmHg)"),
        default=_DEFAULTS.max_diastolic_mmhg,
        validators=[MinValueValidator(50), MaxValueValidator(130)],
        help_text=_("Default 90 mmHg, the esketamine label's guide for weighing delay [27]."),
    )
    stop_systolic_mmhg = models.PositiveSmallIntegerField(
        _("hard stop at systolic blood pressure (mmHg) or above"),
        default=_DEFAULTS.stop_systolic_mmhg,
        validators=[MinValueValidator(140), MaxValueValidator(220)],
        help_text=_(
            "Default 180 mmHg: treat the blood pressure before any ketamine. The hypertension "
            "guideline calls readings above 180/120 severe [43]; the ketamine label "
            "contraindicates it where a significant rise is a serious hazard [22]. No "
            "override."
        ),
    )
    stop_diastolic_mmhg = models.PositiveSmallIntegerField(
        _("hard stop at diastolic blood pressure (mmHg) or above"),
        default=_DEFAULTS.stop_diastolic_mmhg,
        validators=[MinValueValidator(90), MaxValueValidator(140)],
        help_text=_(
            "Default 110 mmHg [?]: no published source sets it; a trial withdrew a patient at "
            "180/115 [10], so the default stops below that."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "eligibility settings"

    def __str__(self) -> str:
        return f"Eligibility settings of organization #{self.organization_id}"

    def clean(self) -> None:
        """The hard-stop blood pressure must sit above the level that needs an override."""
        problems = {}
        if self.stop_systolic_mmhg <= self.max_systolic_mmhg:
            problems["stop_systolic_mmhg"] = _(
                "The hard stop must be above the systolic limit that needs an override "
                "(%(limit)s mmHg)."
            ) % {"limit": self.max_systolic_mmhg}
        if self.stop_diastolic_mmhg <= self.max_diastolic_mmhg:
            problems["stop_diastolic_mmhg"] = _(
                "The hard stop must be above the diastolic limit that needs an override "
                "(%(limit)s mmHg)."
            ) % {"limit": self.max_diastolic_mmhg}
        if problems:
            raise ValidationError(problems)

    def limits(self) -> EligibilityLimits:
        """Return these settings as the kernel's typed limits."""
        return EligibilityLimits(
            max_benzodiazepine_diazepam_mg_per_day=float(
                self.max_benzodiazepine_diazepam_mg_per_day
            ),
            min_failed_adequate_trials=int(self.min_failed_adequate_trials),
            max_systolic_mmhg=int(self.max_systolic_mmhg),
            max_diastolic_mmhg=int(self.max_diastolic_mmhg),
            stop_systolic_mmhg=int(self.stop_systolic_mmhg),
            stop_diastolic_mmhg=int(self.stop_diastolic_mmhg),
        )


class EligibilityDecision(AppendOnlyModel):
    """One signed version of a physician's eligibility decision for a patient.

    Versions number 1, 2, … per patient; the highest is current and supersedes the others.
    A row is written once, signed, and never changed (the ORM and, on PostgreSQL, a trigger
    refuse). It keeps what the physician saw: ``facts_sha256`` (the intake facts' digest),
    ``checklist`` (every rule as evaluated: code, title, severity, fired, reason,
    source_keys, inputs), ``overrides`` ({rule code: reason}), ``limits`` (the clinic's
    thresholds used) and ``content_sha256`` over all of it.
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        DEFERRED = "deferred", _("Deferred")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_decisions"
    )
    version = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.TextField(max_length=TEXT_MAX_CHARS)
    facts_sha256 = models.CharField(max_length=64)
    checklist = models.JSONField(default=list)
    overrides = models.JSONField(default=dict, blank=True)
    limits = models.JSONField(default=dict)
    diazepam_equivalent_mg_per_day = models.DecimalField(max_digits=7, decimal_places=2)
    treatment_resistant = models.BooleanField()
    failed_adequate_trials = models.PositiveSmallIntegerField()
    attestation = models.TextField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    content_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="eligibility_decision_version_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "patient"], name="elig_decision_org_patient")
        ]

    def __str__(self) -> str:
        return f"Eligibility decision v{self.version} of patient #{self.patient_id}"
