"""One permission map: the minimum role of every action, read by the pages and the API alike.

Each app declares its actions once, in `<app>/permissions.py`:

    ROLES = {"contact.delete": Role.CS_MANAGER, ...}

- Pages name the action: `@role_required("contact.delete")` (cs_platform.decorators); a page
  whose POST does more than its GET names both: `@role_required("seminar.view",
  write="seminar.register")`.
- Viewsets name their resource (`permission_resource = "contact"`); the API permission derives
  the action from the viewset action: list/retrieve → `view`, create → `create`,
  update/partial_update → `change`, destroy → `delete`, any other action → its own name on a
  write (`champion.award`) and `view` on a read. `permission_actions = {"members":
  "user_group.add_member"}` names an action explicitly. Plain APIViews map reads to `view` and
  writes to `change`.
- Templates ask `{% if request|can:"contact.delete" %}` (cs_platform.templatetags.tenancy).

`tests/cs_platform/test_permission_map.py` walks every page and every API action and fails when
one has no declared action, so a new view cannot silently fall back to a default role.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from .models import ROLE_RANK, Role

# cs_platform's own actions (its pages, the API keys, the trash).
ROLES: dict[str, str] = {
    "dashboard.view": Role.VIEWER,
    "me.view": Role.VIEWER,
    "api_key.view": Role.ADMIN,
    "api_key.create": Role.ADMIN,
    "api_key.revoke": Role.ADMIN,
    "trash.view": Role.ADMIN,
    "trash.restore": Role.ADMIN,
    "change.view": Role.ADMIN,
    "signin_lock.view": Role.ADMIN,
    "signin_lock.unlock": Role.ADMIN,
    "audit_event.view": Role.ADMIN,
    "tenant_security.change": Role.ADMIN,
}

# Admin-only reads that `read`-scoped API keys may also make: the audit log, so a SIEM or an
# archive can collect it with a key that can change nothing.
READ_KEY_ADMIN_READS: frozenset[str] = frozenset({"audit_event.view"})

# The verb of each standard viewset action.
VIEWSET_VERBS: dict[str, str] = {
    "list": "view",
    "retrieve": "view",
    "create": "create",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@cache
def permission_map() -> dict[str, str]:
    """Every declared action → its minimum role, over all installed apps."""
    merged: dict[str, str] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.permissions"
        if not find_spec(module_name):
            continue
        # Junkan's apps declare ROLES; another app's `permissions` module (DRF's) has none.
        declared = getattr(import_module(module_name), "ROLES", None)
        if not isinstance(declared, dict):
            continue
        for action, role in declared.items():
            if action in merged:
                raise ImproperlyConfigured(f"Permission action {action!r} is declared twice.")
            if role not in ROLE_RANK:
                raise ImproperlyConfigured(f"{action!r} names an unknown role {role!r}.")
            merged[action] = role
    return merged


def required_role(action: str) -> str:
    """The minimum role of a declared action; an undeclared one is a programming error."""
    try:
        return permission_map()[action]
    except KeyError:
        raise ImproperlyConfigured(
            f"No role is declared for the action {action!r}: add it to the app's permissions.py."
        ) from None


def role_allows(role: str | None, action: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[required_role(action)]


def can(request: HttpRequest, action: str) -> bool:
    """May the signed-in member of the request's tenant do `action`?"""
    membership = getattr(request, "membership", None)
    return membership is not None and role_allows(membership.role, action)


def api_action(view: Any, method: str) -> str | None:
    """The declared action an API request asks for (None: the view declares no resource)."""
    # NOTE: imported here: DRF's settings import the API permission, which imports this module.
    from rest_framework.viewsets import ViewSetMixin  # deferred: DRF settings import this module

    action_name = getattr(view, "action", None)
    explicit = getattr(view, "permission_actions", {}) or {}
    if action_name in explicit:
        return explicit[action_name]
    resource = getattr(view, "permission_resource", None)
    if resource is None:
        return None
    is_read = method.upper() in SAFE_METHODS
    if action_name is None and isinstance(view, ViewSetMixin):
        return None  # a method the viewset does not offer: the default roles, then a 405
    if action_name is None:  # a plain APIView
        return f"{resource}.{'view' if is_read else 'change'}"
    if action_name in VIEWSET_VERBS:
        return f"{resource}.{VIEWSET_VERBS[action_name]}"
    return f"{resource}.view" if is_read else f"{resource}.{action_name}"


def page_actions(view: Any) -> tuple[str | None, str | None]:
    """The (read, write) actions a page view declared through role_required."""
    return getattr(view, "permission_action", None), getattr(view, "permission_write_action", None)
