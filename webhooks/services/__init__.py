"""Writes of the webhooks app."""

from .delivery import (
    RETRY_DELAYS,
    deliveries_due,
    deliveries_enqueue,
    request_build,
    webhook_delivery_attempt,
    webhook_delivery_redeliver,
    webhook_events_raise,
    webhook_subscribed,
)
from .endpoints import (
    secret_generate,
    signature_header,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

__all__ = [
    "RETRY_DELAYS",
    "deliveries_due",
    "deliveries_enqueue",
    "request_build",
    "secret_generate",
    "signature_header",
    "webhook_delivery_attempt",
    "webhook_delivery_redeliver",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
    "webhook_events_raise",
    "webhook_subscribed",
]
