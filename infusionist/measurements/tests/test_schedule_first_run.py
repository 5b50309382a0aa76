"""Schedules on their first run: clinic-local times, the plan's start, minimum intervals,
superseded requests, one message per patient and one row per patient."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from infusionist.measurements import selectors, services, sms
from infusionist.measurements.models import (
    AccessLink,
    Assignment,
    MeasurementSettings,
    QuestionnaireResponse,
)
from infusionist.measurements.tests.html_checks import id_problems
from infusionist.patients.models import Patient
from infusionist.test import PASSWORD

LA = zoneinfo.ZoneInfo("America/Los_Angeles")  # the test clinic's primary location
H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
PHQ9_NONE = {f"q{i}": 0 for i in range(1, 10)}
GAD7_NONE = {f"q{i}": 0 for i in range(1, 8)}


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LA)


def start_plan(cast, phase: str = "induction", starts_on: dt.date | None = None, patient=None):
    services.measurement_treatment_phase_set(
        patient=patient or cast.patient, phase=phase, starts_on=starts_on
    )


def complete(cast, code: str = "phq9", *, at: dt.datetime | None = None, patient=None, **kw):
    return services.questionnaire_response_submit(
        patient=patient or cast.patient,
        instrument_code=code,
        answers=PHQ9_NONE if code == "phq9" else GAD7_NONE,
        source="staff",
        entered_by=cast.nurse,
        completed_at=at,
        **kw,
    )


def pending(patient=None, code: str | None = None) -> list[Assignment]:
    qs = Assignment.objects.filter(status="pending")
    if patient is not None:
        qs = qs.filter(patient=patient)
    if code is not None:
        qs = qs.filter(instrument_code=code)
    return list(qs.order_by("available_at", "id"))


# ---- the treatment hook: phase and first session date ----------------------------------------


def test_signing_a_plan_tells_measurements_when_it_starts(cast) -> None:
    from infusionist.treatment import services as treatment
    from infusionist.treatment.models import Protocol

    treatment.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocol = Protocol.objects.get(organization=cast.org, key="depression-iv-induction")
    starts_on = timezone.localdate(timezone=LA) + 3 * D
    spec = treatment.PlanVersionSpec.from_values(
        {
            "protocol": protocol,
            "indication": protocol.indication,
            "phase": "induction",
            "planned_sessions": 6,
            "sessions_per_week": Decimal("3"),
            "planned_start_date": starts_on,
            "dose_mg_per_kg": Decimal("0.5"),
            "dose_mg": None,
            "dose_mg_per_kg_per_h": None,
            "dose_mg_per_h": None,
            "duration_min": 40,
            "weight_kg": Decimal("70"),
            "height_cm": Decimal("170"),
            "sex": "female",
            "weight_basis": "actual",
            "vial_mg_per_ml": Decimal("10"),
            "bag_volume_ml": Decimal("100"),
            "withdraw_equal_volume": False,
            "rationale": "",
        }
    )
    draft = treatment.plan_version_draft_save(patient=cast.patient, actor=cast.provider, spec=spec)
    treatment.plan_version_sign(
        version=draft, signer=cast.physician, password=PASSWORD, attested=True
    )
    profile = cast.patient.measurement_profile
    profile.refresh_from_db()
    assert (profile.treatment_phase, profile.plan_starts_on) == ("induction", starts_on)

    # The first run of the reminder command: nothing is due before the plan starts.
    call_command("send_measurement_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Assignment.objects.count() == 0 and mail.outbox == []

    # On the first session day the check-in opens at 09:00 clinic time, not 16:00 the day before.
    opens = dt.datetime.combine(starts_on, dt.time(9), tzinfo=LA)
    assert services.measurement_schedules_refresh(now=opens - dt.timedelta(minutes=1)) == 0
    assert services.measurement_schedules_refresh(now=opens) == 2
    for assignment in Assignment.objects.all():
        assert assignment.available_at == opens
        assert assignment.available_at.astimezone(LA).date() == starts_on
        assert assignment.due_at == opens + 48 * H


def test_the_hook_keeps_the_start_date_and_audits_it(cast) -> None:
    start_plan(cast, "induction", dt.date(2026, 3, 2))
    profile = cast.patient.measurement_profile
    assert profile.plan_starts_on == dt.date(2026, 3, 2)
    # No start given (an older caller): the known date stays.
    assert services.measurement_treatment_phase_set(patient=cast.patient, phase="maintenance")
    profile.refresh_from_db()
    assert (profile.treatment_phase, profile.plan_starts_on) == ("maintenance", dt.date(2026, 3, 2))
    # A new version with a new first session day changes only the date.
    assert services.measurement_treatment_phase_set(
        patient=cast.patient, phase="maintenance", starts_on=dt.date(2026, 4, 1)
    )
    assert not services.measurement_treatment_phase_set(
        patient=cast.patient, phase="maintenance", starts_on=dt.date(2026, 4, 1)
    )
    from infusionist.audit.models import AuditEvent

    fields = [
        e.detail["fields"]
        for e in AuditEvent.objects.filter(object_type="measurement_profile").order_by("pk")
    ]
    assert ["plan_starts_on"] in fields


@pytest.mark.parametrize("bad", [dt.datetime(2026, 3, 2, tzinfo=dt.UTC), "2026-03-02", 20260302])
def test_the_hook_refuses_a_start_that_is_not_a_date(cast, bad) -> None:
    with pytest.raises(ValueError, match="starts_on must be a date"):
        services.measurement_treatment_phase_set(
            patient=cast.patient, phase="induction", starts_on=bad
        )


# ---- nothing before the plan starts; clinic-local times ---------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        local(2026, 3, 10, 16, 0),  # 16:00 the day before: midnight UTC taken as a date
        local(2026, 3, 10, 17, 0),  # midnight UTC in daylight time
        local(2026, 3, 11, 0, 0),  # the first session day, before the clinic hour
        local(2026, 3, 11, 8, 59),
        local(2026, 2, 1, 9, 0),  # weeks before
    ],
)
def test_nothing_is_due_before_the_plan_starts(cast, now) -> None:
    start_plan(cast, "induction", dt.date(2026, 3, 11))
    assert services.assignments_refresh(patient=cast.patient, now=now) == []


@pytest.mark.parametrize("phase", ["induction", "maintenance"])
def test_due_times_are_clinic_local(cast, phase) -> None:
    start_plan(cast, phase, dt.date(2026, 3, 11))
    created = services.assignments_refresh(patient=cast.patient, now=local(2026, 3, 11, 9, 30))
    assert {a.available_at.astimezone(LA) for a in created} == {local(2026, 3, 11, 9, 0)}


def test_the_clinic_hour_is_a_setting(cast) -> None:
    MeasurementSettings.objects.create(organization=cast.org, checkin_local_hour=7)
    start_plan(cast, "induction", dt.date(2026, 3, 11))
    created = services.assignments_refresh(patient=cast.patient, now=local(2026, 3, 11, 7, 5))
    assert {a.available_at for a in created} == {local(2026, 3, 11, 7, 0)}


def test_a_clock_change_does_not_move_the_weekly_check_in(cast) -> None:
    # Plan starts Monday March 2, 2026 (PST); clocks go forward on Sunday March 8.
    start_plan(cast, "induction", dt.date(2026, 3, 2))
    created = services.assignments_refresh(patient=cast.patient, now=local(2026, 3, 9, 9, 0))
    assert {a.available_at.astimezone(LA).time() for a in created} == {dt.time(9, 0)}
    # After an infusion at 10:30 the week before the change, the check-in is at 10:30 too.
    services.measurement_infusion_recorded(
        patient=cast.other_patient, infusion_at=local(2026, 3, 5, 10, 30), now=local(2026, 3, 5, 11)
    )
    start_plan(cast, "induction", dt.date(2026, 3, 1), patient=cast.other_patient)
    weekly = [
        a
        for a in services.assignments_refresh(
            patient=cast.other_patient, now=local(2026, 3, 12, 10, 45)
        )
        if a.reason == "induction_checkin"
    ]
    assert weekly and {a.available_at.astimezone(LA) for a in weekly} == {
        local(2026, 3, 12, 10, 30)
    }


def test_an_older_caller_without_a_start_date_still_gets_check_ins(cast) -> None:
    start_plan(cast, "induction")  # the phase alone, as before
    created = services.assignments_refresh(patient=cast.patient, now=timezone.now())
    assert sorted(a.instrument_code for a in created) == ["gad7", "phq9"]


# ---- the minimum interval after a completion ----------------------------------------------------


def test_a_phq9_is_not_sent_again_minutes_after_one_was_completed(cast) -> None:
    now = timezone.now()
    start_plan(cast, "induction", (now - 20 * D).astimezone(LA).date())
    complete(cast, "phq9", at=now - 5 * 60 * dt.timedelta(seconds=1))
    created = services.assignments_refresh(patient=cast.patient, now=now)
    assert [a.instrument_code for a in created] == ["gad7"]
    assert services.measurement_reminders_send(now=now) == 1
    assert Assignment.objects.get(first_sent_at__isnull=False).instrument_code == "gad7"


@pytest.mark.parametrize(
    ("days_ago", "interval", "asked"),
    [
        (0, None, False),  # the default 14 days
        (3, None, False),
        (10, None, False),
        (12, None, False),  # due 2 days later: still 14 days after it at most
        (13, None, True),  # due 15 days after it
        (30, None, True),
        (3, "phq9:0", True),  # the clinic asks as often as its cadence does
        (3, "phq9:2", True),
        (3, "phq9:7, gad7:0", False),
        (8, "phq9:7", True),
    ],
)
def test_the_minimum_interval_holds_back_a_scheduled_phq9(cast, days_ago, interval, asked) -> None:
    if interval is not None:
        MeasurementSettings.objects.create(
            organization=cast.org, instrument_min_interval_days=interval
        )
    now = local(2026, 6, 15, 12, 0)
    start_plan(cast, "induction", dt.date(2026, 6, 15))  # a check-in opened at 09:00 today
    occasion = local(2026, 6, 15, 9, 0)
    done_at = min(occasion - dt.timedelta(minutes=1), now - days_ago * D)
    QuestionnaireResponse.objects.create(
        organization=cast.org,
        patient=cast.patient,
        instrument_code="phq9",
        instrument_version="1.0.0",
        source="staff",
        status="completed",
        answers=PHQ9_NONE,
        total=0,
        completed_at=done_at,
    )
    created = services.assignments_refresh(patient=cast.patient, now=now)
    assert ("phq9" in {a.instrument_code for a in created}) is asked
    assert "gad7" in {a.instrument_code for a in created}


def test_completing_cancels_a_pre_infusion_request_within_the_interval(cast) -> None:
    now = timezone.now()
    services.measurement_infusion_planned(patient=cast.patient, planned_at=now + 4 * D, now=now)
    assert len(pending(code="phq9")) == 1  # sent 48 h ahead, due at the infusion
    manual = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - H
    )
    complete(cast, "phq9", assignment=manual)
    manual.refresh_from_db()
    assert manual.status == "completed"
    (cancelled,) = Assignment.objects.filter(status="cancelled", instrument_code="phq9")
    assert cancelled.reason == "pre_infusion"
    assert cancelled.cancelled_reason == "within the minimum interval of the last one"
    assert pending(code="gad7")  # another instrument is still asked
    # Staff may still ask for one on purpose, and it is sent.
    again = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse
    )
    assert services.assignment_send(assignment=again)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("phq9", "code:days"),
        ("phq9:", "code:days"),
        ("phq9:x", "whole number"),
        ("phq9:-1", "whole number"),
        ("phq9:91", "whole number"),
        ("phq9:1.5", "whole number"),
        ("nope:3", "not a known instrument"),
        ("cssrs_screener:3", "clinician-administered"),
        ("phq9:7,phq9:8", "listed twice"),
    ],
)
def test_minimum_interval_setting_refuses_bad_entries_clearly(cast, value, message) -> None:
    row = MeasurementSettings(organization=cast.org, instrument_min_interval_days=value)
    with pytest.raises(ValidationError, match=message):
        row.full_clean()


def test_minimum_interval_setting_reads_overrides_and_defaults(cast) -> None:
    row = MeasurementSettings(
        organization=cast.org, instrument_min_interval_days=" phq9 : 7 ; gad7:0\npcl5:10"
    )
    row.full_clean()
    assert [row.min_interval_days(c) for c in ("phq9", "gad7", "pcl5", "qids_sr16", "x")] == [
        7,
        0,
        10,
        7,
        0,
    ]
    assert MeasurementSettings(organization=cast.org).min_interval_days("phq9") == 14


# ---- a newer request supersedes an older one -----------------------------------------------


def test_completing_the_newer_request_closes_the_older_link(cast) -> None:
    now = timezone.now()
    older = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - 3 * D
    )
    link, _ = services.link_issue(assignment=older, channel="email", now=now - 3 * D)
    newer = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - H
    )
    gad7 = services.assignment_create_manual(
        patient=cast.patient, instrument_code="gad7", actor=cast.nurse, now=now - 2 * D
    )
    complete(cast, "phq9", assignment=newer)
    older.refresh_from_db()
    link.refresh_from_db()
    gad7.refresh_from_db()
    assert older.status == "cancelled"
    assert older.cancelled_reason == "superseded by a completed questionnaire"
    assert link.refusal() != ""  # the older link no longer waits
    assert gad7.status == "pending"


def test_completing_the_older_request_closes_the_newer_one_already_sent(cast) -> None:
    now = timezone.now()
    older = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - 3 * D
    )
    newer = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - H
    )
    complete(cast, "phq9", assignment=older)
    newer.refresh_from_db()
    assert newer.status == "cancelled"
    assert not pending(code="phq9")


def test_staff_entry_fulfils_the_newest_request_and_closes_the_rest(cast) -> None:
    now = timezone.now()
    older = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - 3 * D
    )
    newer = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - H
    )
    complete(cast, "phq9")
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (newer.status, older.status) == ("completed", "cancelled")


# ---- one message per patient per run -----------------------------------------------------------


def test_one_message_per_patient_per_run(cast) -> None:
    now = timezone.now()
    for patient in (cast.patient, cast.other_patient):
        for code in ("phq9", "gad7"):
            services.assignment_create_manual(
                patient=patient, instrument_code=code, actor=cast.nurse, now=now - H
            )
    assert services.measurement_reminders_send(now=now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [cast.patient.email, cast.other_patient.email]
    )


def test_the_newest_request_goes_first_and_an_older_one_of_it_never(cast) -> None:
    now = timezone.now()
    older = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - 2 * D
    )
    newer = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - H
    )
    assert services.measurement_reminders_send(now=now) == 1
    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.first_sent_at == now and older.first_sent_at is None
    assert services.measurement_reminders_send(now=now + 5 * 60 * dt.timedelta(seconds=1)) == 0
    older.refresh_from_db()
    assert older.first_sent_at is None  # superseded: not sent


def test_one_text_message_per_run_too(cast) -> None:
    services.measurement_profile_update(
        patient=cast.patient, actor=cast.nurse, responsible_clinician=cast.physician, channel="sms"
    )
    now = timezone.now()
    for code in ("phq9", "gad7", "pcl5"):
        services.assignment_create_manual(
            patient=cast.patient, instrument_code=code, actor=cast.nurse, now=now - H
        )
    assert services.measurement_reminders_send(now=now) == 1
    assert len(sms.outbox) == 1


def test_the_first_run_of_the_command_sends_one_message(cast) -> None:
    start_plan(cast, "induction", (timezone.now() - 2 * D).astimezone(LA).date())
    call_command("send_measurement_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Assignment.objects.count() == 2
    assert len(mail.outbox) == 1


# ---- every list shows a patient once ----------------------------------------------------------


def _overdue_everything(cast) -> None:
    past = timezone.now() - 5 * D
    for code in ("phq9", "gad7"):
        services.assignment_create_manual(
            patient=cast.patient, instrument_code=code, actor=cast.nurse, now=past
        )
    # An older request for the same questionnaire, still waiting.
    services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=past - 2 * D
    )
    services.assignment_create_manual(
        patient=cast.other_patient, instrument_code="phq9", actor=cast.nurse, now=past
    )


def test_the_overdue_list_shows_each_patient_once(client, cast) -> None:
    _overdue_everything(cast)
    client.force_login(cast.nurse)
    page = client.get(reverse("measurements:overdue")).content.decode()
    assert page.count("Alice Testpatient") == 1 and page.count("Bruno Otherpatient") == 1
    row = page.split("Alice Testpatient")[1].split("</tr>")[0]
    assert "PHQ-9" in row and "GAD-7" in row and row.count("PHQ-9") == 1
    assert id_problems(page) == []
    client.force_login(cast.frontdesk)
    page = client.get(reverse("measurements:overdue")).content.decode()
    assert page.count("Alice Testpatient") == 1 and "PHQ9" not in page
    assert "2 questionnaires" in page


def test_today_shows_each_overdue_patient_once(client, cast) -> None:
    _overdue_everything(cast)
    for user in (cast.physician, cast.frontdesk):
        client.force_login(user)
        page = client.get(reverse("today:index")).content.decode()
        assert page.count("Alice Testpatient") == 1, user
        overdue = page.split('id="mbc-overdue-h"')[1].split("</h2>")[0]
        assert '<span class="pill pill-warn">2</span>' in overdue  # two patients


def test_today_counts_patients_not_questionnaires(cast) -> None:
    for i in range(12):
        patient = Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC8{i:05d}",
            legal_first_name=f"P{i}",
            legal_last_name="Late",
            date_of_birth=dt.date(1980, 1, 1),
            sex_at_birth="female",
        )
        for code in ("phq9", "gad7", "pcl5"):
            services.assignment_create_manual(
                patient=patient,
                instrument_code=code,
                actor=cast.nurse,
                now=timezone.now() - (5 + i) * D,
            )
    section = selectors.today_section(user=cast.nurse, now=timezone.now())
    assert len(section.overdue) == selectors.TODAY_OVERDUE_ROWS and section.more_overdue
    assert len({row.patient_id for row in section.overdue}) == selectors.TODAY_OVERDUE_ROWS
    assert all(len(row.assignments) == 3 for row in section.overdue)
    assert [row.first_due_at for row in section.overdue] == sorted(
        row.first_due_at for row in section.overdue
    )


def test_the_patient_page_lists_what_is_overdue_once(client, cast) -> None:
    _overdue_everything(cast)
    client.force_login(cast.nurse)
    page = client.get(reverse("measurements:patient", args=[cast.patient.pk])).content.decode()
    summary = page.split('id="overdue-summary"')[1].split("</p>")[0]
    assert summary.count("PHQ-9") == 1 and summary.count("GAD-7") == 1
    assert page.count("Replaced by a newer request") == 1  # the older PHQ-9
    assert id_problems(page) == []


@pytest.mark.parametrize("n", [1, 5])
def test_overdue_pages_keep_their_query_budget_with_many_requests_each(
    client, cast, n, django_assert_num_queries
) -> None:
    for i in range(n):
        patient = Patient.objects.create(
            organization=cast.org,
            mrn=f"WTC7{i:05d}",
            legal_first_name=f"Q{i}",
            legal_last_name="Late",
            date_of_birth=dt.date(1980, 1, 1),
            sex_at_birth="female",
        )
        for code in ("phq9", "gad7", "phq9"):
            services.assignment_create_manual(
                patient=patient, instrument_code=code, actor=cast.nurse, now=timezone.now() - 5 * D
            )
    client.force_login(cast.physician)
    client.get(reverse("today:index"))
    # 1 session, 2 user, 3 authenticator check, 4 overdue patients and their requests (+patient),
    # 5 audit insert, 6 savepoint, 7 session save, 8 release savepoint
    with django_assert_num_queries(8):
        client.get(reverse("measurements:overdue"))
    # As on a physician's Today in test_today (with the changes waiting for a signature and
    # the two eligibility lists and the scheduling section's three): 19 queries, the overdue
    # rows still one.
    with django_assert_num_queries(21):  # + REMS forms due, + notes to co-sign
        client.get(reverse("today:index"))


def test_links_of_superseded_requests_stop_working(cast) -> None:
    now = timezone.now()
    older = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - 2 * D
    )
    services.assignment_send(assignment=older, now=now - 2 * D)
    newer = services.assignment_create_manual(
        patient=cast.patient, instrument_code="phq9", actor=cast.nurse, now=now - H
    )
    complete(cast, "phq9", assignment=newer)
    link = AccessLink.objects.get(assignment=older)
    assert link.revoked_at is not None


def test_the_data_migration_copies_the_start_of_plans_signed_before(cast) -> None:
    import importlib

    from django.apps import apps

    from infusionist.treatment import services as treatment
    from infusionist.treatment.models import Protocol, TreatmentPlanVersion
    from infusionist.treatment.tests.conftest import plan_spec

    treatment.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    protocol = Protocol.objects.get(organization=cast.org, key="depression-iv-induction")
    for starts_on in (dt.date(2026, 3, 2), dt.date(2026, 4, 6)):
        draft = treatment.plan_version_draft_save(
            patient=cast.patient,
            actor=cast.provider,
            spec=plan_spec(protocol, planned_start_date=starts_on),
            today=starts_on,  # plans written back then: a start may not be in the past
        )
        treatment.plan_version_sign(
            version=draft,
            signer=cast.physician,
            password=PASSWORD,
            attested=True,
            today=starts_on,
        )
    assert TreatmentPlanVersion.objects.filter(status="signed").count() == 2
    # As before this change: a profile with the phase but no start date.
    profile = cast.patient.measurement_profile
    profile.plan_starts_on = None
    profile.save(update_fields=["plan_starts_on"])
    services.measurement_profile_ensure(patient=cast.other_patient)  # no plan: stays empty
    migration = importlib.import_module(
        "infusionist.measurements.migrations.0004_feed_plan_start_dates"
    )
    migration.feed_plan_start_dates(apps, None)
    profile.refresh_from_db()
    assert profile.plan_starts_on == dt.date(2026, 4, 6)  # the current (latest) signed version
    assert cast.other_patient.measurement_profile.plan_starts_on is None
