from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from infusionist.contact import PhoneNumberField, StateField, ZipCodeField


def validate_time_zone(value: str) -> None:
    """Reject names that are not IANA time zones."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organization(models.Model):
    """A clinic business; every piece of clinical data belongs to exactly one."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    mrn_prefix = models.CharField(
        max_length=6,
        help_text=_("Letters that start every medical record number, e.g. CLH."),
    )
    next_mrn_number = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_location(self) -> Location | None:
        return self.locations.filter(is_primary=True).first() or self.locations.first()


class Location(models.Model):
    """A site where the organization sees patients, with its own time zone and hours."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=120)
    address_line1 = models.CharField(_("address line 1"), max_length=150)
    address_line2 = models.CharField(_("address line 2"), max_length=150, blank=True)
    city = models.CharField(_("city"), max_length=80)
    # 40 characters: a value stored before states became a list may be longer than a code.
    state = StateField(_("state"), max_length=40)
    postal_code = ZipCodeField(_("ZIP code"))
    phone = PhoneNumberField(_("phone"))
    fax = PhoneNumberField(_("fax"), blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_primary=True),
                name="one_primary_location_per_organization",
            ),
            models.UniqueConstraint(
                fields=["organization", "name"], name="unique_location_name_per_organization"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} — {self.name}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def address(self) -> str:
        parts = [
            self.address_line1,
            self.address_line2,
            f"{self.city}, {self.state} {self.postal_code}",
        ]
        return ", ".join(p for p in parts if p)


class BusinessHours(models.Model):
    """Opening hours of a location on one weekday (0 = Monday), in its local time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name_plural = "business hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="hours_close_after_open"
            ),
            models.UniqueConstraint(
                fields=["location", "weekday", "opens_at"], name="unique_hours_block"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class Closure(models.Model):
    """Days a location is closed (a holiday, training), inclusive of both dates, with a reason."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    starts_on = models.DateField(_("first day closed"))
    ends_on = models.DateField(_("last day closed"))
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="closure_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location.name} closed {self.starts_on}–{self.ends_on}: {self.reason}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("The closure ends before it starts: check the dates.")}
            )

    def covers(self, day: object) -> bool:
        return self.starts_on <= day <= self.ends_on  # type: ignore[operator]


class Room(models.Model):
    """A treatment room of a location; its chairs are what scheduling books."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="unique_room_per_location"),
        ]

    def __str__(self) -> str:
        return f"{self.location.name} — {self.name}"


class Chair(models.Model):
    """A chair (or a mobile kit) where a patient is treated, with what it is equipped for."""

    class Capability(models.TextChoices):
        IV_INFUSION = "iv_infusion", _("IV infusion")
        INTRAMUSCULAR = "intramuscular", _("Intramuscular injection")
        INTRANASAL = "intranasal", _("Intranasal (esketamine) monitoring")
        NUTRIENT_DRIP = "nutrient_drip", _("Nutrient drips")
        MOBILE_KIT = "mobile_kit", _("Mobile kit (visits away from the clinic)")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="chairs")
    name = models.CharField(_("name"), max_length=80)
    capabilities = models.JSONField(
        _("equipped for"),
        default=list,
        blank=True,
        help_text=_("What this chair or kit may be booked for."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["room__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "name"], name="unique_chair_per_room"),
        ]

    def __str__(self) -> str:
        return f"{self.room} — {self.name}"

    def clean(self) -> None:
        known = set(self.Capability.values)
        given = self.capabilities if isinstance(self.capabilities, list) else None
        if given is None or any(c not in known for c in given):
            raise ValidationError({"capabilities": _("Choose from the listed capabilities.")})
        if not given:
            raise ValidationError(
                {"capabilities": _("Choose at least one thing this chair is equipped for.")}
            )

    def capability_labels(self) -> list[str]:
        labels = dict(self.Capability.choices)
        return [str(labels[c]) for c in self.capabilities if c in labels]


class LocationStaffing(models.Model):
    """How a location staffs treatment: chairs per nurse and how a physician is available.

    No published source sets either rule for ketamine clinics [?]; the defaults are
    conservative values each clinic sets for itself. The Spravato REMS asks for the
    prescriber on site at certified settings [46][47].
    """

    class PhysicianAvailability(models.TextChoices):
        ON_SITE = "on_site", _("A physician or prescriber is on site during treatment")
        ON_CALL = "on_call", _("A physician answers by phone within the set minutes")

    location = models.OneToOneField(Location, on_delete=models.CASCADE, related_name="staffing")
    chairs_per_nurse = models.PositiveSmallIntegerField(
        _("chairs one nurse may monitor at once"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("No published source sets this ratio [?]; 2 is a conservative default."),
    )
    physician_availability = models.CharField(
        _("physician availability"),
        max_length=10,
        choices=PhysicianAvailability.choices,
        default=PhysicianAvailability.ON_SITE,
        help_text=_("The Spravato REMS asks for the prescriber on site [46][47]."),
    )
    physician_response_min = models.PositiveSmallIntegerField(
        _("physician answers within (minutes), when on call"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("No published source [?]; 15 minutes is a conservative default."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "location staffing rules"

    def __str__(self) -> str:
        return f"Staffing of {self.location_id}"
