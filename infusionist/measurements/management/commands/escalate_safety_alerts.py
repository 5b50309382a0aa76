from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from infusionist.measurements.services import safety_alerts_escalate


class Command(BaseCommand):
    help = (
        "Email the medical director about safety alerts nobody acknowledged within the clinic's "
        "escalation time. Idempotent: run it from cron or a worker every minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = safety_alerts_escalate()
        self.stdout.write(f"{count} safety alerts escalated.")
