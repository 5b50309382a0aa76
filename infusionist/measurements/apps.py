from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    name = "infusionist.measurements"
    label = "measurements"
    verbose_name = "Measurement-based care"
