"""Portfolio aggregates for CS managers: bands, averages, phases, risk, renewals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db.models import Avg, Count, OuterRef, Subquery, Sum
from django.utils import timezone

from accounts.selectors import LIVE_CONTRACT_STATUSES, contract_list
from journeys.selectors import current_phase_by_account

from ..models import HealthScore
from .scores import health_latest_day

LIVE_CONTRACT = LIVE_CONTRACT_STATUSES


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
        contract_list(live_only=True)
        .filter(account=OuterRef("account_id"))
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
        contract_list(live_only=True)
        .filter(
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
