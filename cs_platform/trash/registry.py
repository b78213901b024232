"""Which models go to the trash when deleted: the apps register them in `AppConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Trashable:
    model: type[models.Model]
    # How the object is named in the trash and the change log (default: str(obj)).
    label: Callable[[Any], str] | None = None

    def label_of(self, obj: Any) -> str:
        return (self.label(obj) if self.label is not None else str(obj))[:300]


_trashable: dict[str, Trashable] = {}


def register_trashable(
    model: type[models.Model], *, label: Callable[[Any], str] | None = None
) -> None:
    _trashable[model._meta.label_lower] = Trashable(model=model, label=label)


def trashable_for(model: type[models.Model]) -> Trashable | None:
    return _trashable.get(model._meta.label_lower)


def trashable_models() -> list[type[models.Model]]:
    return [t.model for t in _trashable.values()]
