"""Who may do what inside their tenant. Another tenant's rows never get here: they are 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework import permissions

from cs_platform.models import ROLE_RANK, ApiKey, ApiKeyScope, Role
from cs_platform.permissions import READ_KEY_ADMIN_READS, api_action, required_role

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TenantRolePermission(permissions.BasePermission):
    """The role a request needs, read from the one permission map (cs_platform.permissions).

    A view names its `permission_resource` (and `permission_actions` for custom writes); the
    map gives the action's minimum role, the same one the pages require. A view that names no
    resource falls back to `read_role` (default viewer) / `write_role` (default CSM);
    tests/cs_platform/test_permission_map.py fails on any such view but the API root.
    API keys act below admin level: `read` keys may do what a read needs up to a CS manager
    (an admin-only read, such as the webhooks, stays closed to them, except the few listed in
    `READ_KEY_ADMIN_READS`: the audit log),
    `write` keys may also write below admin level, and `ingest` keys may only call views
    that declare `ingest_endpoint = True`.
    """

    message = "Your role in this tenant does not allow this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(request._request, "tenant", None) is None:
            return False
        is_read = request.method in permissions.SAFE_METHODS
        action = api_action(view, request.method or "GET")
        if action is not None:
            required = required_role(action)
        else:
            required = getattr(view, "read_role" if is_read else "write_role", None) or (
                Role.VIEWER if is_read else Role.CSM
            )
        if isinstance(request.auth, ApiKey):
            allowed = self._key_allows(request.auth, view, is_read, required, action)
        else:
            membership = request._request.membership
            allowed = membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[required]
        if not allowed and isinstance(request.auth, ApiKey):
            # NOTE: the instance lives for one request (DRF builds it in get_permissions).
            self.message = self._scope_message(request.auth, view, is_read, required)
            if action is not None:
                request._request.permission_needed = (action, required)
        elif not allowed and action is not None:
            # NOTE: the instance lives for one request (DRF builds it in get_permissions).
            self.message = _("This needs the %(role)s role or higher (`%(code)s`).") % {
                "role": Role(required).label,
                "code": required,
            }
            request._request.permission_needed = (action, required)
        return allowed

    @staticmethod
    def _scope_message(key: ApiKey, view: APIView, is_read: bool, required: str) -> str:
        """Which key scope the refused request needs, named beside the key's own."""
        own = {"scope": key.scope}
        if getattr(view, "ingest_endpoint", False):
            return _("This endpoint takes an `ingest` key; this key's scope is `%(scope)s`.") % own
        if required == Role.ADMIN:
            return (
                _(
                    "This needs a signed-in admin; no API key scope allows it (this key's scope "
                    "is `%(scope)s`; keys act below admin level)."
                )
                % own
            )
        if is_read:
            return (
                _(
                    "Reading needs a `read` or `write` key; this key's scope is `%(scope)s` "
                    "(`ingest` keys send events only)."
                )
                % own
            )
        return _("Writing needs a `write` key; this key's scope is `%(scope)s`.") % own

    @staticmethod
    def _key_allows(
        key: ApiKey, view: APIView, is_read: bool, required: str, action: str | None = None
    ) -> bool:
        if getattr(view, "ingest_endpoint", False):
            return key.scope == ApiKeyScope.INGEST
        if required == Role.ADMIN:
            # NOTE: a few admin-only reads are open to read keys (READ_KEY_ADMIN_READS).
            return is_read and key.scope == ApiKeyScope.READ and action in READ_KEY_ADMIN_READS
        if key.scope == ApiKeyScope.READ:
            return is_read
        return key.scope == ApiKeyScope.WRITE


class IsTenantAdmin(TenantRolePermission):
    """Admins only, for reading and writing (configuration endpoints)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        membership = getattr(request._request, "membership", None)
        return (
            super().has_permission(request, view)
            and membership is not None
            and membership.role == Role.ADMIN
        )
