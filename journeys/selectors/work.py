"""Tasks, meetings, feedback and a CSM's "my work"."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from accounts.models import Account, Contract
from accounts.selectors import account_list, contract_list
from cs_platform.leanread import USER_SHOWN, lean_columns, lean_model, lean_models, lean_rows
from cs_platform.models import User

from ..models import ActionStep, FeedbackItem, Meeting, MeetingContact, Task, TaskStatus


def task_list_for_account(*, account: Account, open_only: bool = False) -> QuerySet[Task]:
    queryset = Task.objects.filter(account=account).select_related("assignee")
    if open_only:
        queryset = queryset.filter(status=TaskStatus.OPEN)
    return queryset.order_by("status", "due_date", "pk")


def task_open_list_of(*, account_id: int, limit: int) -> list[Task]:
    """`task_list_for_account(open_only=True)[:limit]` (assignees loaded), as SQL: Account
    360 reads it on every view (cs_platform.leanread)."""
    rows = lean_rows(
        f"SELECT {lean_columns(Task, 't')}, {lean_columns(User, 'u', 'u__', USER_SHOWN)}"
        " FROM journeys_task t LEFT JOIN cs_platform_user u ON u.id = t.assignee_id"
        " WHERE t.tenant_id = %(tenant)s AND t.account_id = %(account)s"
        " AND t.status = %(open)s ORDER BY t.status, t.due_date, t.id LIMIT %(limit)s",
        {"account": account_id, "open": TaskStatus.OPEN, "limit": limit},
    )
    tasks = []
    for row in rows:
        task = lean_model(Task, row)
        task.assignee = lean_model(User, row, "u__") if task.assignee_id is not None else None
        tasks.append(task)
    return tasks


def task_list_open_for_user(*, user: User) -> QuerySet[Task]:
    return (
        Task.objects.filter(assignee=user, status=TaskStatus.OPEN)
        .select_related("account")
        .order_by("due_date", "pk")
    )


def action_step_list_open_for_user(*, user: User) -> QuerySet[ActionStep]:
    return (
        ActionStep.objects.filter(owner_user=user, done=False)
        .select_related("milestone", "milestone__account")
        .order_by("due_date", "pk")
    )


def account_list_owned_by(*, user: User) -> QuerySet[Account]:
    return account_list().filter(owner=user).order_by("name")


def renewal_list_for_user(*, user: User, today: dt.date, days: int = 90) -> QuerySet[Contract]:
    """Contracts of my accounts renewing within `days`."""
    return (
        contract_list(live_only=True)
        .filter(
            account__owner=user,
            renewal_date__gte=today,
            renewal_date__lte=today + dt.timedelta(days=days),
        )
        .select_related("account")
        .order_by("renewal_date")
    )


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


def feedback_panel_list(*, account_id: int, limit: int) -> list[FeedbackItem]:
    """`feedback_list(account_id=...)[:limit]`, the items alone, as SQL (cs_platform.leanread)."""
    return lean_models(
        FeedbackItem,
        f"SELECT {lean_columns(FeedbackItem, 'f')} FROM journeys_feedbackitem f"
        " WHERE f.tenant_id = %(tenant)s AND f.account_id = %(account)s"
        " ORDER BY f.created_at DESC, f.id DESC LIMIT %(limit)s",
        {"account": account_id, "limit": limit},
    )


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
