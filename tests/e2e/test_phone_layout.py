"""Tables on a phone stack, long words wrap, and no page scrolls sideways (review round 1, 19).

The reviewer saw Today's safety-alert table cut off at 390 px (the clinician and status
columns out of sight) and a long API token name push the token table off the page.
"""

from __future__ import annotations

import pytest

from infusionist.accounts.services import api_token_create
from infusionist.audit.services import audit_record
from infusionist.measurements.tests.test_views import submit
from tests.e2e.conftest import login, shot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LONG_NAME = "Nightly-export-to-the-billing-warehouse-" + "x" * 80  # one unbroken word


def _overflow(page) -> dict:
    """Return how far the page and any table cell reach past the viewport's right edge."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const cells = [...document.querySelectorAll('main td, main tbody th')]
            .filter(c => c.offsetParent !== null)
            .map(c => c.getBoundingClientRect().right - width);
          return {page: document.documentElement.scrollWidth - width,
                  cell: cells.length ? Math.max(...cells) : 0, cells: cells.length};
        }"""
    )


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    ("who", "path", "name"),
    [
        ("nurse", "/", "today"),
        ("admin", "/clinic/tokens/", "api-tokens"),
        ("admin", "/clinic/audit/", "audit-report"),
        ("admin", "/clinic/staff/", "staff"),
        ("admin", "/clinic/locations/", "locations"),
        ("frontdesk", "/patients/", "patients"),
    ],
)
def test_tables_fit_the_screen(
    page, live_server, cast, size: dict, who: str, path: str, name: str
) -> None:
    submit(cast, item9=1)  # an open safety alert on Today
    api_token_create(user=cast.admin, name=LONG_NAME)
    api_token_create(user=cast.nurse, name=LONG_NAME)
    audit_record(
        action="update",
        actor=cast.admin,
        object_type="location",
        object_id=cast.location.pk,
        detail={"fields": ["name"], "before": {"name": "Main"}, "after": {"name": LONG_NAME}},
    )
    user = getattr(cast, who)
    page.set_viewport_size(size)
    login(page, live_server.url, user.email)
    page.goto(f"{live_server.url}{path}")
    measured = _overflow(page)
    shot(page, f"layout-{name}-{size['width']}")
    assert measured["cells"] > 0, "the page shows a table"
    assert measured["page"] <= 0, f"{path} scrolls sideways by {measured['page']} px"
    assert measured["cell"] <= 0, f"a cell of {path} reaches {measured['cell']} px off screen"


def test_stacked_cells_say_their_column(page, live_server, cast) -> None:
    submit(cast, item9=1)
    page.set_viewport_size(PHONE)
    login(page, live_server.url, cast.nurse.email)
    page.goto(f"{live_server.url}/")
    labels = page.evaluate(
        "() => [...document.querySelectorAll('main td[data-label]')].map(c => c.dataset.label)"
    )
    assert {"Patient", "Raised", "Trigger", "Clinician", "Status"} <= set(labels)
    status = page.locator("main td[data-label='Status']").first
    assert status.is_visible()
    box = status.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
