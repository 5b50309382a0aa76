from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from infusionist.measurements.services import (
    measurement_reminders_send,
    measurement_schedules_refresh,
)


class Command(BaseCommand):
    help = (
        "Create due questionnaires and send first messages and reminders (at most the clinic's "
        "maximum per questionnaire). Idempotent: run it from cron or a worker every few minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-refresh", action="store_true", help="Only send; do not create new assignments."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0 if options["no_refresh"] else measurement_schedules_refresh()
        sent = measurement_reminders_send()
        self.stdout.write(f"{created} questionnaires scheduled, {sent} messages sent.")
