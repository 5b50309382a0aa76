from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "infusionist.record"
    label = "record"
    verbose_name = "Patient record page"
