"""Reads shaped for the health pages, built on `healthscore.selectors` and the models.

Set-based like the selectors: a fixed number of queries however many accounts the tenant has.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from accounts.models import MarketSegment
from accounts.selectors import account_counts
from cs_platform.datacache import cached_for_data_version
from cs_platform.scoping import require_current_tenant

from .. import selectors
from ..engine.scoring import effective_weights
from ..models import (
    ChunkState,
    HealthScore,
    RecomputeChunk,
    RecomputeJob,
    Scorecard,
    ScorecardVersion,
)
from ..services import portfolio
from .config import recompute_job_list

BANDS = ("green", "amber", "red")
RANGES = (7, 30, 90)
DEFAULT_RANGE = 90


def health_range_from(value: Any) -> int:
    """The trend range asked for in `?health_range=`, one of 7 / 30 / 90 (default 90)."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_RANGE
    return days if days in RANGES else DEFAULT_RANGE


def account_health_chart(*, account: Any, days: int) -> dict[str, Any]:
    """Labels, scores and version markers of an account's last `days` scores."""
    current = selectors.health_current(account=account)
    if current is None:
        return {"labels": [], "scores": [], "markers": []}
    return chart_of(selectors.health_history(account=account, days=days, until=current.day))


def chart_of(history: list[dict[str, Any]]) -> dict[str, Any]:
    """`account_health_chart` of the days of `health_history`."""
    labels = [row["day"].isoformat() for row in history]
    markers = [
        {"x": row["day"].isoformat(), "label": f"v{row['version']}"}
        for row in history
        if row["version_changed"]
    ]
    return {"labels": labels, "scores": [row["score"] for row in history], "markers": markers}


def list_scores(
    *, account_ids: list[int]
) -> tuple[dict[int, tuple[Any, ...]], dict[int, tuple[Any, ...]]]:
    """The account list's health column for one page: each account's latest nightly score
    and its intra-day score, as (day, score, band, computed_at) by account id, in one call
    (the ORM's union of the two cost more Python than the page's rows)."""
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        # A PL/pgSQL function (healthscore migration 0029): planned once per connection.
        cursor.execute(
            "SELECT * FROM junkan_list_scores(%(tenant)s, %(ids)s::bigint[])",
            {"tenant": tenant.pk, "ids": account_ids},
        )
        fetched = cursor.fetchall()
    latest: dict[int, tuple[Any, ...]] = {}
    now: dict[int, tuple[Any, ...]] = {}
    for account_id, is_now, *row in fetched:
        (now if is_now else latest)[account_id] = tuple(row)
    return latest, now


