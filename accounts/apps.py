from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cs_platform.extensions import NavItem, register_nav_item

        register_nav_item(NavItem("accounts:list", _("Accounts"), 10))
        register_nav_item(NavItem("accounts:segments", _("Segments"), 60))

        from .bulk import register as register_bulk_actions

        register_bulk_actions()

        from cs_platform.trash.extensions import register_trashable

        from .models import Contact, Contract, Segment

        for model in (Contact, Contract, Segment):
            register_trashable(model)

        from datetime import timedelta

        from django.conf import settings

        from cs_platform.celery import app

        # Imports whose worker died start again (cs_platform/leases.py).
        sweep = {
            "accounts-import-lease-sweep": {
                "task": "accounts.sweep_import_leases",
                "schedule": timedelta(seconds=settings.JOB_LEASE_SWEEP_SECONDS),
            }
        }
        settings.CELERY_BEAT_SCHEDULE.update(sweep)
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **sweep}
