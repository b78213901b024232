"""What the tracking app adds to the core pages: a section of the API-keys page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cs_platform.extensions import DashboardPanel, register_api_keys_panel
from cs_platform.models import Role
from cs_platform.urlutils import tenant_reverse

from .forms import TrackingSettingsForm
from .selectors import RECENT_DAYS, rejection_summary, tracking_settings_get


def _context(request: HttpRequest) -> dict[str, Any]:
    summary = rejection_summary()
    return {
        "summary": summary,
        "days": RECENT_DAYS,
        "form": TrackingSettingsForm(instance=tracking_settings_get()),
        "host": request.build_absolute_uri("/segment"),
        "settings_url": tenant_reverse(request, "tracking:settings"),
    }


def register() -> None:
    register_api_keys_panel(
        DashboardPanel(
            key="tracking",
            template="tracking/api_keys_panel.html",
            get_context=_context,
            order=10,
            min_role=Role.ADMIN,
        )
    )
