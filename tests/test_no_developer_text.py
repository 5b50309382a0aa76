"""No page a user sees shows server paths, repository files, commands or developer wording.

Clinicians, patients and clinic owners read these pages. A file path on the server
(``/srv/infusionist/var/outbox``), a file of the code (``docs/clinical-reference.md``,
``lib/sources.py``), a command (``python manage.py …``, ``make demo``) or wording such as
"in the code" or "the repository" tells them nothing they can act on, and a server path
tells an attacker where things are. Every page of the permission matrix is opened by each
role that may use it, in English and Spanish, with the public pages and the API's own
description; the visible text (and the tooltips and labels a screen reader speaks) is
searched. Every translatable string is searched too, so that a message shown only after a
bad input (never on a first GET) is covered as well.
"""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from infusionist.accounts.roles import Role
from tests.site import RULES, SiteRecords, url_for

ROOT = Path(__file__).resolve().parents[1]

#: What a user must never read, each with the reason shown when a page has it.
DEVELOPER_TEXT: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?<![\w.:/-])/(?:srv|var|tmp|home|work|usr|opt|etc|root|app)/[\w.-]"),
        "a path on the server",
    ),
    (re.compile(r"\b[A-Za-z]:\\[\w.-]"), "a path on a Windows server"),
    (
        re.compile(
            r"(?<![/\w.-])[\w-]+(?:/[\w.-]+)*\.(?:py|md|toml|cfg|ini|po|mo|sqlite3|sh|ya?ml)\b"
        ),
        "a file of the code",
    ),
    (
        re.compile(
            r"(?<![\w./-])(?:docs|lib|var|infusionist|templates|tests|scripts|locale|static)/"
            r"[\w./-]+"
        ),
        "a folder of the code",
    ),
    (re.compile(r"\bmanage\.py\b|\bpython3? (?:-m\b|manage)", re.I), "a command"),
    (re.compile(r"\bmake (?:demo|test|lint|venv|clinical-reference)\b"), "a command"),
    (re.compile(r"\bmanagement command\b", re.I), "a command"),
    (
        re.compile(r"\b(?:DEMO_MODE|DEMO_OUTBOX_DIR|SECRET_KEY|DATABASE_URL|DEBUG)\b"),
        "a server setting",
    ),
    (re.compile(r"\benvironment variable", re.I), "a server setting"),
    (
        re.compile(r"\b(?:the|our|this|code|git|el|del|este|nuestro) repositor(?:y|io)\b", re.I),
        "the code's repository",
    ),
    (
        re.compile(
            r"\b(?:in|en) (?:the |el )?(?:source )?(?:code|código)\b|(?<!open-)\bsource code\b|"
            r"\bcódigo fuente\b",
            re.I,
        ),
        "the code",
    ),
    (re.compile(r"\bTraceback\b|\bstack trace\b|\bNoneType\b|\bqueryset\b", re.I), "jargon"),
)


def developer_text(text: str) -> list[str]:
    """Return "reason: excerpt" for each piece of developer text in ``text``."""
    found = []
    for pattern, reason in DEVELOPER_TEXT:
        for match in pattern.finditer(text):
            start = max(match.start() - 30, 0)
            found.append(f"{reason}: …{text[start : match.end() + 30]}…")
    return found


class _VisibleText(HTMLParser):
    """Collect what a user sees or hears: text outside scripts and styles, and the titles,
    labels, placeholders and alternative texts of elements."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt")
    HIDDEN = ("script", "style", "template")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        self.parts.extend(value for name, value in attrs if name in self.SPOKEN and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return the visible and spoken text of ``html``, one piece a line."""
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


