from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from infusionist.accounts import demo as accounts_demo
from infusionist.clinics import demo as clinics_demo
from infusionist.measurements import demo as measurements_demo
from infusionist.patients import demo as patients_demo
from infusionist.patients.models import Patient
from infusionist.portal import demo as portal_demo
from infusionist.treatment import demo as treatment_demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the fictional demo clinic. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=36)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Seed in one transaction; print the logins after it commits, below any email the
        # seeding sends on commit (the demo safety alert).
        with transaction.atomic():
            portal_patients = self._seed(options["patients"])
        if not options["quiet"]:
            self._print_logins(settings.DEMO_PASSWORD, options["patients"], portal_patients)

    def _seed(self, patient_count: int) -> list[Patient]:
        """Seed each app's demo data in layer order: clinic, staff, patients, then care."""
        password = settings.DEMO_PASSWORD
        organization = clinics_demo.seed_clinic()
        staff = accounts_demo.seed_staff(organization=organization, password=password)
        patients_demo.seed_patients(
            organization=organization,
            registrar=staff["front_desk"],
            count=patient_count,
            password=password,
        )
        measurements_demo.seed_measurements(organization=organization, staff=staff)
        treatment_demo.seed_treatment(organization=organization, staff=staff)
        return portal_demo.seed_portal(organization=organization, staff=staff)

    def _print_logins(
        self, password: str, patient_count: int, portal_patients: list[Patient]
    ) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo clinic ready: Willowmere Infusion Clinic (fictional)."))
        out.write(f"Sign in at {settings.SITE_URL}/accounts/login/ with password: {password}")
        for email, _name, role, _c in accounts_demo.STAFF:
            out.write(f"  {role:<13} {email}")
        out.write(f"  {'patient':<13} patient1@demo.example … patient{patient_count}@demo.example")
        for patient in portal_patients:
            language = patient.get_preferred_language_display()
            out.write(f"  {'':<13} {patient.email} has questionnaires to answer ({language})")
