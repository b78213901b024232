"""The journeys events sent to webhook endpoints (task.created, task.completed,
account.phase_changed, milestone.status_changed, feedback.created). Nothing is built when
nobody subscribed."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation

from accounts.selectors import account_webhook_refs
from cs_platform.models import User
from cs_platform.scoping import require_current_tenant
from webhooks import services as events
from webhooks.services import webhook_events_raise, webhook_subscribed

from ..extensions import task_titles
from ..models import FeedbackItem, Milestone, PhaseTransition, Task


def tasks_created(*, task_ids: Iterable[int]) -> None:
    task_ids = list(task_ids)
    if not task_ids or not webhook_subscribed(event_type=events.TASK_CREATED):
        return
    tasks = list(
        Task.objects.filter(pk__in=task_ids)
        .order_by("pk")
        .only("pk", "title", "kind", "data", "due_date", "account_id", "assignee__email")
        .select_related("assignee")
    )
    refs = account_webhook_refs(ids={t.account_id for t in tasks if t.account_id})
    # One payload for every endpoint: the title in the workspace's language; `kind` + `data`
    # say what happened for a receiver that words it itself.
    with translation.override(require_current_tenant().default_language):
        titles = task_titles(tasks)
    webhook_events_raise(
        event_type=events.TASK_CREATED,
        items=[
            {
                "account": refs.get(task.account_id),
                "task_id": task.pk,
                "title": titles[task.pk],
                "kind": task.kind,
                "data": task.data,
                "due_date": task.due_date,
                "owner_email": task.assignee.email if task.assignee else None,
            }
            for task in tasks
        ],
    )


def task_completed(*, task: Task, actor: User | None) -> None:
    """task.completed: what task.created says, and when and by whom it was done."""
    if not webhook_subscribed(event_type=events.TASK_COMPLETED):
        return
    refs = account_webhook_refs(ids=[task.account_id])
    with translation.override(require_current_tenant().default_language):
        title = task_titles([task])[task.pk]
    webhook_events_raise(
        event_type=events.TASK_COMPLETED,
        items=[
            {
                "account": refs.get(task.account_id),
                "task_id": task.pk,
                "title": title,
                "kind": task.kind,
                "data": task.data,
                "completed_at": task.done_at,
                "completed_by_email": actor.email if actor is not None else None,
                "owner_email": task.assignee.email if task.assignee else None,
            }
        ],
    )


def phase_changed(*, transition: PhaseTransition) -> None:
    if not webhook_subscribed(event_type=events.ACCOUNT_PHASE_CHANGED):
        return
    refs = account_webhook_refs(ids=[transition.account_id])
    webhook_events_raise(
        event_type=events.ACCOUNT_PHASE_CHANGED,
        items=[
            {
                "account": refs[transition.account_id],
                "from_phase": transition.from_phase.key if transition.from_phase else None,
                "to_phase": transition.to_phase.key,
                "changed_at": transition.occurred_at,
            }
        ],
    )


def milestone_changed(*, milestone: Milestone, previous_status: str) -> None:
    if not webhook_subscribed(event_type=events.MILESTONE_STATUS_CHANGED):
        return
    refs = account_webhook_refs(ids=[milestone.account_id])
    webhook_events_raise(
        event_type=events.MILESTONE_STATUS_CHANGED,
        items=[
            {
                "account": refs[milestone.account_id],
                "milestone_id": milestone.pk,
                "name": milestone.title,
                "previous_status": previous_status,
                "status": milestone.status,
            }
        ],
    )


def feedback_created(*, item: FeedbackItem) -> None:
    if not webhook_subscribed(event_type=events.FEEDBACK_CREATED):
        return
    refs = account_webhook_refs(ids=[item.account_id] if item.account_id else [])
    webhook_events_raise(
        event_type=events.FEEDBACK_CREATED,
        items=[
            {
                "account": refs.get(item.account_id) if item.account_id else None,
                "feedback_id": item.pk,
                "kind": item.kind,
                "title": item.quote[:200],
            }
        ],
    )