# --- The checker itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # The reviewer's: the outbox folder, the repository file, "in the code", the command.
        "is written to /srv/infusionist/var/outbox and listed here",
        "is written to /work/wt/demo/var/outbox and listed here",
        "The same reference is in the repository as docs/clinical-reference.md.",
        "No published source (written [?] in the code)",
        "create one with `python manage.py create_api_token --email E`",
        # Others of the same kind.
        "Run python -m infusionist.i18n compile first.",
        "Run make demo-reset to start again.",
        "Set DEMO_MODE=false in production.",
        "See infusionist/lib/sources.py for the list.",
        "Keys of clinical-reference.md, e.g. [1] [2].",
        "Saved in var/outbox/1.json",
        "Written to C:\\infusionist\\outbox",
        "Ask your administrator to set the environment variable.",
        "Use the create_api_token management command.",
        "Traceback (most recent call last):",
        "Escrito [?] en el código.",
        "La misma referencia está en el repositorio.",
    ],
)
def test_the_checker_finds_developer_text(text: str) -> None:
    assert developer_text(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Ketamine 0.5 mg/kg over 40 min [1].",
        "Open /reference/ from the menu.",
        "Dose 1.5 mg/kg, weight 70 kg, 10 mg/mL vial.",
        "Pre-dose BP above 140/90 mmHg.",
        "doi:10.1176/appi.ajp.2013.13030392",
        "https://pubmed.ncbi.nlm.nih.gov/16894061/",
        "Make sure the patient has a responsible adult to take them home.",
        "Answers are kept in the patient's record.",
    ],
)
def test_the_checker_leaves_clinical_text_alone(text: str) -> None:
    assert developer_text(text) == []


def test_visible_text_skips_scripts_and_keeps_labels() -> None:
    html = (
        '<p title="Hint">Hello</p><script>var a = "lib/x.py";</script>'
        '<input placeholder="Search" aria-label="Find">'
    )
    assert visible_text(html).split("\n") == ["Hint", "Hello", "Search", "Find"]


# --- Every page --------------------------------------------------------------------------


def _pages() -> list[tuple[str, str]]:
    return [
        (name, role)
        for name, rule in sorted(RULES.items())
        if rule.method == "GET"
        for role in sorted(rule.roles)
    ]


@pytest.fixture
def outbox_with_a_message(site: SiteRecords, settings) -> SiteRecords:
    """Put a message in the demo outbox, so its page shows a message as well as its help."""
    settings.EMAIL_BACKEND = "infusionist.demo.outbox.EmailBackend"
    mail.send_mail("Reset your password", "Open http://testserver/r/abc/", None, ["a@x.example"])
    return site


@pytest.mark.parametrize(("name", "role"), _pages())
def test_no_page_shows_developer_text(client, cast, outbox_with_a_message, name, role) -> None:
    client.force_login(cast.by_role()[role])
    url = url_for(name, outbox_with_a_message, role=role)
    for language in ("en", "es"):
        client.cookies["django_language"] = language
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (name, role)
        if not response["Content-Type"].startswith("text/html"):
            continue
        found = developer_text(visible_text(response.content.decode()))
        assert found == [], f"{name} as {role} ({language}) shows {found}"


@pytest.mark.parametrize(
    "name",
    ["account_login", "account_reset_password", "account_signup", "health"],
)
def test_no_public_page_shows_developer_text(client, db, name) -> None:
    response = client.get(reverse(name))
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return
    assert developer_text(visible_text(response.content.decode())) == []


def test_the_api_description_shows_no_developer_text(client, db) -> None:
    schema = client.get(reverse("api:openapi-json")).json()
    texts = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("description", "summary", "title") and isinstance(value, str):
                    texts.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    assert texts, "the API describes itself"
    found = [f for text in texts for f in developer_text(text)]
    assert found == [], json.dumps(found, indent=1)


def test_the_api_description_says_where_tokens_are_made(client, db) -> None:
    description = client.get(reverse("api:openapi-json")).json()["info"]["description"]
    assert "API tokens" in description


# --- Every translatable string -------------------------------------------------------------

MSG = re.compile(r'^(msgid|msgstr)\s+"(.*)"\s*$|^"(.*)"\s*$')


