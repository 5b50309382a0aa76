from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize("opened", [1, 12])
def test_today_lists_recently_opened_patients(
    client, cast, opened, django_assert_num_queries
) -> None:
    client.force_login(cast.nurse)
    for _ in range(opened):
        client.get(reverse("record:patient", args=[cast.other_patient.pk]))
    client.get(reverse("record:patient", args=[cast.patient.pk]))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 locations, 5 their hours,
    # 6 their closures, 7 open safety alerts, 8 overdue questionnaires, 9 recently opened
    # patients, 10 REMS forms due, scheduling (11 locations, 12 today's appointments,
    # 13 chairs, 14 the infusion type for the next free chair: none here), 15 view events
    # naming the patients shown, 16 savepoint, 17 session save, 18 release savepoint
    with django_assert_num_queries(18):
        html = client.get(reverse("today:index")).content.decode()
    assert html.index("Alice Testpatient") < html.index("Bruno Otherpatient")
    assert "Main" in html


def test_crisis_resources_are_in_the_page_footer(client, cast) -> None:
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert "988" in html and "741741" in html and "911" in html


def test_today_says_why_a_location_is_closed(client, cast) -> None:
    from django.utils import timezone

    from infusionist.clinics.models import Closure

    today = timezone.localtime(timezone=cast.location.tzinfo).date()
    Closure.objects.create(
        location=cast.location, starts_on=today, ends_on=today, reason="Staff training"
    )
    client.force_login(cast.frontdesk)
    html = client.get(reverse("today:index")).content.decode()
    assert "Closed today: Staff training" in html


def _expiring(user, *, licence_days: int | None = None, dea_days: int | None = None) -> None:
    import datetime as dt

    from infusionist.accounts.models import User
    from infusionist.test import clinic_today

    today = clinic_today()
    fields: dict[str, object] = {}
    if licence_days is not None:
        fields |= {
            "licence_number": f"LIC-{user.pk}",
            "licence_state": "OR",
            "licence_expires_on": today + dt.timedelta(days=licence_days),
        }
    if dea_days is not None:
        fields |= {"dea_number": "AB1234563", "dea_expires_on": today + dt.timedelta(days=dea_days)}
    User.objects.filter(pk=user.pk).update(**fields)


def test_today_flags_expiring_licences_for_the_admin_and_the_person(client, cast, settings) -> None:
    settings.CREDENTIAL_EXPIRY_WARNING_DAYS = 30
    _expiring(cast.nurse, licence_days=-3)
    _expiring(cast.physician, licence_days=400, dea_days=12)
    _expiring(cast.provider, licence_days=31)  # outside the window
    client.force_login(cast.admin)
    html = client.get(reverse("today:index")).content.decode()
    flags = html.split('id="credential-flags-h"')[1].split("</section>")[0]
    assert "Staff licences and DEA registrations" in html
    assert "Nell Nurse" in flags and "Licence expired" in flags
    assert "Dr. Phil Physician" in flags and "DEA registration expires" in flags
    assert "(in 12 days)" in flags and "Pat Provider" not in flags
    client.force_login(cast.nurse)
    html = client.get(reverse("today:index")).content.decode()
    flags = html.split('id="credential-flags-h"')[1].split("</section>")[0]
    # A nurse holds no DEA registration: the heading names only the licence.
    assert "Your licence</h2>" in html and "Licence expired" in flags
    assert "DEA" not in flags and "Dr. Phil" not in flags
    client.force_login(cast.physician)
    html = client.get(reverse("today:index")).content.decode()
    assert "Your DEA registration</h2>" in html
    client.force_login(cast.provider)
    assert 'id="credential-flags-h"' not in client.get(reverse("today:index")).content.decode()
    settings.CREDENTIAL_EXPIRY_WARNING_DAYS = 31
    assert 'id="credential-flags-h"' in client.get(reverse("today:index")).content.decode()


def test_a_deactivated_persons_licence_is_not_flagged(client, cast) -> None:
    from infusionist.accounts.models import User

    _expiring(cast.nurse, licence_days=1)
    User.objects.filter(pk=cast.nurse.pk).update(is_active=False)
    client.force_login(cast.admin)
    assert 'id="credential-flags-h"' not in client.get(reverse("today:index")).content.decode()


