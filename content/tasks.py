"""Celery tasks of content: thin, named, JSON arguments, always `tenant_id`."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from cs_platform.tasks import TenantTask

from .services.readers import magic_link_send


@shared_task(
    name="content.magic_link_send",
    base=TenantTask,
    ignore_result=True,
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
)
def magic_link_send_task(*, tenant_id: int, email: str, base_url: str, language: str) -> None:
    """Look the address up among the tenant's contacts and mail it a sign-in link if it is one."""
    magic_link_send(email=email, base_url=base_url, language=language)


def magic_link_request(*, tenant_id: int, email: str, base_url: str, language: str) -> None:
    """What the sign-in form does: only enqueue the look-up and the mail.

    NOTE: the request never reads the contacts, so the answer and its timing are the same for
    a customer's address and any other (tests/content/test_magic_link.py counts the queries).
    """
    transaction.on_commit(
        lambda: magic_link_send_task.delay(
            tenant_id=tenant_id, email=email, base_url=base_url, language=language
        )
    )
