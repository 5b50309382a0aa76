from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "infusionist.readiness"
    label = "readiness"
    verbose_name = "Readiness for an infusion"
