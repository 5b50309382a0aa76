from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "infusionist.demo"
    label = "demo"
    verbose_name = "Demo and synthetic data"

    def ready(self) -> None:
        from infusionist.demo import checks  # noqa: F401 - registers the system checks
