"""Timeline reads."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

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
