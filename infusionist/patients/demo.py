"""Fictional patients for the demo clinic and synthetic scale tests. None of them is real.

Phone numbers use the 555-0100 to 555-0199 range reserved for fiction; emails use the
.example domain.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.patients.models import Patient
from infusionist.patients.services import patient_create

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
#: Usual short forms of the first names above; a patient may go by one.
NICKNAMES = {
    "Gabriel": "Gabe",
    "Samuel": "Sam",
    "Tomas": "Tommy",
    "Victor": "Vic",
    "Jonah": "Joe",
    "Elliot": "Eli",
    "Isabel": "Izzy",
    "Olivia": "Liv",
    "Rosa": "Rosie",
    "Sofia": "Sophie",
    "Hannah": "Annie",
    "Tessa": "Tess",
    "Lucia": "Lucy",
    "Elena": "Ellie",
    "Camila": "Cami",
    "Luis": "Lucho",
    "Hector": "Tito",
    "Diego": "Dieguito",
}
#: ZIP codes of the Eugene-Springfield area, where the fictional Fairhaven Falls would be.
ZIP_CODES = ["97401", "97402", "97403", "97404", "97405", "97477", "97478"]
#: Assigned area codes (Oregon first), so each number is valid; the line is fictional.
AREA_CODES = ["541", "458", "503", "971", "360", "206", "425", "253", "509", "208", "707", "530"]
# An emergency contact of someone this old or older is rarely a parent, and of someone this
# young rarely an adult child.
PARENT_CONTACT_BELOW_YEARS = 55
#: The day the fictional ages are counted to (dates of birth stay the same every seeding).
AGES_AT = dt.date(2026, 1, 1)
ADULT_CHILD_CONTACT_FROM_YEARS = 38


def fictional_phone(index: int) -> str:
    """Return a number in the 555-0100 to 555-0199 range reserved for fiction."""
    area_code = AREA_CODES[(index // 100) % len(AREA_CODES)]
    return f"({area_code}) 555-01{index % 100:02d}"


def _plausible_relationship(drawn: str, age_years: int) -> str:
    """Return the drawn relationship, or the one that fits the patient's age."""
    if drawn == "Parent" and age_years >= PARENT_CONTACT_BELOW_YEARS:
        return "Adult child"
    if drawn == "Adult child" and age_years < ADULT_CHILD_CONTACT_FROM_YEARS:
        return "Parent"
    return drawn


def fictional_patient(index: int, rng: random.Random) -> dict[str, Any]:
    """Return demographics for the index-th fictional patient (1-based)."""
    female = rng.random() < 0.58
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    last = rng.choice(LAST_NAMES)
    spanish = rng.random() < 0.2
    age_days = rng.randint(19 * 365, 78 * 365)
    dob = AGES_AT - dt.timedelta(days=age_days)
    age_years = AGES_AT.year - dob.year - ((AGES_AT.month, AGES_AT.day) < (dob.month, dob.day))
    return {
        "legal_first_name": first,
        "legal_middle_name": rng.choice(["", "", "J.", "M.", "A."]),
        "legal_last_name": last,
        "preferred_name": rng.choice(["", "", "", NICKNAMES.get(first, "")]),
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
        "postal_code": ZIP_CODES[index % len(ZIP_CODES)],
        "emergency_contact_name": f"{rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)} {last}",
        "emergency_contact_relationship": _plausible_relationship(
            rng.choice(RELATIONSHIPS), age_years
        ),
        "emergency_contact_phone": fictional_phone(index + 5000),
        "preferred_language": "es" if spanish else "en",
    }


def seed_patients(
    *, organization: Organization, registrar: User, count: int, password: str
) -> list[Patient]:
    """Register ``count`` fictional patients with portal logins; idempotent by email."""
    rng = random.Random(20261121)
    made: list[Patient] = []
    for index in range(1, count + 1):
        data = fictional_patient(index, rng)
        if Patient.objects.filter(organization=organization, email=data["email"]).exists():
            continue
        patient = patient_create(organization=organization, actor=registrar, data=data)
        portal_user = User.objects.filter(email=data["email"]).first()
        if portal_user is None:
            portal_user = User.objects.create_user(
                data["email"],
                password,
                full_name=patient.display_name,
                role=Role.PATIENT,
                organization=organization,
            )
        patient.user = portal_user
        patient.save(update_fields=["user"])
        made.append(patient)
    return made
