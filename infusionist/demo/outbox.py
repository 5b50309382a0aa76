"""The demo's outbox: e-mails and text messages written to files instead of being sent.

With ``DEMO_MODE`` on (``make demo``), settings make these the e-mail and SMS backends, so
questionnaire links, password-reset links and safety-alert e-mails land in
``DEMO_OUTBOX_DIR`` (``var/outbox/``), one JSON file per message, and staff read them newest
first at ``/demo/outbox/``. Nothing leaves the machine. Never use them in production: every
staff member could read every message.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from infusionist.measurements.sms import SmsMessage

#: The page lists at most this many messages (the newest).
SHOWN_AT_MOST = 200


@dataclass(frozen=True)
class OutboxMessage:
    """One message as written: an e-mail or a text message."""

    kind: str
    sent_at: dt.datetime
    to: tuple[str, ...]
    subject: str
    body: str


def outbox_dir() -> Path:
    """Return the directory the demo writes messages to."""
    return Path(settings.DEMO_OUTBOX_DIR)


def write(*, kind: str, to: Sequence[str], subject: str, body: str) -> Path:
    """Write one message to the outbox and return its file; names sort oldest first."""
    now = timezone.now()
    directory = outbox_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{now:%Y%m%dT%H%M%S%f}-{kind}-{uuid.uuid4().hex[:8]}.json"
    record = {
        "kind": kind,
        "sent_at": now.isoformat(),
        "to": list(to),
        "subject": subject,
        "body": body,
    }
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _read(path: Path) -> OutboxMessage | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return OutboxMessage(
            kind=str(record["kind"]),
            sent_at=dt.datetime.fromisoformat(record["sent_at"]),
            to=tuple(str(address) for address in record["to"]),
            subject=str(record.get("subject", "")),
            body=str(record["body"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a half-written or foreign file is skipped, not a server error


def message_files() -> list[Path]:
    """Return the outbox's message files, newest first."""
    directory = outbox_dir()
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.json"), reverse=True)


def messages(*, limit: int = SHOWN_AT_MOST) -> list[OutboxMessage]:
    """Return the newest ``limit`` messages, newest first."""
    found = (_read(path) for path in message_files()[:limit])
    return [message for message in found if message is not None]


class EmailBackend(BaseEmailBackend):
    """Write each e-mail to the demo outbox (its plain-text body)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            write(
                kind="email",
                to=message.recipients(),
                subject=str(message.subject),
                body=str(message.body),
            )
        return len(email_messages)


class SmsBackend:
    """Write each text message to the demo outbox."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, sms_messages: list[SmsMessage]) -> int:
        for message in sms_messages:
            write(kind="sms", to=[message.to], subject="", body=message.body)
        return len(sms_messages)