def _catalogue_entries() -> list[tuple[str, str]]:
    """Return (msgid, msgstr) of every entry of the Spanish catalogue."""
    entries: list[tuple[str, str]] = []
    msgid = msgstr = ""
    current = None
    for line in (ROOT / "locale/es/LC_MESSAGES/django.po").read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            if msgid:
                entries.append((msgid, msgstr))
            msgid, msgstr, current = "", "", "msgid"
        elif line.startswith("msgstr"):
            current = "msgstr"
        elif line.startswith("#") or not line.strip():
            continue
        match = MSG.match(line)
        if match and current:
            text = match.group(2) if match.group(2) is not None else match.group(3) or ""
            if current == "msgid":
                msgid += text
            else:
                msgstr += text
    if msgid:
        entries.append((msgid, msgstr))
    return entries


def test_no_translatable_string_is_developer_text() -> None:
    entries = _catalogue_entries()
    assert len(entries) > 100  # the catalogue was read
    found = [
        f"{msgid[:60]!r}: {problem}"
        for msgid, msgstr in entries
        for problem in developer_text(msgid) + developer_text(msgstr)
    ]
    assert found == [], "\n".join(found)


def test_the_role_names_are_covered() -> None:
    # A page of every GET rule is opened by every role that may use it.
    roles = {role for _, role in _pages()}
    assert {Role.NURSE, Role.PHYSICIAN, Role.FRONT_DESK, Role.CLINIC_ADMIN, Role.PATIENT} <= roles


# --- Every message written in Python ------------------------------------------------------

#: Calls whose string arguments a user reads (messages, errors, translations).
USER_CALLS = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "pgettext",
    "ValidationError",
    "Http404",
    "HttpError",
    "PermissionDenied",
    "add_error",
    "add_message",
    "error",
    "warning",
    "info",
    "success",
}
#: Keyword arguments a user reads (form and model labels, help, API descriptions).
USER_KEYWORDS = {"help_text", "label", "verbose_name", "description", "summary", "message"}
#: Modules whose strings only operators read (start-up checks, settings, commands).
OPERATOR_ONLY = {"checks.py", "settings.py", "env.py", "apps.py", "i18n.py"}


def _user_strings(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = getattr(func, "id", None) or getattr(func, "attr", "")
        targets = list(node.args) if name in USER_CALLS else []
        targets += [k.value for k in node.keywords if k.arg in USER_KEYWORDS]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    found.append((node.lineno, leaf.value))
    return found


def test_no_message_written_in_python_is_developer_text() -> None:
    found = []
    checked = 0
    for path in sorted((ROOT / "infusionist").rglob("*.py")):
        skipped = {"tests", "migrations", "management"} & set(path.parts)
        if skipped or path.name in OPERATOR_ONLY:
            continue
        for line, text in _user_strings(path):
            checked += 1
            where = f"{path.relative_to(ROOT)}:{line}"
            found += [f"{where}: {problem}" for problem in developer_text(text)]
    assert checked > 300  # the scan saw the product's messages
    assert found == [], "\n".join(found)


# --- Every template, including e-mails and pages reached only by a link -------------------

TEMPLATE_NOISE = re.compile(
    r"{% comment %}.*?{% endcomment %}|{#.*?#}|{%.*?%}|{{.*?}}|<script.*?</script>|"
    r"<style.*?</style>|<[^>]+>",
    re.S,
)


def test_no_template_text_is_developer_text() -> None:
    # The page walk opens signed-in pages; e-mails, error pages and the questionnaire
    # link's pages are read here as written, without their tags and comments.
    paths = [*ROOT.joinpath("templates").rglob("*"), *ROOT.joinpath("infusionist").rglob("*")]
    templates = [p for p in paths if p.suffix in (".html", ".txt") and "templates" in p.parts]
    assert len(templates) > 50
    found = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in templates
        for problem in developer_text(TEMPLATE_NOISE.sub(" ", path.read_text(encoding="utf-8")))
    ]
    assert found == [], "\n".join(found)
