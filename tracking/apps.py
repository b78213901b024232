from __future__ import annotations

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

BEAT_SCHEDULE = {
    "tracking-prune-rejections": {
        "task": "tracking.prune_rejections",
        "schedule": timedelta(hours=6),
    },
}


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = _("Tracking")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from cs_platform.celery import app

        from .plugins import register

        register()

        from cs_platform.audit.tracking import audit_track

        from .models import TrackingSettings

        audit_track(TrackingSettings, name="tracking_settings")
        settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **BEAT_SCHEDULE}
