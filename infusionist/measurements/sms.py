"""Pluggable text-message sending, shaped like Django's email backends.

Set SMS_BACKEND to a dotted path of a class with ``send_messages(messages) -> int``. The console
backend (the default) prints each message, as Django's console email backend does; the locmem
backend keeps them in ``outbox`` for tests. A clinic adds its carrier's backend (Twilio, etc.)
as a small class outside this module. Message bodies never carry PHI beyond the recipient.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send_messages(self, messages: list[SmsMessage]) -> int: ...


class ConsoleSmsBackend:
    """Write messages to standard output (development and the demo)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            self.stream.write(f"SMS to {message.to}:\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()
        return len(messages)


#: Messages sent through the locmem backend, for tests (like django.core.mail.outbox).
outbox: list[SmsMessage] = []


class LocmemSmsBackend:
    """Keep messages in ``infusionist.measurements.sms.outbox``."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def send_sms(*, to: str, body: str) -> int:
    """Send one text message through the configured backend; return how many were sent."""
    backend_class = import_string(settings.SMS_BACKEND)
    return int(backend_class().send_messages([SmsMessage(to=to, body=body)]))
