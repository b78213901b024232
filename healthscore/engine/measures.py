"""Measure values for a chunk of accounts on one day: SQL aggregates into a DataFrame.

Every window is "the N days ending on `as_of` (inclusive)", in the tenant's local days.
The rollups are read with one GROUP BY per table; other apps' data through their selectors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Avg, Count, Min, Q

from accounts.models import RelationshipLevel
from accounts.selectors import contact_list, contract_list
from cs_platform.sql import sql_frame
from journeys.selectors import activity_count_by_account, milestone_progress_by_account

from ..models import KeyEvent, SurveyResponse
from ..selectors.milestones import milestone_attainment_by_account
from .specs import ATTAINMENT, JOURNEY_PROGRESS_BASES, Spec, spec_of  # noqa: F401 (re-exported)

ENGAGEMENT_KINDS = ["content_view", "seminar_attendance"]
USAGE_MEASURES = {"active_days", "feature_breadth", "usage_trend", "event_count"}


def _accounts_sql(ids: list[int]) -> tuple[str, list[Any]]:
    """The rollups' account filter: the id range of a chunk, narrowed to `ids` when they are a
    sparse subset of it (the accounts rescored at event time are scattered over the tenant)."""
    low, high = min(ids), max(ids)
    if len(ids) * 4 >= high - low + 1:
        return "account_id BETWEEN %s AND %s", [low, high]
    return "account_id BETWEEN %s AND %s AND account_id = ANY(%s)", [low, high, ids]


def _usage(
    *, tenant_id: int, ids: list[int], as_of: dt.date, specs: list[Spec], keys: list[str]
) -> pd.DataFrame:
    select: list[str] = []
    params: list[Any] = []
    longest = 1
    for i, spec in enumerate(specs):
        days = spec.days or 30
        start = as_of - dt.timedelta(days=days)
        longest = max(longest, days * (2 if spec.measure == "usage_trend" else 1))
        if spec.measure == "active_days":
            select.append(f"count(DISTINCT day) FILTER (WHERE day > %s) AS c{i}")
            params.append(start)
        elif spec.measure == "feature_breadth":
            select.append(
                f"count(DISTINCT event) FILTER (WHERE day > %s AND event = ANY(%s)) AS c{i}"
            )
            params += [start, keys]
        elif spec.measure == "usage_trend":
            select.append(f"sum(count) FILTER (WHERE day > %s) AS c{i}")
            select.append(f"sum(count) FILTER (WHERE day <= %s AND day > %s) AS p{i}")
            params += [start, start, start - dt.timedelta(days=days)]
        else:
            select.append(f"sum(count) FILTER (WHERE day > %s AND event = %s) AS c{i}")
            params += [start, spec.event]
    where, where_params = _accounts_sql(ids)
    sql = (
        f"SELECT account_id, {', '.join(select)} FROM healthscore_usagedaily "
        f"WHERE tenant_id = %s AND {where} AND day > %s AND day <= %s "
        "GROUP BY account_id"
    )
    params += [tenant_id, *where_params, as_of - dt.timedelta(days=longest), as_of]
    return sql_frame(sql, params).set_index("account_id").astype(float)


def _active_users(
    *, tenant_id: int, ids: list[int], as_of: dt.date, days_list: list[int]
) -> pd.DataFrame:
    select = [f"count(DISTINCT contact_key) FILTER (WHERE day > %s) AS d{d}" for d in days_list]
    params: list[Any] = [as_of - dt.timedelta(days=d) for d in days_list]
    where, where_params = _accounts_sql(ids)
    sql = (
        f"SELECT account_id, {', '.join(select)} FROM healthscore_contactdaily "
        f"WHERE tenant_id = %s AND {where} AND day > %s AND day <= %s "
        "GROUP BY account_id"
    )
    params += [tenant_id, *where_params, as_of - dt.timedelta(days=max(days_list)), as_of]
    return sql_frame(sql, params).set_index("account_id").astype(float)


def _day_bounds(as_of: dt.date, days: int, tz: Any) -> tuple[dt.datetime, dt.datetime]:
    start = as_of - dt.timedelta(days=days - 1)
    until = as_of + dt.timedelta(days=1)
    return (
        dt.datetime(start.year, start.month, start.day, tzinfo=tz),
        dt.datetime(until.year, until.month, until.day, tzinfo=tz),
    )


def _coverage(ids: list[int], as_of: dt.date, days: int, tz: Any) -> pd.Series:
    """Per account, (levels known + levels met in the window) / 6 × 100, over the three
    relationship levels (field, manager, executive).

    NOTE: the same facts as `accounts.selectors.relationship_coverage`, aggregated straight
    into a DataFrame: that selector builds a Python object per account, which costs more than
    the rest of a chunk together.
    """
    since, until = _day_bounds(as_of, days, tz)
    met = Q(last_met_at__gte=since, last_met_at__lt=until)
    rows = (
        contact_list(account_ids=ids)
        .filter(relationship_level__in=RelationshipLevel.values)
        .values("account_id", "relationship_level")
        .annotate(met=Count("id", filter=met))
        .values_list("account_id", "met")
        .order_by()
    )
    levels = pd.DataFrame(list(rows), columns=["account_id", "met"])
    if levels.empty:
        return pd.Series(0.0, index=ids)
    levels["known"] = 1.0
    levels["met"] = (levels["met"] > 0).astype(float)
    sums = levels.groupby("account_id")[["known", "met"]].sum()
    score = (sums["known"] + sums["met"]) / 6 * 100
    return score.reindex(ids).fillna(0.0)


def _other(
    spec: Spec, *, ids: list[int], as_of: dt.date, tz: Any, cache: dict[str, Any]
) -> pd.Series:
    days = spec.days or 30
    if spec.measure == "relationship_coverage":
        return _coverage(ids, as_of, days, tz)
    if spec.measure == "engagement":
        since, until = _day_bounds(as_of, days, tz)
        counts = activity_count_by_account(kinds=ENGAGEMENT_KINDS, since=since, until=until)
        return pd.Series(counts, dtype=float).reindex(ids).fillna(0.0)
    if spec.measure == "survey_score":
        rows = (
            SurveyResponse.objects.filter(
                account_id__in=ids,
                responded_on__gt=as_of - dt.timedelta(days=days),
                responded_on__lte=as_of,
            )
            .values("account_id")
            .annotate(v=Avg("score"))
            .values_list("account_id", "v")
            .order_by()
        )
        return pd.Series(dict(rows), dtype=float)
    if spec.measure == "journey_progress" and spec.basis == ATTAINMENT:
        # NOTE: the share of judged milestones whose target score was reached (an option of
        # the measure: scorecards without `basis` keep the on-time share below).
        key = f"attainment:{spec.days}"
        if key not in cache:
            cache[key] = milestone_attainment_by_account(as_of=as_of, days=spec.days)
        return pd.Series(cache[key], dtype=float).reindex(ids)
    if spec.measure == "journey_progress":
        key = f"progress:{spec.days}"
        if key not in cache:
            cache[key] = milestone_progress_by_account(as_of=as_of, days=spec.days)
        progress = cache[key]
        return pd.Series(
            {
                a: (p["on_time_ratio"] * 100 if p.get("on_time_ratio") is not None else np.nan)
                for a, p in progress.items()
                if a in set(ids)
            },
            dtype=float,
        )
    # days_to_renewal
    rows = (
        contract_list(live_only=True, account_ids=ids)
        .filter(renewal_date__gte=as_of)
        .values("account_id")
        .annotate(r=Min("renewal_date"))
        .values_list("account_id", "r")
        .order_by()
    )
    return pd.Series({a: (r - as_of).days for a, r in rows}, dtype=float)


def measure_frame(
    *,
    tenant_id: int,
    tz: Any,
    accounts: pd.DataFrame,
    as_of: dt.date,
    specs: set[Spec],
    cache: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per account of `accounts` (index: account id; needs `seats`), one column per
    spec. Missing data is NaN, except counts, which are 0."""
    cache = {} if cache is None else cache
    ids = [int(i) for i in accounts.index]
    frame = pd.DataFrame(index=accounts.index)
    usage_specs = sorted((s for s in specs if s.measure in USAGE_MEASURES), key=repr)
    if usage_specs:
        if "keys" not in cache:
            cache["keys"] = list(KeyEvent.objects.values_list("name", flat=True))
        keys = cache["keys"]
        usage = _usage(
            tenant_id=tenant_id, ids=ids, as_of=as_of, specs=usage_specs, keys=keys
        ).reindex(accounts.index)
        for i, spec in enumerate(usage_specs):
            current = usage[f"c{i}"].fillna(0.0)
            if spec.measure == "feature_breadth":
                frame[spec] = current / len(keys) * 100 if keys else np.nan
            elif spec.measure == "usage_trend":
                previous = usage[f"p{i}"].fillna(0.0)
                change = (current - previous) / previous.where(previous > 0) * 100
                frame[spec] = change.where(previous > 0, np.where(current > 0, 100.0, np.nan))
            else:
                frame[spec] = current
    user_specs = [s for s in specs if s.measure == "active_user_ratio"]
    if user_specs:
        days_list = sorted({s.days or 30 for s in user_specs})
        users = _active_users(
            tenant_id=tenant_id, ids=ids, as_of=as_of, days_list=days_list
        ).reindex(accounts.index)
        seats = accounts["seats"].where(accounts["seats"] > 0)
        for spec in user_specs:
            frame[spec] = users[f"d{spec.days or 30}"].fillna(0.0) / seats * 100
    for spec in specs:
        if spec.measure in USAGE_MEASURES or spec.measure == "active_user_ratio":
            continue
        frame[spec] = _other(spec, ids=ids, as_of=as_of, tz=tz, cache=cache).reindex(accounts.index)
    return frame
