from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """A process-local cache per test: the magic-link rate limit must not leak between tests
    or runs (and clearing the shared Redis would wipe other people's data)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"content-tests-{uuid.uuid4().hex}",
        }
    }
    yield
    cache.clear()
