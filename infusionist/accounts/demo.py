"""The demo clinic's fictional staff. None of them is real.

Their licence and DEA numbers are made up: the DEA numbers have a valid format and check
digit (so the staff pages accept them) but belong to nobody. The nurse's licence expires
within the warning window, so Today shows a flag in the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

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

#: email -> (licence number, days until the licence expires, DEA number, days until it expires)
PROFESSIONAL_DETAILS = {
    "nurse@demo.example": ("DEMO-RN-104827", 21, "", None),
    "provider@demo.example": ("DEMO-CRNA-20519", 410, "ML7301586", 290),
    "physician@demo.example": ("DEMO-MD-31774", 540, "FA4829137", 700),
}


def _details(email: str, today: dt.date) -> dict[str, Any]:
    found = PROFESSIONAL_DETAILS.get(email)
    if found is None:
        return {}
    licence, licence_days, dea, dea_days = found
    details: dict[str, Any] = {
        "licence_number": licence,
        "licence_state": "OR",
        "licence_expires_on": today + dt.timedelta(days=licence_days),
    }
    if dea and dea_days is not None:
        details |= {"dea_number": dea, "dea_expires_on": today + dt.timedelta(days=dea_days)}
    return details


def seed_staff(*, organization: Organization, password: str) -> dict[str, User]:
    """Create the demo staff (one per role) if missing; return them by role. Idempotent.

    Professional details are filled in where the account has none yet, so a re-run never
    overwrites what someone changed in the demo.
    """
    today = timezone.localdate()
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
        details = _details(email, today)
        if details and not user.licence_number:
            for field, value in details.items():
                setattr(user, field, value)
            user.full_clean()
            user.save(update_fields=list(details))
        staff[role] = user
    return staff
