from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "infusionist.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from infusionist.audit import receivers  # noqa: F401  (connects auth signals)
