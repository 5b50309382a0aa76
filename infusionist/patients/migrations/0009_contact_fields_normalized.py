"""Store existing patient phone, ZIP and state values in their checked forms.

A value that can be read is rewritten (``(541) 555-0142`` -> ``+15415550142``, ``Oregon`` ->
``OR``, ``974011234`` -> ``97401-1234``); one that cannot is kept as it was, so nothing typed
is lost and every page still shows it: the patient form flags it beside its field the next
time the patient is saved. The phone search key keeps the same ten digits.
"""

from django.core.exceptions import ValidationError
from django.db import migrations

from infusionist.contact import phone_normalize, state_code_for, zip_code_normalize


def _normalized(value, normalize):
    try:
        return normalize(value)
    except ValidationError:
        return value


def normalize_patients(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    rows = Patient.objects.all().only("phone", "emergency_contact_phone", "postal_code", "state")
    for patient in rows.iterator(chunk_size=2000):
        wanted = {
            "phone": _normalized(patient.phone, phone_normalize),
            "emergency_contact_phone": _normalized(
                patient.emergency_contact_phone, phone_normalize
            ),
            "postal_code": _normalized(patient.postal_code, zip_code_normalize),
            "state": state_code_for(patient.state) or patient.state,
        }
        changed = {k: v for k, v in wanted.items() if getattr(patient, k) != v}
        if changed:
            Patient.objects.filter(pk=patient.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0008_contact_fields_checked"),
    ]

    operations = [
        migrations.RunPython(normalize_patients, migrations.RunPython.noop, elidable=True),
    ]
