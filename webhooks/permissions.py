"""The role each webhooks action needs: one map for pages and API (cs_platform.permissions)."""

from cs_platform.models import Role

ROLES: dict[str, str] = {
    "webhook.view": Role.ADMIN,
    "webhook.create": Role.ADMIN,
    "webhook.change": Role.ADMIN,
    "webhook.delete": Role.ADMIN,
    "webhook.rotate_secret": Role.ADMIN,
    "webhook_delivery.view": Role.ADMIN,
    "webhook_delivery.redeliver": Role.ADMIN,
    # The catalogue of event names is public documentation.
    "webhook_event_type.view": Role.VIEWER,
}
