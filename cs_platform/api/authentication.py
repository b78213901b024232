"""API entry point of tenant scoping: whoever authenticates also fixes the tenant."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from cs_platform.middleware import SESSION_TENANT_KEY
from cs_platform.models import ApiKey, Membership
from cs_platform.scoping import activate_tenant
from cs_platform.selectors import api_key_get_active, memberships_of
from cs_platform.services import api_key_touch
from cs_platform.signin.two_factor import two_factor_required

TENANT_HEADER = "HTTP_X_TENANT"


class ApiKeyUser(AnonymousUser):
    """The `request.user` of a machine client: authenticated, bound to one tenant."""

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


def _bind(request: Request, tenant: Any, membership: Membership | None) -> None:
    request._request.tenant = tenant
    request._request.membership = membership
    # NOTE: TenantMiddleware wraps the request in tenant_scope(None) and
    # timezone.override(None), which reset both when the request ends.
    activate_tenant(tenant)
    timezone.activate(tenant.tzinfo)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[ApiKeyUser, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, raw_key = header.partition(" ")
        if keyword != self.keyword:
            # NOTE: an Authorization header we cannot read is refused, not ignored: a client
            # that sends one means to authenticate with it, and must not silently fall back
            # to a browser session that happens to ride along.
            raise exceptions.AuthenticationFailed(_("Use `Authorization: Api-Key <key>`."))
        return self.authenticate_raw_key(request, raw_key)

    def authenticate_raw_key(self, request: Request, raw_key: str) -> tuple[ApiKeyUser, ApiKey]:
        """Find the active key, touch it, bind its tenant (also for keys sent another way)."""
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed(_("Empty API key."))
        api_key = api_key_get_active(raw_key=raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        api_key_touch(api_key=api_key)
        _bind(request, api_key.tenant, None)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """Session auth (with CSRF); the tenant is the `X-Tenant` slug or the session's choice."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, _auth = result
        memberships = memberships_of(user=user)
        wanted_slug = request.META.get(TENANT_HEADER)
        if wanted_slug:
            membership = next((m for m in memberships if m.tenant.slug == wanted_slug), None)
            if membership is None:
                raise exceptions.NotFound(_("No such workspace."))
        else:
            chosen = request.session.get(SESSION_TENANT_KEY)
            membership = next((m for m in memberships if m.tenant_id == chosen), None) or next(
                iter(memberships), None
            )
        if membership is None:
            raise exceptions.PermissionDenied(_("You are not a member of any workspace."))
        verified = getattr(user, "is_verified", lambda: False)()
        if two_factor_required(membership=membership) and not verified:
            # NOTE: TwoFactorMiddleware cannot see the API's tenant (X-Tenant is read here).
            raise exceptions.PermissionDenied(
                _(
                    "This workspace requires two-factor sign-in of its admins: turn it on at "
                    "/account/two-factor/ first."
                )
            )
        _bind(request, membership.tenant, membership)
        return user, None
