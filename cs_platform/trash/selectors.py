"""Reads of the trash and the change log (tenant-scoped by the default managers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet

from cs_platform.models import ChangeRecord, TrashEntry

from .extensions import trashable_models


def model_verbose_name(label: str, *, plural: bool = False) -> str:
    try:
        meta = apps.get_model(label)._meta
    except (LookupError, ValueError):
        return label
    return str(meta.verbose_name_plural if plural else meta.verbose_name)


def trash_kinds() -> list[tuple[str, str]]:
    """(model label, name) of every trashable kind, for the filter of the trash page."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name)) for m in trashable_models()),
        key=lambda kind: kind[1],
    )


def trash_list(*, model: str = "") -> QuerySet[TrashEntry]:
    """The tenant's trash, newest first; the heavy row payload is left in the database."""
    queryset = TrashEntry.objects.defer("rows", "links").select_related("deleted_by")
    if model:
        queryset = queryset.filter(model=model)
    return queryset.order_by("-deleted_at", "-id")


def trash_get(*, entry_id: int) -> TrashEntry | None:
    return trash_list().filter(pk=entry_id).first()


def trash_purge_at(entry: TrashEntry) -> datetime:
    return entry.deleted_at + timedelta(days=settings.TRASH_RETENTION_DAYS)


@dataclass(frozen=True)
class ContentCount:
    model: str
    name: str
    count: int


def trash_contents(entry: TrashEntry) -> list[ContentCount]:
    """What the delete took besides the object itself: "3 article translations", …"""
    out = []
    for label, count in sorted(entry.counts.items()):
        if label == entry.model:
            count -= 1
        if count > 0:
            out.append(ContentCount(label, model_verbose_name(label, plural=count != 1), count))
    return out


def change_list(
    *, model: str = "", object_id: int | None = None, action: str = ""
) -> QuerySet[ChangeRecord]:
    queryset = ChangeRecord.objects.select_related("actor")
    if action:
        queryset = queryset.filter(action=action)
    if model:
        queryset = queryset.filter(model=model)
    if object_id is not None:
        queryset = queryset.filter(object_id=object_id)
    return queryset.order_by("-at", "-id")
