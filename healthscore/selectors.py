"""Reads of the health score, for the API, the health pages and the apps above.

Every function reads the tenant in scope. Scores are one row per account and day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db import connection
from django.db.models import Avg, Count, Max, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import Account, Contract, ContractStatus
from cs_platform.scoping import require_current_tenant
from journeys.selectors import current_phase_by_account

from .measures_catalog import MEASURES
from .models import (
    HealthAlert,
    HealthScore,
    JobStatus,
    RecomputeJob,
    Scorecard,
    ScorecardVersion,
    UsageDaily,
)
from .scoring import effective_weights

TREND_DAYS = (7, 30, 90)
LIVE_CONTRACT = [ContractStatus.ACTIVE, ContractStatus.RENEWED, ContractStatus.EXPANDED]


def health_latest_day() -> dt.date | None:
    """The most recent day the tenant has scores for."""
    return HealthScore.objects.aggregate(d=Max("day"))["d"]


def health_current(*, account: Account) -> HealthScore | None:
    return (
        HealthScore.objects.filter(account=account)
        .select_related("version__scorecard")
        .order_by("-day")
        .first()
    )


def health_score_on(*, account: Account, day: dt.date) -> HealthScore | None:
    """The score of `day`, or the latest one before it."""
    return (
        HealthScore.objects.filter(account=account, day__lte=day)
        .select_related("version__scorecard")
        .order_by("-day")
        .first()
    )


def health_trend(*, account: Account, current: HealthScore | None = None) -> dict[str, Any]:
    """Score change over 7 / 30 / 90 days: {"7": {"score": 61.0, "change": -4.5}, …}."""
    current = current or health_current(account=account)
    if current is None:
        return {str(d): None for d in TREND_DAYS}
    days = [current.day - dt.timedelta(days=d) for d in TREND_DAYS]
    past = dict(
        HealthScore.objects.filter(account=account, day__in=days).values_list("day", "score")
    )
    result: dict[str, Any] = {}
    for d, day in zip(TREND_DAYS, days, strict=True):
        then = past.get(day)
        result[str(d)] = (
            None if then is None else {"score": then, "change": round(current.score - then, 2)}
        )
    return result


def health_history(
    *, account: Account, days: int = 90, until: dt.date | None = None
) -> list[dict[str, Any]]:
    """Daily scores, oldest first; `version_changed` marks the days a new scorecard version
    took effect, so a chart can tell a weight change from a customer change."""
    until = until or timezone.localdate()
    rows = (
        HealthScore.objects.filter(
            account=account, day__gt=until - dt.timedelta(days=days), day__lte=until
        )
        .order_by("day")
        .values("day", "score", "band", "version_id", "version__number", "version__scorecard_id")
    )
    history = []
    previous = None
    for row in rows:
        history.append(
            {
                "day": row["day"],
                "score": row["score"],
                "band": row["band"],
                "version": row["version__number"],
                "scorecard": row["version__scorecard_id"],
                "version_changed": previous is not None and previous != row["version_id"],
            }
        )
        previous = row["version_id"]
    return history


def _components(score: HealthScore) -> list[dict[str, Any]]:
    definition = score.version.definition
    groups = {g["key"]: g for g in definition.get("groups") or []}
    weights = effective_weights(definition)
    out = []
    for comp in definition["components"]:
        stored = score.components.get(comp["key"]) or {}
        points = stored.get("points")
        weight = stored.get("weight", weights[comp["key"]])
        measure = MEASURES.get(comp["measure"])
        out.append(
            {
                "key": comp["key"],
                "label": comp.get("label") or (str(measure.label) if measure else comp["key"]),
                "measure": comp["measure"],
                "unit": measure.unit if measure else "",
                "group": comp.get("group"),
                "group_label": (groups.get(comp.get("group")) or {}).get("label"),
                "value": stored.get("value"),
                "points": points,
                "weight": weight,
                "contribution": None if points is None else round(points * weight / 100, 2),
            }
        )
    return out


def health_explanation(*, account: Account, day: dt.date | None = None) -> dict[str, Any] | None:
    """The score, each component's value, points and contribution, and what moved most
    since 30 days ago (by contribution; components are matched by their stable key)."""
    score = health_score_on(account=account, day=day) if day else health_current(account=account)
    if score is None:
        return None
    components = _components(score)
    before = health_score_on(account=account, day=score.day - dt.timedelta(days=30))
    movers = []
    if before is not None and before.day < score.day:
        then = {c["key"]: c for c in _components(before)}
        for comp in components:
            old = then.get(comp["key"])
            if old is None or comp["contribution"] is None or old["contribution"] is None:
                continue
            movers.append(
                {
                    "key": comp["key"],
                    "label": comp["label"],
                    "value_then": old["value"],
                    "value_now": comp["value"],
                    "contribution_change": round(comp["contribution"] - old["contribution"], 2),
                }
            )
        movers.sort(key=lambda m: abs(m["contribution_change"]), reverse=True)
    return {
        "day": score.day,
        "score": score.score,
        "band": score.band,
        "scorecard": {"id": score.version.scorecard_id, "name": score.version.scorecard.name},
        "version": score.version.number,
        "components": components,
        "compared_with": before.day if before is not None and before.day < score.day else None,
        "score_then": before.score if before is not None and before.day < score.day else None,
        "moved_most": movers,
    }


def health_latest_by_account(*, account_ids: list[int] | None = None) -> dict[int, dict]:
    """{account_id: {"score", "band", "day"}} from each account's latest score (one query)."""
    day = health_latest_day()
    if day is None:
        return {}
    queryset = HealthScore.objects.filter(day=day)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return {
        row["account_id"]: {"score": row["score"], "band": row["band"], "day": day}
        for row in queryset.values("account_id", "score", "band")
    }


