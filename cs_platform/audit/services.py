"""Writing the audit log (the only writers), the diff helpers, and the retention purge.

Recording is cheap on purpose: `audit_record` is one INSERT, `audit_record_many` one
multi-row INSERT, and neither reads anything (the actor, IP and user agent are already in the
audit context, the diff is computed from values the caller has in hand).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import get_language

from cs_platform.csvfiles import csv_chunks
from cs_platform.models import ApiKey, AuditEvent, User
from cs_platform.scoping import (
    cross_tenant,
    get_current_tenant,
    require_current_tenant,
    tenant_scope,
)
from cs_platform.trash.extensions import labels_shown

from .context import Actor, get_audit_context
from .selectors import audit_page

if TYPE_CHECKING:
    from .selectors import AuditFilters


class _FromContext:
    def __repr__(self) -> str:
        return "FROM_CONTEXT"


# Default of `actor` and `tenant_id`: take them from the audit context / tenant scope.
FROM_CONTEXT: Any = _FromContext()

# The names a transaction may give itself to delete audit events (the trigger checks them).
DELETE_PATHS = ("retention_purge", "tenant_delete")


def actor_label(actor: Actor) -> str:
    if isinstance(actor, ApiKey):
        return f"API key {actor.name} ({actor.prefix}…)"
    if isinstance(actor, User):
        return f"{actor.full_name} <{actor.email}>" if actor.full_name else actor.email
    return ""


# --- values and diffs -------------------------------------------------------------------------


def audit_value(value: Any) -> Any:
    """`value` as plain JSON (dates as ISO 8601, decimals as text, files by name)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): audit_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [audit_value(v) for v in value]
    return str(value)


