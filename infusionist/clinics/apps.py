from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "infusionist.clinics"
    label = "clinics"
    verbose_name = "Organizations and locations"
