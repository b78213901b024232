"""Degraded, not broken: what the site does while PostgreSQL or Redis is away.

- A request that meets a lost database (PostgreSQL restarting, connection refused or cut) gets
  503 with `Retry-After`, never a 500: the client's retry is the right move, and a batch whose
  transaction was cut is rolled back whole (nothing half stored). Django reconnects by itself
  on the next request (CONN_HEALTH_CHECKS, checked without a round trip:
  cs_platform/dbbackend), Celery workers before their next task.
- Redis is a cache and the broker. The cache fails open (`FailOpenRedisCache`): reads miss,
  writes are dropped, so ingestion and every page that does not need Redis keep working.
- `/healthz` names the part that is down (503 with the details).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .datacache import PROCESS_COPIES
from .selectors import worker_status
from .tasks import HEARTBEAT_CACHE_KEY

logger = logging.getLogger(__name__)

REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def retry_after_seconds() -> int:
    return int(settings.SERVICE_RETRY_AFTER_SECONDS)


def is_outage(exc: BaseException | None) -> bool:
    """True for errors that mean "a backing service is away", not "this request is wrong".

    Django wraps the driver's errors (psycopg2.OperationalError → django.db.OperationalError),
    so a lost or refused database connection arrives as OperationalError / InterfaceError.
    NOTE: OperationalError also covers a few statement-level errors (e.g. a cancelled query);
    503 + retry is the right answer for those too.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OperationalError, InterfaceError, *REDIS_ERRORS)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, a short page elsewhere."""
    seconds = retry_after_seconds()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": "The service is briefly unavailable; retry after "
                f"{seconds} seconds. Nothing of this request was stored.",
                "code": "service_unavailable",
            },
            status=503,
        )
    else:
        message = _("Junkan is briefly unavailable. Please try again in a few seconds.")
        response = HttpResponse(
            f"<!DOCTYPE html><title>503</title><p>{message}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(seconds)
    return response


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one `redis.Redis` per connection pool instead of a new
    one for every cache call: building it fills a table of ~170 response callbacks, and a page
    view makes two to five cache calls (#16). A `redis.Redis` is safe to share between threads;
    its connections come from the pool, which redis-py resets in a forked child."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def set_many(self, data: Mapping[Any, Any], timeout: int | dt.timedelta | None) -> None:
        """One `SET … EX` per key, pipelined in one round trip without a transaction, where
        Django's sends MULTI, MSET, an EXPIRE per key and EXEC (#16: Account 360's first view
        writes 15 keys at once): each key is written with its timeout in one command."""
        if timeout == 0:  # as Django's `set`: a timeout of 0 keeps nothing
            self.get_client(None, write=True).delete(*data)
            return
        pipeline = self.get_client(None, write=True).pipeline(transaction=False)
        for key, value in data.items():
            dumped = self._serializer.dumps(value)  # type: ignore[attr-defined]
            pipeline.set(key, dumped, ex=timeout)
        pipeline.execute()


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that treats Redis being away as a cache miss.

    Reads return the default, writes report failure (`add` → False, so a claim made with
    `cache.add` is not taken while Redis is down), deletes are no-ops. After a failure Redis is
    not tried again for `RETRY_SECONDS`, so requests do not each wait for a connect timeout.
    """

    RETRY_SECONDS = 5.0
    _down_until = 0.0
    _lock = threading.Lock()

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def validate_key(self, key: str) -> None:
        """Nothing to check: Redis takes any key. Django's check warns of keys memcached would
        refuse (longer than 250 characters, with spaces or control characters), by a lazy
        regular expression and a generator per key, 3-9 µs each (#16: Account 360's first view
        makes 35 keys). Django's documentation suggests this override for such a backend."""

    def _guard(self, default: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < FailOpenRedisCache._down_until:
            return default
        try:
            return getattr(super(), method)(*args, **kwargs)
        except REDIS_ERRORS as exc:
            with FailOpenRedisCache._lock:
                FailOpenRedisCache._down_until = time.monotonic() + self.RETRY_SECONDS
            logger.warning("Redis cache unavailable (%s): serving without it", exc)
            return default

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(default, "get", key, default, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict:
        return self._guard({}, "get_many", keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(False, "has_key", key, version)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        kwargs = {} if timeout is None else {"timeout": timeout}
        return self._guard(False, "add", key, value, version=version, **kwargs)

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        kwargs = {} if timeout is None else {"timeout": timeout}
        self._guard(None, "set", key, value, version=version, **kwargs)

    def set_many(self, data: dict, timeout: Any = None, version: int | None = None) -> list:
        kwargs = {} if timeout is None else {"timeout": timeout}
        return self._guard(list(data), "set_many", data, version=version, **kwargs)

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        kwargs = {} if timeout is None else {"timeout": timeout}
        return self._guard(False, "touch", key, version=version, **kwargs)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(False, "delete", key, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(None, "delete_many", keys, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except REDIS_ERRORS as exc:
            # incr has no "miss" answer: callers that count (rate limits) treat it as absent.
            raise ValueError(f"Key '{key}' not found (Redis unavailable)") from exc

    def clear(self) -> None:
        self._guard(None, "clear")
        # What this process keeps of the data cache goes too (cs_platform.datacache).
        PROCESS_COPIES.clear()


def service_checks() -> tuple[bool, dict[str, Any]]:
    """What /healthz reports: each backing service, "ok" or the error that says why not.

    The worker counts as a service: with no fresh heartbeat (beat sends one a minute, a
    worker runs it) recomputes, imports and e-mails would wait in the queue unseen."""

    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}: {str(exc).strip()[:200]}"
    heartbeat = None
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
        checks["redis"] = "ok"
        heartbeat = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}: {str(exc).strip()[:200]}"
    if checks["redis"] == "ok":
        worker = worker_status()
        if worker.alive:
            checks["worker"] = "ok"
        elif worker.last is None:
            checks["worker"] = "error: no worker heartbeat yet (no Celery worker or beat running)"
        else:
            checks["worker"] = (
                f"error: last worker heartbeat {worker.minutes_ago} min ago at"
                f" {worker.last.isoformat()} (no Celery worker or beat running)"
            )
    healthy = all(v == "ok" for v in checks.values())
    down = [name for name, value in checks.items() if value != "ok"]
    if checks["redis"] != "ok":
        # Redis down: the broker is down too, so background work (recompute, e-mail) waits.
        background = "paused: broker (Redis) down"
    elif checks["worker"] != "ok":
        background = "paused: no worker"
    else:
        background = "ok"
    return healthy, {
        "status": "ok" if healthy else "unavailable",
        "down": down,
        **checks,
        "background_jobs": background,
        "worker_heartbeat": heartbeat,
    }
