"""Writes of the webhooks app, and what an app above needs to raise events: the event types
(the `event_type` of `webhook_subscribed` / `webhook_events_raise`) and `account_ref`, the
`data.account` object every payload carries. The catalogue itself (payload serializers for
OpenAPI, Slack text) stays in `webhooks.events`, the app's own."""

from ..events import (
    ACCOUNT_PHASE_CHANGED,
    FEEDBACK_CREATED,
    HEALTH_ALERT_OPENED,
    HEALTH_BAND_CHANGED,
    MILESTONE_STATUS_CHANGED,
    RULE_FIRED,
    SEMINAR_REGISTERED,
    TASK_COMPLETED,
    TASK_CREATED,
    account_ref,
)
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
    "ACCOUNT_PHASE_CHANGED",
    "FEEDBACK_CREATED",
    "HEALTH_ALERT_OPENED",
    "HEALTH_BAND_CHANGED",
    "MILESTONE_STATUS_CHANGED",
    "RETRY_DELAYS",
    "RULE_FIRED",
    "SEMINAR_REGISTERED",
    "TASK_COMPLETED",
    "TASK_CREATED",
    "account_ref",
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
