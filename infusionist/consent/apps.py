from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "infusionist.consent"
    label = "consent"
    verbose_name = "Consent"
