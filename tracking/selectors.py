"""Reads of the tracking app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from .models import RejectedMessage, TrackingSettings

RECENT_DAYS = 30


def tracking_settings_get() -> TrackingSettings:
    """The tenant in scope's settings (unsaved defaults until an admin changes them)."""
    return TrackingSettings.objects.first() or TrackingSettings()


@dataclass
class RejectionSummary:
    total: int
    by_key: dict[int | None, int]
    by_code: list[tuple[str, int]]
    recent: QuerySet[RejectedMessage]


def rejection_summary(*, now: dt.datetime | None = None, limit: int = 50) -> RejectionSummary:
    """Rejected messages of the last 30 days: counts by key and by reason, the latest ones."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    window = RejectedMessage.objects.filter(received_at__gte=since)
    by_key = {
        row["api_key"]: row["n"]
        for row in window.values("api_key").annotate(n=Count("id")).order_by()
    }
    by_code = [
        (row["code"], row["n"])
        for row in window.values("code").annotate(n=Count("id")).order_by("-n", "code")
    ]
    return RejectionSummary(
        total=sum(by_key.values()),
        by_key=by_key,
        by_code=by_code,
        recent=window.select_related("api_key")[:limit],
    )
