"""The plain body of a named create/update service: validated fields in, one row out.

An app's `<entity>_create` / `<entity>_update` services that have nothing more to do than write
the fields call these, so the write still has a name (the base API viewset refuses the generic
`serializer.save()`) and a place to grow rules later. Same semantics as DRF's
`ModelSerializer.create/update`: many-to-many values are set after the row is saved.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


def _split(model: type[models.Model], data: dict[str, Any]) -> tuple[dict, dict]:
    many = {f.name for f in model._meta.get_fields() if f.many_to_many and not f.auto_created}
    plain = {k: v for k, v in data.items() if k not in many}
    return plain, {k: v for k, v in data.items() if k in many}


@transaction.atomic
def model_create(*, model: type[M], data: dict[str, Any]) -> M:
    """A new row of `model` (a tenant-owned model takes the tenant in scope)."""
    plain, many = _split(model, data)
    instance = model._default_manager.create(**plain)
    for name, value in many.items():
        getattr(instance, name).set(value)
    return instance


@transaction.atomic
def model_update(*, instance: M, data: dict[str, Any]) -> M:
    """Write the given fields of `instance` (and set its many-to-many values)."""
    plain, many = _split(type(instance), data)
    for name, value in plain.items():
        setattr(instance, name, value)
    instance.save()
    for name, value in many.items():
        getattr(instance, name).set(value)
    return instance
