"""Professional details of staff: credentials, state licences and DEA registrations.

The rules here are plain functions of plain values, so the staff pages, the services and
later apps (prescribing, controlled substances) share one home for them:

- which credentials fit a clinical role (a physician is an MD or a DO);
- a licence is a number, a state and an expiry, given together; a DEA registration is a
  number and an expiry, held only by prescribers;
- a DEA number is two letters then seven digits whose last digit is a check digit;
- a licence or registration is flagged from a warning window before its expiry
  (``settings.CREDENTIAL_EXPIRY_WARNING_DAYS``; no published source sets the window).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from infusionist.accounts.roles import PRESCRIBER_ROLES, Role
from infusionist.contact import US_STATES as US_STATES  # licences: the address list
from infusionist.lib.text import plain_name_problem


class Credential(models.TextChoices):
    RN = "RN", _("RN (registered nurse)")
    NP = "NP", _("NP (nurse practitioner)")
    PA = "PA", _("PA (physician assistant)")
    CRNA = "CRNA", _("CRNA (nurse anesthetist)")
    MD = "MD", _("MD (doctor of medicine)")
    DO = "DO", _("DO (doctor of osteopathic medicine)")


#: Credentials that fit each clinical role. Front desk and clinic admins may hold any (an
#: RN can run the office) or none.
ROLE_CREDENTIALS: dict[str, frozenset[str]] = {
    Role.NURSE: frozenset({Credential.RN, Credential.NP, Credential.CRNA}),
    Role.PROVIDER: frozenset({Credential.NP, Credential.PA, Credential.CRNA}),
    Role.PHYSICIAN: frozenset({Credential.MD, Credential.DO}),
}
ROLE_CREDENTIALS_MESSAGE: Mapping[str, object] = {
    Role.NURSE: _("A nurse's credentials are RN, NP or CRNA."),
    Role.PROVIDER: _("A provider's credentials are NP, PA or CRNA."),
    Role.PHYSICIAN: _("A physician's credentials are MD or DO."),
}


# ---- DEA registration numbers --------------------------------------------------------------

_DEA_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{7}$")


def dea_number_normalize(value: str) -> str:
    """Return a typed DEA number in its stored form: capitals, no spaces or hyphens."""
    return re.sub(r"[\s-]", "", value or "").upper()


def dea_check_digit(digits: str) -> int:
    """Return the check digit of the first six digits of a DEA number.

    (d1 + d3 + d5) + 2 × (d2 + d4 + d6); the check digit is the sum's last digit.
    """
    d = [int(c) for c in digits[:6]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10


def dea_number_problem(value: str) -> str:
    """Return why ``value`` is not a well-formed DEA number, or "" when it is."""
    if not _DEA_SHAPE.match(value):
        return str(_("A DEA number is two letters then seven digits, such as AB1234563."))
    if dea_check_digit(value[2:]) != int(value[8]):
        return str(
            _(
                "This DEA number's last digit does not match its check digit: "
                "look for a typing error."
            )
        )
    return ""


def validate_dea_number(value: str) -> None:
    """Django validator: refuse a DEA number of the wrong shape or with a wrong check digit."""
    problem = dea_number_problem(value)
    if problem:
        raise ValidationError(problem, code="dea_number")


# ---- names ---------------------------------------------------------------------------------

_NAME_PROBLEMS: Mapping[str, object] = {
    "brackets": _("A name cannot contain < or >: type the name as it should be shown."),
    "control": _("A name cannot contain line breaks, tabs or other control characters."),
}


def validate_person_name(value: str) -> None:
    """Django validator: refuse markup (``<b>``) and control characters in a person's name."""
    problem = plain_name_problem(value)
    if problem:
        raise ValidationError(str(_NAME_PROBLEMS[problem]), code="person_name")


# ---- which details a role needs --------------------------------------------------------------

LICENCE_FIELDS = ("licence_number", "licence_state", "licence_expires_on")
DEA_FIELDS = ("dea_number", "dea_expires_on")


#: Roles that sign clinical orders or prescribe: they need a fitting credential and a current
#: licence of plausible form before they hold the role, and to sign anything.
SIGNING_ROLES = PRESCRIBER_ROLES

_LICENCE_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{2,38}[A-Za-z0-9]$")


def licence_number_problem(value: str) -> str:
    """Return why ``value`` is not a plausible state licence number, or "" when it is.

    States write licences differently (``MD12345``, ``G 84213``, ``DO-3107``), so the form is
    loose: 4 to 40 letters, digits, spaces, full stops, slashes or hyphens, with at least
    three digits. A placeholder such as "X" or "n/a" is refused.
    """
    value = (value or "").strip()
    if not _LICENCE_SHAPE.match(value) or sum(c.isdigit() for c in value) < 3:
        return str(
            _(
                "Enter the licence number as the state board issued it, such as MD12345 "
                "(at least four characters with three digits or more)."
            )
        )
    return ""


