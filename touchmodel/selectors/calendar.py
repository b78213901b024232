"""The seminars in a staff user's calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..models import Seminar


def seminar_calendar_rows(*, since: dt.datetime) -> list[dict[str, Any]]:
    """The tenant's seminars starting from `since` on (staff host and attend them)."""
    return list(
        Seminar.objects.filter(starts_at__gte=since)
        .order_by("starts_at", "pk")
        .values("pk", "title_ja", "title_en", "starts_at", "duration_minutes", "venue",
                "description")
    )  # fmt: skip
