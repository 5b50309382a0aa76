"""Schedules around treatment, the infusion hooks and reminders (max three, idempotent)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from infusionist.measurements import services, sms
from infusionist.measurements.models import AccessLink, Assignment, MeasurementSettings

H, D = dt.timedelta(hours=1), dt.timedelta(days=1)


def _last_wednesday_midday() -> dt.datetime:
    """The latest Wednesday 17:00 UTC (midday in the clinic) at or before now.

    Near the real time (links and reminders also read the clock), and never at the end of a
    week, so a check-in week does not turn over between NOW and NOW + a few hours.
    """
    now = timezone.now().astimezone(dt.UTC)
    wednesday = now.replace(hour=17, minute=0, second=0, microsecond=0) - D * (
        (now.weekday() - 2) % 7
    )
    return wednesday if wednesday <= now else wednesday - 7 * D


NOW = _last_wednesday_midday()


@contextmanager
def phase(cast, value):
    """Give the cast's patient a treatment phase, as signing a plan does."""
    if value is not None:
        services.measurement_treatment_phase_set(patient=cast.patient, phase=value)
    yield


def test_without_a_plan_or_infusions_nothing_is_scheduled(cast) -> None:
    with phase(cast, None):
        assert services.assignments_refresh(patient=cast.patient, now=NOW) == []


def test_induction_creates_weekly_check_ins_of_the_clinic_instruments(cast) -> None:
    with phase(cast, "induction"):
        created = services.assignments_refresh(patient=cast.patient, now=NOW)
        again = services.assignments_refresh(patient=cast.patient, now=NOW + H)
    assert sorted(a.instrument_code for a in created) == ["gad7", "phq9"]
    assert {a.reason for a in created} == {"induction_checkin"}
    assert again == []  # idempotent
    assert Assignment.objects.count() == 2


def test_clinic_instrument_list_applies(cast) -> None:
    MeasurementSettings.objects.create(organization=cast.org, scheduled_instruments="phq9")
    with phase(cast, "maintenance"):
        created = services.assignments_refresh(patient=cast.patient, now=NOW)
    assert [(a.instrument_code, a.reason) for a in created] == [("phq9", "maintenance_checkin")]


def test_a_planned_infusion_gets_a_pre_infusion_questionnaire(cast) -> None:
    planned = NOW + 5 * D
    with phase(cast, None):
        created = services.measurement_infusion_planned(
            patient=cast.patient, planned_at=planned, now=NOW
        )
    assert {(a.reason, a.due_at) for a in created} == {("pre_infusion", planned)}
    assert all(a.available_at == planned - 48 * H for a in created)
    # Moving the infusion cancels the questionnaire for the old time.
    with phase(cast, None):
        moved = services.measurement_infusion_planned(
            patient=cast.patient, planned_at=planned + D, now=NOW
        )
    assert {a.due_at for a in moved} == {planned + D}
    assert (
        Assignment.objects.filter(
            status="cancelled", cancelled_reason="infusion rescheduled"
        ).count()
        == 2
    )


def test_an_infusion_resets_the_schedule(cast) -> None:
    with phase(cast, "induction"):
        weekly = services.assignments_refresh(patient=cast.patient, now=NOW)
        created = services.measurement_infusion_recorded(
            patient=cast.patient, infusion_at=NOW, now=NOW
        )
    assert {a.reason for a in created} == {"next_day_checkin"}
    assert all(a.available_at == NOW + 24 * H for a in created)
    for a in weekly:
        a.refresh_from_db()
        assert a.status == "cancelled" and a.cancelled_reason == "superseded by infusion"
    cast.patient.measurement_profile.refresh_from_db()
    assert cast.patient.measurement_profile.last_infusion_at == NOW
    # A week after the infusion the weekly check-in is counted from it.
    with phase(cast, "induction"):
        later = services.assignments_refresh(patient=cast.patient, now=NOW + 7 * D + H)
    assert {a.reason for a in later} == {"induction_checkin"}
    assert all(a.available_at == NOW + 7 * D for a in later)


