"""Raising events and delivering them.

The code that raises an event only writes rows in its own transaction (one message per event,
one delivery per subscribed endpoint) and, after commit, enqueues the deliveries; the HTTP
requests happen in Celery workers. A receiver that is slow or down never slows the caller.

A delivery is claimed with a conditional UPDATE (pending and due, or a claim that expired
because its worker died), so a task that runs twice, or the minute dispatcher and the task
together, send it once. Retries back off exponentially for about a day, then it fails; an
endpoint that has failed for DISABLE_AFTER is disabled and the admins get an e-mail.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any

import orjson
from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cs_platform.celery import task_named
from cs_platform.scoping import cross_tenant, get_current_tenant
from cs_platform.selectors import member_emails_by_language

from ..events import PAYLOAD_VERSION, slack_body
from ..models import (
    DeliveryStatus,
    EndpointFormat,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from .endpoints import endpoint_signing_secrets, signature_header

logger = logging.getLogger(__name__)

# Exponential back-off: 5 s × 4ⁿ, capped at 8 h; the last retry is ~23.6 h after the first try.
RETRY_DELAYS = [dt.timedelta(seconds=min(5 * 4**n, 8 * 3600)) for n in range(7)] + [
    dt.timedelta(hours=8),
    dt.timedelta(hours=8),
]
DISABLE_AFTER = dt.timedelta(days=5)
CLAIM_FOR = dt.timedelta(minutes=2)
TIMEOUT_SECONDS = 10
BODY_PREFIX = 500
# Retries sooner than this are enqueued with a countdown; later ones wait for the dispatcher.
SHORT_RETRY = dt.timedelta(seconds=60)


def _json_ready(data: Any) -> Any:
    """Dates, decimals and UUIDs as JSON strings, once, before the payload is stored."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def webhook_subscribed(*, event_type: str) -> bool:
    """Whether any active endpoint of the tenant in scope wants `event_type` (one query):
    callers skip building payloads when nobody listens."""
    if get_current_tenant() is None:
        return False
    return WebhookEndpoint.objects.filter(is_active=True, events__contains=[event_type]).exists()


def webhook_events_raise(
    *,
    event_type: str,
    items: Iterable[dict[str, Any]],
    dedup_keys: Iterable[str] | None = None,
) -> list[int]:
    """Queue one event per `items` entry (its `data`) for the tenant in scope's endpoints.

    One query when nobody subscribed; else two multi-row inserts and, after commit, the
    deliveries go to Celery. With `dedup_keys` (one per item) an event already raised under
    its key is not raised again. Returns the delivery ids.
    """
    tenant = get_current_tenant()
    if tenant is None:
        return []
    endpoint_ids = list(
        WebhookEndpoint.objects.filter(is_active=True, events__contains=[event_type]).values_list(
            "pk", flat=True
        )
    )
    items = list(items)
    if not endpoint_ids or not items:
        return []
    keys = list(dedup_keys) if dedup_keys is not None else [""] * len(items)
    now = timezone.now()
    messages = [
        WebhookMessage(
            tenant=tenant,
            msg_id=f"msg_{uuid.uuid4().hex}",
            dedup_key=key,
            event_type=event_type,
            payload={
                "type": event_type,
                "version": PAYLOAD_VERSION,
                "timestamp": now.isoformat(),
                "tenant": tenant.slug,
                "data": _json_ready(data),
            },
            created_at=now,
        )
        for data, key in zip(items, keys, strict=True)
    ]
    if dedup_keys is None:
        messages = WebhookMessage.objects.bulk_create(messages)
    else:
        WebhookMessage.objects.bulk_create(messages, ignore_conflicts=True)
        # The msg_ids are fresh: those found now are the messages this call inserted.
        messages = list(WebhookMessage.objects.filter(msg_id__in=[m.msg_id for m in messages]))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            tenant=tenant, endpoint_id=endpoint_id, message=message, next_attempt_at=now
        )
        for message in messages
        for endpoint_id in endpoint_ids
    )
    ids = [d.pk for d in deliveries]
    if ids:
        transaction.on_commit(lambda: deliveries_enqueue(tenant_id=tenant.pk, delivery_ids=ids))
    return ids


def deliveries_enqueue(*, tenant_id: int, delivery_ids: list[int], countdown: float = 0) -> None:
    """Hand deliveries to Celery; if the broker is down the minute dispatcher sends them."""
    deliver = task_named("webhooks.deliver")
    try:
        for delivery_id in delivery_ids:
            deliver.apply_async(
                kwargs={"tenant_id": tenant_id, "delivery_id": delivery_id},
                countdown=countdown,
                # A queue of their own keeps slow receivers from holding up other work.
                queue=settings.WEBHOOKS_QUEUE,
            )
    except Exception:
        logger.warning(
            "webhooks: could not enqueue %d deliveries", len(delivery_ids), exc_info=True
        )


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
        )
        .update(status=DeliveryStatus.SENDING, claimed_until=now + CLAIM_FOR)
    )


