"""Reads of the core. Memberships and API keys are looked up across tenants on purpose."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from .leanread import lean_rows
from .models import ApiKey, Membership, Tenant, User
from .requestmemo import request_memoized
from .scoping import CurrentTenantId, require_current_tenant
from .tasks import HEARTBEAT_CACHE_KEY


def hash_api_key(raw_key: str) -> str:
    # A high-entropy random key needs no slow password hash: SHA-256 is enough and costs
    # microseconds per request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def membership_get(*, user: User, tenant: Tenant) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def member_emails_by_language(*, tenant: Tenant, role: str) -> dict[str, list[str]]:
    """E-mail addresses of the tenant's active members of exactly `role` (e.g. the admins),
    grouped by the language each reads (their setting, else the tenant's):
    {language: [e-mail, …]}, for mail worded once per language."""
    grouped: dict[str, list[str]] = {}
    rows = (
        Membership.objects.filter(tenant=tenant, role=role, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", "user__language")
    )
    for email, language in rows:
        grouped.setdefault(language or tenant.default_language, []).append(email)
    return grouped


def staff_member_list(
    *, roles: Iterable[str] | None = None, active_only: bool = False
) -> QuerySet[User]:
    """The people who work in the tenant in scope (its members), by name; only those of
    `roles` if given, only active users if `active_only`.

    The tenant is read when the query runs, not when it is built, so a form field or a
    serializer may hold this queryset from import time on.
    """
    # One filter(): the tenant and the role must hold for the same membership row.
    membership: dict[str, Any] = {"memberships__tenant_id": CurrentTenantId()}
    if roles is not None:
        membership["memberships__role__in"] = list(roles)
    users = User.objects.filter(**membership)
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("full_name", "email")


def staff_member_choices() -> list[tuple[int, str]]:
    """(id, name) of `staff_member_list()`, read once per page view (`requestmemo`)."""
    return request_memoized(
        ("cs_platform.staff_member_choices", require_current_tenant().pk),
        _staff_member_choices,
    )


def _staff_member_choices() -> list[tuple[int, str]]:
    # As SQL (cs_platform.leanread): Account 360's task form reads it on every view.
    rows = lean_rows(
        "SELECT u.id, u.full_name, u.email FROM cs_platform_user u"
        " JOIN cs_platform_membership m ON m.user_id = u.id AND m.tenant_id = %(tenant)s"
        " ORDER BY u.full_name, u.email"
    )
    return [(row["id"], row["full_name"] or row["email"]) for row in rows]


def user_list(*, ids: Iterable[int]) -> QuerySet[User]:
    """Users by id (the staff named on other rows: owners, assignees, organisers)."""
    return User.objects.filter(pk__in=list(ids)).order_by("pk")


def tenant_get(*, pk: int) -> Tenant | None:
    return Tenant.objects.filter(pk=pk).first()


def tenant_list() -> QuerySet[Tenant]:
    """Every tenant (beat entries fan work out per tenant)."""
    return Tenant.objects.order_by("pk")


def tenant_get_by_slug(*, slug: str) -> Tenant | None:
    return Tenant.objects.filter(slug=slug).first()


def api_key_get_active(*, raw_key: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("tenant")
        .filter(hashed_key=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("created_by")


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a Celery worker ran the beat's heartbeat task recently (`last` None: never)."""

    last: dt.datetime | None
    alive: bool

    @property
    def minutes_ago(self) -> int | None:
        if self.last is None:
            return None
        return max(0, int((timezone.now() - self.last).total_seconds() // 60))


def worker_status() -> WorkerStatus:
    """The last worker heartbeat (`cs_platform.heartbeat`, every minute) and whether it is
    fresh. NOTE: a stamp in the future counts as fresh (a worker's clock ahead of ours)."""

    raw = cache.get(HEARTBEAT_CACHE_KEY)
    try:
        last = dt.datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        last = None
    if last is None or last.tzinfo is None:
        return WorkerStatus(last=None, alive=False)
    age = (timezone.now() - last).total_seconds()
    return WorkerStatus(last=last, alive=age <= settings.WORKER_HEARTBEAT_STALE_SECONDS)
