"""What a staff user's calendar feed shows from the journeys: their tasks' due dates and the
meetings they are in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from cs_platform.models import User

from ..models import Meeting, Task, TaskStatus


def task_calendar_rows(*, user: User, since: dt.date) -> list[dict[str, Any]]:
    """Open tasks assigned to `user` with a due date from `since` on."""
    return list(
        Task.objects.filter(
            assignee=user, status=TaskStatus.OPEN, due_date__isnull=False, due_date__gte=since
        )
        .order_by("due_date", "pk")
        .values("pk", "title", "due_date", "account_id", "account__name")
    )


def meeting_calendar_rows(*, user: User, since: dt.datetime) -> list[dict[str, Any]]:
    """Meetings from `since` on that `user` attends or logged."""
    return list(
        Meeting.objects.filter(
            Q(staff_links__user=user) | Q(logged_by=user), occurred_at__gte=since
        )
        .distinct()
        .order_by("occurred_at", "pk")
        .values("pk", "occurred_at", "meeting_type", "agenda", "account_id", "account__name")
    )
