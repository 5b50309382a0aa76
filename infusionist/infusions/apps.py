from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "infusionist.infusions"
    label = "infusions"
    verbose_name = "Infusions: the chairside chart"
