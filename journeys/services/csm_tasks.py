"""Tasks for CSMs, the to-dos of the work queue (from meetings, alerts, rules, or by hand).

Not Celery: background jobs live in `<app>/tasks.py`; this module is named for what it writes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Required, TypedDict

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import account_list
from cs_platform.models import User

from ..models import Activity, ActivityKind, Meeting, Task, TaskStatus
from . import webhook_events
from .activities import activity_record


def task_create(
    *,
    account: Account,
    title: str,
    assignee: User | None = None,
    due_date: dt.date | None = None,
    description: str = "",
    source_key: str | None = None,
    checklist: list[str] | None = None,
    origin: str | None = None,
    meeting: Meeting | None = None,
    kind: str = "",
    data: dict | None = None,
    actor: User | None = None,
) -> Task:
    """Create a task (assigned to the account owner unless told). Idempotent on `source_key`.

    A generated task gives `kind` + `data` (what happened) so that its title is worded in each
    reader's language (journeys.extensions.register_task_titles); `title` is the fallback.
    A task a person adds (`actor`) is noted on the timeline; a generated one is not (what
    caused it, an alert, a rule, a meeting, is there already)."""
    task = Task(
        tenant_id=account.tenant_id,
        account=account,
        title=title[:300],
        description=description,
        assignee=assignee if assignee is not None else account.owner,
        due_date=due_date,
        checklist=[{"text": item, "done": False} for item in checklist or []],
        origin=origin,
        meeting=meeting,
        source_key=source_key,
        kind=kind,
        data=data or {},
    )
    if source_key is None:
        with transaction.atomic():
            task.save()
            if actor is not None:
                task_entry_record(task=task, event="added", actor=actor)
        webhook_events.tasks_created(task_ids=[task.pk])
        return task
    task.check_same_tenant_references()
    Task.objects.bulk_create([task], ignore_conflicts=True)
    stored = Task.objects.get(source_key=source_key)
    if stored.created_at == task.created_at:  # inserted now, not an earlier task of the key
        webhook_events.tasks_created(task_ids=[stored.pk])
    return stored


class TaskSpec(TypedDict, total=False):
    account_id: Required[int]
    title: Required[str]
    source_key: Required[str]
    due_date: dt.date | None
    description: str
    origin: str | None
    checklist: list[str]
    kind: str
    data: dict


def task_create_bulk(*, specs: list[TaskSpec]) -> dict[str, int]:
    """Many keyed tasks at once, each for its account's owner; returns the task id of each
    `source_key`.

    Set-based (a nightly alert run may open thousands): one query for the owners, one
    multi-row INSERT … ON CONFLICT DO NOTHING per 1,000 tasks, one query for the ids. A
    `source_key` already used is skipped, as in `task_create` (its existing task's id is
    returned).
    """
    if not specs:
        return {}
    owners = dict(account_list(ids={s["account_id"] for s in specs}).values_list("pk", "owner_id"))
    unknown = {s["account_id"] for s in specs} - owners.keys()
    if unknown:
        raise Account.DoesNotExist(f"Accounts not in this tenant: {sorted(unknown)[:5]}")
    tasks = [
        Task(
            account_id=spec["account_id"],
            title=spec["title"][:300],
            description=spec.get("description", ""),
            assignee_id=owners[spec["account_id"]],
            due_date=spec.get("due_date"),
            origin=spec.get("origin"),
            source_key=spec["source_key"],
            kind=spec.get("kind", ""),
            data=spec.get("data") or {},
            checklist=[{"text": item, "done": False} for item in spec.get("checklist") or []],
        )
        for spec in specs
    ]
    Task.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=1000)
    stamps = {task.source_key: task.created_at for task in tasks}
    stored = Task.objects.filter(source_key__in=list(stamps)).values_list(
        "source_key", "pk", "created_at"
    )
    ids, inserted = {}, []
    for key, pk, created_at in stored:
        ids[key] = pk
        if created_at == stamps[key]:  # inserted by this call (an older task keeps its stamp)
            inserted.append(pk)
    webhook_events.tasks_created(task_ids=inserted)
    return ids


def task_entry_record(
    *,
    task: Task,
    event: str,
    actor: User | None = None,
    source_key: str | None = None,
    **data: Any,
) -> None:
    """A timeline entry about `task` (`event`: added, done, reopened or reassigned). It keeps
    the task's kind and data, so the task's title is worded in each reader's language
    (journeys.activity_titles); the stored title is the task's own, the fallback."""
    activity_record(
        account=task.account,
        kind=ActivityKind.TASK,
        title=task.title,
        actor=actor,
        data={
            "task": task.pk,
            "event": event,
            "task_kind": task.kind,
            "task_data": task.data,
            **data,
        },
        source_key=source_key,
    )


@transaction.atomic
def task_complete(*, task: Task, actor: User | None = None) -> Task:
    """Mark a task done (once) and note it on the timeline."""
    updated = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=timezone.now()
    )
    task.refresh_from_db()
    if updated:
        # Keyed by the completion (a task done, reopened and done again has two entries).
        key = f"task_done:{task.pk}"
        if Activity.objects.filter(source_key=key).exists():
            key = f"task_done:{task.pk}:{task.done_at.isoformat()}"  # type: ignore[union-attr]
        task_entry_record(task=task, event="done", actor=actor, source_key=key)
        webhook_events.task_completed(task=task, actor=actor)
    return task


@transaction.atomic
def task_reopen(*, task: Task, actor: User | None = None) -> Task:
    """Open a done task again (noted on the timeline)."""
    updated = Task.objects.filter(pk=task.pk, status=TaskStatus.DONE).update(
        status=TaskStatus.OPEN, done_at=None
    )
    task.refresh_from_db()
    if updated:
        task_entry_record(task=task, event="reopened", actor=actor)
    return task
