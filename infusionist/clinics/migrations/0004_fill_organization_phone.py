"""Give each clinic a main phone number: its primary location's, in E.164 form.

Patient pages showed the primary location's phone before clinics had a profile; copying it
keeps what patients see (docs/decisions/0011). A location phone that is not a valid US number
is left out: the clinic then sets its number on the profile page, and patients are given the
primary location's phone until it does.
"""

from django.db import migrations


def standard_phone(value):
    """Return a US number in E.164 form (+15415550100), or "" (a frozen copy of the rule)."""
    import phonenumbers

    text = (value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return ""
    if number.extension or number.country_code != 1 or not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
