from __future__ import annotations

import pytest

from healthscore.services.partitions import partitions_forget_cache


@pytest.fixture(autouse=True)
def _forget_partitions():
    """Partitions created inside a rolled-back test transaction must not stay cached."""
    partitions_forget_cache()
    yield
    partitions_forget_cache()


@pytest.fixture
def defaults(scoped):
    """What `on_tenant_created` seeds (the shared tenant fixture skips the hooks)."""
    from healthscore.services.scorecards import healthscore_tenant_defaults

    healthscore_tenant_defaults(tenant=scoped)
    return scoped


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English messages (the default language is Japanese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
