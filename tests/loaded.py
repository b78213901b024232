"""What a lean read's tests compare (issue #16)."""

from __future__ import annotations

from typing import Any


def loaded_fields(instance: Any) -> dict[str, Any]:
    """An instance's loaded values with their types (42 and 42.0 differ on a page)."""
    return {k: (type(v), v) for k, v in vars(instance).items() if not k.startswith("_")}
