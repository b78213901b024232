from __future__ import annotations

import pytest

from journeys.models import Phase
from journeys.services import phases_seed_defaults


@pytest.fixture
def phases(scoped) -> dict[str, Phase]:
    """The tenant's default phases by key (contract, onboarding, adoption, renewal)."""
    return {p.key: p for p in phases_seed_defaults()}
