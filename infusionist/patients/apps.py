from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "infusionist.patients"
    label = "patients"
    verbose_name = "Patient registry"
