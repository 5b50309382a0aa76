from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from infusionist.accounts.models import User
from infusionist.clinics import demo_data
from infusionist.clinics.models import BusinessHours, Location, Organization
from infusionist.patients.models import Patient
from infusionist.patients.services import patient_create


class Command(BaseCommand):
    help = "Create (or bring up to date) the fictional demo clinic. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=36)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        # Seed in one transaction; print the logins after it commits, below any email the
        # seeding sends on commit (the demo safety alert).
        with transaction.atomic():
            self._seed(options)
        if not options["quiet"]:
            self._print_logins(settings.DEMO_PASSWORD, options["patients"])

    def _seed(self, options: dict[str, Any]) -> None:
        org, _ = Organization.objects.get_or_create(
            slug=demo_data.ORGANIZATION["slug"], defaults=demo_data.ORGANIZATION
        )
        for spec in demo_data.LOCATIONS:
            location, _ = Location.objects.get_or_create(
                organization=org, name=spec["name"], defaults=spec
            )
            for weekday, opens, closes in demo_data.WEEKDAY_HOURS:
                BusinessHours.objects.get_or_create(
                    location=location,
                    weekday=weekday,
                    opens_at=opens,
                    defaults={"closes_at": closes},
                )
        password = settings.DEMO_PASSWORD
        staff = {}
        for email, name, role, credentials in demo_data.STAFF:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "full_name": name,
                    "role": role,
                    "credentials": credentials,
                    "organization": org,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            staff[role] = user
        rng = random.Random(20261121)
        for index in range(1, options["patients"] + 1):
            data = demo_data.fictional_patient(index, rng)
            if Patient.objects.filter(organization=org, email=data["email"]).exists():
                continue
            patient = patient_create(organization=org, actor=staff["front_desk"], data=data)
            portal_user = User.objects.filter(email=data["email"]).first()
            if portal_user is None:
                portal_user = User.objects.create_user(
                    data["email"],
                    password,
                    full_name=patient.display_name,
                    role="patient",
                    organization=org,
                )
            patient.user = portal_user
            patient.save(update_fields=["user"])
        from infusionist.treatment.demo import seed_treatment

        seed_treatment(organization=org, staff=staff)
        from infusionist.measurements.demo import seed_measurements

        seed_measurements(organization=org, staff=staff)

    def _print_logins(self, password: str, patient_count: int) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo clinic ready: Willowmere Infusion Clinic (fictional)."))
        out.write(f"Sign in at {settings.SITE_URL}/accounts/login/ with password: {password}")
        for email, _name, role, _c in demo_data.STAFF:
            out.write(f"  {role:<13} {email}")
        out.write(f"  {'patient':<13} patient1@demo.example … patient{patient_count}@demo.example")
