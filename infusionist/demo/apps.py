from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "infusionist.demo"
    label = "demo"
    verbose_name = "Demo and synthetic data"
