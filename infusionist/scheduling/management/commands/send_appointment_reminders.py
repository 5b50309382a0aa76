from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from infusionist.scheduling.reminders import appointment_reminders_send


class Command(BaseCommand):
    help = (
        "Send the appointment reminders that are due (e-mail with a calendar file, and text). "
        "Idempotent: run it from cron every few minutes if no worker runs the reminder task."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = appointment_reminders_send()
        self.stdout.write(f"{sent} reminder messages sent.")
