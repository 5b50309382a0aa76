from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class PortalConfig(AppConfig):
    name = "infusionist.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from infusionist.accounts.language import register_patient_language
        from infusionist.portal.middleware import preferred_language_of

        checks.register(translations_compiled, checks.Tags.translation)
        # Sign-in messages and account e-mails reach a patient in their language.
        register_patient_language(preferred_language_of)


def translations_compiled(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when a translation catalogue was changed but not compiled (patients read it)."""
    from infusionist.i18n import stale_catalogues

    return [
        checks.Warning(
            f"{path} is newer than its compiled .mo, or the .mo is missing.",
            hint="Run `python -m infusionist.i18n compile` (make venv does it).",
            id="portal.W001",
        )
        for path in stale_catalogues()
    ]
