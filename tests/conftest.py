import pytest

from infusionist.test import Cast
from tests.site import SiteRecords, build_site_records


@pytest.fixture
def site(cast: Cast, settings, tmp_path) -> SiteRecords:
    """Records of both organizations that every URL id can be filled from.

    The demo outbox page exists only in the demo, so the site is seen in demo mode (with an
    empty outbox of its own).
    """
    settings.DEMO_MODE = True
    settings.DEMO_OUTBOX_DIR = tmp_path / "outbox"
    return build_site_records(cast)
