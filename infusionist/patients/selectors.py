"""Reads of patient records, always scoped to one organization."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.patients.models import Patient
from infusionist.patients.normalize import name_key, phone_digits

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")
_MRN = re.compile(r"^[A-Za-z]{1,6}\d{3,}$")


@dataclass(frozen=True)
class SearchQuery:
    """What a free-text search box query was understood as."""

    kind: str  # "mrn", "dob", "phone", "name" or "empty"
    text: str
    date_of_birth: dt.date | None = None


def parse_search(text: str) -> SearchQuery:
    """Understand a search box entry as an MRN, a date of birth, a phone number or a name."""
    text = (text or "").strip()[:100]
    if not text:
        return SearchQuery("empty", "")
    for fmt in _DATE_FORMATS:
        try:
            return SearchQuery("dob", text, dt.datetime.strptime(text, fmt).date())  # noqa: DTZ007
        except ValueError:
            continue
    if _MRN.match(text):
        return SearchQuery("mrn", text.upper())
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) - 4:
        return SearchQuery("phone", phone_digits(digits))
    return SearchQuery("name", name_key(text))


def patients_for_organization(*, organization: Organization) -> QuerySet[Patient]:
    return Patient.objects.filter(organization=organization)


def patient_search(
    *, organization: Organization, text: str
) -> tuple[SearchQuery, QuerySet[Patient]]:
    """Return matching patients of the organization, ordered by last then first name.

    Each branch filters on an indexed column (see Patient.Meta.indexes and the PostgreSQL
    pattern indexes in migration 0002), so the search stays fast at 100,000 patients.
    """
    query = parse_search(text)
    qs = patients_for_organization(organization=organization)
    if query.kind == "empty":
        return query, qs
    if query.kind == "dob":
        assert query.date_of_birth is not None
        return query, qs.filter(date_of_birth=query.date_of_birth)
    if query.kind == "mrn":
        return query, qs.filter(mrn=query.text)
    if query.kind == "phone":
        if len(query.text) == 10:
            return query, qs.filter(phone_key=query.text)
        return query, qs.filter(phone_key__endswith=query.text)
    tokens = [t for t in query.text.replace(",", " ").split() if t][:4]
    if not tokens:
        return query, qs.none()
    for token in tokens:
        qs = qs.filter(
            Q(last_name_key__startswith=token)
            | Q(first_name_key__startswith=token)
            | Q(preferred_name_key__startswith=token)
        )
    return query, qs


def patient_get_for_user(*, user: User, patient_id: int) -> Patient:
    """Return the patient ``user`` may see, or raise Http404.

    Staff see the patients of their own organization; a patient sees only their own record.
    Anyone else gets the same 404 as for an id that does not exist, so another clinic's ids
    reveal nothing. The caller still checks the capability the page or action needs.
    """
    qs = Patient.objects.select_related("organization").filter(pk=patient_id)
    if user.organization_id is None:
        raise Http404("No such patient.")
    qs = qs.filter(organization_id=user.organization_id)
    if user.role == Role.PATIENT:
        qs = qs.filter(user=user)
    patient = qs.first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def possible_duplicates(
    *,
    organization: Organization,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date | None,
    phone: str = "",
    email: str = "",
    exclude_id: int | None = None,
) -> list[Patient]:
    """Return existing patients who may be the same person (at most 10)."""
    conditions = Q()
    last_key, first_key = name_key(legal_last_name), name_key(legal_first_name)
    if date_of_birth is not None:
        same_name = Q()
        if last_key:
            same_name |= Q(last_name_key=last_key)
        if first_key:
            same_name |= Q(first_name_key=first_key) | Q(preferred_name_key=first_key)
        if same_name:
            conditions |= Q(date_of_birth=date_of_birth) & same_name
    if last_key and first_key:
        conditions |= Q(last_name_key=last_key, first_name_key=first_key)
    phone_key = phone_digits(phone)
    if len(phone_key) == 10:
        conditions |= Q(phone_key=phone_key)
    if email:
        conditions |= Q(email__iexact=email)
    if not conditions:
        return []
    qs = patients_for_organization(organization=organization).filter(conditions)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs[:10])
