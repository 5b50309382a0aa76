"""Periodic background work on the django-tasks worker, without cron (docs/decisions/0031).

A periodic task is an ordinary ``@task`` registered here with the setting that names its
interval in minutes. Each run first queues the task's next run (``run_after`` = now + the
interval), so a worker that is running keeps the sweep going, and a failing run does not stop
it. ``schedule_periodic_work()`` (the ``schedule_periodic_work`` command, run by ``make demo``
and by the worker's service before it starts) queues every registered task once, to run now,
unless a run is already waiting: calling it again, or from several machines, adds nothing.

With a backend that cannot defer a task (the immediate backend of the tests and of a
cron-driven deployment) nothing is queued ahead: each sweep runs once where it is called and
cron runs the management commands that call the same services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task, TaskResultStatus


@dataclass(frozen=True)
class Periodic:
    """A registered periodic task and the Django setting holding its interval (minutes)."""

    task: Task[Any, Any]
    every_setting: str

    @property
    def every_min(self) -> int:
        return int(getattr(settings, self.every_setting))


_REGISTRY: dict[str, Periodic] = {}


def register(task: Task[Any, Any], *, every_setting: str) -> Task[Any, Any]:
    """Register ``task`` to repeat every ``settings.<every_setting>`` minutes; return it."""
    _REGISTRY[task.module_path] = Periodic(task=task, every_setting=every_setting)
    return task


def registered() -> list[Periodic]:
    """Return every periodic task, after importing each app's ``tasks`` module."""
    autodiscover_modules("tasks")
    return [_REGISTRY[path] for path in sorted(_REGISTRY)]


def _waiting(task: Task[Any, Any]) -> bool:
    """Return True when a run of ``task`` is already queued and not yet started."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=task.module_path, status=TaskResultStatus.READY
    ).exists()


def queue_next_run(task: Task[Any, Any], *, now: dt.datetime | None = None) -> bool:
    """Queue the next run of a registered periodic ``task``; return True when one was queued.

    Nothing is queued when the backend cannot defer a task or a run is already waiting.
    Raises KeyError for a task that was not registered.
    """
    periodic = _REGISTRY[task.module_path]
    if not task.get_backend().supports_defer or _waiting(task):
        return False
    run_after = (now or timezone.now()) + dt.timedelta(minutes=periodic.every_min)
    task.using(run_after=run_after).enqueue()
    return True


def schedule_periodic_work() -> list[str]:
    """Queue every periodic task to run now unless a run is waiting; return the queued paths.

    Only with a backend that can defer (the database backend): with the immediate backend the
    sweeps would run here, once, and never again, so cron is the way there.
    """
    queued = []
    for periodic in registered():
        task = periodic.task
        if task.get_backend().supports_defer and not _waiting(task):
            task.enqueue()
            queued.append(task.module_path)
    return queued
