import pytest

from infusionist.test import Cast
from tests.site import SiteRecords, build_site_records


@pytest.fixture
def site(cast: Cast) -> SiteRecords:
    """Records of both organizations that every URL id can be filled from."""
    return build_site_records(cast)
