"""System checks of the background worker's settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning
from django_tasks import default_task_backend


@register(Tags.compatibility, deploy=True)
def tasks_run_on_a_worker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when tasks cannot be deferred: reminders then go only when cron runs them."""
    if default_task_backend.supports_defer:
        return []
    return [
        CheckWarning(
            "The task backend runs each task at once and cannot repeat one: appointment "
            "reminders, questionnaire messages and safety escalation go only when cron runs "
            "their commands.",
            hint="Set TASKS_BACKEND=django_tasks_db.DatabaseBackend and run `manage.py "
            "schedule_periodic_work` and `manage.py db_worker` (README, Background worker).",
            id="infusionist.W002",
        )
    ]
