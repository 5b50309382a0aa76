from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from infusionist.periodic import registered, schedule_periodic_work


class Command(BaseCommand):
    help = (
        "Queue the periodic sweeps (appointment reminders, questionnaire messages, safety-alert "
        "escalation) for the database worker, unless a run of each is already waiting. Run it "
        "before starting `db_worker`; running it again adds nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = registered()
        if not tasks[0].task.get_backend().supports_defer:
            self.stdout.write(
                "The task backend runs tasks at once and cannot repeat them: set TASKS_BACKEND="
                "django_tasks_db.DatabaseBackend and run `manage.py db_worker`, or run the "
                "sweeps' commands from cron."
            )
            return
        queued = schedule_periodic_work()
        for periodic in tasks:
            path = periodic.task.module_path
            state = "queued" if path in queued else "already waiting"
            self.stdout.write(f"{path}: {state} (every {periodic.every_min} min)")
