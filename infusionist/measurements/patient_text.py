"""Words of the patient's questionnaire pages that are used from Python (forms and views).

Translated through Django's gettext catalogues (``locale/``), like the templates' words; the
templates hold the rest. ``text_for(lang)`` returns these words in one language, for code that is
handed a language (the forms). Plain words: patients may be in distress.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    "month": _("Month"),
    "day": _("Day"),
    "year": _("Year"),
    "dob_invalid": _("Enter a real date: month 1–12, day 1–31 and a four-digit year."),
    "dob_future": _("That date is in the future. Please check the year."),
    "dob_wrong": _("That date of birth does not match our records. Please check it and try again."),
    "attempts_left": _("Attempts left before this link locks: %(count)s."),
    "choose": _("Please choose an answer to this question."),
    "link_used": _("This link has already been used. Thank you — your answers were received."),
    "link_expired": _("This link has expired. Your clinic can send you a new one."),
    "link_replaced": _("A newer link was sent to you. Please use the most recent message."),
    "link_cancelled": _(
        "This questionnaire is no longer needed, so there is nothing to fill in. If you have "
        "questions, call your clinic."
    ),
    "link_locked": _(
        "This link is locked after too many tries. Please call your clinic for a new one."
    ),
    "link_rate": _("Too many tries from this device. Please wait an hour or call your clinic."),
    "link_unknown": _("This link is not valid. Please check the message your clinic sent."),
    "session_ended": _("For your privacy this page timed out. Please open your link again."),
}


def text_for(lang: str) -> dict[str, str]:
    """Return these words in ``lang`` (English for a language without a catalogue)."""
    with translation.override(lang):
        return {key: str(message) for key, message in MESSAGES.items()}
