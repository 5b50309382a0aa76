from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "infusionist.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling: appointments, chairs, staff shifts, reminders"

    def ready(self) -> None:
        from infusionist.scheduling import (
            checks,  # noqa: F401 - registers the system checks
            services,
            waitlist,
        )

        # A cancelled appointment's time is offered to the waitlist once the cancel commits.
        if waitlist.offer_after_cancel not in services.AFTER_CANCEL:
            services.AFTER_CANCEL.append(waitlist.offer_after_cancel)
