"""Background work for measurement-based care (django-tasks).

With the default immediate backend a task runs when the transaction that queued it commits; with
a database backend a `db_worker` runs it. The cron-driven management commands
`send_measurement_reminders` and `escalate_safety_alerts` call the same services, so either way
works and running both is harmless (every service is idempotent).
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_alert_email(*, recipients: list[str]) -> int:
    """Email clinicians that a patient needs review (no PHI in the message)."""
    from infusionist.measurements.services.safety import alert_email_send

    return alert_email_send(recipients=recipients)


@task()
def send_measurement_reminders() -> int:
    """Refresh schedules, then send due questionnaires and reminders."""
    from infusionist.measurements.services import (
        measurement_reminders_send,
        measurement_schedules_refresh,
    )

    measurement_schedules_refresh()
    return measurement_reminders_send()


@task()
def escalate_safety_alerts() -> int:
    """Escalate unacknowledged safety alerts to the medical director."""
    from infusionist.measurements.services import safety_alerts_escalate

    return safety_alerts_escalate()