def request_build(
    *, endpoint: WebhookEndpoint, message: WebhookMessage, now: dt.datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt (signed anew each time: a fresh timestamp)."""
    headers = {"Content-Type": "application/json", "User-Agent": "Junkan-Webhooks/1"}
    if endpoint.format == EndpointFormat.SLACK:
        body = orjson.dumps(
            slack_body(
                event_type=message.event_type,
                data=message.payload["data"],
                language=endpoint.language,
            )
        )
        return body, headers
    body = orjson.dumps(message.payload)
    stamp = int(now.timestamp())
    headers |= {
        "webhook-id": message.msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature_header(
            secrets_=endpoint_signing_secrets(endpoint=endpoint, now=now),
            msg_id=message.msg_id,
            timestamp=stamp,
            body=body,
        ),
    }
    return body, headers


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, bytes, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(BODY_PREFIX), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(BODY_PREFIX), ""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, b"", f"{type(exc).__name__}: {reason}"[:300]


def webhook_delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """Try one delivery if it is due and unclaimed; returns its new status (None: not ours)."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "message").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookAttempt.objects.create(
            tenant_id=delivery.tenant_id, delivery=delivery, error="The endpoint is disabled."
        )
        delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["status"])
        return delivery.status
    body, headers = request_build(endpoint=endpoint, message=delivery.message, now=now)
    started = time.monotonic()
    code, response, error = _post(endpoint.url, body, headers)
    succeeded = code is not None and 200 <= code < 300
    WebhookAttempt.objects.create(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        attempted_at=now,
        succeeded=succeeded,
        status_code=code,
        response_body=response.decode("utf-8", "replace")[:BODY_PREFIX],
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    return _settle(delivery, succeeded=succeeded, now=now)


def _settle(delivery: WebhookDelivery, *, succeeded: bool, now: dt.datetime) -> str:
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.claimed_until = None
    if succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None
        )
    elif delivery.attempts <= len(RETRY_DELAYS):
        delay = RETRY_DELAYS[delivery.attempts - 1]
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + delay
        if delay < SHORT_RETRY:
            transaction.on_commit(
                lambda: deliveries_enqueue(
                    tenant_id=delivery.tenant_id,
                    delivery_ids=[delivery.pk],
                    countdown=delay.total_seconds(),
                )
            )
    else:
        delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["attempts", "status", "next_attempt_at", "claimed_until"])
    if not succeeded:
        _endpoint_failed(endpoint, now)
    return delivery.status


def _endpoint_failed(endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    endpoint.refresh_from_db(fields=["failing_since", "is_active"])
    if not endpoint.is_active or endpoint.failing_since > now - DISABLE_AFTER:
        return
    disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=f"Every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC.",
    )
    if disabled:
        transaction.on_commit(lambda: _notify_disabled(endpoint))


def _notify_disabled(endpoint: WebhookEndpoint) -> None:
    tenant = endpoint.tenant
    link = f"{settings.SITE_URL.rstrip('/')}/t/{tenant.slug}/webhooks/{endpoint.pk}/"
    # Each admin reads it in their own language (one mail per language).
    for language, recipients in member_emails_by_language(tenant=tenant, role="admin").items():
        _send_disabled(endpoint, language=language, recipients=recipients, link=link)


def _send_disabled(
    endpoint: WebhookEndpoint, *, language: str, recipients: list[str], link: str
) -> None:
    with translation.override(language):
        send_mail(
            subject=_("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url[:80]},
            message=_(
                "Every delivery to %(url)s has failed for %(days)s days, so Junkan stopped "
                "sending to it. Fix the receiver, then enable the endpoint again: %(link)s"
            )
            % {"url": endpoint.url, "days": DISABLE_AFTER.days, "link": link},
            from_email=None,
            recipient_list=recipients,
        )


def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a message again (a new delivery of the same message: same `webhook-id`)."""
    now = timezone.now()
    again = WebhookDelivery.objects.create(
        tenant_id=delivery.tenant_id,
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        next_attempt_at=now,
    )
    transaction.on_commit(
        lambda: deliveries_enqueue(tenant_id=again.tenant_id, delivery_ids=[again.pk])
    )
    return again


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(tenant id, delivery id) of every tenant's deliveries due now (the minute dispatcher)."""
    now = now or timezone.now()
    with cross_tenant("sweep"):
        return list(
            WebhookDelivery.objects.unscoped()
            .filter(
                Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now)
            )
            .order_by("next_attempt_at")
            .values_list("tenant_id", "pk")[:limit]
        )
