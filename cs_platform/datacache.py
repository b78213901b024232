"""Page data cached per tenant and data version.

`DataVersion` is raised by database triggers on every statement that writes a watched table
(see `junkan_data_version_watch` in migration 0007 and the apps' migrations that call it), so
a key made of the tenant, its data version and the language is never served after a change:
the next read computes again under the new version; old keys expire by themselves.

Reading the version is one indexed query. When Redis is down the cache fails open
(`cs_platform.degraded`) and every read computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from .scoping import require_current_tenant

T = TypeVar("T")

CACHE_SECONDS = 24 * 60 * 60
_MISSING = object()


def data_version() -> int:
    """The data version of the tenant in scope (its row is created on the first read).

    NOTE: a new row starts at a random number, not 0: a database created again (tests, a
    restore) must not meet the keys an earlier one left in Redis under the same tenant id."""
    tenant = require_current_tenant()
    select = "SELECT version FROM cs_platform_dataversion WHERE tenant_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(select, [tenant.pk])
        row = cursor.fetchone()
        if row is None:
            # Created before the caller reads its data, so a write that lands in between
            # raises it and the data computed now is only ever keyed by an older number.
            cursor.execute(
                "INSERT INTO cs_platform_dataversion (tenant_id, version)"
                " VALUES (%s, floor(random() * 1e15)::bigint)"
                " ON CONFLICT (tenant_id) DO NOTHING",
                [tenant.pk],
            )
            cursor.execute(select, [tenant.pk])
            row = cursor.fetchone()
        return int(row[0])


def cached_for_data_version(name: str, compute: Callable[[], T], *, key: str = "") -> T:
    """`compute()`, or its value from the cache if the tenant's data has not changed since."""
    tenant = require_current_tenant()
    full_key = f"datacache:{tenant.pk}:{data_version()}:{get_language()}:{name}:{key}"
    value = cache.get(full_key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(full_key, value, CACHE_SECONDS)
    return value  # type: ignore[return-value]
