"""What a staff user's calendar feed shows from the journeys: their tasks' due dates and the
meetings they are in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from accounts.models import Contact
from accounts.selectors import contact_list
from cs_platform.ical import CalendarEvent, Person, ical_uid
from cs_platform.models import Tenant, User
from cs_platform.selectors import user_list

from ..models import Meeting, MeetingContact, MeetingStaff, MeetingType, Task, TaskStatus

MEETING_CALENDAR_FIELDS = (
    "pk",
    "occurred_at",
    "duration_minutes",
    "meeting_type",
    "location",
    "agenda",
    "ical_sequence",
    "account_id",
    "account__name",
)


def task_calendar_rows(*, user: User, since: dt.date) -> list[dict[str, Any]]:
    """Open tasks assigned to `user` with a due date from `since` on (with `kind` and `data`:
    word a generated task's title and description with `journeys.extensions.task_titles`)."""
    return list(
        Task.objects.filter(
            assignee=user, status=TaskStatus.OPEN, due_date__isnull=False, due_date__gte=since
        )
        .order_by("due_date", "pk")
        .values(
            "pk", "title", "description", "kind", "data", "due_date", "account_id", "account__name"
        )
    )


def meeting_calendar_rows(*, user: User, since: dt.datetime) -> list[dict[str, Any]]:
    """Meetings from `since` on that `user` attends or logged."""
    return list(
        Meeting.objects.filter(
            Q(staff_links__user=user) | Q(logged_by=user), occurred_at__gte=since
        )
        .distinct()
        .order_by("occurred_at", "pk")
        .values(*MEETING_CALENDAR_FIELDS)
    )


def meeting_calendar_row(*, meeting_id: int) -> dict[str, Any] | None:
    """One meeting's calendar fields (as `meeting_calendar_rows` gives them)."""
    return Meeting.objects.filter(pk=meeting_id).values(*MEETING_CALENDAR_FIELDS).first()


def meeting_calendar_event(
    *,
    row: dict[str, Any],
    tenant: Tenant,
    summary: str = "",
    organizer: Person | None = None,
    attendees: tuple[Person, ...] = (),
    cancelled: bool = False,
) -> CalendarEvent:
    """The VEVENT of a meeting row; the same UID in the staff feed and in the invitation
    its customer attendees get. `summary` defaults to the staff feed's "account (type)"."""
    start = row["occurred_at"]
    agenda = (row["agenda"] or "").strip()
    return CalendarEvent(
        uid=ical_uid(kind="meeting", pk=row["pk"], tenant=tenant),
        summary=summary or f"{row['account__name']} ({MeetingType(row['meeting_type']).label})",
        start=start,
        end=start + dt.timedelta(minutes=row["duration_minutes"] or 60),
        sequence=row["ical_sequence"],
        description=agenda,
        location=row["location"],
        url="" if attendees else _account_url(tenant, row["account_id"]),
        organizer=organizer,
        attendees=attendees,
        rsvp=True,
        cancelled=cancelled,
    )


def _account_url(tenant: Tenant, account_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/t/{tenant.slug}/accounts/{account_id}/"


@dataclass(frozen=True)
class MeetingPeople:
    """Who a meeting's calendar invitation names: the customer attendees (with their
    account), our attendees and the organizer (who logged it)."""

    contacts: list[Contact]
    staff: list[User]
    organizer: User | None


def meeting_people(*, meeting_id: int) -> MeetingPeople:
    contact_ids = MeetingContact.objects.filter(meeting_id=meeting_id).values("contact_id")
    contacts = list(contact_list(ids=contact_ids).select_related("account").order_by("pk"))
    staff_ids = MeetingStaff.objects.filter(meeting_id=meeting_id).values_list("user_id", flat=True)
    staff = list(user_list(ids=staff_ids))
    logged_by = Meeting.objects.filter(pk=meeting_id).values_list("logged_by_id", flat=True)
    organizer_id = logged_by.first()
    organizer = next((u for u in staff if u.pk == organizer_id), None)
    if organizer is None and organizer_id is not None:
        organizer = user_list(ids=[organizer_id]).first()
    return MeetingPeople(contacts=contacts, staff=staff, organizer=organizer)
