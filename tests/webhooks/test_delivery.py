"""Raising, signing and delivering webhooks to a real local HTTP receiver."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from cs_platform.models import Role
from tests.factories import MembershipFactory, UserFactory
from webhooks.events import account_ref
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookMessage
from webhooks.services import (
    RETRY_DELAYS,
    webhook_delivery_attempt,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_events_raise,
)

pytestmark = pytest.mark.django_db


def task_data(tenant, **overrides):
    data = {
        "account": account_ref(
            tenant_slug=tenant.slug, account_id=7, name="アクメ商事", external_id="org-7"
        ),
        "task_id": 1,
        "title": "Call the sponsor",
        "due_date": dt.date(2026, 11, 25),
        "owner_email": "csm@example.com",
    }
    return {**data, **overrides}


def raise_one(tenant, django_capture_on_commit_callbacks, event="task.created", data=None):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = webhook_events_raise(event_type=event, items=[data or task_data(tenant)])
    return ids, callbacks


def test_a_delivery_is_signed_as_standard_webhooks(
    scoped, receiver, django_capture_on_commit_callbacks
):
    endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [delivery_id], callbacks = raise_one(scoped, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1  # enqueued only after commit
    assert webhook_delivery_attempt(delivery_id=delivery_id) == DeliveryStatus.SUCCEEDED
    [request] = receiver.requests
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "task.created"
    assert payload["version"] == 1
    assert payload["tenant"] == "acme"
    assert payload["data"]["due_date"] == "2026-11-25"
    assert payload["data"]["account"]["url"].endswith("/t/acme/accounts/7/")
    assert request.headers["webhook-id"] == WebhookMessage.objects.get().msg_id


def test_a_tampered_body_does_not_verify(scoped, receiver, django_capture_on_commit_callbacks):
    endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=delivery_id)
    [request] = receiver.requests
    with pytest.raises(Exception, match=r"(?i)signature"):
        Webhook(endpoint.secret).verify(
            request.body.replace(b"sponsor", b"sp0nsor"), request.headers
        )


def test_after_a_rotation_old_and_new_secret_both_verify(
    scoped, receiver, django_capture_on_commit_callbacks
):
    endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
    old = endpoint.secret
    webhook_endpoint_rotate_secret(endpoint=endpoint)
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=delivery_id)
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(endpoint.secret).verify(request.body, request.headers)


def test_after_the_overlap_only_the_new_secret_signs(
    scoped, receiver, django_capture_on_commit_callbacks
):
    endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
    webhook_endpoint_rotate_secret(endpoint=endpoint, now=timezone.now() - dt.timedelta(days=2))
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=delivery_id)
    assert len(receiver.requests[0].headers["webhook-signature"].split(" ")) == 1


def test_a_failure_is_logged_and_retried_with_back_off(
    scoped, receiver, django_capture_on_commit_callbacks
):
    receiver.status, receiver.answer = 503, b"maintenance " * 100
    webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    now = timezone.now()
    assert webhook_delivery_attempt(delivery_id=delivery_id, now=now) == DeliveryStatus.PENDING
    delivery = WebhookDelivery.objects.get()
    assert delivery.next_attempt_at == now + dt.timedelta(seconds=5)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.succeeded) == (503, False)
    assert attempt.response_body.startswith("maintenance") and len(attempt.response_body) == 500
    # Not due yet: a second run (a duplicate task) sends nothing.
    assert webhook_delivery_attempt(delivery_id=delivery_id, now=now) is None
    assert len(receiver.requests) == 1


def test_retries_back_off_exponentially_for_about_a_day_then_fail(
    scoped, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    now = timezone.now()
    gaps = []
    for _attempt in range(len(RETRY_DELAYS) + 1):
        status = webhook_delivery_attempt(delivery_id=delivery_id, now=now)
        delivery = WebhookDelivery.objects.get()
        if status == DeliveryStatus.PENDING:
            gaps.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at
    assert status == DeliveryStatus.FAILED
    assert gaps == sorted(gaps) and gaps[1] == 4 * gaps[0]
    assert dt.timedelta(hours=20) < sum(gaps, dt.timedelta()) <= dt.timedelta(hours=24)
    assert len(receiver.requests) == len(RETRY_DELAYS) + 1


def test_an_unreachable_receiver_is_a_logged_failure(scoped, django_capture_on_commit_callbacks):
    webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["task.created"])
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    assert webhook_delivery_attempt(delivery_id=delivery_id) == DeliveryStatus.PENDING
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "Connection refused" in attempt.error


def test_an_endpoint_failing_for_days_is_disabled_and_admins_are_told(
    scoped, tenant, receiver, django_capture_on_commit_callbacks
):
    admin = UserFactory(email="boss@example.com")
    MembershipFactory(tenant=tenant, user=admin, role=Role.ADMIN)
    english = UserFactory(email="ops@example.com", language="en")
    MembershipFactory(tenant=tenant, user=english, role=Role.ADMIN)
    receiver.status = 500
    endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [first], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    start = timezone.now()
    webhook_delivery_attempt(delivery_id=first, now=start)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == start and endpoint.is_active
    [later], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_attempt(delivery_id=later, now=start + dt.timedelta(days=5, minutes=1))
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    # Each admin in their own language (the tenant's when they chose none).
    japanese, in_english = sorted(mail.outbox, key=lambda m: m.to)
    assert japanese.to == ["boss@example.com"] and in_english.to == ["ops@example.com"]
    assert receiver.url in japanese.body and receiver.url in in_english.body
    assert in_english.subject.startswith("Webhook endpoint disabled: ")
    assert not japanese.subject.startswith("Webhook endpoint disabled")
    # Disabled: nothing more is raised for it.
    assert webhook_events_raise(event_type="task.created", items=[task_data(tenant)]) == []


def test_a_success_clears_the_failing_streak(scoped, receiver, django_capture_on_commit_callbacks):
    receiver.status = 500
    endpoint = webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [first], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=first)
    receiver.status = 200
    [second], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=second)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_redelivery_sends_the_same_message_again(
    scoped, receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(url=receiver.url, events=["task.created"])
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=delivery_id)
    with django_capture_on_commit_callbacks(execute=False):
        again = webhook_delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery_id))
    webhook_delivery_attempt(delivery_id=again.pk)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert json.loads(first.body) == json.loads(second.body)


def test_slack_endpoints_get_japanese_text_with_the_account_link(
    scoped, receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(
        url=receiver.url, events=["health.band_changed"], format="slack", language="ja"
    )
    data = {
        "account": account_ref(
            tenant_slug="acme", account_id=7, name="アクメ商事", external_id="o"
        ),
        "previous_band": "amber",
        "band": "red",
        "score": 38.4,
        "day": dt.date(2026, 11, 23),
    }
    [delivery_id], _ = raise_one(
        scoped, django_capture_on_commit_callbacks, event="health.band_changed", data=data
    )
    webhook_delivery_attempt(delivery_id=delivery_id)
    body = json.loads(receiver.requests[0].body)
    assert body["text"].startswith("ヘルスがレッドになりました")
    assert "<http://" in body["text"] and "/t/acme/accounts/7/|アクメ商事>" in body["text"]


def test_slack_text_in_english(scoped, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(
        url=receiver.url, events=["task.created"], format="slack", language="en"
    )
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks)
    webhook_delivery_attempt(delivery_id=delivery_id)
    text = json.loads(receiver.requests[0].body)["text"]
    assert text.startswith("New task: Call the sponsor") and "(due 2026-11-25)" in text


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Health moved into red (30)"), ("ja", "ヘルススコアがレッドになりました（30）")],
)
def test_slack_words_a_generated_task_in_the_endpoints_language(
    scoped, receiver, django_capture_on_commit_callbacks, language, title
):
    webhook_endpoint_create(
        url=receiver.url, events=["task.created"], format="slack", language=language
    )
    data = task_data(
        scoped,
        title="Health moved into red (30)",  # the payload's: the workspace's language
        kind="health_alert",
        data={"kind": "red", "score": 30.0, "previous": None},
    )
    [delivery_id], _ = raise_one(scoped, django_capture_on_commit_callbacks, data=data)
    webhook_delivery_attempt(delivery_id=delivery_id)
    text = json.loads(receiver.requests[0].body)["text"]
    assert title in text, text


def test_nobody_subscribed_costs_one_query_and_writes_nothing(scoped, tenant):
    webhook_endpoint_create(url="https://x.example.com/h", events=["feedback.created"])
    with CaptureQueriesContext(connection) as queries:
        assert webhook_events_raise(event_type="task.created", items=[task_data(tenant)]) == []
    assert len(queries) == 1
    assert not WebhookMessage.objects.exists()


def test_raising_never_waits_for_a_slow_receiver(
    scoped, receiver, django_capture_on_commit_callbacks
):
    receiver.delay = 3
    webhook_endpoint_create(url=receiver.url, events=["task.created"])
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False):
        webhook_events_raise(
            event_type="task.created", items=[task_data(scoped, task_id=i) for i in range(200)]
        )
    # Sending even one would take the receiver's 3 s; 200 were queued in less.
    assert time.monotonic() - started < 3
    assert WebhookDelivery.objects.count() == 200


def test_the_tasks_can_be_enqueued(scoped):
    # Celery refuses at publish time a task whose limits contradict the global ones.
    from tracking.tasks import prune_rejections
    from webhooks.tasks import deliver, dispatch_due

    for task in (deliver, dispatch_due, prune_rejections):
        assert task.soft_time_limit <= task.time_limit
