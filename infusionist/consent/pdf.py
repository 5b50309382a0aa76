"""PDF copies of signed consents, made with WeasyPrint from the printable page's HTML.

WeasyPrint (requirements.txt) lays out HTML and CSS with Pango; nothing is drawn by hand.
The HTML holds everything (inline styles, no images), so no URL is ever fetched.
"""

from __future__ import annotations

from typing import Any


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"A consent PDF fetches nothing ({url}).")


def html_to_pdf(html: str) -> bytes:
    """Return the PDF bytes of a self-contained HTML document."""
    from weasyprint import HTML  # imported here: it loads Pango, only needed for a download

    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
