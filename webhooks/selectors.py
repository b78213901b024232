"""Reads of the webhooks app."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def webhook_endpoint_get(*, pk: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(pk=pk).first()


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("message")


def webhook_delivery_all() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("message").prefetch_related("log")


def webhook_delivery_get(*, endpoint: WebhookEndpoint, pk: int) -> WebhookDelivery | None:
    return webhook_delivery_list(endpoint=endpoint).filter(pk=pk).first()


def webhook_attempt_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookAttempt]:
    """The delivery log of an endpoint, newest first."""
    return WebhookAttempt.objects.filter(delivery__endpoint=endpoint).select_related(
        "delivery__message"
    )
