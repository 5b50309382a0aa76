from django.db import migrations


def feed_phases(apps, schema_editor):
    """Tell each patient's measurement profile the phase of their current signed plan.

    From now on signing a version does this (treatment.services.plan_version_sign); this copies
    it once for plans signed before.
    """
    version_model = apps.get_model("treatment", "TreatmentPlanVersion")
    profile_model = apps.get_model("measurements", "MeasurementProfile")
    user_model = apps.get_model("accounts", "User")
    latest: dict[int, object] = {}
    for version in version_model.objects.filter(status="signed").order_by("patient_id", "number"):
        latest[version.patient_id] = version
    for patient_id, version in latest.items():
        profile = profile_model.objects.filter(patient_id=patient_id).first()
        if profile is None:
            director = (
                user_model.objects.filter(
                    organization_id=version.organization_id, role="physician", is_active=True
                )
                .order_by("id")
                .first()
            )
            profile = profile_model(patient_id=patient_id, responsible_clinician=director)
        profile.treatment_phase = version.phase
        profile.save()


class Migration(migrations.Migration):
    dependencies = [
        ("treatment", "0002_signed_plan_versions_immutable_trigger"),
        ("measurements", "0002_at_least_names_and_treatment_phase"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(feed_phases, migrations.RunPython.noop)]
