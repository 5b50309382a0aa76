from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "infusionist.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling: appointments, chairs, staff shifts, reminders"

    def ready(self) -> None:
        from infusionist.scheduling import checks  # noqa: F401 - registers the system checks
