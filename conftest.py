import pytest

from infusionist.test import Cast, build_cast


def pytest_configure(config) -> None:
    """Compile the translation catalogues first (pure Python), so a fresh clone reads them."""
    from infusionist.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_to_start():
    """Each test starts in the site's default language: an earlier test that rendered a Spanish
    page must not leave its language active in this thread for the next one."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with a fast hasher; production keeps PBKDF2's full cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()
