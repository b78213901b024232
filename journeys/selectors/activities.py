"""Timeline reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, QuerySet

from accounts.models import Account

from ..models import Activity


def activity_list_for_account(*, account: Account, kinds: list[str] | None = None) -> QuerySet:
    """The account's timeline, newest first (paginate in the caller)."""
    queryset = Activity.objects.filter(account=account).select_related("actor", "contact")
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    return queryset.order_by("-occurred_at", "-pk")


def activity_count_by_account(
    *, kinds: list[str], since: dt.datetime, until: dt.datetime
) -> dict[int, int]:
    """Activities of `kinds` with since <= occurred_at < until, per account (one GROUP BY)."""
    rows = (
        Activity.objects.filter(kind__in=kinds, occurred_at__gte=since, occurred_at__lt=until)
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
        .order_by()
    )
    return dict(rows)


def activity_last_at_by_account(
    *, account_ids: list[int] | None = None, exclude_kinds: list[str] | None = None
) -> dict[int, dt.datetime]:
    """Each account's latest timeline entry, leaving out `exclude_kinds` (one GROUP BY)."""
    queryset = Activity.objects.all()
    if exclude_kinds:
        queryset = queryset.exclude(kind__in=exclude_kinds)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    rows = queryset.values("account_id").annotate(last=Max("occurred_at")).order_by()
    return dict(rows.values_list("account_id", "last"))


def activity_rows_since(
    *, kinds: list[str], since: dt.datetime, data_contains: dict[str, Any] | None = None
) -> list[tuple[int, int, dt.datetime]]:
    """(activity_id, account_id, occurred_at) of entries of `kinds` since `since` (only those
    whose `data` holds `data_contains`, e.g. {"slug": "get-started"}, when given)."""
    queryset = Activity.objects.filter(kind__in=kinds, occurred_at__gte=since)
    if data_contains:
        queryset = queryset.filter(data__contains=data_contains)
    return list(queryset.values_list("pk", "account_id", "occurred_at").order_by())


def activity_refs(*, kinds: list[str], ref_prefix: str) -> list[tuple[int, dt.datetime, str]]:
    """(account_id, occurred_at, ref) of entries of `kinds` whose `data["ref"]` starts with
    `ref_prefix` (what brought them about, e.g. the e-mail link of a rule firing)."""
    rows = (
        Activity.objects.filter(kind__in=kinds, data__ref__startswith=ref_prefix)
        .values_list("account_id", "occurred_at", "data__ref")
        .order_by()
    )
    return list(rows)
