"""The fictional demo clinic: organization, locations and hours. None of it is real.

Phone numbers use the 555-0100 to 555-0199 range reserved for fiction; the town is fictional
and its ZIP codes are those of the area it would be in (Eugene-Springfield, Oregon).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from infusionist.clinics.models import BusinessHours, Chair, Closure, Location, Organization, Room

ORGANIZATION = {
    "name": "Willowmere Infusion Clinic",
    "slug": "willowmere-demo",
    "mrn_prefix": "WIC",
}
LOCATIONS: list[dict[str, Any]] = [
    {
        "name": "Riverside",
        "address_line1": "100 Example Parkway",
        "address_line2": "Suite 200",
        "city": "Fairhaven Falls",
        "state": "OR",
        "postal_code": "97401",
        "phone": "+15415550100",
        "fax": "+15415550101",
        "time_zone": "America/Los_Angeles",
        "is_primary": True,
    },
    {
        "name": "Northgate",
        "address_line1": "42 Fictional Avenue",
        "address_line2": "",
        "city": "Fairhaven Falls",
        "state": "OR",
        "postal_code": "97402",
        "phone": "+15415550110",
        "fax": "",
        "time_zone": "America/Los_Angeles",
        "is_primary": False,
    },
]
# (location, room, chair, capabilities): six chairs in two locations.
CHAIRS: list[tuple[str, str, str, list[str]]] = [
    ("Riverside", "Infusion room 1", "Chair 1", ["iv_infusion", "intramuscular"]),
    ("Riverside", "Infusion room 1", "Chair 2", ["iv_infusion", "nutrient_drip"]),
    ("Riverside", "Infusion room 1", "Chair 3", ["iv_infusion", "nutrient_drip"]),
    ("Riverside", "Quiet room", "Recliner 4", ["intranasal", "intramuscular"]),
    ("Northgate", "Treatment room", "Chair 5", ["iv_infusion", "nutrient_drip"]),
    ("Northgate", "Treatment room", "Mobile kit", ["nutrient_drip", "mobile_kit"]),
]
#: One fictional closure day, two weeks from the day the demo is seeded.
CLOSURE_REASON = "Staff training day (fictional)"
# The seed clinics keep Monday to Friday, 9:00 to 17:00.
WEEKDAY_HOURS = [(day, dt.time(9, 0), dt.time(17, 0)) for day in range(5)]


def seed_clinic() -> Organization:
    """Create (or find) the demo organization with its locations and hours; idempotent."""
    org, _ = Organization.objects.get_or_create(slug=ORGANIZATION["slug"], defaults=ORGANIZATION)
    for spec in LOCATIONS:
        location, _ = Location.objects.get_or_create(
            organization=org, name=spec["name"], defaults=spec
        )
        for weekday, opens, closes in WEEKDAY_HOURS:
            BusinessHours.objects.get_or_create(
                location=location, weekday=weekday, opens_at=opens, defaults={"closes_at": closes}
            )
    for location_name, room_name, chair_name, capabilities in CHAIRS:
        room, _ = Room.objects.get_or_create(
            location=Location.objects.get(organization=org, name=location_name), name=room_name
        )
        Chair.objects.get_or_create(
            room=room, name=chair_name, defaults={"capabilities": capabilities}
        )
    primary = Location.objects.get(organization=org, is_primary=True)
    if not Closure.objects.filter(location=primary, reason=CLOSURE_REASON).exists():
        day = timezone.localdate() + dt.timedelta(days=14)
        Closure.objects.create(location=primary, starts_on=day, ends_on=day, reason=CLOSURE_REASON)
    return org
