"""Scheduling: appointment types, staff shifts and time off, appointments, series, waitlist.

Times are aware datetimes stored in UTC and shown in the location's time zone; weekly
shifts are local wall-clock times, so a shift (and a series) keeps its local hours across a
daylight-saving change. An appointment occupies its chair from ``starts_at`` to
``ends_at`` (preparation + treatment + observation + turnover); ``service_starts_at`` is
when the patient is expected. No chair, exclusive staff member or patient holds two active
appointments at once: PostgreSQL exclusion constraints (migration 0002) and, on every
database, the booking service's checks under a lock on the location row.

Source keys in square brackets resolve in the clinical reference (``lib/sources.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TEXT_MAX_CHARS = 2000


class SchedulingSettings(models.Model):
    """One clinic's booking rules. None of them is a clinical threshold; each is the clinic's own.

    The defaults are conservative operational values with no published source [?], except the
    esketamine observation floor of the appointment types (≥ 120 min, [46][47]).
    """

    organization = models.OneToOneField(
        "clinics.Organization", on_delete=models.CASCADE, related_name="scheduling_settings"
    )
    slot_step_min = models.PositiveSmallIntegerField(
        _("offer start times every (min)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )
    chair_prep_min = models.PositiveSmallIntegerField(
        _("chair preparation before an infusion (min)"),
        default=15,
        validators=[MaxValueValidator(120)],
        help_text=_("IV start, monitors on, pre-infusion checks."),
    )
    chair_turnover_min = models.PositiveSmallIntegerField(
        _("chair cleaning after a patient leaves (min)"),
        default=10,
        validators=[MaxValueValidator(120)],
    )
    late_cancellation_window_h = models.PositiveSmallIntegerField(
        _("late cancellation window (hours before the start)"),
        default=24,
        validators=[MaxValueValidator(336)],
    )
    reminder_offsets_h = models.JSONField(
        _("reminders before the start (hours)"),
        default=list,
        blank=True,
        help_text=_("For example 72, 24, 2."),
    )
    waitlist_offer_minutes = models.PositiveSmallIntegerField(
        _("a waitlist offer expires after (min)"),
        default=120,
        validators=[MinValueValidator(5), MaxValueValidator(2880)],
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("patients may book up to (days ahead)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    min_notice_h = models.PositiveSmallIntegerField(
        _("patients may book no sooner than (hours ahead)"),
        default=2,
        validators=[MaxValueValidator(168)],
    )
    mobile_min_prepaid_sessions = models.PositiveSmallIntegerField(
        _("mobile visits need at least this many prepaid sessions"),
        default=3,
        validators=[MaxValueValidator(50)],
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "scheduling settings"

    def __str__(self) -> str:
        return f"Scheduling settings of {self.organization_id}"

    DEFAULT_REMINDER_OFFSETS_H = (72, 24, 2)

    def reminder_offsets(self) -> list[int]:
        """The reminder offsets in hours, largest first (the defaults when none is set)."""
        given = self.reminder_offsets_h or list(self.DEFAULT_REMINDER_OFFSETS_H)
        return sorted({int(h) for h in given}, reverse=True)


class AppointmentType(models.Model):
    """What can be booked, how long it holds a chair and whom it needs.

    For infusion kinds the treatment minutes come from the linked protocol
    (``duration_min``; intranasal has none) and the observation minutes from
    ``protocol.observation_min``; chair time = preparation + treatment + observation +
    turnover. Other kinds use ``service_min`` alone.
    """

    class Kind(models.TextChoices):
        FREE_CONSULTATION = "free_consultation", _("Free consultation call")
        TELEHEALTH_CONSULT = "telehealth_consult", _("Physician telehealth consultation")
        INTAKE_EVALUATION = "intake_evaluation", _("Intake and evaluation")
        KETAMINE_INFUSION = "ketamine_infusion", _("Ketamine infusion")
        ESKETAMINE_SESSION = "esketamine_session", _("Esketamine session")
        IV_DRIP = "iv_drip", _("IV nutrient drip")
        MOBILE_VISIT = "mobile_visit", _("Mobile visit")
        FOLLOW_UP = "follow_up", _("Follow-up")

    class StaffRole(models.TextChoices):
        FRONT_DESK = "front_desk", _("Front desk")
        NURSE = "nurse", _("Nurse")
        PRESCRIBER = "prescriber", _("Physician or provider")
        PHYSICIAN = "physician", _("Physician")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="appointment_types"
    )
    key = models.SlugField(_("key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    protocol = models.ForeignKey(
        "treatment.Protocol",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Infusions and esketamine sessions take their minutes from the protocol."),
    )
    service_min = models.PositiveSmallIntegerField(
        _("length (min)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(720)],
        help_text=_("Used when no protocol sets the minutes."),
    )
    observation_min = models.PositiveSmallIntegerField(
        _("observation after treatment (min)"),
        default=0,
        validators=[MaxValueValidator(480)],
        help_text=_("Used when no protocol sets it."),
    )
    travel_buffer_min = models.PositiveSmallIntegerField(
        _("travel before and after (min)"),
        default=0,
        validators=[MaxValueValidator(240)],
        help_text=_("Mobile visits: the staff member's travel each way."),
    )
    chair_capability = models.CharField(
        _("needs a chair equipped for"),
        max_length=20,
        blank=True,
        help_text=_("Empty: no chair (calls, telehealth, consultations in an office)."),
    )
    staff_role = models.CharField(
        _("booked with"), max_length=12, choices=StaffRole.choices, default=StaffRole.NURSE
    )
    staff_exclusive = models.BooleanField(
        _("the staff member does nothing else meanwhile"),
        default=True,
        help_text=_(
            "Off for monitored chair time: a nurse watches several chairs, up to the"
            " location's chairs-per-nurse ratio."
        ),
    )
    needs_physician_available = models.BooleanField(
        _("a physician must be available"),
        default=False,
        help_text=_("On site or on call, as the location's staffing rule says."),
    )
    public_bookable = models.BooleanField(_("bookable on the public website"), default=False)
    portal_bookable = models.BooleanField(
        _("bookable by eligible patients in the portal"), default=False
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="unique_appointment_type_key"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffShift(models.Model):
    """A staff member's weekly working hours at a location, in the location's local time."""

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.CASCADE, related_name="staff_shifts"
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("0 = Monday.")
    )
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["staff_id", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"Shift of {self.staff_id} on {self.weekday} {self.starts_at}–{self.ends_at}"


class StaffTimeOff(models.Model):
    """A staff member's absence (leave, training, sickness), as aware datetimes."""

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="time_off_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"Time off of {self.staff_id} {self.starts_at}–{self.ends_at}"


