from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "infusionist.api"
    label = "api"
    verbose_name = "JSON API"
