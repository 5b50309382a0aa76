from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


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
    address_line1 = models.CharField(max_length=150)
    address_line2 = models.CharField(max_length=150, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=40)
    postal_code = models.CharField(max_length=12)
    phone = models.CharField(max_length=30)
    fax = models.CharField(max_length=30, blank=True)
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
