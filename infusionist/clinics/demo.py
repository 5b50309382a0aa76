"""The fictional demo clinic: organization, profile, locations and hours. None of it is real.

Phone numbers use the 555-0100 to 555-0199 range reserved for fiction; the town is fictional
and its ZIP codes are those of the area it would be in (Eugene-Springfield, Oregon). The logo
is drawn here in code (no downloaded artwork) and stored like an uploaded one.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone

from infusionist.clinics.models import (
    BusinessHours,
    Chair,
    Closure,
    Location,
    Organization,
    OrganizationLogo,
    Room,
)
from infusionist.clinics.profile import logo_read

ORGANIZATION = {
    "name": "Willowmere Infusion Clinic",
    "slug": "willowmere-demo",
    "mrn_prefix": "WIC",
}
#: The demo clinic's profile (docs/decisions/0011): all fictional, the county included.
PROFILE = {
    "phone": "+15415550100",
    "crisis_text_en": (
        "Fairhaven County Crisis Line, 24 hours: (541) 555-0150. In opening hours, you can also "
        "call us."
    ),
    "crisis_text_es": (
        "Línea de crisis del condado de Fairhaven, 24 horas: (541) 555-0150. En horario de "
        "atención, llame también a la clínica."
    ),
    "message_greeting_en": "Hello from the care team at {clinic}.",
    "message_greeting_es": "Un saludo del equipo de {clinic}.",
    "message_signoff_en": "Thank you. We read every answer before your next visit.",
    "message_signoff_es": "Gracias. Leemos cada respuesta antes de su próxima visita.",
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
    org, created = Organization.objects.get_or_create(
        slug=ORGANIZATION["slug"], defaults={**ORGANIZATION, **PROFILE}
    )
    if not created and not org.phone:
        Organization.objects.filter(pk=org.pk).update(**PROFILE)
    if not OrganizationLogo.objects.filter(organization=org).exists():
        logo = logo_read(demo_logo_png())
        OrganizationLogo.objects.create(
            organization=org,
            content_type=logo.content_type,
            data=logo.data,
            sha256=logo.sha256,
            width_px=logo.width_px,
            height_px=logo.height_px,
            uploaded_at=timezone.now(),
        )
        Organization.objects.filter(pk=org.pk).update(logo_sha256=logo.sha256)
    org.refresh_from_db()
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


def demo_logo_png() -> bytes:
    """Draw the fictional clinic's logo: a white willow on a teal disc, 256 x 256 pixels.

    A mark without words: the header shows the clinic's name beside it.
    """
    from PIL import Image, ImageDraw

    teal = (20, 122, 120, 255)
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 252, 252), fill=teal)
    # A willow: a trunk under a domed crown with drooping strands, in white.
    draw.polygon([(118, 222), (138, 222), (133, 130), (123, 130)], fill="white")
    draw.arc((44, 46, 212, 180), 190, 350, fill="white", width=14)
    for x, length in ((62, 70), (88, 96), (114, 104), (142, 104), (168, 96), (194, 70)):
        top = 84 if x in (62, 194) else 62
        draw.line((x, top, x - 5, top + length), fill="white", width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
