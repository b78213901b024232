"""The journeys events sent to webhook endpoints (task.created, account.phase_changed,
milestone.status_changed, feedback.created). Nothing is built when nobody subscribed."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.selectors import account_webhook_refs
from webhooks import services as events
from webhooks.services import webhook_events_raise, webhook_subscribed

from ..models import FeedbackItem, Milestone, PhaseTransition, Task


def tasks_created(*, task_ids: Iterable[int]) -> None:
    task_ids = list(task_ids)
    if not task_ids or not webhook_subscribed(event_type=events.TASK_CREATED):
        return
    rows = list(
        Task.objects.filter(pk__in=task_ids)
        .order_by("pk")
        .values("pk", "title", "due_date", "account_id", "assignee__email")
    )
    refs = account_webhook_refs(ids={r["account_id"] for r in rows if r["account_id"]})
    webhook_events_raise(
        event_type=events.TASK_CREATED,
        items=[
            {
                "account": refs.get(row["account_id"]),
                "task_id": row["pk"],
                "title": row["title"],
                "due_date": row["due_date"],
                "owner_email": row["assignee__email"],
            }
            for row in rows
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
