"""The demo clinic's fictional staff. None of them is real."""

from __future__ import annotations

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization

STAFF = [
    ("frontdesk@demo.example", "Robin Alder", Role.FRONT_DESK, ""),
    ("nurse@demo.example", "Morgan Reyes", Role.NURSE, "RN"),
    ("provider@demo.example", "Casey Lindgren", Role.PROVIDER, "CRNA"),
    ("physician@demo.example", "Dr. Jordan Ashby", Role.PHYSICIAN, "MD"),
    ("admin@demo.example", "Taylor Brennan", Role.CLINIC_ADMIN, ""),
]


def seed_staff(*, organization: Organization, password: str) -> dict[str, User]:
    """Create the demo staff (one per role) if missing; return them by role. Idempotent."""
    staff: dict[str, User] = {}
    for email, name, role, credentials in STAFF:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "role": role,
                "credentials": credentials,
                "organization": organization,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        staff[role] = user
    return staff
