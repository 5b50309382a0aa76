"""The demo outbox: messages are written, not sent, and staff read them at /demo/outbox/."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import reverse

from infusionist.demo import outbox
from infusionist.measurements.sms import send_sms


@pytest.fixture
def demo(settings, tmp_path):
    """Run as `make demo` does: demo mode, the outbox backends, an empty outbox."""
    settings.DEMO_MODE = True
    settings.DEMO_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "infusionist.demo.outbox.EmailBackend"
    settings.SMS_BACKEND = "infusionist.demo.outbox.SmsBackend"
    return settings


def test_emails_and_texts_are_written_newest_first(demo) -> None:
    mail.send_mail(
        "Reset your password", "Open http://127.0.0.1:8000/r/abc/", None, ["a@x.example"]
    )
    send_sms(to="555-0100", body="Check-in: http://127.0.0.1:8000/q/xyz/")
    (demo.DEMO_OUTBOX_DIR / "zzz-broken.json").write_text("{not json", encoding="utf-8")
    found = outbox.messages()
    assert [m.kind for m in found] == ["sms", "email"]  # the broken file is skipped
    assert found[0].to == ("555-0100",) and found[1].subject == "Reset your password"


def test_staff_open_a_sent_questionnaire_link_from_the_outbox(client, cast, demo) -> None:
    client.force_login(cast.nurse)
    sent = client.post(reverse("measurements:send", args=[cast.patient.pk]), {"instrument": "phq9"})
    assert sent.status_code == 302
    page = client.get(reverse("demo:outbox")).content.decode()
    assert "check-in" in page and '<a href="http://127.0.0.1:8000/q/' in page
    assert "OutboxMessage(" not in page  # not mistaken for the page's flash messages
    assert 'href="/demo/outbox/"' in page  # in the navigation, in demo mode only


def test_the_outbox_is_not_there_outside_the_demo(client, cast, settings) -> None:
    settings.DEMO_MODE = False
    client.force_login(cast.admin)
    assert client.get(reverse("demo:outbox")).status_code == 404
    assert 'href="/demo/outbox/"' not in client.get(reverse("today:index")).content.decode()


def test_seed_demo_says_where_its_alert_email_went_instead_of_printing_it(
    transactional_db, demo
) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--patients", "8", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[1].startswith("1 e-mail written to the demo outbox")
    assert "/demo/outbox/" in text and "Subject:" not in text
    assert text.index("demo outbox") < text.index("nurse@demo.example")
    assert [m.subject for m in outbox.messages()] == ["Infusionist: a patient needs review"]
    again = io.StringIO()
    call_command("seed_demo", "--patients", "8", stdout=again)
    assert "written to the demo outbox" not in again.getvalue()  # nothing new the second time


def test_check_deploy_warns_when_demo_mode_is_on(demo) -> None:
    warnings = run_checks(include_deployment_checks=True)
    assert "infusionist.W001" in {w.id for w in warnings}