def portfolio_band_distribution(*, day: dt.date | None = None) -> dict[str, int]:
    day = day or health_latest_day()
    counts = {"green": 0, "amber": 0, "red": 0}
    if day is None:
        return counts
    for row in HealthScore.objects.filter(day=day).values("band").annotate(n=Count("id")):
        counts[row["band"]] = row["n"]
    return counts


def portfolio_average_over_time(*, days: int = 90) -> list[dict[str, Any]]:
    until = health_latest_day()
    if until is None:
        return []
    rows = (
        HealthScore.objects.filter(day__gt=until - dt.timedelta(days=days), day__lte=until)
        .values("day")
        .annotate(average=Avg("score"), accounts=Count("id"))
        .order_by("day")
    )
    return [
        {"day": r["day"], "average": round(r["average"], 2), "accounts": r["accounts"]}
        for r in rows
    ]


def portfolio_by_phase(*, day: dt.date | None = None) -> list[dict[str, Any]]:
    """Per journey phase: accounts, average score and band counts (of `day`, default latest).

    Reads every account's phase in one pass rather than sending thousands of account ids
    back to the database."""
    day = day or health_latest_day()
    if day is None:
        return []
    scores = pd.DataFrame(
        list(HealthScore.objects.filter(day=day).values_list("account_id", "score", "band")),
        columns=["account_id", "score", "band"],
    )
    phases = current_phase_by_account()
    if scores.empty or not phases:
        return []
    by_id = {p.pk: p for p in phases.values()}
    scores["phase"] = scores["account_id"].map({a: p.pk for a, p in phases.items()})
    scores = scores.dropna(subset=["phase"])
    scores["phase"] = scores["phase"].astype(int)
    stats = scores.groupby("phase")["score"].agg(["count", "mean"])
    bands = pd.crosstab(scores["phase"], scores["band"])
    result = []
    for phase_id in sorted(stats.index, key=lambda pk: by_id[int(pk)].order):
        phase = by_id[int(phase_id)]
        counts = bands.loc[phase_id]
        result.append(
            {
                "phase": phase.key,
                "name": phase.name,
                "accounts": int(stats.loc[phase_id, "count"]),
                "average": round(float(stats.loc[phase_id, "mean"]), 2),
                "bands": {b: int(counts.get(b, 0)) for b in ("green", "amber", "red")},
            }
        )
    return result


def _arr_subquery() -> Subquery:
    return Subquery(
        Contract.objects.filter(account=OuterRef("account_id"), status__in=LIVE_CONTRACT)
        .order_by()
        .values("account")
        .annotate(total=Sum("arr"))
        .values("total")[:1]
    )


