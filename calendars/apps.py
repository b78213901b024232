from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("Calendars")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cs_platform.extensions import NavItem, register_nav_item
        from cs_platform.models import Role

        register_nav_item(NavItem("calendars:feed", _("Calendar"), 96, Role.VIEWER))
