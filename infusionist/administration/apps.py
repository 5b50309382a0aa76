from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "infusionist.administration"
    label = "administration"
    verbose_name = "Clinic administration"
