"""Measurement-based care: questionnaire responses, schedules, links and safety alerts.

Source keys in square brackets resolve in docs/clinical-reference.md (``lib/sources.py``);
``[?]`` marks a default without an authoritative source (a conservative value each clinic sets
for itself).
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from infusionist.lib import instruments
from infusionist.lib.instruments import cssrs
from infusionist.lib.measurement_schedule import (
    MIN_INTERVAL_DAYS_DEFAULTS,
    PHASES,
    Cadence,
    Reason,
)

#: Highest minimum interval a clinic may set for one instrument (days).
MAX_MIN_INTERVAL_DAYS = 90


def validate_instrument_codes(value: str) -> None:
    """Reject a comma-separated list naming an unknown or clinician-only instrument."""
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise ValidationError(_("Name at least one instrument, e.g. phq9,gad7."))
    for code in codes:
        try:
            instrument = instruments.get(code)
        except instruments.UnknownInstrument as exc:
            raise ValidationError(
                _("%(code)s is not a known instrument."), params={"code": code}
            ) from exc
        if instrument.administration != "self_report":
            raise ValidationError(
                _("%(code)s is clinician-administered; patients cannot self-report it."),
                params={"code": code},
            )


def validate_scheduled_instruments(value: str) -> None:
    """Reject instruments that cannot be sent to patients: unknown, clinician-only or unworded.

    A patient answers from the wording on the screen, so each must be worded in at least one
    language (``Instrument.patient_languages``; QIDS-SR16 ships item names only).
    """
    validate_instrument_codes(value)
    for code in (code.strip() for code in value.split(",") if code.strip()):
        if not instruments.get(code).patient_languages():
            raise ValidationError(
                _(
                    "%(code)s cannot be sent to patients: its wording does not ship (licence "
                    "terms). Enter it from the clinic's own form instead."
                ),
                params={"code": code},
            )


def validate_cssrs_wording(value: str) -> None:
    """Reject pasted C-SSRS wording that is not a whole, on-topic screener.

    Empty is allowed (staff see item names). Otherwise every line is ``q1: text``; each of the
    seven items (q1–q5, q6, q6b) is given once, in words of its own topic
    (``cssrs.ITEM_TOPIC_WORDS``). Raises ValidationError naming the questions at fault.
    """
    lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
    if not lines:
        return
    items = [item.link_id for item in cssrs.CSSRS_ITEMS]
    given: dict[str, str] = {}
    problems: list[str] = []
    for line in lines:
        key, sep, text = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in items:
            problems.append(
                str(
                    _("“%(line)s” is not “q1: wording” for one of q1–q5, q6, q6b.")
                    % {"line": line[:60]}
                )
            )
        elif key in given:
            problems.append(str(_("%(key)s is given twice.") % {"key": key}))
        elif len(re.findall(r"\w+", text)) < 3:
            problems.append(str(_("%(key)s needs the whole question.") % {"key": key}))
        else:
            given[key] = text
    missing = [key for key in items if key not in given]
    if missing and not problems:
        problems.append(
            str(
                _("Give every item of the screener: %(missing)s missing.")
                % {"missing": ", ".join(missing)}
            )
        )
    for key, text in given.items():
        plain = unicodedata.normalize("NFKD", text.lower())
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        if not any(re.search(rf"\b{word}", plain) for word in cssrs.ITEM_TOPIC_WORDS[key]):
            item = next(i for i in cssrs.CSSRS_ITEMS if i.link_id == key)
            problems.append(
                str(
                    _("%(key)s does not read as the C-SSRS item “%(name)s”.")
                    % {"key": key, "name": item.name}
                )
            )
    if problems:
        raise ValidationError(" ".join(problems))


def parse_min_interval_days(value: str) -> dict[str, int]:
    """Return the code -> days overrides written as ``code:days`` pairs; raise ValidationError.

    Commas, semicolons or new lines separate the pairs; spaces are ignored. Each code must be a
    self-report instrument (one that can be scheduled) and each number a whole number of days
    from 0 to ``MAX_MIN_INTERVAL_DAYS``.
    """
    result: dict[str, int] = {}
    for raw in value.replace(";", ",").replace("\n", ",").split(","):
        entry = raw.strip()
        if not entry:
            continue
        code, sep, days = (part.strip() for part in entry.partition(":"))
        if not sep or not code or not days:
            raise ValidationError(
                _("Write each entry as code:days, e.g. phq9:7; %(entry)s is not."),
                params={"entry": entry[:40]},
            )
        validate_instrument_codes(code)
        if not days.isdigit() or int(days) > MAX_MIN_INTERVAL_DAYS:
            raise ValidationError(
                _("%(code)s: the days must be a whole number from 0 to %(max)s."),
                params={"code": code, "max": MAX_MIN_INTERVAL_DAYS},
            )
        if code in result:
            raise ValidationError(_("%(code)s is listed twice."), params={"code": code})
        result[code] = int(days)
    return result


def validate_min_interval_days(value: str) -> None:
    """Reject minimum intervals that are not ``code:days`` pairs of schedulable instruments."""
    parse_min_interval_days(value)


def _whole(minimum: int, maximum: int) -> list:
    return [MinValueValidator(minimum), MaxValueValidator(maximum)]


class MeasurementSettings(models.Model):
    """One organization's measurement thresholds and schedule; every field has a documented default.

    Response, remission and loss of response: docs/clinical-reference.md §4 "Definitions".
    Suicidality triggers: §4 "Item 9" and "C-SSRS screener", §9.
    """

    organization = models.OneToOneField(
        "clinics.Organization", on_delete=models.CASCADE, related_name="measurement_settings"
    )
    response_reduction_pct = models.PositiveSmallIntegerField(
        _("response: reduction from baseline (%)"),
        default=50,
        validators=_whole(1, 100),
        help_text=_("Default 50: response is a drop of at least 50% from baseline [11][14]."),
    )
    remission_max_phq9 = models.PositiveSmallIntegerField(
        _("remission: highest PHQ-9 score"),
        default=4,
        validators=_whole(0, 27),
        help_text=_("Default 4, i.e. PHQ-9 below 5 [14]."),
    )
    remission_max_qids_sr16 = models.PositiveSmallIntegerField(
        _("remission: highest QIDS-SR16 score"),
        default=5,
        validators=_whole(0, 27),
        help_text=_("Default 5, i.e. QIDS-SR16 of 5 or less [52]."),
    )
    remission_max_madrs = models.PositiveSmallIntegerField(
        _("remission: highest MADRS score"),
        default=10,
        validators=_whole(0, 60),
        help_text=_("Default 10 [54]; esketamine trials used 12 [54] — label which you use."),
    )
    loss_of_response_consecutive = models.PositiveSmallIntegerField(
        _("loss of response: consecutive non-responding scores"),
        default=2,
        validators=_whole(1, 6),
        help_text=_(
            "Default 2: two consecutive scores no longer at the response threshold after a "
            "response. Relapse definitions vary by study [?]; this is a conservative default."
        ),
    )
    phq9_item9_alert_at_least = models.PositiveSmallIntegerField(
        _("PHQ-9 item 9: alert at or above"),
        default=1,
        validators=_whole(1, 3),
        help_text=_(
            "Default 1: any answer above 'not at all' needs a structured risk assessment "
            "[63][51]. A negative answer is not clearance [65]."
        ),
    )
    cssrs_alert_at_least_risk_level = models.PositiveSmallIntegerField(
        _("C-SSRS: alert at or above risk level"),
        default=2,
        validators=_whole(1, 2),
        help_text=_("1 = any positive answer, 2 = imminent risk (default) [57][63]."),
    )
    cssrs_licensed_wording = models.TextField(
        _("C-SSRS licensed item wording"),
        blank=True,
        validators=[validate_cssrs_wording],
        help_text=_(
            "No C-SSRS wording ships with Infusionist: electronic use is licensed by Clario [58]. "
            "If your clinic holds a licence, paste the wording one item per line as "
            "'q1: text', every item (q1, q2, q3, q4, q5, q6, q6b). Otherwise staff see item "
            "names. A change is clinical: it takes effect when a physician signs it."
        ),
    )
    scheduled_instruments = models.CharField(
        _("instruments sent on schedule"),
        max_length=120,
        default="phq9,gad7",
        validators=[validate_scheduled_instruments],
        help_text=_("Comma-separated codes of self-report instruments, e.g. phq9,gad7."),
    )
    induction_interval_days = models.PositiveSmallIntegerField(
        _("check-in every (days) during induction"),
        default=Cadence.induction_interval_days,
        validators=_whole(1, 60),
        help_text=_("Default 7 (weekly) [?]; counted from the last infusion."),
    )
    maintenance_interval_days = models.PositiveSmallIntegerField(
        _("check-in every (days) in maintenance"),
        default=Cadence.maintenance_interval_days,
        validators=_whole(1, 90),
        help_text=_("Default 14 (every two weeks) [?]; counted from the last infusion."),
    )
    next_day_checkin_hours = models.PositiveSmallIntegerField(
        _("next-day check-in after an infusion (hours)"),
        default=Cadence.next_day_checkin_hours,
        validators=_whole(1, 96),
        help_text=_("Default 24 [?]."),
    )
    pre_infusion_lead_hours = models.PositiveSmallIntegerField(
        _("send pre-infusion questionnaire ahead (hours)"),
        default=Cadence.pre_infusion_lead_hours,
        validators=_whole(1, 168),
        help_text=_("Default 48 [?]; due at the infusion."),
    )
    completion_window_hours = models.PositiveSmallIntegerField(
        _("hours to complete a check-in before it is overdue"),
        default=Cadence.completion_window_hours,
        validators=_whole(1, 336),
        help_text=_("Default 48 [?]."),
    )
    checkin_local_hour = models.PositiveSmallIntegerField(
        _("check-ins counted from a date open at (clinic-local hour, 0–23)"),
        default=Cadence.checkin_local_hour,
        validators=_whole(0, 23),
        help_text=_(
            "Default 9, i.e. 09:00 in the clinic's time zone [?]: a check-in counted from the "
            "plan's first session date opens at this hour, so no message goes out at night."
        ),
    )
    instrument_min_interval_days = models.CharField(
        _("minimum days between two scheduled questionnaires, per instrument"),
        max_length=200,
        blank=True,
        validators=[validate_min_interval_days],
        help_text=_(
            "Overrides as code:days pairs, e.g. phq9:7,gad7:7; 0 asks as often as the schedule "
            "does. A scheduled questionnaire is not sent when it would be due within this many "
            "days of the last completed one of the same instrument. Defaults: the recall period "
            "each one asks about [?] — PHQ-9, PHQ-2 and GAD-7 14 ('the last 2 weeks' [51]), "
            "QIDS-SR16 7 [52], PCL-5 30 ('the past month' [55]), BPI 1 [59], pain NRS 0. "
            "Questionnaires sent by staff are never held back."
        ),
    )
    max_reminders = models.PositiveSmallIntegerField(
        _("reminders after the first message"),
        default=3,
        validators=_whole(0, 3),
        help_text=_("Default 3, as clinics' current tools send [99]."),
    )
    reminder_interval_hours = models.PositiveSmallIntegerField(
        _("hours between reminders"),
        default=24,
        validators=_whole(1, 168),
        help_text=_("Default 24: daily reminders, as clinics' current tools send [99]."),
    )
    safety_escalation_minutes = models.PositiveSmallIntegerField(
        _("escalate an unacknowledged safety alert after (minutes)"),
        default=60,
        validators=_whole(5, 1440),
        help_text=_(
            "Default 60 [?]: a conservative default; the medical director is emailed if the "
            "responsible clinician has not acknowledged the alert by then."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    #: The source keys of each field's documented default ([?]: no published source).
    SOURCE_KEYS = {
        "response_reduction_pct": "[11] [14]",
        "remission_max_phq9": "[14]",
        "remission_max_qids_sr16": "[52]",
        "remission_max_madrs": "[54]",
        "loss_of_response_consecutive": "[?]",
        "phq9_item9_alert_at_least": "[63] [51] [65]",
        "cssrs_alert_at_least_risk_level": "[57] [63]",
        "safety_escalation_minutes": "[?]",
        "scheduled_instruments": "[?]",
        "induction_interval_days": "[?]",
        "maintenance_interval_days": "[?]",
        "next_day_checkin_hours": "[?]",
        "pre_infusion_lead_hours": "[?]",
        "completion_window_hours": "[?]",
        "checkin_local_hour": "[?]",
        "instrument_min_interval_days": "[?] [51] [52] [55] [59]",
        "max_reminders": "[99]",
        "reminder_interval_hours": "[99]",
        "cssrs_licensed_wording": "[58]",
    }

    class Meta:
        verbose_name = _("measurement settings")
        verbose_name_plural = _("measurement settings")

    def __str__(self) -> str:
        return f"Measurement settings of {self.organization_id}"

    @classmethod
    def documented_default(cls, name: str) -> str:
        """Return the documented default of a setting as shown beside it (a string).

        The minimum intervals default to each instrument's recall period
        (``MIN_INTERVAL_DAYS_DEFAULTS``); the licensed C-SSRS wording to none.
        """
        if name == "instrument_min_interval_days":
            return ", ".join(f"{code}:{days}" for code, days in MIN_INTERVAL_DAYS_DEFAULTS.items())
        if name == "cssrs_licensed_wording":
            return str(_("none: staff see item names"))
        field = cls._meta.get_field(name)
        return str(field.get_default())  # type: ignore[union-attr]

    @classmethod
    def allowed_range(cls, name: str) -> tuple[int, int] | None:
        """Return the (lowest, highest) whole number a setting takes, or None if not a number."""
        field = cls._meta.get_field(name)
        if not isinstance(field, models.PositiveSmallIntegerField):
            return None
        low = next(v.limit_value for v in field.validators if isinstance(v, MinValueValidator))
        high = next(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))
        return int(low), int(high)

    @property
    def instrument_codes(self) -> list[str]:
        return [code.strip() for code in self.scheduled_instruments.split(",") if code.strip()]

    def cadence(self) -> Cadence:
        return Cadence(
            induction_interval_days=self.induction_interval_days,
            maintenance_interval_days=self.maintenance_interval_days,
            next_day_checkin_hours=self.next_day_checkin_hours,
            pre_infusion_lead_hours=self.pre_infusion_lead_hours,
            completion_window_hours=self.completion_window_hours,
            checkin_local_hour=self.checkin_local_hour,
        )

    def min_interval_days(self, code: str) -> int:
        """Return the clinic's minimum days between two scheduled questionnaires of ``code``."""
        try:
            overrides = parse_min_interval_days(self.instrument_min_interval_days)
        except ValidationError:
            overrides = {}  # a stored value is validated on save; never fail a schedule run
        return overrides.get(code, MIN_INTERVAL_DAYS_DEFAULTS.get(code, 0))

    def remission_thresholds(self) -> dict[str, int]:
        return {
            "phq9": self.remission_max_phq9,
            "qids_sr16": self.remission_max_qids_sr16,
            "madrs": self.remission_max_madrs,
        }

    def instrument_params(self, code: str) -> dict[str, int]:
        """Return the library parameters this clinic overrides for one instrument."""
        if code == "phq9":
            return {"item9_alert_at_least": self.phq9_item9_alert_at_least}
        if code == "cssrs_screener":
            return {"alert_at_least_risk_level": self.cssrs_alert_at_least_risk_level}
        return {}

    def cssrs_wording(self) -> dict[str, str]:
        """Return the pasted licensed wording as link_id -> text."""
        wording: dict[str, str] = {}
        for line in self.cssrs_licensed_wording.splitlines():
            key, sep, text = line.partition(":")
            if sep and key.strip() and text.strip():
                wording[key.strip().lower()] = text.strip()
        return wording


