from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F

from infusionist.clinics.models import Organization
from infusionist.patients.demo import fictional_patient
from infusionist.patients.models import Patient, PatientNameToken

BATCH = 5000


class Command(BaseCommand):
    help = "Add N reproducible fictional patients to a synthetic organization (scale tests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--organization", default="synthetic-network")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["patients"]
        if count < 1 or count > 2_000_000:
            raise CommandError("--patients must be between 1 and 2,000,000.")
        rng = random.Random(options["seed"])
        org, _ = Organization.objects.get_or_create(
            slug=options["organization"],
            defaults={"name": f"Synthetic network {options['seed']}", "mrn_prefix": "SYN"},
        )
        made = 0
        while made < count:
            size = min(BATCH, count - made)
            with transaction.atomic():
                locked = Organization.objects.select_for_update().get(pk=org.pk)
                start = locked.next_mrn_number
                Organization.objects.filter(pk=org.pk).update(
                    next_mrn_number=F("next_mrn_number") + size
                )
                rows = []
                for i in range(size):
                    data = fictional_patient(start + i, rng)
                    data["email"] = f"synthetic{start + i}@synthetic.example"
                    patient = Patient(
                        organization=org, mrn=f"{org.mrn_prefix}{start + i:06d}", **data
                    )
                    patient.refresh_search_keys()
                    rows.append(patient)
                Patient.objects.bulk_create(rows)
                PatientNameToken.objects.create_for(rows)
            made += size
        self.stdout.write(f"Added {made} synthetic patients to {org.name}.")
