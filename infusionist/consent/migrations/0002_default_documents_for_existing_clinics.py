"""Give every existing clinic version 1 of each default consent document, published.

A data migration (kept apart from the schema one): clinics made later get theirs from
``consent.services.consent_documents_create_defaults`` (demo seeding, the documents page).
The texts are read from ``consent/texts.py`` as they are when this runs; the content hash is
computed the same way as ``ConsentDocumentVersion.compute_sha256``.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

from infusionist.consent import texts
from infusionist.integrity import canonical_sha256


def forward(apps, schema_editor):
    Organization = apps.get_model("clinics", "Organization")
    Version = apps.get_model("consent", "ConsentDocumentVersion")
    now = timezone.now()
    # Yesterday in UTC: in effect now in every US clinic's zone, whatever the server's zone.
    today = now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    for organization in Organization.objects.all():
        existing = set(
            Version.objects.filter(organization=organization).values_list("kind", flat=True)
        )
        for kind, by_language in texts.DEFAULT_TEXTS.items():
            if kind in existing:
                continue
            content = {
                "kind": kind,
                "number": 1,
                "effective_on": today,
                "title_en": by_language["en"].title,
                "body_en": texts.default_body(kind, "en"),
                "title_es": by_language["es"].title,
                "body_es": texts.default_body(kind, "es"),
            }
            Version.objects.create(
                organization=organization,
                status="published",
                published_at=now,
                created_at=now,
                content_sha256=canonical_sha256(content),
                **content,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_consent_documents_settings_signatures"),
        ("clinics", "0001_initial"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