def portfolio_at_risk(*, limit: int = 20, day: dt.date | None = None) -> list[dict[str, Any]]:
    """Red accounts (then amber) of the latest day, largest ARR first."""
    day = day or health_latest_day()
    if day is None:
        return []
    rows = (
        HealthScore.objects.filter(day=day, band__in=["red", "amber"])
        .annotate(arr=_arr_subquery())
        .select_related("account")
        .order_by("-band", "-arr", "score")[:limit]
    )
    return [
        {
            "account": r.account,
            "account_id": r.account_id,
            "score": r.score,
            "band": r.band,
            "arr": r.arr or 0,
        }
        for r in rows
    ]


def portfolio_renewals(
    *, days: int = 90, day: dt.date | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Live contracts renewing in the next `days`, with the account's score of `day` (default:
    the latest scored day), as plain rows: one query, no model instances."""
    today = today or timezone.localdate()
    day = day or health_latest_day()
    score_of_day = HealthScore.objects.filter(day=day, account=OuterRef("account_id"))
    rows = (
        Contract.objects.filter(
            status__in=LIVE_CONTRACT,
            renewal_date__gte=today,
            renewal_date__lte=today + dt.timedelta(days=days),
        )
        .annotate(
            score=Subquery(score_of_day.values("score")[:1]),
            band=Subquery(score_of_day.values("band")[:1]),
        )
        .order_by("renewal_date", "pk")
        .values("pk", "account_id", "account__name", "renewal_date", "arr", "score", "band")
    )
    return [
        {
            "contract_id": row["pk"],
            "account_id": row["account_id"],
            "account_name": row["account__name"],
            "renewal_date": row["renewal_date"],
            "arr": row["arr"],
            "score": row["score"],
            "band": row["band"],
        }
        for row in rows
    ]


def scorecard_list() -> QuerySet[Scorecard]:
    return Scorecard.objects.select_related("current_version", "segment").order_by(
        "is_default", "priority", "pk"
    )


def scorecard_version_list(*, scorecard: Scorecard) -> QuerySet[ScorecardVersion]:
    return ScorecardVersion.objects.filter(scorecard=scorecard).order_by("-number")


def recompute_job_latest() -> RecomputeJob | None:
    return RecomputeJob.objects.order_by("-started_at", "-pk").first()


def health_alert_list(*, account: Account | None = None, open_only: bool = False) -> QuerySet:
    queryset = HealthAlert.objects.select_related("account")
    if account is not None:
        queryset = queryset.filter(account=account)
    if open_only:
        queryset = queryset.filter(resolved_on__isnull=True)
    return queryset.order_by("-opened_on", "-pk")


# --- set-based reads for the apps above (one query each, plain rows keyed by account) --------


def health_scores_between(
    *,
    start: dt.date,
    end: dt.date | None = None,
    account_ids: list[int] | None = None,
) -> list[tuple[int, dt.date, float]]:
    """(account_id, day, score) of every scored day with start <= day <= end (no end: to
    the latest)."""
    queryset = HealthScore.objects.filter(day__gte=start)
    if end is not None:
        queryset = queryset.filter(day__lte=end)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return list(queryset.values_list("account_id", "day", "score").order_by())


def health_scores_at(
    *, points: dict[int, tuple[dt.date, dt.date]]
) -> list[tuple[int, float | None, float | None]]:
    """(account_id, before, after): each account's latest score on or before each of its two
    days `points[account_id] = (day_before, day_after)` (None where it has none yet)."""
    if not points:
        return []
    ids = list(points)
    table = HealthScore._meta.db_table
    latest = (
        f"(SELECT h.score FROM {table} h WHERE h.tenant_id = %s AND h.account_id = s.account_id "
        "AND h.day <= s.{col} ORDER BY h.day DESC LIMIT 1)"
    )
    sql = (
        f"SELECT s.account_id, {latest.format(col='t0')} AS before, "
        f"{latest.format(col='t1')} AS after "
        "FROM unnest(%s::bigint[], %s::date[], %s::date[]) AS s(account_id, t0, t1)"
    )
    tenant_id = require_current_tenant().pk
    params: list[Any] = [
        tenant_id,
        tenant_id,
        ids,
        [points[a][0] for a in ids],
        [points[a][1] for a in ids],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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


def recompute_job_finished(*, day: dt.date) -> bool:
    """Has the nightly recompute for `day` finished in the tenant in scope?"""
    return RecomputeJob.objects.filter(day=day, status=JobStatus.DONE).exists()
