"""Reads shaped for the health pages, built on `healthscore.selectors` and the models.

Set-based like the selectors: a fixed number of queries however many accounts the tenant has.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, Min, Q
from django.utils import timezone

from accounts.models import MarketSegment

from . import selectors
from .models import HealthScore, RecomputeJob, Scorecard, ScorecardVersion
from .scoring import effective_weights

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
    history = selectors.health_history(account=account, days=days, until=current.day)
    labels = [row["day"].isoformat() for row in history]
    markers = [
        {"x": row["day"].isoformat(), "label": f"v{row['version']}"}
        for row in history
        if row["version_changed"]
    ]
    return {"labels": labels, "scores": [row["score"] for row in history], "markers": markers}


def version_markers(*, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """The first scored day of every version published in the window (a marker per version
    that took effect after `since`), so portfolio charts show weight changes as such."""
    published_from = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    versions = {
        v.pk: v
        for v in ScorecardVersion.objects.filter(published_at__gte=published_from).select_related(
            "scorecard"
        )
    }
    if not versions:
        return []
    rows = (
        HealthScore.objects.filter(version_id__in=list(versions), day__gt=since, day__lte=until)
        .values("version_id")
        .annotate(first=Min("day"))
        .order_by("first")
    )
    return [
        {
            "x": row["first"].isoformat(),
            "label": f"{versions[row['version_id']].scorecard.name} v"
            f"{versions[row['version_id']].number}",
        }
        for row in rows
    ]


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


def portfolio_page(*, at_risk_limit: int = 20, renewal_days: int = 90) -> dict[str, Any]:
    """Everything the portfolio dashboard shows, for the tenant in scope."""
    day = selectors.health_latest_day()
    if day is None:
        return {"day": None}
    bands = selectors.portfolio_band_distribution(day=day)
    over_time = selectors.portfolio_average_over_time(days=90)
    since = day - dt.timedelta(days=90)
    return {
        "day": day,
        "bands": bands,
        "scored": sum(bands.values()),
        "over_time": over_time,
        "markers": version_markers(since=since, until=day),
        "by_phase": selectors.portfolio_by_phase(day=day),
        "by_segment": portfolio_by_market_segment(day=day),
        "at_risk": selectors.portfolio_at_risk(limit=at_risk_limit, day=day),
        "renewals": selectors.portfolio_renewals(days=renewal_days),
    }


def portfolio_summary() -> dict[str, Any]:
    """The compact dashboard panel: bands and average of the latest day (two queries)."""
    day = selectors.health_latest_day()
    if day is None:
        return {"day": None}
    row = HealthScore.objects.filter(day=day).aggregate(
        average=Avg("score"),
        accounts=Count("id"),
        **{band: Count("id", filter=Q(band=band)) for band in BANDS},
    )
    return {
        "day": day,
        "accounts": row["accounts"],
        "average": round(row["average"], 1) if row["average"] is not None else None,
        "bands": {band: row[band] for band in BANDS},
    }


def recompute_job_get(*, pk: int) -> RecomputeJob | None:
    return RecomputeJob.objects.filter(pk=pk).select_related("requested_by").first()


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
            c.get("key"): c.get("label") or c.get("key")
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
