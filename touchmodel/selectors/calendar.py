"""The seminars in a staff user's calendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cs_platform.ical import CalendarEvent, Person, ical_uid
from cs_platform.models import Tenant

from ..models import Seminar

SEMINAR_CALENDAR_FIELDS = (
    "pk",
    "title_ja",
    "title_en",
    "starts_at",
    "duration_minutes",
    "venue",
    "description",
    "ical_sequence",
)


def seminar_calendar_rows(*, since: dt.datetime) -> list[dict[str, Any]]:
    """The tenant's seminars starting from `since` on (staff host and attend them)."""
    return list(
        Seminar.objects.filter(starts_at__gte=since)
        .order_by("starts_at", "pk")
        .values(*SEMINAR_CALENDAR_FIELDS)
    )


def seminar_calendar_row(*, seminar_id: int) -> dict[str, Any] | None:
    return Seminar.objects.filter(pk=seminar_id).values(*SEMINAR_CALENDAR_FIELDS).first()


def seminar_calendar_event(
    *,
    row: dict[str, Any],
    tenant: Tenant,
    language: str = "",
    url: str = "",
    organizer: Person | None = None,
    attendees: tuple[Person, ...] = (),
    cancelled: bool = False,
) -> CalendarEvent:
    """The VEVENT of a seminar row, titled in `language` (default: the tenant's); the same
    UID in the staff feed and in every invitation."""
    language = language or tenant.default_language
    title = row["title_en"] if language == "en" else row["title_ja"]
    start = row["starts_at"]
    return CalendarEvent(
        uid=ical_uid(kind="seminar", pk=row["pk"], tenant=tenant),
        summary=title or row["title_ja"] or row["title_en"],
        start=start,
        end=start + dt.timedelta(minutes=row["duration_minutes"]),
        sequence=row["ical_sequence"],
        description=row["description"],
        location=row["venue"],
        url=url,
        organizer=organizer,
        attendees=attendees,
        cancelled=cancelled,
    )
