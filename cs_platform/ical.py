"""The one iCalendar (RFC 5545) writer: the staff feed (calendars) and the invitations that
e-mails carry (seminars, meetings) build their events here, so a seminar has the same UID in
a CSM's feed and in a customer's invitation, and every document has the VTIMEZONE its TZIDs
name.

Invitations follow iTIP (RFC 5546): METHOD:REQUEST for an invitation and each update,
METHOD:CANCEL (STATUS:CANCELLED) for a cancellation, always the same UID and a SEQUENCE that
grows with every change the recipient must see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Tenant

REQUEST = "REQUEST"
CANCEL = "CANCEL"
METHODS = (REQUEST, CANCEL)


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT. `start`/`end`: aware datetimes (written in the document's time zone) or
    dates (all-day)."""

    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    sequence: int = 0
    description: str = ""
    location: str = ""
    url: str = ""
    organizer: Person | None = None
    attendees: tuple[Person, ...] = field(default_factory=tuple)
    # Ask attendees' clients to answer the organizer (a person's meeting, not a seminar).
    rsvp: bool = False
    cancelled: bool = False


def ical_uid(*, kind: str, pk: int, tenant: Tenant) -> str:
    """A stable, globally unique UID for object `pk` of `kind` (seminar, meeting, task)."""
    host = settings.SITE_URL.split("://")[-1].split("/")[0].split(":")[0] or "junkan"
    return f"{kind}-{pk}@{tenant.slug}.{host}"


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key] = value
    return address


def _when(value: dt.datetime | dt.date, tz: ZoneInfo) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            raise ValueError("iCalendar times must be timezone-aware.")
        return value.astimezone(tz)
    return value


def _vevent(item: CalendarEvent, *, tz: ZoneInfo, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", item.sequence)
    event.add("summary", item.summary)
    event.add("dtstart", _when(item.start, tz))
    event.add("dtend", _when(item.end, tz))
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.organizer is not None:
        event.add("organizer", _address(item.organizer))
    for attendee in item.attendees:
        event.add(
            "attendee",
            _address(
                attendee,
                CUTYPE="INDIVIDUAL",
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE" if item.rsvp and not item.cancelled else "FALSE",
            ),
        )
    return event


def ical_document(
    *,
    events: Iterable[CalendarEvent],
    time_zone: str,
    method: str | None = None,
    name: str = "",
    now: dt.datetime | None = None,
) -> bytes:
    """A VCALENDAR of `events`, times in `time_zone` with its VTIMEZONE (only the years the
    events span, so a zone with summer time stays small). `method`: REQUEST or CANCEL for an
    e-mailed invitation, None for a subscribed feed."""
    if method is not None and method not in METHODS:
        raise ValueError(f"Unknown iTIP method {method!r}.")
    tz = ZoneInfo(time_zone)
    stamp = (now or timezone.now()).astimezone(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//Junkan//Junkan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", time_zone)
    days: list[dt.date] = []
    for item in events:
        calendar.add_component(_vevent(item, tz=tz, stamp=stamp))
        for value in (item.start, item.end):
            days.append(_when(value, tz).date() if isinstance(value, dt.datetime) else value)
    if days:
        calendar.add_missing_timezones(
            first_date=min(days) - dt.timedelta(days=366),
            last_date=max(days) + dt.timedelta(days=366),
        )
    return calendar.to_ical()
