from __future__ import annotations

from typing import Any

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

        from cs_platform.trash.registry import register_trashable

        from .models import Contact, Contract, Segment

        for model in (Contact, Contract, Segment):
            register_trashable(model)

    def seed_demo(self, tenant: Any, *, log: Any) -> None:
        from .demo import demo_seed

        demo_seed(tenant, log=log)
