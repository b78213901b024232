"""Who is acting, and from where: one context per unit of work, set at the entry points.

The entry points are the places that put the tenant in scope (cs_platform.scoping):
- web requests and the API: `AuditContextMiddleware` (the actor is read from the request when
  an event is recorded, so a sign-in during the request, or DRF's API-key or session
  authentication later in it, is seen);
- Celery: `cs_platform.tasks.TenantTask` (source `task:<name>`, no actor unless the service
  names one, e.g. the user who started an import);
- management commands: `cs_platform.management.base.TenantCommand` (source `command:<name>`).

Services never take the actor, IP or user agent as arguments for the audit log's sake; they
call `audit_record`, which reads this context.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from cs_platform.models import ApiKey, User

# Who did it: a signed-in person, an API key, or nobody (a background job).
Actor = User | ApiKey | None

USER_AGENT_MAX = 400


@dataclass
class AuditContext:
    source: str = ""
    ip: str | None = None
    user_agent: str = ""
    request: HttpRequest | None = field(default=None, repr=False)

    def actor(self) -> Actor:
        """The API key of an API request, else the signed-in person, else nobody."""
        request = self.request
        if request is None:
            return None
        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiKey):
            return auth
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and isinstance(user, User):
            return user
        return None


_EMPTY = AuditContext()
_current: ContextVar[AuditContext] = ContextVar("junkan_audit_context", default=_EMPTY)


def get_audit_context() -> AuditContext:
    return _current.get()


@contextmanager
def audit_context(context: AuditContext) -> Iterator[AuditContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: `REMOTE_ADDR`, or the header a trusted proxy sets
    (`AUDIT_CLIENT_IP_HEADER`, e.g. HTTP_X_REAL_IP; its first address when it is a list)."""
    header = settings.AUDIT_CLIENT_IP_HEADER
    raw = (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR")
    if not raw:
        return None
    candidate = raw.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None  # a proxy header that is not an address is not worth keeping


def request_context(request: HttpRequest, source: str) -> AuditContext:
    return AuditContext(
        source=source,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
        request=request,
    )


class AuditContextMiddleware:
    """Web entry point of the audit context (pages and the API alike)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith("/api/") else "web"
        with audit_context(request_context(request, source)):
            return self.get_response(request)


def task_context(name: str) -> AuditContext:
    return AuditContext(source=f"task:{name}"[:100])


def command_context(name: str) -> AuditContext:
    return AuditContext(source=f"command:{name}"[:100])


def any_actor(value: Any) -> Actor:
    """`value` when it is a User or an ApiKey, else None (AnonymousUser, ApiKeyUser …)."""
    return value if isinstance(value, User | ApiKey) else None
