from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

BEAT_SCHEDULE = {
    "webhooks-dispatch-due": {
        "task": "webhooks.dispatch_due",
        "schedule": timedelta(minutes=1),
    },
}


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from cs_platform.celery import app
        from cs_platform.extensions import NavItem, register_nav_item
        from cs_platform.models import Role

        register_nav_item(NavItem("webhooks:list", _("Webhooks"), 94, Role.ADMIN))

        from cs_platform.audit.tracking import audit_track

        from .models import WebhookEndpoint

        # The signing secrets never reach the log (a rotation shows as a date).
        audit_track(
            WebhookEndpoint,
            name="webhook_endpoint",
            exclude=["secret", "previous_secret", "failing_since"],
        )
        settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **BEAT_SCHEDULE}