@pytest.mark.parametrize("flagged", [0, 1, 3])
def test_the_admins_today_has_a_fixed_query_budget(
    client, cast, flagged, django_assert_num_queries
) -> None:
    for user in [cast.nurse, cast.provider, cast.physician][:flagged]:
        _expiring(user, licence_days=5, dea_days=5)
    client.force_login(cast.admin)
    client.get(reverse("today:index"))
    # 1 session, 2 user (+organization), 3 locations, 4 their hours, 5 their closures,
    # 6 staff licence and DEA flags, 7 overdue questionnaires, 8 recently opened patients,
    # scheduling (9 locations, 10 today's appointments, 11 chairs, 12 the infusion type for
    # the next free chair: none here), due for booking (13 current plans, 14 measurement
    # settings, 15 completed scores, 16 dosing appointments, 17 appointment types; nobody
    # due, so no chair times), 18 savepoint, 19 session save, 20 release savepoint
    with django_assert_num_queries(20):
        html = client.get(reverse("today:index")).content.decode()
    # A nurse's DEA registration is not flagged (not a prescriber): 1 flag, then 1 + 2 + 2.
    assert html.count("expires ") == {0: 0, 1: 1, 3: 5}[flagged]


@pytest.mark.parametrize("waiting", [0, 1, 3])
def test_the_physicians_today_lists_changes_waiting_for_their_signature(
    client, cast, waiting, django_assert_num_queries
) -> None:
    from infusionist.treatment import services as treatment_services
    from infusionist.treatment.models import DosingSettings

    DosingSettings.objects.get_or_create(organization=cast.org)
    for number in range(waiting):
        treatment_services.clinical_change_propose(
            reason=f"Fictional test {number}: the clinic reviewed this limit.",
            organization=cast.org,
            actor=cast.admin,
            target="dosing_settings",
            data={"min_weight_kg": 31 + number},
        )
    client.force_login(cast.physician)
    client.get(reverse("today:index"))
    # 1 session, 2 user (+organization), 3 authenticator check, 4 locations, 5 their hours,
    # 6 their closures, 7 open safety alerts, 8 overdue questionnaires, 9 changes waiting for
    # a signature (with their protocol and proposer), 10 recently opened patients, 11 REMS
    # forms due, 12 session notes waiting for a co-signature, scheduling (13 locations,
    # 14 today's appointments, 15 chairs), 16 patients waiting for an eligibility decision,
    # 17 approvals whose intake changed, 18 savepoint, 19 session save, 20 release savepoint
    with django_assert_num_queries(20):
        html = client.get(reverse("today:index")).content.decode()
    assert ("Changes awaiting a physician" in html) == bool(waiting)
    assert html.count("/treatment/change-proposals/") == waiting
    client.force_login(cast.nurse)
    assert "/treatment/change-proposals/" not in client.get(reverse("today:index")).content.decode()


def _overdue(patient) -> None:
    import datetime as dt

    from django.utils import timezone

    from infusionist.measurements.models import Assignment

    now = timezone.now()
    Assignment.objects.create(
        organization=patient.organization,
        patient=patient,
        instrument_code="phq9",
        reason="manual",
        available_at=now - dt.timedelta(days=3),
        due_at=now - dt.timedelta(days=2),
    )


@pytest.mark.parametrize("role", ["admin", "frontdesk", "nurse", "physician"])
def test_today_records_exactly_the_patients_it_shows(client, cast, role) -> None:
    """Review of issue 10: "Viewed Questionnaire assignment WIC000007" at each admin sign-in.

    Every patient a Today list-view event names is on the page that user was shown, and the
    report says in which section; a patient the page did not show is not recorded.
    """
    from infusionist.administration.selectors import audit_rows
    from infusionist.audit.models import AuditEvent

    _overdue(cast.patient)
    user = getattr(cast, role)
    client.force_login(user)
    before = AuditEvent.objects.count()
    html = client.get(reverse("today:index")).content.decode()
    events = list(
        AuditEvent.objects.filter(
            pk__gt=AuditEvent.objects.order_by("pk")[before - 1].pk if before else 0,
            actor=user,
            action="view",
            detail__page="today",
        ).select_related("patient")
    )
    assert events, "the overdue questionnaire is listed on every staff role's Today"
    for event in events:
        assert event.patient.mrn in html, (role, event.object_type)
    assert cast.other_patient.mrn not in html
    assert not any(e.patient_id == cast.other_patient.pk for e in events)
    overdue = [e for e in events if e.object_type == AuditEvent.ObjectType.MEASUREMENT_ASSIGNMENT]
    assert [e.patient_id for e in overdue] == [cast.patient.pk]
    assert "Overdue questionnaires" in html
    assert audit_rows(overdue)[0].record == "Listed on Today: Overdue questionnaires"


def test_a_today_without_rows_records_no_patient(client, cast) -> None:
    from infusionist.audit.models import AuditEvent

    client.force_login(cast.admin)
    client.get(reverse("today:index"))
    assert not AuditEvent.objects.filter(actor=cast.admin, detail__page="today").exists()
