from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "infusionist.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from infusionist.audit import receivers  # noqa: F401  (connects auth signals)
        from infusionist.formfields import install_plain_validation_messages

        # Site-wide: "Enter 1 or more." instead of Django's "Ensure this value is …".
        install_plain_validation_messages()
