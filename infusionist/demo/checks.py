"""System checks of the demo settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def demo_mode_is_off(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when a deployment runs with DEMO_MODE on: messages are not sent but kept."""
    if not settings.DEMO_MODE:
        return []
    return [
        CheckWarning(
            "DEMO_MODE is on: e-mails and text messages are written to DEMO_OUTBOX_DIR instead "
            "of being sent, and every staff member can read them at /demo/outbox/.",
            hint="Set DEMO_MODE=false in production.",
            id="infusionist.W001",
        )
    ]
