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
    # Called with the object inside the delete's transaction, before its rows are kept and
    # deleted (e.g. a meeting's attendees get a calendar cancellation); what it writes to the
    # object's own row is what a restore brings back.
    on_delete: Callable[[Any], None] | None = None
    # Called with the object inside the restore's transaction, once its rows are back (e.g. a
    # future meeting's attendees, who were told it was cancelled, get the invitation again).
    on_restore: Callable[[Any], None] | None = None

    def label_of(self, obj: Any) -> str:
        return (self.label(obj) if self.label is not None else str(obj))[:300]


_trashable: dict[str, Trashable] = {}


def register_trashable(
    model: type[models.Model],
    *,
    label: Callable[[Any], str] | None = None,
    on_delete: Callable[[Any], None] | None = None,
    on_restore: Callable[[Any], None] | None = None,
) -> None:
    _trashable[model._meta.label_lower] = Trashable(
        model=model, label=label, on_delete=on_delete, on_restore=on_restore
    )


def trashable_for(model: type[models.Model]) -> Trashable | None:
    return _trashable.get(model._meta.label_lower)


def trashable_models() -> list[type[models.Model]]:
    return [t.model for t in _trashable.values()]
