"""Timeline writes. Every app writes what happened to an account here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from psycopg2.extras import Json

from accounts.models import Account, Contact
from accounts.selectors import account_list
from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from cs_platform.sql import values_insert_ignore

from ..extensions import activities_recorded
from ..models import Activity, ActivityKind

_BULK_COLUMNS = (
    "tenant_id",
    "account_id",
    "kind",
    "title",
    "body",
    "occurred_at",
    "actor_id",
    "contact_id",
    "data",
    "source_key",
    "created_at",
)


def _check_kind(kind: str) -> None:
    if kind not in ActivityKind.values:
        raise ValueError(f"Unknown activity kind {kind!r}; choose one of {ActivityKind.values}.")


def activity_record(
    *,
    account: Account,
    kind: str,
    title: str,
    occurred_at: dt.datetime | None = None,
    actor: User | None = None,
    contact: Contact | None = None,
    body: str = "",
    data: dict[str, Any] | None = None,
    source_key: str | None = None,
) -> Activity:
    """Write one timeline entry. With `source_key`, a second call returns the first row."""
    _check_kind(kind)
    activity = Activity(
        tenant_id=account.tenant_id,
        account=account,
        kind=kind,
        title=title[:300],
        body=body,
        occurred_at=occurred_at or timezone.now(),
        actor=actor,
        contact=contact,
        data=data or {},
        source_key=source_key,
    )
    with transaction.atomic():
        if source_key is None:
            activity.save()
        else:
            activity.check_same_tenant_references()
            # INSERT … ON CONFLICT DO NOTHING: safe when two workers record the same event at once.
            Activity.objects.bulk_create([activity], ignore_conflicts=True)
            activity = Activity.objects.get(source_key=source_key)
        activities_recorded(account_ids=[account.pk], kinds=[kind])
    return activity


def _id(row: dict[str, Any], name: str) -> int | None:
    if f"{name}_id" in row:
        return row[f"{name}_id"]
    obj = row.get(name)
    return obj.pk if obj is not None else None


def _check_accounts_in_tenant(account_ids: set[int | None]) -> None:
    if None in account_ids:
        raise ValueError("Every activity needs an account.")
    found = account_list(ids=account_ids).count()
    if found != len(account_ids):
        raise ValueError("Some accounts do not exist in the tenant in scope.")


def activity_record_bulk(*, rows: list[dict[str, Any]]) -> int:
    """Set-based timeline writes (one multi-row INSERT per page); returns rows inserted.

    Each row has the keys of `activity_record` (`account`/`account_id`, `kind`, `title`,
    optional `occurred_at`, `actor`/`actor_id`, `contact`/`contact_id`, `body`, `data`,
    `source_key`). Rows whose `source_key` already exists are skipped (ON CONFLICT DO NOTHING).
    NOTE: account ids are checked against the tenant in scope (one query); contact and actor
    ids are trusted, callers pass ids they read through the scoped managers.
    """
    if not rows:
        return 0
    tenant = require_current_tenant()
    now = timezone.now()
    values = []
    for row in rows:
        _check_kind(row["kind"])
        values.append(
            (
                tenant.pk,
                _id(row, "account"),
                row["kind"],
                row["title"][:300],
                row.get("body", ""),
                row.get("occurred_at") or now,
                _id(row, "actor"),
                _id(row, "contact"),
                Json(row.get("data") or {}),
                row.get("source_key"),
                now,
            )
        )
    _check_accounts_in_tenant({v[1] for v in values})
    with transaction.atomic():
        inserted = values_insert_ignore(
            table=Activity._meta.db_table,
            columns=_BULK_COLUMNS,
            rows=values,
            returning=["account_id", "kind"],
        )
        activities_recorded(account_ids={a for a, _k in inserted}, kinds={k for _a, k in inserted})
    return len(inserted)
