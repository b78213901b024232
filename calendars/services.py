"""Feeds: issue, revoke, and the iCalendar (RFC 5545) document a feed serves."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone, translation

from cs_platform.ical import CalendarEvent, ical_document, ical_uid
from cs_platform.models import Tenant, User
from journeys.extensions import task_descriptions, task_titles
from journeys.selectors import meeting_calendar_event, meeting_calendar_rows, task_calendar_rows
from touchmodel.selectors import seminar_calendar_event, seminar_calendar_rows

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


def _account_url(tenant: Tenant, account_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/t/{tenant.slug}/accounts/{account_id}/"


def feed_language(*, tenant: Tenant, user: User) -> str:
    """The feed's owner's language (their setting), else the workspace's."""
    return user.language or tenant.default_language or settings.LANGUAGE_CODE


def calendar_feed_ics(*, tenant: Tenant, user: User, now: dt.datetime | None = None) -> bytes:
    """The user's open tasks (all-day on the due date), meetings and the workspace's seminars
    from 30 days ago on, in the tenant's time zone and the user's language (a calendar app
    fetches the feed without saying whose it is)."""
    with translation.override(feed_language(tenant=tenant, user=user)):
        return _feed_ics(tenant=tenant, user=user, now=now or timezone.now())


def _feed_ics(*, tenant: Tenant, user: User, now: dt.datetime) -> bytes:
    since = now - dt.timedelta(days=PAST_DAYS)
    events: list[CalendarEvent] = []
    rows = task_calendar_rows(user=user, since=since.astimezone(tenant.tzinfo).date())
    tasks = [SimpleNamespace(**row) for row in rows]
    titles, descriptions = task_titles(tasks), task_descriptions(tasks)
    for task in tasks:
        events.append(
            CalendarEvent(
                uid=ical_uid(kind="task", pk=task.pk, tenant=tenant),
                summary=f"☑ {titles[task.pk]} — {task.account__name}",
                start=task.due_date,
                end=task.due_date + dt.timedelta(days=1),
                description=descriptions[task.pk],
                url=_account_url(tenant, task.account_id),
            )
        )
    for meeting in meeting_calendar_rows(user=user, since=since):
        events.append(meeting_calendar_event(row=meeting, tenant=tenant))
    for seminar in seminar_calendar_rows(since=since):
        events.append(seminar_calendar_event(row=seminar, tenant=tenant))
    return ical_document(
        events=events, time_zone=tenant.timezone, name=f"Junkan · {tenant.name}", now=now
    )


def calendar_feed_touch(*, feed: CalendarFeed) -> None:
    now = timezone.now()
    if feed.last_read_at is None or (now - feed.last_read_at) > dt.timedelta(minutes=5):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)
