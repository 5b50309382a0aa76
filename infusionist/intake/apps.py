from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "infusionist.intake"
    label = "intake"
    verbose_name = "Intake"
