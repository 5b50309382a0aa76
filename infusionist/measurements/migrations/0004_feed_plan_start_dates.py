from django.db import migrations


def feed_plan_start_dates(apps, schema_editor):
    """Give each measurement profile the first session date of the patient's current signed plan.

    From now on signing a version tells measurements this date with the phase
    (treatment.services.plan_version_sign calls measurement_treatment_phase_set); this copies it
    once for the versions signed before, as treatment's 0003 did for the phase. The current
    signed version is the latest signed one by number, as there.
    """
    version_model = apps.get_model("treatment", "TreatmentPlanVersion")
    profile_model = apps.get_model("measurements", "MeasurementProfile")
    latest = {}
    for version in version_model.objects.filter(status="signed").order_by("patient_id", "number"):
        latest[version.patient_id] = version.planned_start_date
    for profile in profile_model.objects.filter(
        plan_starts_on__isnull=True, patient_id__in=list(latest)
    ):
        profile.plan_starts_on = latest[profile.patient_id]
        profile.save(update_fields=["plan_starts_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("measurements", "0003_plan_start_clinic_hour_and_min_intervals"),
        ("treatment", "0003_feed_phase_to_measurement_profiles"),
    ]

    operations = [migrations.RunPython(feed_plan_start_dates, migrations.RunPython.noop)]
