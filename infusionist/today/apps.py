from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "infusionist.today"
    label = "today"
    verbose_name = "Today"
