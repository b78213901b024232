"""Reads of the sign-in lockout state (django-axes' AccessAttempt rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest

from cs_platform.models import Tenant, User


def signin_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The account a sign-in attempt is for, as the form normalises it (AXES_USERNAME_CALLABLE).

    Without this, `Ann@Example.com` and `ann@example.com` would count their failures apart.
    """
    raw = (credentials or {}).get("username") or ""
    if not raw and request is not None and request.method == "POST":
        raw = request.POST.get("username", "")
    return str(raw).strip().lower()


@dataclass(frozen=True)
class SigninLock:
    email: str
    failures: int
    last_attempt: datetime
    is_locked: bool


def signin_locks_for_tenant(*, tenant: Tenant) -> list[SigninLock]:
    """The tenant's members with failed sign-ins on record, the locked ones first.

    NOTE: attempts are not tenant-owned (a sign-in happens before any tenant is chosen); this
    reads only the rows of the tenant's own members' e-mail addresses.
    """
    emails = User.objects.filter(memberships__tenant=tenant).values_list("email", flat=True)
    rows = (
        AccessAttempt.objects.filter(username__in=[e.lower() for e in emails])
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .order_by("-failures", "username")
    )
    limit = settings.AXES_FAILURE_LIMIT
    return [
        SigninLock(
            email=row["username"],
            failures=row["failures"],
            last_attempt=row["last_attempt"],
            is_locked=row["failures"] >= limit,
        )
        for row in rows
    ]