#: The settings as the settings page and the admin group them: (heading, what the group
#: decides, fields). Every editable field is in exactly one group.
SETTINGS_GROUPS: tuple[tuple[Promise, Promise, tuple[str, ...]], ...] = (
    (
        _("Outcome definitions"),
        _(
            "What counts as response, remission and loss of response on every patient's chart "
            "(clinical reference §4)."
        ),
        (
            "response_reduction_pct",
            "remission_max_phq9",
            "remission_max_qids_sr16",
            "remission_max_madrs",
            "loss_of_response_consecutive",
        ),
    ),
    (
        _("Suicidality safety"),
        _(
            "Which answers raise a safety alert for a clinician, and when an unacknowledged "
            "alert is escalated (clinical reference §4, §9)."
        ),
        (
            "phq9_item9_alert_at_least",
            "cssrs_alert_at_least_risk_level",
            "safety_escalation_minutes",
        ),
    ),
    (
        _("Questionnaire schedule"),
        _("Which questionnaires patients are sent, and when."),
        (
            "scheduled_instruments",
            "induction_interval_days",
            "maintenance_interval_days",
            "next_day_checkin_hours",
            "pre_infusion_lead_hours",
            "completion_window_hours",
            "checkin_local_hour",
            "instrument_min_interval_days",
        ),
    ),
    (
        _("Reminders"),
        _("How often a patient is reminded of a questionnaire they have not finished."),
        ("max_reminders", "reminder_interval_hours"),
    ),
    (
        _("C-SSRS wording"),
        _("The licensed wording of the C-SSRS screener, if this clinic holds a licence."),
        ("cssrs_licensed_wording",),
    ),
)


