from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .services import phases_seed_defaults


def journeys_seed_demo(*, tenant: Any, log: Callable[[str], None]) -> None:
    phases_seed_defaults()
