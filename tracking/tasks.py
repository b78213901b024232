"""Celery tasks of the tracking app."""

from __future__ import annotations

from celery import shared_task

from .services import rejected_messages_prune


@shared_task(name="tracking.prune_rejections", soft_time_limit=540, time_limit=600)
def prune_rejections() -> int:
    return rejected_messages_prune()
