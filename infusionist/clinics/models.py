from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from infusionist.clinics.profile import (
    CRISIS_TEXT_MAX_CHARS,
    MESSAGE_TEXT_MAX_CHARS,
    PHONE_FORMAT_HELP,
    phone_display,
    validate_crisis_text,
    validate_message_text,
    validate_phone_e164,
)
from infusionist.contact import PhoneNumberField, StateField, ZipCodeField


def validate_time_zone(value: str) -> None:
    """Reject names that are not IANA time zones."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def _crisis_text_field(language: str) -> models.CharField:
    return models.CharField(
        f"crisis wording ({language})",
        max_length=CRISIS_TEXT_MAX_CHARS,
        blank=True,
        validators=[validate_crisis_text],
        help_text=_(
            "Shown after the national crisis lines (988, 741741, 911) on patient pages, never "
            "instead of them. E.g. a county crisis line, or when to call the clinic."
        ),
    )


def _message_text_field(label: str, language: str) -> models.CharField:
    return models.CharField(
        f"{label} ({language})",
        max_length=MESSAGE_TEXT_MAX_CHARS,
        blank=True,
        validators=[validate_message_text],
    )


class Organization(models.Model):
    """A clinic business; every piece of clinical data belongs to exactly one.

    Its profile (name, main phone, logo, crisis wording, message texts) is edited by the clinic
    admin on the clinic profile page (docs/decisions/0011). The profile's columns live here so
    every page's header reads them with the signed-in user (one query); the logo's bytes live
    in :class:`OrganizationLogo`, and only their digest here.
    """

    #: The languages a profile text is written in (a column per language).
    PROFILE_LANGUAGES = ("en", "es")

    name = models.CharField(_("clinic name"), max_length=150)
    slug = models.SlugField(max_length=60, unique=True)
    mrn_prefix = models.CharField(
        max_length=6,
        help_text=_("Letters that start every medical record number, e.g. CLH."),
    )
    next_mrn_number = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    phone = models.CharField(
        _("main phone number"),
        max_length=16,
        blank=True,
        validators=[validate_phone_e164],
        help_text=PHONE_FORMAT_HELP,
    )
    logo_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    crisis_text_en = _crisis_text_field("English")
    crisis_text_es = _crisis_text_field("Spanish")
    message_greeting_en = _message_text_field("message greeting", "English")
    message_greeting_es = _message_text_field("message greeting", "Spanish")
    message_signoff_en = _message_text_field("message sign-off", "English")
    message_signoff_es = _message_text_field("message sign-off", "Spanish")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_location(self) -> Location | None:
        return self.locations.filter(is_primary=True).first() or self.locations.first()

    @property
    def contact_phone(self) -> str:
        """Return the phone patients are given, shown the national way (``(541) 555-0100``):
        the main number, else the primary location's.

        No query when the main number is set (docs/decisions/0011).
        """
        if self.phone:
            return phone_display(self.phone)
        location = self.primary_location
        return phone_display(location.phone) if location else ""

    def profile_text(self, kind: str, language: str) -> str:
        """Return the clinic's ``kind`` text ("crisis_text", "message_greeting",
        "message_signoff") in ``language``; "" when the clinic wrote none in it.

        A language without a column gets the English text.
        """
        if kind not in ("crisis_text", "message_greeting", "message_signoff"):
            raise ValueError(f"Not a profile text: {kind!r}")
        lang = language if language in self.PROFILE_LANGUAGES else "en"
        return str(getattr(self, f"{kind}_{lang}"))


class OrganizationLogo(models.Model):
    """The clinic's logo: cleaned image bytes kept in the database (docs/decisions/0011).

    Served at ``/clinic/logo/<sha256>/`` with a year-long cache: a new logo has a new digest,
    so a new address. ``Organization.logo_sha256`` names the current one.
    """

    class ContentType(models.TextChoices):
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"
        WEBP = "image/webp", "WebP"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64, db_index=True)
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/png", "image/jpeg", "image/webp"]),
                name="logo_is_png_jpeg_or_webp",
            ),
        ]

    def __str__(self) -> str:
        return f"Logo of {self.organization_id} ({self.content_type}, {self.sha256[:12]})"

    @property
    def size_bytes(self) -> int:
        return len(self.data)


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
