"""Translations: which language a request is answered in, and the catalogues behind it.

Patient-facing text is written in English in the templates and the code (``{% translate %}``,
``gettext``) and translated in ``locale/<lang>/LC_MESSAGES/django.po``. Django reads compiled
``.mo`` files; this module compiles them in pure Python (polib), so no GNU gettext is needed:
``python -m infusionist.i18n compile`` (run by ``make venv`` and before the tests). The check
``python -m infusionist.i18n check`` lists patient-facing strings without a translation.

The language of a page: a language the person chose with the switch on the page (a cookie),
else a signed-in patient's preferred language, else the patient's of the questionnaire link,
else the browser's (``Accept-Language``, read by Django's ``LocaleMiddleware``). Staff pages
are English.
"""

from __future__ import annotations

import ast
import io
import os
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"

#: Where the patient sees words: every string in these files must be translated.
PATIENT_SOURCES = (
    "templates/base.html",
    "templates/400.html",
    "templates/403.html",
    "templates/404.html",
    "templates/500.html",
    "templates/includes/crisis_line.html",
    "templates/includes/language_switch.html",
    "templates/429.html",
    "templates/account/*.html",
    "templates/account/email/*.txt",
    "templates/mfa/*.html",
    "infusionist/accounts/templates/accounts/verify_email.html",
    "infusionist/accounts/limits.py",
    "infusionist/accounts/adapter.py",
    "infusionist/measurements/templates/measurements/link_*.html",
    "infusionist/measurements/templates/measurements/_crisis.html",
    "infusionist/measurements/templates/measurements/_patient_*.html",
    "infusionist/measurements/patient_text.py",
    "infusionist/measurements/patient_pages.py",
    "infusionist/measurements/views_link.py",
    "infusionist/portal/templates/portal/*.html",
    "infusionist/portal/*.py",
    "infusionist/errors.py",
    "infusionist/middleware.py",
    "infusionist/consent/templates/consent/portal_*.html",
    "infusionist/scheduling/reminders.py",
    "infusionist/scheduling/views_reminders.py",
    "infusionist/scheduling/templates/scheduling/link_*.html",
    "infusionist/scheduling/templates/scheduling/_appointment.html",
    "infusionist/consent/templates/consent/_signed_copy.html",
    "infusionist/consent/templates/consent/_print_style.html",
    "infusionist/consent/templates/consent/signed_copy_pdf.html",
    "infusionist/consent/models.py",
    "infusionist/consent/services.py",
    "infusionist/consent/forms.py",
    "infusionist/intake/templates/intake/_section_fields.html",
    "infusionist/intake/templates/intake/_state.html",
    "infusionist/intake/sections.py",
    "infusionist/intake/pages.py",
    "infusionist/intake/services.py",
    # Booking: the website's consultation, the waitlist offer link and its message.
    "infusionist/scheduling/templates/scheduling/public/*.html",
    "infusionist/scheduling/templates/scheduling/waitlist/offer.html",
    "infusionist/scheduling/views_public.py",
    "infusionist/scheduling/views_waitlist.py",
    "infusionist/scheduling/forms_public.py",
    "infusionist/scheduling/waitlist.py",
)
#: Strings the patient sees that are written in modules shared with staff pages.
PATIENT_MSGIDS = (
    "Patient",  # the role badge beside a signed-in patient's name (accounts/roles.py)
    "English",  # the language names (settings.LANGUAGES)
    "Spanish",
    # the account set-up step and the authenticator requirement (accounts/views.py, middleware.py)
    "We sent a confirmation link to %(email)s. Open it, then come back here.",
    "Your clinic reset your authenticator app. Set one up again to continue; it takes a minute.",
    # the contact rules the intake's contact details are checked with (contact.py)
    "Enter a valid phone number with its area code, e.g. (541) 555-0142; "
    "for a number abroad, start with + and the country code.",
    "Enter a ZIP code of five digits, or ZIP+4 such as 97401-1234.",
    "Choose the state from the list.",
    # the phone field's help on the website's consultation booking (contact.py PHONE_HELP)
    "A US number such as (541) 555-0142; numbers abroad start with + and the country code.",
    # the kinds of appointment a patient books and is reminded of (scheduling/models.py)
    "Free consultation call",
    "Physician telehealth consultation",
    "Intake and evaluation",
    "Ketamine infusion",
    "Esketamine session",
    "IV nutrient drip",
    "Mobile visit",
    "Follow-up",
)

# ---- which language ---------------------------------------------------------------------


def supported(lang: object) -> str | None:
    """Return ``lang`` when it is one of settings.LANGUAGES, else None."""
    codes = {code for code, _name in settings.LANGUAGES}
    return lang if isinstance(lang, str) and lang in codes else None


def chosen_language(request: HttpRequest) -> str | None:
    """Return the language the person chose with the switch (Django's language cookie)."""
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))


def use_language(request: HttpRequest, lang: str) -> None:
    """Answer the rest of this request in ``lang``."""
    translation.activate(lang)
    request.LANGUAGE_CODE = lang


