"""Background work of scheduling (django-tasks): the appointment reminder sweep.

Periodic (``infusionist.periodic``): on the database backend each run first queues the next
one, APPOINTMENT_REMINDER_EVERY_MIN minutes later, so a running `db_worker` keeps reminding
without cron. The `send_appointment_reminders` command runs the same service for cron; both
together are harmless (each reminder is claimed once).
"""

from __future__ import annotations

from django_tasks import task

from infusionist import periodic
from infusionist.scheduling.reminders import appointment_reminders_send


@task()
def send_appointment_reminders() -> int:
    """Send every appointment reminder that is due; return how many messages went."""
    periodic.queue_next_run(send_appointment_reminders)
    return appointment_reminders_send()


periodic.register(send_appointment_reminders, every_setting="APPOINTMENT_REMINDER_EVERY_MIN")
