"""Reads of the patient portal: only the signed-in patient's own records, ever."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.measurements.models import Assignment, QuestionnaireResponse
from infusionist.measurements.selectors import current_requests
from infusionist.patients.models import Patient


def own_patient(*, user: User) -> Patient | None:
    """Return the patient record linked to this patient login, or None (one query)."""
    if user.role != Role.PATIENT or user.organization_id is None:
        return None
    return (
        Patient.objects.select_related("organization")
        .filter(user=user, organization_id=user.organization_id)
        .first()
    )


@dataclass(frozen=True)
class OpenQuestionnaire:
    """A questionnaire the patient may answer now, and how far they got."""

    assignment: Assignment
    answered: int
    overdue: bool = False

    @property
    def started(self) -> bool:
        return self.answered > 0


def open_questionnaires(*, patient: Patient, now: dt.datetime) -> list[OpenQuestionnaire]:
    """Return the patient's questionnaires open now, soonest due first (one query).

    Only the newest open request of each questionnaire (``current_requests``).
    """
    rows = (
        Assignment.objects.filter(
            organization_id=patient.organization_id,
            patient=patient,
            status=Assignment.Status.PENDING,
            available_at__lte=now,
        )
        .select_related("response")
        .order_by("due_at", "id")
    )
    result = []
    # An older request of the same questionnaire that a newer one replaced is not listed: the
    # patient answers the newest, and answering it closes the older one too.
    for assignment in current_requests(list(rows)):
        response: QuestionnaireResponse | None = getattr(assignment, "response", None)
        answered = len(response.answers) if response is not None and not response.is_complete else 0
        result.append(
            OpenQuestionnaire(
                assignment=assignment, answered=answered, overdue=assignment.due_at < now
            )
        )
    return result


def own_assignment(*, patient: Patient, assignment_id: int) -> Assignment:
    """Return one of this patient's questionnaires, or raise Http404 (another's is 404 too)."""
    found = (
        Assignment.objects.select_related("patient__organization")
        .filter(pk=assignment_id, patient=patient, organization_id=patient.organization_id)
        .first()
    )
    if found is None:
        raise Http404("No such questionnaire.")
    return found
