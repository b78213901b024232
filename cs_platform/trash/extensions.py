"""Which models go to the trash when deleted: the apps register them in `AppConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import get_language

# A label worded for each reader: `label_data(obj)` is kept beside the stored label (what the
# label says, as data: a kind and its parameters, never words) by the trash, the change log and
# the audit log; `label_words([data, …])` words a page of them at once in the active language,
# None for one it cannot word (the stored label is shown).
LabelData = Callable[[Any], dict[str, Any]]
LabelWords = Callable[[list[dict[str, Any]]], list["str | None"]]


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
    label_data: LabelData | None = None
    label_words: LabelWords | None = None

    def label_of(self, obj: Any) -> str:
        return (self.label(obj) if self.label is not None else str(obj))[:300]

    def label_data_of(self, obj: Any) -> dict[str, Any]:
        return self.label_data(obj) if self.label_data is not None else {}


_trashable: dict[str, Trashable] = {}


def register_trashable(
    model: type[models.Model],
    *,
    label: Callable[[Any], str] | None = None,
    on_delete: Callable[[Any], None] | None = None,
    on_restore: Callable[[Any], None] | None = None,
    label_data: LabelData | None = None,
    label_words: LabelWords | None = None,
) -> None:
    _trashable[model._meta.label_lower] = Trashable(
        model=model,
        label=label,
        on_delete=on_delete,
        on_restore=on_restore,
        label_data=label_data,
        label_words=label_words,
    )


_derived: set[str] = set()


def register_derived(model: type[models.Model]) -> None:
    """A model whose rows the database derives from other tables by trigger (each account's
    latest score from its scores): a restore does not insert the rows the delete kept of it,
    because the triggers of the rows it restores write them again (both would conflict)."""
    _derived.add(model._meta.label_lower)


def is_derived(label: str) -> bool:
    return label in _derived


def trashable_for(model: type[models.Model]) -> Trashable | None:
    return _trashable.get(model._meta.label_lower)


def trashable_models() -> list[type[models.Model]]:
    return [t.model for t in _trashable.values()]


def trashable_label_data(obj: models.Model) -> dict[str, Any]:
    """What the trash, change and audit logs keep to word `obj`'s label for each reader."""
    trashable = _trashable.get(obj._meta.label_lower)
    return trashable.label_data_of(obj) if trashable is not None else {}


Labelled = TypeVar("Labelled")


def labels_shown(rows: Iterable[Labelled]) -> list[Labelled]:
    """`rows` (trash entries, change records, audit events: anything with `label_parts()` →
    (model label, label data, stored label)) as a list, each with `shown_label` worded in the
    active language: each kind's together (one `label_words` call), the stored label for rows
    kept without label data (before it was kept) or that their kind cannot word."""
    rows = list(rows)
    language = get_language()
    shown: dict[int, str] = {}
    by_kind: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, row in enumerate(rows):
        model, data, stored = row.label_parts()  # type: ignore[attr-defined]
        shown[n] = stored
        trashable = _trashable.get(model)
        if data and trashable is not None and trashable.label_words is not None:
            by_kind.setdefault(model, []).append((n, data))
    for model, items in by_kind.items():
        words = _trashable[model].label_words
        assert words is not None
        try:
            worded = words([data for _n, data in items])
        except (KeyError, TypeError, ValueError):
            continue
        for (n, _data), text in zip(items, worded, strict=True):
            if text:
                shown[n] = text[:300]
    for n, row in enumerate(rows):
        row._shown_label = (shown[n], language)  # type: ignore[attr-defined]
    return rows


def label_shown(row: Any) -> str:
    """One row's label in the active language (`labels_shown` words a page at once)."""
    text, language = getattr(row, "_shown_label", (None, None))
    if text is None or language != get_language():
        text = labels_shown([row])[0]._shown_label[0]
    return text
