"""Background work for measurement-based care (django-tasks).

Both sweeps are periodic (``infusionist.periodic``): on the database backend each run queues
its next one (every MEASUREMENT_REMINDER_EVERY_MIN and SAFETY_ESCALATION_EVERY_MIN minutes),
so the `db_worker` keeps sending without cron. The cron-driven management commands
`send_measurement_reminders` and `escalate_safety_alerts` call the same services, so either way
works and running both is harmless (every service is idempotent). The alert email task lives
beside the service that queues it (``services.alerts.send_alert_email``).
"""

from __future__ import annotations

from django_tasks import task

from infusionist import periodic
from infusionist.measurements.services import (
    measurement_reminders_send,
    measurement_schedules_refresh,
    safety_alerts_escalate,
)


@task()
def send_measurement_reminders() -> int:
    """Refresh schedules, then send due questionnaires and reminders; return how many went."""
    periodic.queue_next_run(send_measurement_reminders)
    measurement_schedules_refresh()
    return measurement_reminders_send()


@task()
def escalate_safety_alerts() -> int:
    """Escalate unacknowledged safety alerts to the medical director; return how many."""
    periodic.queue_next_run(escalate_safety_alerts)
    return safety_alerts_escalate()


periodic.register(send_measurement_reminders, every_setting="MEASUREMENT_REMINDER_EVERY_MIN")
periodic.register(escalate_safety_alerts, every_setting="SAFETY_ESCALATION_EVERY_MIN")
