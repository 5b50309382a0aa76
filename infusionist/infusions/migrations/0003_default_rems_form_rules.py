"""Give every existing clinic the default REMS form rules (the Spravato Patient Monitoring
Form: after every esketamine session, due within 7 days [36][46][47]).

A data migration (kept apart from the schema ones): clinics made later get theirs from
``infusions.services_settings.rems_rules_ensure`` (the chart settings page, demo seeding).
The rules are read from ``infusions/rems_defaults.py`` as they are when this runs; a clinic
that already has a rule of the same name and drug keeps its own.
"""

from django.db import migrations

from infusionist.infusions.rems_defaults import DEFAULT_REMS_RULES


def forward(apps, schema_editor):
    Organization = apps.get_model("clinics", "Organization")
    RemsFormRule = apps.get_model("infusions", "RemsFormRule")
    for organization in Organization.objects.all():
        have = set(
            RemsFormRule.objects.filter(organization=organization).values_list("name", "drug")
        )
        for spec in DEFAULT_REMS_RULES:
            if (spec["name"], spec["drug"]) not in have:
                RemsFormRule.objects.create(organization=organization, **spec)


class Migration(migrations.Migration):
    dependencies = [("infusions", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
