"""Fictional people and places for the demo and synthetic data. None of it is real.

Phone numbers use the 555-0100 to 555-0199 range reserved for fiction; emails use the
.example domain.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

FIRST_NAMES_F = [
    "Avery",
    "Brooke",
    "Camila",
    "Dana",
    "Elena",
    "Fiona",
    "Grace",
    "Hannah",
    "Isabel",
    "Jade",
    "Keira",
    "Lucia",
    "Maya",
    "Nora",
    "Olivia",
    "Paloma",
    "Quinn",
    "Rosa",
    "Sofia",
    "Tessa",
]
FIRST_NAMES_M = [
    "Aaron",
    "Bruno",
    "Caleb",
    "Diego",
    "Elliot",
    "Felix",
    "Gabriel",
    "Hector",
    "Ian",
    "Jonah",
    "Kai",
    "Luis",
    "Mateo",
    "Nolan",
    "Omar",
    "Pablo",
    "Reid",
    "Samuel",
    "Tomas",
    "Victor",
]
LAST_NAMES = [
    "Abernathy",
    "Baptiste",
    "Castellano",
    "Delacroix",
    "Ellery",
    "Fairbanks",
    "Galloway",
    "Hollister",
    "Ibarra",
    "Juniper",
    "Kowalczyk",
    "Lindqvist",
    "Marchetti",
    "Navarro",
    "Okonkwo",
    "Peña",
    "Quintero",
    "Rosales",
    "Sorensen",
    "Thornbury",
    "Underhill",
    "Valdivia",
    "Whitcombe",
    "Yarrow",
    "Zeller",
]
STREETS = [
    "Birchwood Lane",
    "Cobalt Street",
    "Heron Way",
    "Lantern Court",
    "Maple Terrace",
    "Quarry Road",
    "Sparrow Drive",
    "Tidewater Avenue",
]
RELATIONSHIPS = ["Spouse", "Partner", "Parent", "Sibling", "Friend", "Adult child"]

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
        "postal_code": "00001",
        "phone": "(541) 555-0100",
        "fax": "(541) 555-0101",
        "time_zone": "America/Los_Angeles",
        "is_primary": True,
    },
    {
        "name": "Northgate",
        "address_line1": "42 Fictional Avenue",
        "address_line2": "",
        "city": "Fairhaven Falls",
        "state": "OR",
        "postal_code": "00002",
        "phone": "(541) 555-0110",
        "fax": "",
        "time_zone": "America/Los_Angeles",
        "is_primary": False,
    },
]
# The seed clinics keep Monday to Friday, 9:00 to 17:00.
WEEKDAY_HOURS = [(day, dt.time(9, 0), dt.time(17, 0)) for day in range(5)]

STAFF = [
    ("frontdesk@demo.example", "Robin Alder", "front_desk", ""),
    ("nurse@demo.example", "Morgan Reyes", "nurse", "RN"),
    ("provider@demo.example", "Casey Lindgren", "provider", "CRNA"),
    ("physician@demo.example", "Dr. Jordan Ashby", "physician", "MD"),
    ("admin@demo.example", "Taylor Brennan", "clinic_admin", ""),
]


def fictional_phone(index: int) -> str:
    """Return a number in the 555-0100 to 555-0199 range reserved for fiction."""
    area_code = 201 + (index // 100) % 700
    return f"({area_code}) 555-01{index % 100:02d}"


def fictional_patient(index: int, rng: random.Random) -> dict[str, Any]:
    """Return demographics for the index-th fictional patient (1-based)."""
    female = rng.random() < 0.58
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    last = rng.choice(LAST_NAMES)
    spanish = rng.random() < 0.2
    age_days = rng.randint(19 * 365, 78 * 365)
    dob = dt.date(2026, 1, 1) - dt.timedelta(days=age_days)
    return {
        "legal_first_name": first,
        "legal_middle_name": rng.choice(["", "", "J.", "M.", "A."]),
        "legal_last_name": last,
        "preferred_name": rng.choice(["", "", "", first[:3]]),
        "date_of_birth": dob,
        "sex_at_birth": "female" if female else "male",
        "gender_identity": rng.choice(
            ["woman" if female else "man"] * 6 + ["nonbinary", "declined"]
        ),
        "pronouns": rng.choice(["she/her" if female else "he/him"] * 4 + ["they/them"]),
        "phone": fictional_phone(index),
        "email": f"patient{index}@demo.example",
        "address_line1": f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
        "address_line2": "",
        "city": "Fairhaven Falls",
        "state": "OR",
        "postal_code": "00001",
        "emergency_contact_name": f"{rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)} {last}",
        "emergency_contact_relationship": rng.choice(RELATIONSHIPS),
        "emergency_contact_phone": fictional_phone(index + 5000),
        "preferred_language": "es" if spanish else "en",
    }