def portfolio_days(*, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Per day and scorecard version from `first` to `last` (both included), in that order:
    accounts scored, their total score and band counts. Each is the day row plus the deltas
    not folded into it yet (`PortfolioDayDelta`), read in one statement; a day and version
    nobody is scored in is left out. Past `COMPACT_AT` deltas, the read compacts them."""
    tenant = require_current_tenant()
    columns = "day, version_id, accounts, total, green, amber, red"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT day, version_id, sum(accounts), sum(total), sum(green), sum(amber),"
            " sum(red), count(*) FILTER (WHERE delta) FROM ("
            f" SELECT {columns}, false AS delta FROM healthscore_portfolioday"
            "  WHERE tenant_id = %(tenant)s AND day BETWEEN %(first)s AND %(last)s"
            f" UNION ALL SELECT {columns}, true FROM healthscore_portfoliodaydelta"
            "  WHERE tenant_id = %(tenant)s AND day BETWEEN %(first)s AND %(last)s"
            ") rows GROUP BY day, version_id ORDER BY day, version_id",
            {"tenant": tenant.pk, "first": first, "last": last},
        )
        fetched = cursor.fetchall()
    if sum(row[7] for row in fetched) > portfolio.COMPACT_AT:
        portfolio.portfolio_days_compact()
    names = ("day", "version_id", "accounts", "total", *BANDS)
    return [dict(zip(names, row[:7], strict=True)) for row in fetched if row[2] > 0]


def portfolio_over_time(*, until: dt.date, days: int = 90) -> dict[str, Any]:
    """Average score per day and the days a new scorecard version took effect, from the
    portfolio aggregates (one row per day and version, not one per account).

    A marker is the first day (after the window's first) on which a version scored anyone,
    so a chart shows a weight change as such and not as a change of the customers."""
    rows = portfolio_days(first=until - dt.timedelta(days=days - 1), last=until)
    per_day: dict[dt.date, list[float]] = {}
    first_day: dict[int, dt.date] = {}
    for row in rows:
        total, count = per_day.setdefault(row["day"], [0.0, 0])
        per_day[row["day"]] = [total + row["total"], count + row["accounts"]]
        first_day.setdefault(row["version_id"], row["day"])
    over_time = [
        {"day": day, "average": round(total / count, 2), "accounts": count}
        for day, (total, count) in per_day.items()
    ]
    start = over_time[0]["day"] if over_time else None
    new = {pk: day for pk, day in first_day.items() if day != start}
    versions = ScorecardVersion.objects.filter(pk__in=list(new)).select_related("scorecard")
    markers = sorted(
        (
            {"x": new[v.pk].isoformat(), "label": f"{v.scorecard.name} v{v.number}"}
            for v in versions
        ),
        key=lambda m: m["x"],
    )
    return {"over_time": over_time, "markers": markers}


def portfolio_by_market_segment(*, day: dt.date | None) -> list[dict[str, Any]]:
    """Per market segment (enterprise / mid-market / SMB / none): accounts, average, bands."""
    if day is None:
        return []
    rows = (
        HealthScore.objects.filter(day=day)
        .values("account__market_segment")
        .annotate(
            accounts=Count("id"),
            average=Avg("score"),
            **{band: Count("id", filter=Q(band=band)) for band in BANDS},
        )
        .order_by("account__market_segment")
    )
    labels = dict(MarketSegment.choices)
    order = {value: i for i, value in enumerate(labels)}
    result = [
        {
            "segment": row["account__market_segment"] or "",
            "name": labels.get(row["account__market_segment"] or ""),
            "accounts": row["accounts"],
            "average": round(row["average"], 2),
            "bands": {band: row[band] for band in BANDS},
        }
        for row in rows
    ]
    return sorted(result, key=lambda r: order.get(r["segment"], len(order)))


def portfolio_page(
    *, at_risk_limit: int = 20, renewal_days: int = 90, renewals_shown: int | None = 50
) -> dict[str, Any]:
    """Everything the portfolio dashboard shows, for the tenant in scope."""
    day = selectors.health_latest_day()
    if day is None:
        return {"day": None}
    bands = portfolio_day_totals(day=day)["bands"]
    renewals = selectors.portfolio_renewals(day=day, days=renewal_days)
    return {
        "day": day,
        "bands": bands,
        "scored": sum(bands.values()),
        **portfolio_over_time(until=day, days=90),
        "by_phase": selectors.portfolio_by_phase(day=day),
        "by_segment": portfolio_by_market_segment(day=day),
        "at_risk": selectors.portfolio_at_risk(limit=at_risk_limit, day=day),
        "renewals": renewals[:renewals_shown] if renewals_shown else renewals,
        "renewals_total": renewals_summary(renewals),
    }


def portfolio_page_cached(*, renewals_shown: int | None = 50) -> dict[str, Any]:
    """`portfolio_page`, computed once per tenant, data version, language and day: scores,
    accounts, contracts and phases raise the version when they change (migration 0019)."""
    return cached_for_data_version(
        "healthscore.portfolio",
        lambda: portfolio_page(renewals_shown=renewals_shown),
        key=f"{renewals_shown}:{timezone.localdate().isoformat()}",
    )


def renewals_summary(renewals: list[dict[str, Any]]) -> dict[str, Any]:
    """How many renewals, their ARR, and how many of each band (unscored apart)."""
    bands = {band: 0 for band in (*BANDS, "none")}
    arr = {band: 0 for band in (*BANDS, "none")}
    for row in renewals:
        band = row["band"] or "none"
        bands[band] += 1
        arr[band] += row["arr"] or 0
    return {"count": len(renewals), "arr": sum(arr.values()), "bands": bands, "band_arr": arr}


def portfolio_day_totals(*, day: dt.date) -> dict[str, Any]:
    """Accounts scored, their total score and band counts on `day` (every version)."""
    rows = portfolio_days(first=day, last=day)
    return {
        "accounts": sum(row["accounts"] for row in rows),
        "total": sum(row["total"] for row in rows),
        "bands": {band: sum(row[band] for row in rows) for band in BANDS},
    }


def portfolio_summary() -> dict[str, Any]:
    """The compact dashboard panel: bands and average of the latest day (two queries)."""
    day = selectors.health_latest_day()
    if day is None:
        return {"day": None}
    row = portfolio_day_totals(day=day)
    return {
        "day": day,
        "accounts": row["accounts"],
        "customers": account_counts().customers,
        "average": round(row["total"] / row["accounts"], 1) if row["accounts"] else None,
        "bands": row["bands"],
    }


def recompute_job_get(*, pk: int) -> RecomputeJob | None:

    return recompute_job_list().filter(pk=pk).select_related("requested_by").first()


def recompute_job_chunks(*, job: RecomputeJob) -> dict[str, Any]:
    """The chunks of a job for its page: how many in each state, and the ones with a story
    (stalled now: running but the lease ran out, i.e. the worker died; recovered: stalled
    before and re-run by another worker; failed). Lease times are the database's clock."""
    counts = dict(
        RecomputeChunk.objects.filter(job=job)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    notable = list(
        RecomputeChunk.objects.filter(job=job)
        .annotate(
            stalled_now=ExpressionWrapper(
                Q(state=ChunkState.RUNNING, lease_expires_at__lt=Now()),
                output_field=BooleanField(),
            )
        )
        .filter(
            Q(stalls__gt=0)
            | Q(state=ChunkState.FAILED)
            | Q(state=ChunkState.RUNNING, lease_expires_at__lt=Now())
        )
        .order_by("index")[:100]
    )
    return {
        "counts": [(state, label, counts.get(state, 0)) for state, label in ChunkState.choices],
        "notable": notable,
    }


def scorecard_versions_by_scorecard() -> dict[int, list[ScorecardVersion]]:
    """Every scorecard's versions, newest first (one query; scorecards have a handful)."""
    result: dict[int, list[ScorecardVersion]] = {}
    for version in ScorecardVersion.objects.only(
        "id", "scorecard_id", "number", "published_at"
    ).order_by("scorecard_id", "-number"):
        result.setdefault(version.scorecard_id, []).append(version)
    return result


def scorecard_weight_changes(*, scorecard: Scorecard) -> dict[str, Any]:
    """Each component's effective weight (share of 100) in the published version and in the
    draft, and the band thresholds of both: what publishing would change."""
    draft = scorecard.draft or {}
    current = scorecard.current_version.definition if scorecard.current_version else {}

    def weights(definition: dict[str, Any]) -> dict[str, float]:
        try:
            return effective_weights(definition) if definition.get("components") else {}
        except (KeyError, TypeError, ValueError):
            return {}

    def labels(definition: dict[str, Any]) -> dict[str, str]:
        return {
            str(c.get("key")): str(c.get("label") or c.get("key"))
            for c in definition.get("components") or []
            if isinstance(c, dict)
        }

    before, after = weights(current), weights(draft)
    names = {**labels(current), **labels(draft)}
    rows = [
        {
            "key": key,
            "label": names.get(key, key),
            "before": before.get(key),
            "after": after.get(key),
            "changed": before.get(key) != after.get(key),
        }
        for key in [*after, *[k for k in before if k not in after]]
    ]
    return {
        "components": rows,
        "bands_before": current.get("bands"),
        "bands_after": draft.get("bands"),
        "bands_changed": current.get("bands") != draft.get("bands"),
    }
