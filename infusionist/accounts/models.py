from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.professional import (
    US_STATES,
    Credential,
    validate_dea_number,
    validate_person_name,
)
from infusionist.accounts.roles import CLINICAL_ROLES, PRESCRIBER_ROLES, STAFF_ROLES, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff of one organization, or a patient."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(
        _("full name"), max_length=150, blank=True, validators=[validate_person_name]
    )
    organization = models.ForeignKey(
        "clinics.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PATIENT)
    credentials = models.CharField(
        _("credentials"), max_length=40, blank=True, choices=Credential.choices
    )
    # Professional details (docs/decisions/0008): a state licence, and for prescribers a DEA
    # registration; each is flagged on Today as its expiry nears.
    licence_number = models.CharField(_("licence number"), max_length=40, blank=True)
    licence_state = models.CharField(
        _("licence state"), max_length=2, blank=True, choices=US_STATES
    )
    licence_expires_on = models.DateField(_("licence expires on"), null=True, blank=True)
    dea_number = models.CharField(
        _("DEA registration number"),
        max_length=9,
        blank=True,
        validators=[validate_dea_number],
    )
    dea_expires_on = models.DateField(_("DEA registration expires on"), null=True, blank=True)
    authenticator_required = models.BooleanField(
        _("authenticator required"),
        default=False,
        help_text=_(
            "Set when a clinic admin resets the person's authenticator: they add one again at "
            "their next sign-in, whatever their role."
        ),
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text=_("May use the Django admin."))
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # noqa: RUF012  (Django reads it as a class attribute)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def is_prescriber(self) -> bool:
        return self.role in PRESCRIBER_ROLES

    @property
    def display_name(self) -> str:
        name = self.full_name or self.email
        return f"{name}, {self.credentials}" if self.credentials else name


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "inf_" + secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A clinic admin's invitation to join the organization with a role.

    The link is single-use and expires; only the token's SHA-256 digest is stored. Accepting
    it creates the user (``accepted_user``); resending replaces the token, so only the newest
    message's link works.
    """

    organization = models.ForeignKey(
        "clinics.Organization", on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("email"))
    full_name = models.CharField(_("full name"), max_length=150, validators=[validate_person_name])
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES]
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address (an expired one stays open until revoked, so
            # the clinic admin resends it rather than stacking a second).
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for {self.email}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    def refusal(self, now: dt.datetime | None = None) -> str:
        """Return why the link cannot be used now ("" when it can)."""
        if self.accepted_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return ""
