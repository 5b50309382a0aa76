from __future__ import annotations

import pytest

from infusionist.measurements import sms


@pytest.fixture(autouse=True)
def _locmem_messages(settings):
    """Keep emails and text messages in memory for every measurement test."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "infusionist.measurements.sms.LocmemSmsBackend"
    settings.SITE_URL = "https://clinic.test"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


PHQ9_MILD = {f"q{i}": 1 for i in range(1, 9)} | {"q9": 0}  # total 8
