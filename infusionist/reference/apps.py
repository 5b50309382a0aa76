from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "infusionist.reference"
    label = "reference"
    verbose_name = "Clinical reference"
