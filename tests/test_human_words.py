"""Pages speak in people's words: human labels and one date format (review round 1, 20).

The reviewer saw a label "Address line1" and dates written two ways ("2026-11-30" beside
"Nov 30, 2026"). Every page of the permission matrix is opened by a role that may use it;
its labels, headings and text are checked for words made from code names and for ISO dates
(which stay only in form inputs, links and CSV files).
"""

from __future__ import annotations

import html
import re

import pytest

from tests.site import RULES, SiteRecords, url_for
from tests.test_bad_input_everywhere import PREFERRED

SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
LABEL = re.compile(r"<(label|th|dt|legend)\b[^>]*>(.*?)</\1>", re.S | re.I)
# "line1", "item9", "phq9", "address_line", "date_of_birth": names from code.
CODE_WORD = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]{2,}[0-9]+\b")
ISO_DATE = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")


def _text(fragment: str) -> str:
    return html.unescape(TAG.sub(" ", fragment))


@pytest.mark.parametrize("name", sorted(n for n, rule in RULES.items() if rule.method == "GET"))
def test_labels_are_words_and_dates_have_one_format(
    client, cast, site: SiteRecords, name: str
) -> None:
    role = next(r for r in PREFERRED if r in RULES[name].roles)
    client.force_login(cast.by_role()[role])
    page = client.get(url_for(name, site))
    if not page.get("Content-Type", "").startswith("text/html") or page.status_code != 200:
        return
    body = SCRIPT_OR_STYLE.sub("", page.content.decode())
    labels = [_text(inner).strip() for _tag, inner in LABEL.findall(body)]
    odd = [label for label in labels if CODE_WORD.search(label)]
    assert not odd, f"{name}: labels read like code: {odd}"
    main = body.split("<main", 1)[-1].split("</main>", 1)[0]
    dates = [m.group(0) for m in ISO_DATE.finditer(_text(main))]
    assert not dates, f"{name}: dates shown as YYYY-MM-DD ({dates}); use the clinic format"