def audit_snapshot(obj: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The object's own fields as JSON, keyed by field name (foreign keys by id).

    Reads only what is loaded: a deferred field is left out rather than fetched."""
    skip = {"id", "tenant", *exclude}
    loaded = obj.__dict__
    return {
        field.name: audit_value(loaded[field.attname])
        for field in obj._meta.concrete_fields
        if field.name not in skip and not field.primary_key and field.attname in loaded
    }


def audit_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for what differs; nested objects as dotted paths, so a changed
    weight in a scorecard's JSON reads `draft.weights.usage`, not the whole document twice."""
    changes: dict[str, list[Any]] = {}
    _diff_into(changes, "", before, after)
    return changes


def _diff_into(out: dict[str, list[Any]], prefix: str, before: Any, after: Any) -> None:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted({*before, *after}, key=str):
            _diff_into(out, f"{prefix}{key}.", before.get(key), after.get(key))
        return
    if before != after:
        out[prefix.removesuffix(".")] = [before, after]


_EMPTY_VALUES = (None, "", [], {})


def audit_created(after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The diff of a new object: every field that has a value, from nothing."""
    return {name: [None, value] for name, value in after.items() if value not in _EMPTY_VALUES}


def audit_deleted(before: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The diff of a deleted object: every field that had a value, to nothing."""
    return {name: [value, None] for name, value in before.items() if value not in _EMPTY_VALUES}


# --- recording --------------------------------------------------------------------------------


def audit_event(
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: int | None = None,
    target_label: str = "",
    target_label_data: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    actor: Actor = FROM_CONTEXT,
    tenant_id: int | None = FROM_CONTEXT,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """An unsaved event: the target is an object or its (type, id, label); the actor and the
    tenant default to the audit context and the tenant in scope."""
    context = get_audit_context()
    if actor is FROM_CONTEXT:
        actor = context.actor()
    if tenant_id is FROM_CONTEXT:
        tenant = get_current_tenant()
        tenant_id = tenant.pk if tenant is not None else getattr(target, "tenant_id", None)
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk if target_id is None else target_id
        target_label = target_label or str(target)
    return AuditEvent(
        tenant_id=tenant_id,
        at=at or timezone.now(),
        action=action[:64],
        actor_user=actor if isinstance(actor, User) else None,
        actor_api_key=actor if isinstance(actor, ApiKey) else None,
        actor_label=actor_label(actor)[:300],
        target_type=target_type[:100],
        target_id=target_id,
        target_label=target_label[:300],
        target_label_data=dict(target_label_data or {}),
        changes=audit_value(dict(changes or {})),
        ip=context.ip,
        user_agent=context.user_agent,
        source=context.source,
    )


def audit_record(**kwargs: Any) -> AuditEvent:
    """Record one event (one INSERT); takes `audit_event`'s arguments."""
    event = audit_event(**kwargs)
    # NOTE: the plain base manager: the scoped manager refuses rows without a tenant in scope,
    # and sign-ins are recorded outside any tenant (or for several at once); so is the
    # database's row-level security, hence the named crossing (an INSERT only).
    with cross_tenant("audit-log"):
        AuditEvent._base_manager.bulk_create([event])
    return event


def audit_record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Record events built with `audit_event` in one multi-row INSERT."""
    events = list(events)
    if events:
        with cross_tenant("audit-log"):
            AuditEvent._base_manager.bulk_create(events)
    return events


# --- deleting: the two named paths ------------------------------------------------------------


@contextmanager
def audit_delete_path(path: str) -> Iterator[None]:
    """Name the current transaction, for the block, as one of the paths allowed to delete audit
    events (the trigger of migration 0004 checks the name).

    NOTE: `set_config(…, true)` never outlives the transaction (so it is safe with persistent
    connections and a transaction-pooling PgBouncer), which is why a transaction must be open;
    the name is also cleared when the block ends, so the rest of the transaction cannot
    delete."""
    if path not in DELETE_PATHS:
        raise ValueError(f"{path!r} is not a path allowed to delete audit events.")
    if not connection.in_atomic_block:
        raise RuntimeError("audit_delete_path() needs an open transaction (transaction.atomic).")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('junkan.audit_delete', %s, true)", [path])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('junkan.audit_delete', '', true)")


def audit_purge_expired(*, batch_size: int = 5000) -> int:
    """Delete, across tenants, the events older than `AUDIT_RETENTION_DAYS`; returns how many.

    NOTE: crosses tenants on purpose (one beat task for all), in batches of short transactions
    so a large backlog never holds long locks."""
    cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    purged = 0
    while True:
        with (
            cross_tenant("sweep"),
            transaction.atomic(),
            audit_delete_path("retention_purge"),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"DELETE FROM {table} WHERE id = ANY(ARRAY("
                f"SELECT id FROM {table} WHERE at < %s ORDER BY at LIMIT %s "
                "FOR UPDATE SKIP LOCKED))",
                [cutoff, batch_size],
            )
            deleted = cursor.rowcount
        purged += deleted
        if deleted < batch_size:
            return purged


# --- export -----------------------------------------------------------------------------------

EXPORT_PAGE_SIZE = 2000
CSV_HEADER = [
    "at",
    "action",
    "actor",
    "actor_user_id",
    "actor_api_key_id",
    "target_type",
    "target_id",
    "target",
    "changes",
    "ip",
    "user_agent",
    "source",
]


def audit_export_csv(*, filters: AuditFilters) -> Iterator[bytes]:
    """The filtered log as CSV chunks (formula-escaped, times in the tenant's zone); the
    export itself is recorded first, with its filters."""
    audit_record(
        action="export.csv",
        target_type=AuditEvent._meta.label_lower,
        target_label="audit log",
        changes={
            f"filter.{name}": [None, value]
            for name, value in asdict(filters).items()
            if value not in (None, "")
        },
    )
    tz = timezone.get_current_timezone()
    tenant = require_current_tenant()

    language = get_language()

    def events() -> Iterator[tuple[AuditEvent, str]]:
        # NOTE: the response streams after the request (and its tenant scope) has ended: each
        # keyset page is read inside the tenant's scope again, entered and left within one
        # step of the iteration so the scope never leaks to whoever iterates; its labels are
        # worded there too, in the language of the request.
        after = None
        while True:
            with tenant_scope(tenant), translation.override(language):
                page, after = audit_page(filters=filters, after=after, size=EXPORT_PAGE_SIZE)
                labelled = [(e, e.shown_label) for e in labels_shown(page)]
            yield from labelled
            if after is None:
                return

    rows = (
        [
            timezone.localtime(e.at, tz).isoformat(),
            e.action,
            e.actor_label,
            e.actor_user_id,
            e.actor_api_key_id,
            e.target_type,
            e.target_id,
            label,
            json.dumps(e.changes, ensure_ascii=False, sort_keys=True),
            e.ip,
            e.user_agent,
            e.source,
        ]
        for e, label in events()
    )
    return csv_chunks(CSV_HEADER, rows)
