import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    """Name thresholds "_at_least" (a "_min" suffix means minutes); keep the plan's phase."""

    dependencies = [("measurements", "0001_initial")]

    operations = [
        migrations.RenameField(
            model_name="measurementsettings",
            old_name="phq9_item9_alert_min",
            new_name="phq9_item9_alert_at_least",
        ),
        migrations.RenameField(
            model_name="measurementsettings",
            old_name="cssrs_alert_min_risk_level",
            new_name="cssrs_alert_at_least_risk_level",
        ),
        migrations.AddField(
            model_name="measurementprofile",
            name="treatment_phase",
            field=models.CharField(
                blank=True,
                choices=[
                    ("evaluation", "Evaluation"),
                    ("induction", "Induction"),
                    ("maintenance", "Maintenance"),
                ],
                help_text="The phase of the current signed treatment plan; empty without one.",
                max_length=12,
                verbose_name="treatment phase",
            ),
        ),
    ]
