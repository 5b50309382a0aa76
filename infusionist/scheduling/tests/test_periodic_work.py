"""The periodic sweeps on the worker: started once, each queueing its own next run."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from infusionist import periodic
from infusionist.measurements.tasks import escalate_safety_alerts, send_measurement_reminders
from infusionist.scheduling.tasks import send_appointment_reminders

SWEEPS = {
    send_appointment_reminders.module_path,
    send_measurement_reminders.module_path,
    escalate_safety_alerts.module_path,
}


def test_every_sweep_is_registered_with_its_interval(settings) -> None:
    found = {p.task.module_path: p.every_min for p in periodic.registered()}
    assert set(found) == SWEEPS
    assert found[escalate_safety_alerts.module_path] == settings.SAFETY_ESCALATION_EVERY_MIN


@pytest.mark.django_db
def test_with_the_immediate_backend_a_sweep_runs_once_and_queues_nothing(cast) -> None:
    result = send_measurement_reminders.enqueue()
    assert result.status == "SUCCESSFUL"
    assert periodic.queue_next_run(send_measurement_reminders) is False
    out = io.StringIO()
    call_command("schedule_periodic_work", stdout=out)
    assert "cannot repeat them" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_every_sweep_and_each_queues_its_next_run(cast, settings) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("schedule_periodic_work", stdout=out)
    assert set(DBTaskResult.objects.values_list("task_path", flat=True)) == SWEEPS
    assert out.getvalue().count(": queued") == 3
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    for path in SWEEPS:
        statuses = sorted(
            DBTaskResult.objects.filter(task_path=path).values_list("status", flat=True)
        )
        assert statuses == ["READY", "SUCCESSFUL"], path
    out = io.StringIO()
    call_command("schedule_periodic_work", stdout=out)
    assert out.getvalue().count("already waiting") == 3
    assert DBTaskResult.objects.count() == 6


@pytest.mark.django_db
def test_check_deploy_warns_without_a_worker_backend() -> None:
    from django.core.checks import run_checks

    warnings = run_checks(include_deployment_checks=True)
    assert "infusionist.W002" in {w.id for w in warnings}
