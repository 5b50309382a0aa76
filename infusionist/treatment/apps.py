from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "infusionist.treatment"
    label = "treatment"
    verbose_name = "Treatment plans and protocols"
