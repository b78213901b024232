"""The extension point of the audit log: the models whose saves are recorded.

Apps declare them with `cs_platform.audit.tracking.audit_track` in `AppConfig.ready()` (which
also connects the signals); the audit selectors read the list here for the log's filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Tracked:
    name: str
    exclude: frozenset[str]
    label: Callable[[Any], str]


_tracked: dict[type[models.Model], Tracked] = {}


def tracked_add(model: type[models.Model], spec: Tracked) -> None:
    _tracked[model] = spec


def tracked_models() -> dict[type[models.Model], Tracked]:
    return dict(_tracked)


def tracked_spec(model: type[models.Model]) -> Tracked:
    """The declaration of one audited model (called on every load of one: a dict lookup)."""
    return _tracked[model]
