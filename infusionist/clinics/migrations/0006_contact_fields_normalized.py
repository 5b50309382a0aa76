"""Store existing location phone, fax, ZIP and state values in their checked forms.

A value that can be read is rewritten (``(541) 555-0100`` -> ``+15415550100``, ``Oregon`` ->
``OR``, ``974011234`` -> ``97401-1234``); one that cannot ("abc", "XYZ") is kept as it was, so
nothing typed is lost and every page still shows it: the location form flags it beside its
field the next time the location is saved.
"""

from django.core.exceptions import ValidationError
from django.db import migrations

from infusionist.contact import phone_normalize, state_code_for, zip_code_normalize


def _normalized(value, normalize):
    try:
        return normalize(value)
    except ValidationError:
        return value


def normalize_locations(apps, schema_editor):
    Location = apps.get_model("clinics", "Location")
    for location in Location.objects.all().only("phone", "fax", "postal_code", "state"):
        wanted = {
            "phone": _normalized(location.phone, phone_normalize),
            "fax": _normalized(location.fax, phone_normalize),
            "postal_code": _normalized(location.postal_code, zip_code_normalize),
            "state": state_code_for(location.state) or location.state,
        }
        changed = {k: v for k, v in wanted.items() if getattr(location, k) != v}
        if changed:
            Location.objects.filter(pk=location.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0005_contact_fields_checked"),
    ]

    operations = [
        migrations.RunPython(normalize_locations, migrations.RunPython.noop, elidable=True),
    ]
