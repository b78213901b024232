"""Set-based reads of the daily usage rollups for the apps above."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Sum

from cs_platform.scoping import require_current_tenant

from ..models import (
    UsageDaily,
)


def usage_totals_by_day(
    *, start: dt.date, end: dt.date, account_ids: list[int] | None = None
) -> list[tuple[int, dt.date, int]]:
    """(account_id, day, count): usage events per account and day, all events summed, for
    start <= day <= end. A day with no row means no usage."""
    queryset = UsageDaily.objects.filter(day__gte=start, day__lte=end)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    rows = (
        queryset.values("account_id", "day")
        .annotate(n=Sum("count"))
        .values_list("account_id", "day", "n")
        .order_by()
    )
    return list(rows)


def usage_totals_around(*, starts: dict[int, dt.date], days: int) -> list[tuple[int, int, int]]:
    """(account_id, before, after): usage events summed over the `days` before each account's
    start day and the `days` from it on (0 without usage)."""
    if not starts:
        return []
    ids = list(starts)
    sql = f"""
        SELECT s.account_id,
               COALESCE(SUM(u.count) FILTER (WHERE u.day < s.t0), 0) AS before,
               COALESCE(SUM(u.count) FILTER (WHERE u.day >= s.t0), 0) AS after
        FROM unnest(%s::bigint[], %s::date[]) AS s(account_id, t0)
        LEFT JOIN {UsageDaily._meta.db_table} u
          ON u.tenant_id = %s AND u.account_id = s.account_id
         AND u.day >= s.t0 - %s AND u.day < s.t0 + %s
        GROUP BY s.account_id
    """
    params: list[Any] = [ids, [starts[a] for a in ids], require_current_tenant().pk, days, days]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
