"""Who may do what inside their tenant. Another tenant's rows never get here: they are 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions

from cs_platform.models import ROLE_RANK, ApiKey, ApiKeyScope, Role

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TenantRolePermission(permissions.BasePermission):
    """Maps the HTTP method to a minimum role (Sentry's scope_map, simplified).

    Views tune it with `read_role` (default viewer) and `write_role` (default CSM).
    API keys: `read` keys may read, `write` keys may also write below admin level, and
    `ingest` keys may only call views that declare `ingest_endpoint = True`.
    """

    message = "Your role in this tenant does not allow this action."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(request._request, "tenant", None) is None:
            return False
        is_read = request.method in permissions.SAFE_METHODS
        required = getattr(view, "read_role" if is_read else "write_role", None) or (
            Role.VIEWER if is_read else Role.CSM
        )
        if isinstance(request.auth, ApiKey):
            return self._key_allows(request.auth, view, is_read, required)
        membership = request._request.membership
        return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[required]

    @staticmethod
    def _key_allows(key: ApiKey, view: APIView, is_read: bool, required: str) -> bool:
        if getattr(view, "ingest_endpoint", False):
            return key.scope == ApiKeyScope.INGEST
        if key.scope == ApiKeyScope.READ:
            return is_read
        if key.scope == ApiKeyScope.WRITE:
            return required != Role.ADMIN
        return False


class IsTenantAdmin(TenantRolePermission):
    """Admins only, for reading and writing (configuration endpoints)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        membership = getattr(request._request, "membership", None)
        return (
            super().has_permission(request, view)
            and membership is not None
            and membership.role == Role.ADMIN
        )
