"""The demo intakes: one halfway, one submitted; seeding twice changes nothing."""

from __future__ import annotations

from infusionist.accounts.roles import Role
from infusionist.intake import demo, selectors
from infusionist.intake.models import IntakePacket
from infusionist.intake.tests.test_views import _second_patient


def test_the_demo_gives_one_half_finished_and_one_submitted_intake(cast) -> None:
    second, _user = _second_patient(cast)
    staff = {Role.FRONT_DESK: cast.frontdesk}
    half, submitted = demo.seed_intake(organization=cast.org, staff=staff)
    assert (half, submitted) == (cast.patient, second)
    progress = selectors.intake_progress(patient=half)
    assert progress.submitted_at is None and progress.next_section == "antidepressant_trials"
    assert progress.sections[2].state == "attention"  # "about 6" weeks, kept as typed
    done = selectors.intake_progress(patient=submitted)
    assert done.submitted_at is not None and done.ready_to_submit
    assert len(IntakePacket.objects.get(patient=submitted).facts_sha256) == 64
    demo.seed_intake(organization=cast.org, staff=staff)
    assert IntakePacket.objects.count() == 2