def test_completing_a_questionnaire_fulfils_its_assignment(cast) -> None:
    with phase(cast, "induction"):
        services.assignments_refresh(patient=cast.patient, now=timezone.now() - H)
    services.questionnaire_response_submit(
        patient=cast.patient,
        instrument_code="gad7",
        answers={f"q{i}": 0 for i in range(1, 8)},
        source="staff",
        entered_by=cast.nurse,
    )
    assert Assignment.objects.get(instrument_code="gad7").status == "completed"
    assert Assignment.objects.get(instrument_code="phq9").status == "pending"


def _pending(cast, code: str = "phq9") -> Assignment:
    return services.assignment_create_manual(
        patient=cast.patient, instrument_code=code, actor=cast.nurse, now=NOW - H
    )


def test_reminders_stop_after_three_and_are_idempotent(cast) -> None:
    assignment = _pending(cast)
    assert services.measurement_reminders_send(now=NOW) == 1  # first message
    assert services.measurement_reminders_send(now=NOW + H) == 0  # too soon
    for day in (1, 2, 3):
        assert services.measurement_reminders_send(now=NOW + day * D) == 1
        assert services.measurement_reminders_send(now=NOW + day * D) == 0
    assert services.measurement_reminders_send(now=NOW + 10 * D) == 0
    assignment.refresh_from_db()
    assert assignment.reminder_count == 3
    assert len(mail.outbox) == 4
    assert mail.outbox[1].subject.startswith("Reminder")
    # Each message carries a fresh link; only the newest one opens.
    assert AccessLink.objects.filter(assignment=assignment, revoked_at__isnull=True).count() == 1


def test_messages_carry_no_phi_in_the_link(cast) -> None:
    _pending(cast)
    services.measurement_reminders_send(now=NOW)
    (email,) = mail.outbox
    assert email.to == [cast.patient.email]
    assert "https://clinic.test/q/" in email.body
    assert "PHQ" not in email.body and "depress" not in email.body.lower()
    assert "not monitored in real time" in email.body
    assert cast.patient.mrn not in email.body and "1985" not in email.body


def test_text_messages_through_the_sms_backend_in_the_patient_language(cast) -> None:
    cast.patient.preferred_language = "es"
    cast.patient.save(update_fields=["preferred_language"])
    services.measurement_profile_update(
        patient=cast.patient, actor=cast.nurse, responsible_clinician=cast.physician, channel="sms"
    )
    _pending(cast)
    assert services.measurement_reminders_send(now=NOW) == 1
    (message,) = sms.outbox
    assert message.to == cast.patient.phone
    assert "cuestionario" in message.body and "988" in message.body
    assert mail.outbox == []


def test_patients_without_contact_details_are_not_sent_anything(cast) -> None:
    cast.patient.email = cast.patient.phone = ""
    cast.patient.save(update_fields=["email", "phone"])
    assignment = _pending(cast)
    assert services.measurement_reminders_send(now=NOW) == 0
    assignment.refresh_from_db()
    assert assignment.first_sent_at is None


def test_the_reminder_limit_is_a_clinic_setting(cast) -> None:
    MeasurementSettings.objects.create(
        organization=cast.org, max_reminders=1, reminder_interval_hours=2
    )
    _pending(cast)
    sent = [services.measurement_reminders_send(now=NOW + n * 3 * H) for n in range(4)]
    assert sent == [1, 1, 0, 0]


def test_reminder_command_refreshes_and_sends(cast) -> None:
    services.measurement_profile_update(
        patient=cast.patient,
        actor=cast.nurse,
        responsible_clinician=cast.physician,
        channel="email",
    )
    with phase(cast, "induction"):
        call_command("send_measurement_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("send_measurement_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Assignment.objects.count() == 2
    assert len(mail.outbox) == 2
