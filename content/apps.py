from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cs_platform.demo import Log
    from cs_platform.models import Tenant


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Learn & Support")

    def ready(self) -> None:
        from cs_platform.extensions import NavItem, register_nav_item
        from cs_platform.models import Role

        from .extensions import register

        register_nav_item(NavItem("content:index", _("Learn & Support"), 70, Role.VIEWER))
        register()

    def on_tenant_created(self, tenant: Tenant) -> None:
        from .services import sections_seed_defaults

        sections_seed_defaults()

    def seed_demo(self, tenant: Tenant, *, log: Log) -> None:
        from .demo import content_seed_demo

        content_seed_demo(tenant=tenant, log=log)
