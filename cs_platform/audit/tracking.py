"""Configuration whose every save is recorded, whichever path saves it.

Settings, rules, tier rules, phases, scorecard drafts and memberships are saved by ModelForms
and formsets on pages, by serializers in the API, by Django's admin and by services; recording
in each of those places would be a list that someone forgets to extend. Instead each app
declares here, once, which of its models are audited (`audit_track`), and the audit service is
called on their saves: the values loaded from the database are kept when the row is read
(`post_init`, reading only what was loaded, no query), and the save records the difference in
one INSERT, or nothing when nothing changed.

Deletes are recorded by the trash (`cs_platform.trash.services`), which every page and API
delete goes through; `deletes=True` is for models deleted elsewhere (memberships, in the admin).
Bulk writes (`bulk_create`, `QuerySet.update`) send no signals: services that use them on an
audited model record the change themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_init, post_save

from .extensions import Tracked, tracked_add, tracked_spec
from .services import audit_created, audit_deleted, audit_diff, audit_record, audit_snapshot

_LOADED = "_audit_loaded"


def audit_track(
    model: type[models.Model],
    *,
    name: str,
    exclude: Iterable[str] = (),
    deletes: bool = False,
    label: Callable[[Any], str] = str,
) -> None:
    """Record `<name>.created` / `<name>.updated` (and `<name>.deleted` with `deletes`) with
    the changed fields, leaving out `exclude` (secrets, bookkeeping such as timestamps)."""
    automatic = {
        field.name
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    tracked_add(model, Tracked(name=name, exclude=frozenset({*exclude, *automatic}), label=label))
    uid = f"audit:{model._meta.label_lower}"
    post_init.connect(_loaded, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, weak=False, dispatch_uid=uid)
    if deletes:
        post_delete.connect(_deleted, sender=model, weak=False, dispatch_uid=uid)


def _snapshot(instance: models.Model, spec: Tracked) -> dict[str, Any]:
    return audit_snapshot(instance, exclude=spec.exclude)


def _loaded(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # NOTE: `_state.adding` is still True here for a row read from the database (`from_db`
    # sets it after __init__); a primary key is what tells a loaded row from a new object.
    if instance.pk is not None:
        instance.__dict__[_LOADED] = _snapshot(instance, tracked_spec(sender))


def _saved(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw:  # loaddata
        return
    spec = tracked_spec(sender)
    after = _snapshot(instance, spec)
    before = instance.__dict__.get(_LOADED)
    if created or before is None:
        changes = audit_created(after)
        action = f"{spec.name}.created" if created else f"{spec.name}.updated"
    else:
        if update_fields is not None:
            names = {sender._meta.get_field(f).name for f in update_fields}
            before = {k: v for k, v in before.items() if k in names}
            after_part = {k: v for k, v in after.items() if k in names}
        else:
            after_part = after
        changes = audit_diff(before, after_part)
        action = f"{spec.name}.updated"
    instance.__dict__[_LOADED] = after
    if not changes:
        return
    audit_record(
        action=action,
        target=instance,
        target_label=spec.label(instance),
        changes=changes,
        tenant_id=getattr(instance, "tenant_id", None),
    )


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    spec = tracked_spec(sender)
    audit_record(
        action=f"{spec.name}.deleted",
        target=instance,
        target_label=spec.label(instance),
        changes=audit_deleted(instance.__dict__.get(_LOADED) or _snapshot(instance, spec)),
        tenant_id=getattr(instance, "tenant_id", None),
    )
