"""Every source key the product cites resolves in its own clinical reference.

Code, protocol defaults, settings, instrument definitions, templates and docs cite sources as
``[22]``; each key must be in ``infusionist/lib/sources.py`` and in docs/clinical-reference.md,
and each "clinical-reference.md §n" must name a section of it. Nothing points to files
outside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infusionist.lib import instruments, sources
from infusionist.lib.clinical_reference import SECTIONS
from infusionist.measurements.models import MeasurementSettings
from infusionist.treatment.calculations import WARNING_BASIS
from infusionist.treatment.defaults import default_protocols
from infusionist.treatment.models import DosingSettings

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "clinical-reference.md").read_text(encoding="utf-8")
SECTION_NUMBERS = {section.number for section in SECTIONS}

# A run of citations ("[63][57]") not glued to code such as ``rows[1]`` or ``f(x)[2]``
# (``[0]`` is a list literal in code, never a key).
CITATION_RUN = re.compile(r"(?<![\w)\]'\"])((?:\[(?:[1-9]\d{0,2}|\?|S\d{1,3})\])+)")
SECTION_REFERENCE = re.compile(r"clinical[- ]reference(?:\.md)?,? §(\d+)")


def _product_files() -> list[Path]:
    found = [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")]
    found += sorted((ROOT / "docs").rglob("*.md"))
    found += sorted((ROOT / "templates").rglob("*.html"))
    for pattern in ("*.py", "*.html"):
        found += [
            p for p in sorted((ROOT / "infusionist").rglob(pattern)) if "tests" not in p.parts
        ]
    return found


def _assert_resolves(key: str, where: str) -> None:
    if key == sources.UNSOURCED:
        return
    try:
        source = sources.get(key)
    except KeyError:
        pytest.fail(f"{where} cites [{key}], which is not in infusionist/lib/sources.py")
    assert f'<a id="source-{source.key}"></a>' in DOC, f"[{key}] is not in the doc"


def test_every_key_cited_in_code_templates_and_docs_resolves() -> None:
    cited = 0
    for path in _product_files():
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        for run in CITATION_RUN.findall(text):
            for key in sources.keys_in(run):
                _assert_resolves(key, where)
                cited += 1
        for number in SECTION_REFERENCE.findall(text):
            assert number in SECTION_NUMBERS, f"{where} cites §{number}, not a section"
    assert cited > 300  # the scan saw the product's citations


def test_every_key_of_settings_protocols_findings_and_instruments_resolves() -> None:
    texts = [*DosingSettings.SOURCE_KEYS.values(), *(s for _r, s in WARNING_BASIS.values())]
    texts += list(MeasurementSettings.SOURCE_KEYS.values())
    texts += [str(f.help_text) for f in MeasurementSettings._meta.concrete_fields]
    for protocol in default_protocols():
        texts += [str(value) for value in protocol.values() if isinstance(value, str)]
        assert sources.keys_in(protocol["source_keys"]), protocol["key"]
    for text in texts:
        for key in sources.keys_in(text):
            _assert_resolves(key, text)
    for instrument in instruments.all_instruments():
        parts = [instrument, *instrument.parameters, *instrument.flags]
        for key in (key for part in parts for key in part.sources):
            _assert_resolves(key, instrument.code)
        for key in sources.keys_in(instrument.licence_note):
            _assert_resolves(key, instrument.code)


def test_nothing_points_outside_the_repository() -> None:
    outside = re.compile(
        r"\.\./shared|/work/shared|market-reference\.md|ARCHITECTURE\.md|STYLE\.md"
    )
    files = [*_product_files(), ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
    for path in files:
        where = str(path.relative_to(ROOT))
        if "migrations" in path.parts or where in {
            "infusionist/citations.py",
            "infusionist/lib/sources.py",
        }:
            continue
        found = outside.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{where} points outside the repository: {found and found[0]}"
