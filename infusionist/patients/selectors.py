"""Reads of patient records, always scoped to one organization."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery
from django.http import Http404

from infusionist.accounts.models import User
from infusionist.accounts.roles import Role
from infusionist.clinics.models import Organization
from infusionist.patients.birth_dates import (
    DateOfBirthError,
    date_of_birth_parse,
    looks_like_a_date,
)
from infusionist.patients.duplicates import (
    DuplicateMatch,
    PersonFacts,
    date_of_birth_near_misses,
    match_reasons,
    strongest_first,
)
from infusionist.patients.models import Patient, PatientNameToken
from infusionist.patients.normalize import name_key, phone_digits, query_words

_MRN = re.compile(r"^[A-Za-z]{1,6}[0-9]{3,}$")
MAX_QUERY_WORDS = 6


@dataclass(frozen=True)
class SearchQuery:
    """What a free-text search box query was understood as.

    ``problem`` says why a query cannot be searched as typed (a date of birth in the future,
    a day that does not exist), in words to show the user; the search then finds nobody.
    """

    kind: str  # "mrn", "dob", "phone", "name" or "empty"
    text: str
    date_of_birth: dt.date | None = None
    words: tuple[str, ...] = ()
    problem: str = ""


def parse_search(text: str) -> SearchQuery:
    """Understand a search box entry as an MRN, a date of birth, a phone number or a name.

    A date with a two-digit year is read in the past ('06/28/61' is 1961-06-28); a date of
    birth in the future is refused with a message rather than searched.
    """
    text = (text or "").strip()[:100]
    if not text:
        return SearchQuery("empty", "")
    if looks_like_a_date(text):
        try:
            return SearchQuery("dob", text, date_of_birth_parse(text))
        except DateOfBirthError as exc:
            return SearchQuery("dob", text, problem=exc.message)
    if _MRN.match(text):
        return SearchQuery("mrn", text.upper())
    digits = re.sub(r"[^0-9]", "", text)
    has_letters = any(ch.isalpha() for ch in name_key(text))
    if not has_letters and len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) - 4:
        return SearchQuery("phone", phone_digits(digits))
    words = tuple(query_words(text)[:MAX_QUERY_WORDS])
    return SearchQuery("name", name_key(text), words=words)


class _IdAmong(Func):
    """``id IN (subquery)``; on PostgreSQL ``id = ANY(ARRAY(subquery))``.

    PostgreSQL plans ``IN (subquery)`` as a semi-join that reads every patient of the
    organization (100 ms at 100,000); the array form runs the token lookup once and fetches
    only the matching patients through the primary key index (about 10 ms).
    """

    output_field = BooleanField()

    def __init__(self, ids: QuerySet[Any]) -> None:
        super().__init__(F("pk"), Subquery(ids))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return self._compile(compiler, "{id} IN {ids}")

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return self._compile(compiler, "{id} = ANY(ARRAY{ids})")

    def _compile(self, compiler: Any, template: str) -> tuple[str, tuple[Any, ...]]:
        id_expression, ids = self.get_source_expressions()
        id_sql, id_params = compiler.compile(id_expression)
        ids_sql, ids_params = compiler.compile(ids)
        return template.format(id=id_sql, ids=ids_sql), (*id_params, *ids_params)


def patients_for_organization(*, organization: Organization) -> QuerySet[Patient]:
    return Patient.objects.filter(organization=organization)


def patient_search(
    *, organization: Organization, text: str
) -> tuple[SearchQuery, QuerySet[Patient]]:
    """Return matching patients of the organization, ordered by last then first name.

    Each branch filters on an indexed column (see Patient.Meta.indexes and the PostgreSQL
    pattern indexes in migrations 0002 and 0004), so the search stays fast at 100,000
    patients. A name search finds the patients who have, for every word typed, a name token
    starting with it: any word of the query matches any word of the legal, middle or
    preferred names, with or without accents, punctuation or the spaces inside a name. The
    token index answers each word; one subquery intersects them, and only the patients it
    names are read (see ``_IdAmong``).
    """
    query = parse_search(text)
    qs = patients_for_organization(organization=organization)
    if query.kind == "empty":
        return query, qs
    if query.problem:
        return query, qs.none()
    if query.kind == "dob":
        assert query.date_of_birth is not None
        return query, qs.filter(date_of_birth=query.date_of_birth)
    if query.kind == "mrn":
        return query, qs.filter(mrn=query.text)
    if query.kind == "phone":
        if len(query.text) == 10:
            return query, qs.filter(phone_key=query.text)
        return query, qs.filter(phone_key__endswith=query.text)
    if not query.words:
        return query, qs.none()
    ids: QuerySet[Any] | None = None
    for word in query.words:
        tokens = PatientNameToken.objects.filter(organization=organization, token__startswith=word)
        if ids is not None:
            tokens = tokens.filter(patient_id__in=ids)
        ids = tokens.values("patient_id")
    assert ids is not None
    return query, qs.filter(_IdAmong(ids))


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


MAX_DUPLICATE_CANDIDATES = 500
MAX_DUPLICATES_SHOWN = 10


def possible_duplicates(
    *,
    organization: Organization,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date | None,
    phone: str = "",
    email: str = "",
    preferred_name: str = "",
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Return existing patients who may be the same person, strongest first (at most 10).

    One indexed query gathers the candidates: the same or a near-miss date of birth, the
    same first and last name, phone number or email. The rules in ``duplicates.py`` then
    keep those that match and say why.
    """
    new = PersonFacts(
        first_name=legal_first_name,
        last_name=legal_last_name,
        date_of_birth=date_of_birth,
        preferred_name=preferred_name,
        phone_key=phone_digits(phone),
        email=(email or "").strip().lower(),
    )
    conditions = Q()
    if date_of_birth is not None:
        dates = [date_of_birth, *date_of_birth_near_misses(date_of_birth)]
        conditions |= Q(date_of_birth__in=dates)
    last_key, first_key = name_key(legal_last_name), name_key(legal_first_name)
    if last_key and first_key:
        conditions |= Q(last_name_key=last_key, first_name_key=first_key)
    if len(new.phone_key) == 10:
        conditions |= Q(phone_key=new.phone_key)
    if new.email:
        conditions |= Q(email=new.email)
    if not conditions:
        return []
    qs = patients_for_organization(organization=organization).filter(conditions)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    matches = []
    for patient in qs.order_by("id")[:MAX_DUPLICATE_CANDIDATES]:
        old = PersonFacts(
            first_name=patient.legal_first_name,
            last_name=patient.legal_last_name,
            date_of_birth=patient.date_of_birth,
            preferred_name=patient.preferred_name,
            phone_key=patient.phone_key,
            email=patient.email,
        )
        reasons = match_reasons(new, old)
        if reasons:
            matches.append(DuplicateMatch(patient=patient, reasons=reasons))
    return strongest_first(matches)[:MAX_DUPLICATES_SHOWN]
