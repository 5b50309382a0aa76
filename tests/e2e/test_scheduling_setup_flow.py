"""Issue 11 end to end: a clinic admin sets up scheduling from the product's own pages.

The admin opens Scheduling set-up from the navigation, types reminder times with a repeat
(refused beside the field, kept as typed), fixes them, adds a ketamine infusion type from
the IV induction protocol (the chair time is shown), is refused an esketamine type whose
protocol observes for too short a time, and gives the nurse a shift and a day off; the nurse
sees her own shifts from Today.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from infusionist.scheduling.models import AppointmentType, SchedulingSettings, StaffShift
from infusionist.treatment import services as treatment_services
from infusionist.treatment.models import Protocol
from tests.e2e.conftest import login, shot


def test_a_clinic_admin_sets_up_scheduling_and_the_nurse_sees_her_shifts(
    page, live_server, cast, browser, browser_context_args
) -> None:
    treatment_services.protocols_create_defaults(organization=cast.org, actor=cast.physician)
    Protocol.objects.filter(organization=cast.org, key="esketamine-induction").update(
        observation_min=90
    )
    protocols = {p.key: p for p in Protocol.objects.filter(organization=cast.org)}
    base = live_server.url
    login(page, base, "admin@test.example")

    # 1. Booking rules: a repeated reminder time is refused and kept.
    page.get_by_role("link", name="Scheduling set-up").click()
    page.get_by_label("Reminders before the start (hours)").fill("72, 24, 24")
    page.get_by_role("button", name="Save booking rules").click()
    expect(page.get_by_text("24 hours is listed twice")).to_be_visible()
    expect(page.get_by_label("Reminders before the start (hours)")).to_have_value("72, 24, 24")
    page.get_by_label("Reminders before the start (hours)").fill("48, 24, 2")
    page.get_by_role("button", name="Save booking rules").click()
    expect(page.get_by_text("Scheduling settings saved.")).to_be_visible()
    assert SchedulingSettings.objects.get(organization=cast.org).reminder_offsets_h == [48, 24, 2]

    # 2. A ketamine infusion from the IV induction protocol.
    page.get_by_role("link", name="Appointment types", exact=True).first.click()
    page.get_by_role("link", name="Add an appointment type").click()
    page.locator("#id_name").fill("Ketamine infusion")
    page.get_by_label("Kind").select_option("ketamine_infusion")
    page.get_by_label("Protocol (infusions and esketamine sessions)").select_option(
        str(protocols["depression-iv-induction"].pk)
    )
    page.get_by_label("Needs a chair equipped for").select_option("iv_infusion")
    page.get_by_role("button", name="Save appointment type").click()
    expect(page.get_by_text("Appointment type added.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"185"))).to_be_visible()

    # 3. An esketamine type whose protocol observes for 90 minutes is refused.
    page.get_by_role("link", name="Add an appointment type").click()
    page.locator("#id_name").fill("Esketamine session")
    page.get_by_label("Kind").select_option("esketamine_session")
    page.get_by_label("Protocol (infusions and esketamine sessions)").select_option(
        str(protocols["esketamine-induction"].pk)
    )
    page.get_by_label("Needs a chair equipped for").select_option("intranasal")
    page.get_by_role("button", name="Save appointment type").click()
    expect(page.get_by_text(re.compile(r"observes patients for 90 min"))).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Esketamine session")
    shot(page, "scheduling-esketamine-refused")
    assert AppointmentType.objects.filter(organization=cast.org).count() == 1

    # 4. The nurse's Monday shift and a day off.
    page.get_by_role("link", name="Shifts and time off").first.click()
    page.get_by_role("link", name=re.compile("Nell Nurse")).click()
    page.get_by_label("Weekday").select_option("0")
    page.get_by_label("Starts (local time)").fill("08:30")
    page.get_by_label("Ends (local time)").fill("16:30")
    page.get_by_role("button", name="Add shift").click()
    expect(page.get_by_text("Shift added.")).to_be_visible()
    assert StaffShift.objects.filter(staff=cast.nurse).count() == 1
    shot(page, "scheduling-nurse-shifts")

    # 5. The nurse opens her own shifts from Today.
    page.context.clear_cookies()
    login(page, base, "nurse@test.example")
    page.get_by_role("link", name="Your shifts and time off").click()
    expect(page.get_by_role("heading", name="Your shifts and time off")).to_be_visible()
    expect(page.get_by_text("8:30 AM – 4:30 PM")).to_be_visible()