class MeasurementProfile(models.Model):
    """A patient's measurement set-up: who gets alerts, how links are sent, infusion times."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        NONE = "none", _("Do not send (staff enter on paper)")

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="measurement_profile"
    )
    responsible_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Receives this patient's safety alerts. Defaults to the medical director."),
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    # Fed by the apps that own these facts, as plain values: the phase of the current signed
    # treatment plan, and the last recorded and next planned infusion.
    treatment_phase = models.CharField(
        _("treatment phase"),
        max_length=12,
        blank=True,
        choices=[(phase, phase.capitalize()) for phase in PHASES],
        help_text=_("The phase of the current signed treatment plan; empty without one."),
    )
    plan_starts_on = models.DateField(
        _("plan's first session on"),
        null=True,
        blank=True,
        help_text=_(
            "The first session date of the current signed treatment plan, a clinic-local date; "
            "no check-in on the schedule is due before it."
        ),
    )
    last_infusion_at = models.DateTimeField(null=True, blank=True)
    next_infusion_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Measurement profile of patient {self.patient_id}"


class Assignment(models.Model):
    """One questionnaire a patient is asked to complete: sent at `available_at`, due at `due_at`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the patient")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    REASON_CHOICES = [
        (Reason.PRE_INFUSION, _("Before the infusion")),
        (Reason.NEXT_DAY, _("Day after the infusion")),
        (Reason.INDUCTION, _("Weekly check-in (induction)")),
        (Reason.MAINTENANCE, _("Check-in (maintenance)")),
        ("manual", _("Sent by staff")),
        ("intake", _("Before treatment (intake)")),
    ]

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measurement_assignments"
    )
    instrument_code = models.CharField(max_length=30)
    reason = models.CharField(max_length=30, choices=REASON_CHOICES)
    available_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument_code", "reason", "available_at"],
                name="one_assignment_per_occasion",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("available_at")),
                name="assignment_due_after_available",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="assignment_org_due"),
            models.Index(fields=["status", "available_at"], name="assignment_status_avail"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} for patient {self.patient_id} due {self.due_at:%Y-%m-%d}"

    def is_overdue(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PENDING and self.due_at < now  # type: ignore[operator]

    @property
    def instrument_name(self) -> str:
        """Return the short name staff read ("PHQ-9"), never the internal code."""
        try:
            return instruments.get(self.instrument_code).display_name
        except instruments.UnknownInstrument:
            return self.instrument_code


class QuestionnaireResponse(models.Model):
    """One administration of an instrument: the answers and, when complete, the exact score."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Source(models.TextChoices):
        PATIENT_LINK = "patient_link", _("Patient, by emailed or texted link")
        PATIENT_PORTAL = "patient_portal", _("Patient, in the portal")
        STAFF = "staff", _("Staff, on the patient's behalf")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    instrument_code = models.CharField(max_length=30)
    instrument_version = models.CharField(max_length=20)
    language = models.CharField(max_length=5, default="en")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    source = models.CharField(max_length=20, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The staff member who entered the answers, when entered on the patient's behalf."
        ),
    )
    answers = models.JSONField(default=dict, blank=True)
    total = models.IntegerField(null=True, blank=True)
    severity_code = models.CharField(max_length=30, blank=True)
    severity_label = models.CharField(max_length=120, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    #: Every change to a crisis item's answer while the response was open, oldest first:
    #: ``{"at": ISO time, "link_id": "q9", "value": 2 or None}``. Autosave overwrites
    #: ``answers``; this keeps the trace of a suicidality answer that was later changed.
    crisis_history = models.JSONField(default=list, blank=True)
    is_chosen_baseline = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at", "-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument_code"],
                condition=Q(is_chosen_baseline=True),
                name="one_chosen_baseline_per_instrument",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", completed_at__isnull=True, total__isnull=True)
                | Q(status="completed", completed_at__isnull=False),
                name="response_completed_has_time_partial_has_no_total",
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient", "instrument_code", "status", "completed_at"],
                name="response_patient_instr",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} response {self.pk} ({self.status})"

    @property
    def instrument(self) -> instruments.Instrument:
        return instruments.get(self.instrument_code)

    @property
    def instrument_name(self) -> str:
        """Return the short name staff read ("PHQ-9"), never the internal code."""
        return self.instrument.display_name

    @property
    def is_complete(self) -> bool:
        return self.status == self.Status.COMPLETED

    @property
    def has_suicidality_flag(self) -> bool:
        return instruments.SUICIDALITY_FLAG in (self.flags or [])


class AccessLink(models.Model):
    """A single-use, expiring link to one assignment; only the token's SHA-256 digest is kept."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="links")
    token_sha256 = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=MeasurementProfile.Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Link {self.pk} for assignment {self.assignment_id}"

    def refusal(self, now: object = None) -> str:
        """Return why the link cannot be used now ("" when it can).

        One of "used", "cancelled" (the clinic closed the questionnaire), "replaced" (a newer
        link for the same questionnaire was sent), "locked", "expired".
        """
        now = now or timezone.now()
        if self.used_at is not None:
            return "used"
        if self.assignment.status == Assignment.Status.CANCELLED:
            # Closed by the clinic (answered by a later questionnaire, or no longer needed):
            # no newer link was sent for it, so never say one was.
            return "cancelled"
        if self.revoked_at is not None:
            return "replaced"
        if self.locked_at is not None:
            return "locked"
        if self.expires_at <= now:  # type: ignore[operator]
            return "expired"
        if self.assignment.status != Assignment.Status.PENDING:
            return "used"
        return ""


#: Characters of a safety alert's "what raised it" text (services.alerts keeps within it).
TRIGGER_MAX_LENGTH = 120


class SafetyAlert(models.Model):
    """A suicidality answer that needs a clinician: open until a documented risk assessment."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CLOSED = "closed", _("Closed with risk assessment")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    response = models.OneToOneField(
        QuestionnaireResponse, on_delete=models.PROTECT, related_name="safety_alert"
    )
    trigger = models.CharField(max_length=TRIGGER_MAX_LENGTH)
    #: The crisis items' answers when the alert was raised (link_id -> value), kept even if the
    #: patient changes them afterwards.
    trigger_answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "status", "created_at"], name="alert_org_status"),
            models.Index(fields=["patient", "status"], name="alert_patient_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="closed_alert_has_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Safety alert {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class RiskAssessment(models.Model):
    """The documented risk assessment that closes a safety alert [63][57]."""

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")
        IMMINENT = "imminent", _("Imminent")

    alert = models.OneToOneField(SafetyAlert, on_delete=models.PROTECT, related_name="assessment")
    cssrs_response = models.OneToOneField(
        QuestionnaireResponse, on_delete=models.PROTECT, related_name="+"
    )
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    #: The lowest level the C-SSRS screener triage allows [57] (``lib.instruments.cssrs``).
    triage_floor = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    override_reason = models.TextField(
        blank=True,
        help_text=_("Why the assessed risk level is lower than the C-SSRS triage result."),
    )
    #: C-SSRS items a recorded screener (the nurse's or the patient's) answered Yes that the
    #: assessing clinician answered No, with the clinician's reason for each change.
    answers_changed = models.JSONField(default=list, blank=True)
    answers_changed_reason = models.TextField(
        blank=True,
        help_text=_("Why answers were changed from the screener already recorded for this alert."),
    )
    safety_plan = models.TextField(
        help_text=_("Warning signs, coping steps, contacts, means safety, crisis lines.")
    )
    # The safety plan by its steps (the Stanley–Brown safety planning steps [103]);
    # ``safety_plan`` holds them together as one text.
    warning_signs = models.TextField(blank=True)
    coping_steps = models.TextField(blank=True)
    people_to_contact = models.TextField(blank=True)
    professional_contacts = models.TextField(blank=True)
    means_safety = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Risk assessment for alert {self.alert_id}"

    @property
    def is_override(self) -> bool:
        """Return whether the assessed level is lower than the C-SSRS triage allows."""
        return bool(self.override_reason)

    @property
    def answers_changed_labels(self) -> str:
        """The changed C-SSRS items as the question numbers on the form ("1, 2, 6b")."""
        return ", ".join(str(link_id).removeprefix("q") for link_id in self.answers_changed)
