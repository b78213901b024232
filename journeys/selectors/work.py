"""Tasks, meetings, feedback and a CSM's "my work"."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language

from accounts.models import Account
from cs_platform.leanread import lean_rows

from ..models import (
    AccountPhase,
    ActionStep,
    FeedbackItem,
    Meeting,
    MeetingContact,
    Milestone,
    Phase,
    Task,
    TaskStatus,
)


def task_list_for_account(*, account: Account, open_only: bool = False) -> QuerySet[Task]:
    queryset = Task.objects.filter(account=account).select_related("assignee")
    if open_only:
        queryset = queryset.filter(status=TaskStatus.OPEN)
    return queryset.order_by("status", "due_date", "pk")


@dataclass(slots=True)
class WorkTask:
    """An open task of mine, as My work lists it (`shown_*`: worded by the view)."""

    pk: int
    title: str
    description: str
    kind: str
    data: dict[str, Any]
    due_date: dt.date | None
    checklist: list[Any]
    account_id: int
    account_name: str
    shown_title: str = ""
    shown_description: str = ""


@dataclass(frozen=True, slots=True)
class WorkStep:
    """An open action-plan step of mine, with its milestone and account."""

    pk: int
    description: str
    due_date: dt.date | None
    milestone_title: str
    account_id: int
    account_name: str


@dataclass(frozen=True, slots=True)
class WorkAccount:
    """An account I own and the name of its current phase in the active language (the first
    phase when it has no phase row; "" when the tenant has no phases)."""

    pk: int
    name: str
    phase_name: str


# My work's lists: one hand-written read each (`cs_platform.leanread`: the ORM took about
# 2.7 ms of Python to build each of these queries and their model instances, PostgreSQL
# well under one to answer them). The tasks and steps count all of theirs in the same
# statement (an uncorrelated subquery, run once), for the heading.
_OPEN_TASKS_SQL = f"""
SELECT t.id, t.title, t.description, t.kind, t.data, t.due_date, t.checklist, t.account_id,
       a.name, (SELECT count(*) FROM {Task._meta.db_table} c
                WHERE c.tenant_id = %(tenant)s AND c.assignee_id = %(user)s
                AND c.status = %(open)s) AS total
FROM {Task._meta.db_table} t
JOIN {Account._meta.db_table} a ON a.id = t.account_id
WHERE t.tenant_id = %(tenant)s AND t.assignee_id = %(user)s AND t.status = %(open)s
ORDER BY t.due_date, t.id
LIMIT %(limit)s
"""
_OPEN_STEPS_SQL = f"""
SELECT s.id, s.description, s.due_date, m.title, m.account_id, a.name,
       (SELECT count(*) FROM {ActionStep._meta.db_table} c
        WHERE c.tenant_id = %(tenant)s AND c.owner_user_id = %(user)s AND NOT c.done) AS total
FROM {ActionStep._meta.db_table} s
JOIN {Milestone._meta.db_table} m ON m.id = s.milestone_id
JOIN {Account._meta.db_table} a ON a.id = m.account_id
WHERE s.tenant_id = %(tenant)s AND s.owner_user_id = %(user)s AND NOT s.done
ORDER BY s.due_date, s.id
LIMIT %(limit)s
"""
_OWNED_ACCOUNTS_SQL = f"""
SELECT a.id, a.name, p.name_ja, p.name_en
FROM {Account._meta.db_table} a
LEFT JOIN {AccountPhase._meta.db_table} ap ON ap.tenant_id = a.tenant_id AND ap.account_id = a.id
LEFT JOIN {Phase._meta.db_table} p ON p.id = COALESCE(ap.phase_id, (
    SELECT f.id FROM {Phase._meta.db_table} f WHERE f.tenant_id = %(tenant)s
    ORDER BY f."order", f.id LIMIT 1))
WHERE a.tenant_id = %(tenant)s AND a.owner_id = %(user)s
ORDER BY a.name
LIMIT %(limit)s
"""


def _json(value: Any) -> Any:
    # Django's psycopg2 setup hands jsonb over as text (`cs_platform.leanread`).
    return json.loads(value) if isinstance(value, str) else value


def work_tasks_open(*, user_id: int, limit: int) -> tuple[list[WorkTask], int]:
    """The first `limit` open tasks assigned to the user, by due date (none last), then id;
    and how many open tasks the user has."""
    params = {"user": user_id, "open": TaskStatus.OPEN.value, "limit": limit}
    rows = lean_rows(_OPEN_TASKS_SQL, params)
    tasks = [
        WorkTask(
            pk=r["id"],
            title=r["title"],
            description=r["description"],
            kind=r["kind"],
            data=_json(r["data"]) or {},
            due_date=r["due_date"],
            checklist=_json(r["checklist"]) or [],
            account_id=r["account_id"],
            account_name=r["name"],
        )
        for r in rows
    ]
    return tasks, int(rows[0]["total"]) if rows else 0


def work_steps_open(*, user_id: int, limit: int) -> tuple[list[WorkStep], int]:
    """The first `limit` open action-plan steps the user owns, by due date (none last), id;
    and how many open steps the user owns."""
    rows = lean_rows(_OPEN_STEPS_SQL, {"user": user_id, "limit": limit})
    steps = [WorkStep(*list(r.values())[:-1]) for r in rows]
    return steps, int(rows[0]["total"]) if rows else 0


def work_accounts_owned(*, user_id: int, limit: int) -> list[WorkAccount]:
    """The first `limit` accounts the user owns by name, each with its current phase's name
    (worded as `Phase.name`), in one statement."""
    rows = lean_rows(_OWNED_ACCOUNTS_SQL, {"user": user_id, "limit": limit})
    japanese = (get_language() or "ja")[:2] == "ja"
    return [
        WorkAccount(
            r["id"],
            r["name"],
            ((r["name_ja"] if japanese else r["name_en"]) or r["name_ja"] or r["name_en"] or ""),
        )
        for r in rows
    ]


def meeting_list_for_account(*, account: Account) -> QuerySet[Meeting]:
    return Meeting.objects.filter(account=account).prefetch_related("contacts", "staff")


def feedback_list(
    *,
    kind: str | None = None,
    status: str | None = None,
    shared_with: str | None = None,
    category: str | None = None,
    account_id: int | None = None,
) -> QuerySet[FeedbackItem]:
    queryset = FeedbackItem.objects.select_related("account", "contact", "created_by")
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    if shared_with:
        queryset = queryset.filter(shared_with__contains=[shared_with])
    if category:
        queryset = queryset.filter(category=category)
    if account_id:
        queryset = queryset.filter(account_id=account_id)
    return queryset.order_by("-created_at", "-pk")


def meeting_rows_for_programs(*, program_ids: list[int]) -> list[tuple[int, int, dt.datetime]]:
    """(program_id, account_id, occurred_at) of the meetings logged against these programmes."""
    return list(
        Meeting.objects.filter(program_id__in=program_ids)
        .values_list("program_id", "account_id", "occurred_at")
        .order_by()
    )


def meeting_attendance_rows(
    *, account_ids: list[int], since: dt.datetime, until: dt.datetime
) -> list[tuple[int, int, dt.datetime]]:
    """(account_id, contact_id, occurred_at) of every contact at a meeting in [since, until):
    who was met when, for measures of past days (a contact's `last_met_at` keeps the latest
    meeting only)."""
    return list(
        MeetingContact.objects.filter(
            meeting__account_id__in=account_ids,
            meeting__occurred_at__gte=since,
            meeting__occurred_at__lt=until,
        )
        .values_list("meeting__account_id", "contact_id", "meeting__occurred_at")
        .order_by()
    )
