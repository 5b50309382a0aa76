"""Background work for measurement-based care (django-tasks).

With the default immediate backend a task runs when the transaction that queued it commits; with
a database backend a `db_worker` runs it. The cron-driven management commands
`send_measurement_reminders` and `escalate_safety_alerts` call the same services, so either way
works and running both is harmless (every service is idempotent). The alert email task lives
beside the service that queues it (``services.alerts.send_alert_email``).
"""

from __future__ import annotations

from django_tasks import task

from infusionist.measurements.services import (
    measurement_reminders_send,
    measurement_schedules_refresh,
    safety_alerts_escalate,
)


@task()
def send_measurement_reminders() -> int:
    """Refresh schedules, then send due questionnaires and reminders."""
    measurement_schedules_refresh()
    return measurement_reminders_send()


@task()
def escalate_safety_alerts() -> int:
    """Escalate unacknowledged safety alerts to the medical director."""
    return safety_alerts_escalate()
