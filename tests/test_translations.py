"""The translation catalogues: complete for every string patients see, compiled by the
project's own setup (no GNU gettext), and the strings found where patients see them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import polib
from django.core import checks
from django.utils import translation

from infusionist import i18n


def test_every_string_patients_see_has_a_spanish_translation() -> None:
    missing = i18n.untranslated("es")
    assert not missing, "Translate these in locale/es/LC_MESSAGES/django.po: " + "; ".join(
        f"{msgid!r} ({', '.join(sorted(set(files)))})" for (_ctx, msgid), files in missing.items()
    )


def test_the_catalogue_has_no_fuzzy_or_broken_entries() -> None:
    catalogue = polib.pofile(str(i18n.LOCALE_DIR / "es/LC_MESSAGES/django.po"))
    assert not catalogue.fuzzy_entries()
    for entry in catalogue:
        # Placeholders survive translation, so no value is lost or raises at render time.
        # A plural entry keeps them in every form (msgstr[0], msgstr[1]).
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        assert all(forms), entry.msgid
        for marker in (
            "%(count)s",
            "%(count)d",
            "%(name)s",
            "%(due)s",
            "%(answered)s",
            "%(total)s",
        ):
            for form in forms:
                assert (marker in entry.msgid) == (marker in form), entry.msgid


def test_the_compiled_catalogue_is_up_to_date_and_used() -> None:
    assert i18n.stale_catalogues() == []
    with translation.override("es"):
        assert translation.gettext("Send my answers") == "Enviar mis respuestas"
        assert (
            translation.pgettext(
                "Crisis Text Line keyword: the word to text to 741741 for counsellors in this "
                "language (Spanish: AYUDA)",
                "HOME",
            )
            == "AYUDA"
        )


def test_compiling_writes_only_stale_catalogues(tmp_path: Path) -> None:
    po_dir = tmp_path / "es" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "es"}
    po.append(polib.POEntry(msgid="Start", msgstr="Empezar"))
    po.append(polib.POEntry(msgid="Unsure", msgstr="Dudoso", flags=["fuzzy"]))
    po.save(str(po_dir / "django.po"))
    assert i18n.stale_catalogues(tmp_path) == [po_dir / "django.po"]
    assert i18n.compile_catalogues(tmp_path) == [po_dir / "django.mo"]
    assert i18n.compile_catalogues(tmp_path) == []  # nothing changed
    compiled = polib.mofile(str(po_dir / "django.mo"))
    assert {e.msgid: e.msgstr for e in compiled} == {"Start": "Empezar"}  # fuzzy left out
    later = time.time() + 5
    os.utime(po_dir / "django.po", (later, later))
    assert i18n.compile_catalogues(tmp_path) == [po_dir / "django.mo"]


def test_a_stale_catalogue_is_a_system_check_warning(monkeypatch) -> None:
    from infusionist.portal.apps import translations_compiled

    assert translations_compiled() == []
    monkeypatch.setattr(i18n, "stale_catalogues", lambda: [Path("locale/es/django.po")])
    (warning,) = translations_compiled()
    assert warning.level == checks.WARNING and warning.id == "portal.W001"


def test_strings_are_found_in_templates_and_code() -> None:
    template = (
        '{% load i18n %}{% translate "Send my answers" %} {% blocktranslate with n=1 %}'
        "Hello, {{ n }}{% endblocktranslate %}"
        '{% translate "HOME" context "keyword" as k %}{{ k }}'
    )
    assert set(i18n.template_messages(template)) == {
        ("", "Send my answers"),
        ("", "Hello, %(n)s"),
        ("keyword", "HOME"),
    }
    code = 'from x import _\nA = _("Month")\nB = gettext_lazy("It\'s")\nC = _(name)\n'
    assert set(i18n.python_messages(code)) == {("", "Month"), ("", "It's")}
    found = i18n.patient_messages()
    assert ("", "Send my answers") in found
    assert ("", "Please choose an answer to this question.") in found
