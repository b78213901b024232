from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import registry

        registry.register_all()

    def on_tenant_created(self, tenant: Any) -> None:
        from .services import phases_seed_defaults

        phases_seed_defaults()

    def seed_demo(self, tenant: Any, *, log: Callable[[str], None]) -> None:
        from .demo import journeys_seed_demo

        journeys_seed_demo(tenant=tenant, log=log)
