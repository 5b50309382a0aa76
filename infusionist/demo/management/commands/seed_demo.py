from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from infusionist.accounts import demo as accounts_demo
from infusionist.clinics import demo as clinics_demo
from infusionist.consent import demo as consent_demo
from infusionist.consultations import demo as consultations_demo
from infusionist.demo import outbox
from infusionist.infusions import demo as infusions_demo
from infusionist.infusions.services_settings import rems_rules_ensure
from infusionist.intake import demo as intake_demo
from infusionist.measurements import demo as measurements_demo
from infusionist.patients import demo as patients_demo
from infusionist.patients.models import Patient
from infusionist.portal import demo as portal_demo
from infusionist.scheduling import demo as scheduling_demo
from infusionist.treatment import demo as treatment_demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the fictional demo clinic. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=36)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Seed in one transaction; messages the seeding sends (the demo safety alert notifies
        # its clinician) go out when it commits. In the demo they are written to the outbox,
        # so the terminal shows a line about them, never a raw e-mail.
        before = {path.name for path in outbox.message_files()}
        with transaction.atomic():
            portal_patients = self._seed(options["patients"])
        if not options["quiet"]:
            self._print_summary(
                settings.DEMO_PASSWORD, options["patients"], before, portal_patients
            )

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
        consent_demo.seed_consent(organization=organization, staff=staff)
        intake_demo.seed_intake(organization=organization, staff=staff)
        treatment_demo.seed_treatment(organization=organization, staff=staff)
        consultations_demo.seed_consultations(organization=organization, staff=staff)
        scheduling_demo.seed_scheduling(organization=organization, staff=staff)
        # The REMS forms an esketamine session leaves owed (the chart settings page's rules).
        rems_rules_ensure(organization=organization)
        # The chair day: a visit in every phase, one infusing now (after scheduling).
        infusions_demo.seed(organization=organization, staff=staff)
        return portal_demo.seed_portal(organization=organization, staff=staff)

    def _print_summary(
        self,
        password: str,
        patient_count: int,
        before: set[str],
        portal_patients: list[Patient],
    ) -> None:
        out = self.stdout
        site = settings.SITE_URL.rstrip("/")
        out.write(self.style.SUCCESS("Demo clinic ready: Willowmere Infusion Clinic (fictional)."))
        if settings.DEMO_MODE:
            new = [path for path in outbox.message_files() if path.name not in before]
            emails = sum(1 for path in new if "-email-" in path.name)
            texts = len(new) - emails
            parts = [_count(n, noun) for n, noun in ((emails, "e-mail"), (texts, "text")) if n]
            if parts:
                out.write(
                    f"{' and '.join(parts)} written to the demo outbox (the demo's open safety "
                    "alert notifies its clinician)."
                )
            out.write(
                "Nothing is sent: e-mails and texts (questionnaire links, password resets, "
                f"alerts) go to the demo outbox at {site}/demo/outbox/ (sign in as staff)."
            )
        out.write(f"Sign in at {site}/accounts/login/ with password: {password}")
        for email, _name, role, _c in accounts_demo.STAFF:
            out.write(f"  {role:<13} {email}")
        out.write(f"  {'patient':<13} patient1@demo.example … patient{patient_count}@demo.example")
        for patient in portal_patients:
            language = patient.get_preferred_language_display()
            out.write(f"  {'':<13} {patient.email} has questionnaires to answer ({language})")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
