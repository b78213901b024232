"""Feeds: issue, revoke, and the iCalendar (RFC 5545) document a feed serves."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from cs_platform.models import Tenant, User
from journeys.selectors import meeting_calendar_rows, task_calendar_rows
from touchmodel.selectors import seminar_calendar_rows

from .models import CalendarFeed

PAST_DAYS = 30


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class IssuedFeed:
    feed: CalendarFeed
    token: str


def calendar_feed_issue(*, user: User) -> IssuedFeed:
    """A new private URL for `user`; their previous one stops working."""
    calendar_feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, hashed_token=hash_token(token))
    return IssuedFeed(feed=feed, token=token)


def calendar_feed_revoke(*, user: User) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def _uid(kind: str, pk: int, tenant: Tenant) -> str:
    host = settings.SITE_URL.split("://")[-1].split("/")[0].split(":")[0] or "junkan"
    return f"{kind}-{pk}@{tenant.slug}.{host}"


def _account_url(tenant: Tenant, account_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/t/{tenant.slug}/accounts/{account_id}/"


def calendar_feed_ics(*, tenant: Tenant, user: User, now: dt.datetime | None = None) -> bytes:
    """The user's open tasks (all-day on the due date), meetings and the workspace's seminars
    from 30 days ago on, in the tenant's time zone."""
    now = now or timezone.now()
    tz = tenant.tzinfo
    since = now - dt.timedelta(days=PAST_DAYS)
    calendar = Calendar()
    calendar.add("prodid", "-//Junkan//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Junkan · {tenant.name}")
    calendar.add("x-wr-timezone", tenant.timezone)
    stamp = now.astimezone(dt.UTC)
    for task in task_calendar_rows(user=user, since=since.astimezone(tz).date()):
        event = Event()
        event.add("uid", _uid("task", task["pk"], tenant))
        event.add("dtstamp", stamp)
        event.add("summary", f"☑ {task['title']} — {task['account__name']}")
        event.add("dtstart", task["due_date"])
        event.add("dtend", task["due_date"] + dt.timedelta(days=1))
        event.add("url", _account_url(tenant, task["account_id"]))
        calendar.add_component(event)
    for meeting in meeting_calendar_rows(user=user, since=since):
        event = Event()
        event.add("uid", _uid("meeting", meeting["pk"], tenant))
        event.add("dtstamp", stamp)
        event.add("summary", f"{meeting['account__name']} ({meeting['meeting_type']})")
        start = meeting["occurred_at"].astimezone(tz)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(hours=1))
        if meeting["agenda"]:
            event.add("description", meeting["agenda"])
        event.add("url", _account_url(tenant, meeting["account_id"]))
        calendar.add_component(event)
    for seminar in seminar_calendar_rows(since=since):
        event = Event()
        event.add("uid", _uid("seminar", seminar["pk"], tenant))
        event.add("dtstamp", stamp)
        title = seminar["title_ja"] if tenant.default_language == "ja" else seminar["title_en"]
        event.add("summary", title or seminar["title_ja"] or seminar["title_en"])
        start = seminar["starts_at"].astimezone(tz)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(minutes=seminar["duration_minutes"]))
        if seminar["venue"]:
            event.add("location", seminar["venue"])
        if seminar["description"]:
            event.add("description", seminar["description"])
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    now = timezone.now()
    if feed.last_read_at is None or (now - feed.last_read_at) > dt.timedelta(minutes=5):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
