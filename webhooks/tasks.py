"""Celery tasks of the webhooks app: thin, named, JSON arguments."""

from __future__ import annotations

from celery import shared_task

from cs_platform.tasks import TenantTask

from .services import deliveries_due, deliveries_enqueue, webhook_delivery_attempt


@shared_task(
    name="webhooks.deliver",
    base=TenantTask,
    ignore_result=True,
    soft_time_limit=45,
    time_limit=60,
)
def deliver(*, tenant_id: int, delivery_id: int) -> str | None:
    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.dispatch_due", ignore_result=True, soft_time_limit=100, time_limit=120)
def dispatch_due() -> int:
    """Every minute: hand due retries (and deliveries whose enqueue was lost) to workers."""
    due = deliveries_due()
    for tenant_id, delivery_id in due:
        deliveries_enqueue(tenant_id=tenant_id, delivery_ids=[delivery_id])
    return len(due)
