"""Extension points of the core pages, filled by the domain apps in `AppConfig.ready()`.

The core never imports the apps above it; they register what they add to the navigation and
the tenant dashboard here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .models import ROLE_RANK, Role


@dataclass(frozen=True)
class NavItem:
    url_name: str  # a staff URL under /t/<slug>/, reversed with tenant_reverse
    label: Any  # lazy translated string
    order: int = 100
    min_role: str = Role.VIEWER


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    template: str
    get_context: Callable[[HttpRequest], dict[str, Any]] = field(default=lambda request: {})
    order: int = 100
    min_role: str = Role.VIEWER


_nav: dict[str, NavItem] = {}
_dashboard: dict[str, DashboardPanel] = {}
# Sections an app adds to the API-keys page (what arrived with the keys, the app's settings).
_api_keys: dict[str, DashboardPanel] = {}


def register_nav_item(item: NavItem) -> None:
    _nav[item.url_name] = item


def register_dashboard_panel(panel: DashboardPanel) -> None:
    _dashboard[panel.key] = panel


def register_api_keys_panel(panel: DashboardPanel) -> None:
    _api_keys[panel.key] = panel


def _allowed(request: HttpRequest, min_role: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[min_role]


def nav_items(request: HttpRequest) -> list[NavItem]:
    return sorted(
        (i for i in _nav.values() if _allowed(request, i.min_role)), key=lambda i: i.order
    )


def dashboard_panels(request: HttpRequest) -> list[DashboardPanel]:
    return sorted(
        (p for p in _dashboard.values() if _allowed(request, p.min_role)), key=lambda p: p.order
    )


def api_keys_panels(request: HttpRequest) -> list[DashboardPanel]:
    return sorted(
        (p for p in _api_keys.values() if _allowed(request, p.min_role)), key=lambda p: p.order
    )
