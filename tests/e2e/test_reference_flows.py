"""The clinical reference, the demo outbox and the API's description, as a clinician sees them."""

from __future__ import annotations

import re

from django.core import mail

from tests.e2e.conftest import login, shot

DEVELOPER_WORDING = re.compile(
    r"repository|in the code|docs/|\.md\b|manage\.py|/var/|/srv/|/work/|var/outbox"
)


def test_a_nurse_reads_the_reference_on_a_phone_and_opens_an_original_source(
    page, live_server, cast
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, cast.nurse.email)
    page.goto(f"{live_server.url}/reference/")
    body = page.locator("main").inner_text()
    assert DEVELOPER_WORDING.search(body) is None
    page.screenshot(path=str(shot(page, "reference_phone").with_name("reference_top_phone.png")))
    # The blood-pressure guideline links to its DOI; a withdrawn source links nowhere.
    assert page.locator("#source-43 a").get_attribute("href") == (
        "https://doi.org/10.1161/HYP.0000000000000065"
    )
    assert page.locator("#source-45 a").count() == 0
    assert "Withdrawn" in page.locator("#source-45").inner_text()
    hrefs = page.locator("ul.sources a[href^='http']").evaluate_all(
        "links => links.map(a => a.href)"
    )
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    assert not any(re.search(r"scribd|fdocuments|vdocuments|studentdoctor", h) for h in hrefs)
    # Long addresses wrap: nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "reference_sources_phone")
    page.locator("#source-43").scroll_into_view_if_needed()
    page.screenshot(path=str(shot(page, "reference_phone").with_name("reference_43_phone.png")))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/reference/")
    shot(page, "reference_desktop")
    page.locator("#source-57").scroll_into_view_if_needed()
    page.screenshot(path=str(shot(page, "reference_desktop").with_name("reference_57_desktop.png")))


def test_the_demo_outbox_shows_messages_and_no_server_folder(
    page, live_server, cast, settings, tmp_path
) -> None:
    settings.DEMO_MODE = True
    settings.DEMO_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "infusionist.demo.outbox.EmailBackend"
    mail.send_mail("Reset your password", "Open http://x.example/r/abc/", None, ["a@x.example"])
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, cast.frontdesk.email)
    page.goto(f"{live_server.url}/demo/outbox/")
    body = page.locator("main").inner_text()
    assert "Reset your password" in body
    assert str(tmp_path) not in body and DEVELOPER_WORDING.search(body) is None
    shot(page, "demo_outbox_phone")


def test_the_api_description_sends_readers_to_the_api_tokens_page(page, live_server, db) -> None:
    page.goto(f"{live_server.url}/api/v1/openapi.json")
    text = page.locator("body").inner_text()
    assert "API tokens page" in text and "manage.py" not in text
