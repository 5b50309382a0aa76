from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "infusionist.infusions"
    label = "infusions"
    verbose_name = "Infusions: the chairside chart"

    def ready(self) -> None:
        from infusionist.infusions import services
        from infusionist.scheduling import services as scheduling

        # An infusion patient marked arrived on the calendar or Today is checked in on the
        # chart in the same transaction; a cancelled appointment cancels its visit.
        if services.on_appointment_marked not in scheduling.AFTER_MARK:
            scheduling.AFTER_MARK.append(services.on_appointment_marked)
        if services.on_appointment_cancelled not in scheduling.AFTER_CANCEL:
            scheduling.AFTER_CANCEL.append(services.on_appointment_cancelled)
