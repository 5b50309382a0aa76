"""The demo's chair day: a visit in every phase, written by the chart's services, once."""

from __future__ import annotations

from django.core.management import call_command

from infusionist.audit.models import AuditEvent
from infusionist.infusions.demo import DEMO_NOTE
from infusionist.infusions.models import (
    AdministrationEvent,
    RemsForm,
    SignedNote,
    Visit,
    VitalAlert,
    VitalSign,
)
from infusionist.scheduling.models import Appointment
from infusionist.treatment.models import AdministeredDose


def test_seed_demo_twice_gives_one_chair_day_with_every_phase(db) -> None:
    call_command("seed_demo", "--quiet")
    counts = {
        "visits": Visit.objects.count(),
        "vitals": VitalSign.objects.count(),
        "events": AdministrationEvent.objects.count(),
        "audit": AuditEvent.objects.exclude(action="view").count(),
    }
    call_command("seed_demo", "--quiet")
    assert counts == {
        "visits": Visit.objects.count(),
        "vitals": VitalSign.objects.count(),
        "events": AdministrationEvent.objects.count(),
        "audit": AuditEvent.objects.exclude(action="view").count(),
    }
    demo = Visit.objects.filter(appointment__note=DEMO_NOTE)
    phases = set(demo.values_list("phase", flat=True))
    assert phases >= {choice for choice, _label in Visit.Phase.choices}, sorted(phases)
    # Infusing now, with readings every 10 minutes since the pump started, one from a monitor.
    infusing = demo.get(phase=Visit.Phase.INFUSING)
    during = infusing.vitals.filter(stage=VitalSign.Stage.DURING)
    assert during.count() >= 3 and during.filter(source="monitor").exists()
    assert infusing.administration.filter(kind="start").exists()
    assert infusing.chair is not None
    # Paused, with its blood-pressure alert answered.
    paused = demo.get(phase=Visit.Phase.PAUSED)
    alert = VitalAlert.objects.get(visit=paused)
    assert alert.responded_at is not None and "paused" in alert.responses
    # Signed, awaiting the physician's co-signature.
    note = SignedNote.objects.get(visit__in=demo)
    assert not hasattr(note, "cosignature") or note.cosignature is None
    # The esketamine session of yesterday owes its REMS form; doses feed the plan's exposure.
    form = RemsForm.objects.get(visit__in=demo)
    assert form.visit.drug == "esketamine" and form.submitted_at is None
    assert AdministeredDose.objects.filter(reference__startswith="visit ").count() == 5
    assert Appointment.objects.filter(note=DEMO_NOTE, status="cancelled").count() == 1