def professional_details_problems(
    role: str, details: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, str]:
    """Return field name -> message for details that do not fit each other or the role.

    ``details`` holds ``credentials`` and the licence and DEA fields (empty when not given).
    A signing role (provider, physician) needs a credential that fits it and a licence of
    plausible form, state and expiry; with ``today`` given the licence must not have
    expired. Field formats (a DEA number's shape and check digit) are the fields' own
    validators.
    """
    problems: dict[str, str] = {}
    credentials = details.get("credentials") or ""
    allowed = ROLE_CREDENTIALS.get(role)
    if credentials and allowed is not None and credentials not in allowed:
        problems["credentials"] = str(ROLE_CREDENTIALS_MESSAGE[role])
    if role in SIGNING_ROLES:
        if not credentials:
            problems["credentials"] = str(
                _("This role signs clinical orders: choose the credential it needs. %(which)s")
                % {"which": ROLE_CREDENTIALS_MESSAGE[role]}
            )
        for name in LICENCE_FIELDS:
            if not details.get(name):
                problems[name] = str(
                    _(
                        "This role signs clinical orders: give the licence number, state and "
                        "expiry date."
                    )
                )
        if details.get("licence_number"):
            problem = licence_number_problem(details["licence_number"])
            if problem:
                problems["licence_number"] = problem
        expires_on = details.get("licence_expires_on")
        if today is not None and isinstance(expires_on, dt.date) and expires_on < today:
            problems["licence_expires_on"] = str(
                _(
                    "This licence expired on %(date)s: someone with an expired licence cannot "
                    "hold a role that signs clinical orders. Enter the renewed licence."
                )
                % {"date": expires_on.isoformat()}
            )
    given = [name for name in LICENCE_FIELDS if details.get(name)]
    if given and len(given) < len(LICENCE_FIELDS):
        missing = next(name for name in LICENCE_FIELDS if not details.get(name))
        problems.setdefault(
            missing, str(_("Give the licence number, state and expiry date together."))
        )
    dea_given = [name for name in DEA_FIELDS if details.get(name)]
    if dea_given and role not in PRESCRIBER_ROLES:
        problems["dea_number"] = str(
            _(
                "Only prescribers (providers and physicians) hold a DEA registration here: "
                "clear it, or choose a prescriber role."
            )
        )
    elif dea_given and len(dea_given) < len(DEA_FIELDS):
        missing = next(name for name in DEA_FIELDS if not details.get(name))
        problems[missing] = str(_("Give the DEA number and its expiry date together."))
    return problems


def signing_problem(user: Any, *, today: dt.date) -> str:
    """Return why ``user`` may not sign clinical orders or changes today, or "" if they may.

    A signer holds a credential that fits their role (a physician is an MD or a DO) and a
    licence of plausible form that has not expired on ``today``.
    """
    allowed = ROLE_CREDENTIALS.get(user.role)
    if allowed is None or user.credentials not in allowed:
        return str(
            _(
                "You cannot sign until your credentials are on your staff record. %(which)s "
                "Ask a clinic admin to add them."
            )
            % {"which": ROLE_CREDENTIALS_MESSAGE.get(user.role, "")}
        )
    if not user.licence_number or licence_number_problem(user.licence_number):
        return str(
            _(
                "You cannot sign until your licence number, state and expiry date are on your "
                "staff record. Ask a clinic admin to add them."
            )
        )
    if user.licence_expires_on is None or user.licence_expires_on < today:
        return str(
            _(
                "You cannot sign: your licence expired or has no expiry date on your staff "
                "record. Ask a clinic admin to enter the renewed licence."
            )
        )
    return ""


# ---- expiry flags --------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialFlag:
    """A licence or DEA registration that has expired or expires within the warning window."""

    user: Any
    kind: str  # "licence" or "dea"
    number: str
    expires_on: dt.date
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def label(self) -> str:
        return str(_("DEA registration") if self.kind == "dea" else _("Licence"))


def credential_flags(
    users: Iterable[Any], *, today: dt.date, warning_days: int
) -> list[CredentialFlag]:
    """Return the flags of these users' licences and DEA registrations, soonest first.

    A registration is flagged from ``warning_days`` before it expires; an expired one stays
    flagged. A DEA registration is flagged only for a prescriber role.
    """
    horizon = today + dt.timedelta(days=warning_days)
    flags = []
    for user in users:
        expiring = [("licence", user.licence_number, user.licence_expires_on)]
        if user.role in PRESCRIBER_ROLES:
            expiring.append(("dea", user.dea_number, user.dea_expires_on))
        for kind, number, expires_on in expiring:
            if expires_on is not None and expires_on <= horizon:
                days_left = (expires_on - today).days
                flags.append(CredentialFlag(user, kind, number, expires_on, days_left))
    return sorted(flags, key=lambda f: (f.expires_on, str(f.user), f.kind))