class AppointmentSeries(models.Model):
    """Sessions booked together (an induction series), with the rules they were checked against."""

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointment_series"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    session_count = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    weekdays = models.JSONField(default=list, blank=True)
    local_start_time = models.TimeField()
    rules = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "appointment series"

    def __str__(self) -> str:
        return f"Series {self.pk} of {self.patient_id}"


ACTIVE_STATUSES = ("booked", "confirmed", "arrived", "in_progress")


class Appointment(models.Model):
    """One booked visit: who, what, where, which chair and staff member, when."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        ARRIVED = "arrived", _("Arrived")
        IN_PROGRESS = "in_progress", _("In the chair")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Did not attend")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        WEBSITE = "website", _("Public website")
        PORTAL = "portal", _("Patient portal")
        API = "api", _("API")
        WAITLIST = "waitlist", _("Waitlist offer")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="appointments"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    # A free consultation booked from the website has no patient record yet: its contact
    # details are kept here until the front desk registers the person.
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    contact_name = models.CharField(_("name"), max_length=150, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_language = models.CharField(max_length=8, blank=True)
    chair = models.ForeignKey(
        "clinics.Chair",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    staff_exclusive = models.BooleanField(default=True)
    # Occupancy of the chair (and of an exclusive staff member), including preparation,
    # observation, turnover and, for mobile visits, travel.
    starts_at = models.DateTimeField(_("chair from"))
    ends_at = models.DateTimeField(_("chair until"))
    # When the patient is expected and when treatment (or the call) ends.
    service_starts_at = models.DateTimeField(_("starts"))
    service_ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    series = models.ForeignKey(
        AppointmentSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    series_index = models.PositiveSmallIntegerField(null=True, blank=True)
    visit_address = models.CharField(_("visit address"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=TEXT_MAX_CHARS)
    # The rules the booking broke and the staff member's reason for booking anyway.
    override_rules = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True, max_length=TEXT_MAX_CHARS)
    arrived_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    late_cancellation = models.BooleanField(default=False)
    # A secret for the confirm and cancel links of reminders (its SHA-256 is stored).
    link_token_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="appt_org_start"),
            models.Index(fields=["location", "starts_at"], name="appt_location_start"),
            models.Index(fields=["patient", "starts_at"], name="appt_patient_start"),
            models.Index(fields=["staff", "starts_at"], name="appt_staff_start"),
            models.Index(fields=["chair", "starts_at"], name="appt_chair_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(service_ends_at__gt=F("service_starts_at"))
                & Q(service_starts_at__gte=F("starts_at"))
                & Q(service_ends_at__lte=F("ends_at")),
                name="appointment_service_within_occupancy",
            ),
            models.CheckConstraint(
                condition=Q(patient__isnull=False) | ~Q(contact_name=""),
                name="appointment_has_patient_or_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AppointmentEvent(models.Model):
    """What happened to an appointment (booked, moved, cancelled, reminded …), in order."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of appointment {self.appointment_id}"


class ReminderDelivery(models.Model):
    """One reminder of one appointment at one offset on one channel; unique, so sent once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset_h = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=5, choices=Channel.choices)
    # The appointment's start the reminder was for: a moved appointment is reminded again.
    for_starts_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, default="sent")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_h", "channel", "for_starts_at"],
                name="one_reminder_per_offset_channel_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} reminder {self.offset_h} h before appointment {self.appointment_id}"


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier or any slot of a type, within a window."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a slot")
        BOOKED = "booked", _("Booked")
        REMOVED = "removed", _("Removed")

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    earliest_on = models.DateField(_("from"))
    latest_on = models.DateField(_("until"))
    weekdays = models.JSONField(_("days that suit"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_on__gte=F("earliest_on")), name="waitlist_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} of {self.patient_id}"


class WaitlistOffer(models.Model):
    """A freed slot offered to one waiting patient by message, until it expires."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn (slot taken)")

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    location = models.ForeignKey("clinics.Location", on_delete=models.CASCADE, related_name="+")
    chair = models.ForeignKey(
        "clinics.Chair", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    service_starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    token_sha256 = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"Offer {self.pk} of entry {self.entry_id}"


class CalendarFeed(models.Model):
    """A staff member's secret iCalendar feed URL (its token's SHA-256 is stored)."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.staff_id}"
