"""Fixed-window rate limits for the public endpoints, counted in the shared (Redis) cache.

A public form (seminar registration, readers' feedback) counts each attempt under one or more
keys (per client address, per seminar or article); once a key is over its limit in the current
window the caller answers 429 with Retry-After. The windows are aligned on the clock, so every
web process agrees on them. With Redis away the limits fail open: a customer is never refused
for want of the cache (the forms have other protection: double opt-in, moderation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from .audit.context import client_ip


@dataclass(frozen=True)
class Limit:
    """At most `limit` hits per `window` seconds for one `scope` and `ident`."""

    scope: str
    ident: str
    limit: int
    window: int

    def key(self, now: float | None = None) -> str:
        bucket = int((time.time() if now is None else now) // self.window)
        return f"ratelimit:{self.scope}:{self.ident}:{bucket}"


def rate_limit_hit(*limits: Limit) -> int | None:
    """Count one hit under every limit; the seconds to wait when any is over, else None.

    Every limit is counted even when an earlier one is already over, so a client that keeps
    trying stays refused until the window ends."""
    now = time.time()
    wait: int | None = None
    for limit in limits:
        key = limit.key(now)
        cache.add(key, 0, timeout=limit.window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr, or Redis away: fail open
            continue
        if count > limit.limit:
            left = int(limit.window - now % limit.window) + 1
            wait = max(wait or 0, left)
    return wait


def rate_limit_clear(*limits: Limit) -> None:
    """Forget the current window's counts (tests, and an operator lifting a block)."""
    cache.delete_many([limit.key() for limit in limits])


def client_address(request: HttpRequest) -> str:
    """The address a per-client limit counts (the audit log's notion of the client's IP)."""
    return client_ip(request) or "unknown"