def use_patient_language(request: HttpRequest, preferred: str | None) -> str:
    """Use the chosen language, else the patient's ``preferred``, else the browser's; return it."""
    lang = (
        chosen_language(request)
        or supported(preferred)
        or supported(translation.get_language())
        or settings.LANGUAGE_CODE
    )
    use_language(request, lang)
    return lang


# ---- catalogues ----------------------------------------------------------------------------


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Return every ``.po`` file under ``locale_dir``."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Compile each ``.po`` whose ``.mo`` is missing or older; return the files written."""
    import polib  # type: ignore[import-untyped]  # only building the catalogues needs it

    written = []
    for po_path in catalogues(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(po_path))
        tmp = mo_path.with_suffix(".mo.tmp")
        catalogue.save_as_mofile(str(tmp))
        tmp.replace(mo_path)
        written.append(mo_path)
    return written


def stale_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Return the ``.po`` files whose compiled ``.mo`` is missing or older."""
    stale = []
    for po_path in catalogues(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            stale.append(po_path)
    return stale


# ---- the strings patients see --------------------------------------------------------------

Message = tuple[str, str]  # (context, msgid); context "" when none
_TEMPLATE_CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\(")
_PY_FUNCTIONS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "ngettext": 0,
    "ngettext_lazy": 0,
}


def _strings_of_call(text: str) -> list[str]:
    """Return the string literals of the call whose "(" starts ``text``, up to its ")"."""
    found: list[str] = []
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    depth = 0
    try:
        for token in tokens:
            if token.type == tokenize.OP and token.string == "(":
                depth += 1
            elif token.type == tokenize.OP and token.string == ")":
                depth -= 1
                if depth == 0:
                    break
            elif token.type == tokenize.STRING and depth == 1:
                found.append(ast.literal_eval(token.string))
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return found


def template_messages(source: str) -> Iterator[Message]:
    """Yield the (context, msgid) pairs a Django template translates."""
    from django.utils.translation.template import templatize

    code = templatize(source)
    for match in _TEMPLATE_CALL.finditer(code):
        name = match.group(1)
        line_end = code.find("\n", match.end())
        strings = _strings_of_call(code[match.end() - 1 : line_end if line_end >= 0 else None])
        if name in ("pgettext", "npgettext") and len(strings) >= 2:
            yield strings[0], strings[1]
        elif strings:
            yield "", strings[0]


def python_messages(source: str) -> Iterator[Message]:
    """Yield the (context, msgid) pairs a Python module translates with literal strings."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in _PY_FUNCTIONS:
            continue
        args = [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if len(args) != len(node.args):
            continue
        position = _PY_FUNCTIONS[name]
        if len(args) > position:
            yield (args[0] if position else ""), args[position]


def patient_source_files(base_dir: Path = BASE_DIR) -> list[Path]:
    """Return the files named by PATIENT_SOURCES."""
    files: set[Path] = set()
    for pattern in PATIENT_SOURCES:
        files.update(path for path in base_dir.glob(pattern) if path.is_file())
    return sorted(files)


def patient_messages(files: Iterable[Path] | None = None) -> dict[Message, list[str]]:
    """Return every string patients see, with the files it comes from."""
    found: dict[Message, list[str]] = {("", msgid): ["PATIENT_MSGIDS"] for msgid in PATIENT_MSGIDS}
    for path in patient_source_files() if files is None else files:
        source = path.read_text(encoding="utf-8")
        messages = python_messages(source) if path.suffix == ".py" else template_messages(source)
        for message in messages:
            found.setdefault(message, []).append(str(path.relative_to(BASE_DIR)))
    return found


def untranslated(lang: str, locale_dir: Path = LOCALE_DIR) -> dict[Message, list[str]]:
    """Return the patient-facing strings without a translation in ``lang``'s catalogue."""
    import polib

    catalogue = polib.pofile(str(locale_dir / lang / "LC_MESSAGES" / "django.po"))
    done = {
        (entry.msgctxt or "", entry.msgid)
        for entry in catalogue
        if (entry.msgstr or (entry.msgstr_plural and all(entry.msgstr_plural.values())))
        and not entry.fuzzy
        and not entry.obsolete
    }
    return {key: files for key, files in patient_messages().items() if key not in done}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        for path in compile_catalogues(force="--force" in argv):
            print(f"compiled {path.relative_to(BASE_DIR)}")
        return 0
    if command == "check":
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infusionist.settings")
        os.environ.setdefault("SECRET_KEY", "i18n-check-only")
        django.setup()
        missing = {lang: untranslated(lang) for lang, _name in settings.LANGUAGES if lang != "en"}
        for lang, messages in missing.items():
            for (context, msgid), files in sorted(messages.items()):
                where = ", ".join(sorted(set(files)))
                label = f"[{context}] {msgid}" if context else msgid
                print(f"{lang}: untranslated {label!r} ({where})")
        return 1 if any(missing.values()) else 0
    print("usage: python -m infusionist.i18n [compile [--force] | check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
