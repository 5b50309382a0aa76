from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "infusionist.consultations"
    label = "consultations"
    verbose_name = "Consultations and eligibility decisions"
