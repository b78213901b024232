"""Webhooks end to end with a real Celery worker: raised in a transaction, sent after commit
by the worker to a real local receiver, retried after a failure, signature verified."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import transaction
from django.test import override_settings
from standardwebhooks.webhooks import Webhook

from cs_platform.scoping import tenant_scope
from journeys.services import task_create
from tests.factories import AccountFactory
from tests.workers import solo_worker
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def webhook_worker(transactional_db):
    queue = f"test-webhooks-{uuid.uuid4().hex[:10]}"
    # The worker enqueues the retries on the same queue.
    with solo_worker(queue, {"WEBHOOKS_QUEUE": queue}), override_settings(WEBHOOKS_QUEUE=queue):
        yield queue


def _wait(check, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_delivers_after_commit_and_retries_a_failure(webhook_worker, tenant, receiver):
    receiver.status = 500
    with tenant_scope(tenant):
        account = AccountFactory(name="アクメ商事")
        endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
        with transaction.atomic():
            task_create(account=account, title="Call the sponsor")
            time.sleep(1.0)
            assert receiver.requests == []  # nothing leaves before the commit
    assert _wait(lambda: len(receiver.requests) >= 1)
    receiver.status = 204  # the 5-second retry succeeds
    assert _wait(lambda: len(receiver.requests) >= 2)
    first, second = receiver.requests[:2]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    payload = Webhook(endpoint.secret).verify(second.body, second.headers)
    assert payload["data"]["title"] == "Call the sponsor"
    with tenant_scope(tenant):
        assert _wait(
            lambda: WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED, timeout=10
        )
        assert WebhookDelivery.objects.get().attempts == 2
