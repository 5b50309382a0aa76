"""Give each clinic a main phone number: its primary location's, in the standard form.

Patient pages showed the primary location's phone before clinics had a profile; copying it
keeps what patients see (docs/decisions/0010). A location phone that is not a US number in any
usual form is left out: the clinic then sets its number on the profile page, and patients are
given the primary location's phone until it does.
"""

import re

from django.db import migrations


def standard_phone(value):
    """Return a US number as (541) 555-0100, or "" (a frozen copy of profile.phone_normalize)."""
    text = (value or "").strip()
    if not re.match(r"^\+?[0-9 ()./\-]+$", text):
        return ""
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return ""
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def fill_phone(apps, schema_editor):
    Organization = apps.get_model("clinics", "Organization")
    Location = apps.get_model("clinics", "Location")
    for organization in Organization.objects.filter(phone=""):
        locations = Location.objects.filter(organization=organization)
        location = locations.filter(is_primary=True).first() or locations.order_by("name").first()
        if location is None:
            continue
        phone = standard_phone(location.phone)
        if phone:
            Organization.objects.filter(pk=organization.pk).update(phone=phone)


class Migration(migrations.Migration):
    dependencies = [("clinics", "0003_organization_profile")]

    operations = [migrations.RunPython(fill_phone, migrations.RunPython.noop)]
