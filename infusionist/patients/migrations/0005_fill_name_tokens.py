from django.db import migrations

from infusionist.patients.normalize import name_key, name_tokens

NAME_FIELDS = ("legal_first_name", "legal_middle_name", "legal_last_name", "preferred_name")
BATCH = 2000


def fill_name_tokens(apps, schema_editor):
    """Recompute the name keys (now transliterated) and store every patient's name tokens."""
    Patient = apps.get_model("patients", "Patient")
    PatientNameToken = apps.get_model("patients", "PatientNameToken")
    db = schema_editor.connection.alias
    last_id = 0
    while True:
        batch = list(Patient.objects.using(db).filter(pk__gt=last_id).order_by("pk")[:BATCH])
        if not batch:
            return
        tokens = []
        for patient in batch:
            patient.last_name_key = name_key(patient.legal_last_name)[:80]
            patient.first_name_key = name_key(patient.legal_first_name)[:80]
            patient.preferred_name_key = name_key(patient.preferred_name)[:80]
            words = set()
            for field in NAME_FIELDS:
                words |= name_tokens(getattr(patient, field))
            tokens += [
                PatientNameToken(
                    organization_id=patient.organization_id, patient_id=patient.pk, token=token
                )
                for token in sorted(words)
            ]
        Patient.objects.using(db).bulk_update(
            batch, ["last_name_key", "first_name_key", "preferred_name_key"]
        )
        PatientNameToken.objects.using(db).bulk_create(tokens, ignore_conflicts=True)
        last_id = batch[-1].pk


class Migration(migrations.Migration):
    """Data: give existing patients their name tokens (see migration 0003)."""

    dependencies = [("patients", "0004_postgres_name_token_prefix_index")]
    operations = [migrations.RunPython(fill_name_tokens, migrations.RunPython.noop)]
