"""/healthz: 200 with the state of PostgreSQL, Redis and the worker, 503 when one is down.

CI runs no worker: each test writes the heartbeat state it needs into the cache itself."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone

from cs_platform.tasks import HEARTBEAT_CACHE_KEY

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def worker_alive():
    cache.set(HEARTBEAT_CACHE_KEY, timezone.now().isoformat())
    yield
    cache.delete(HEARTBEAT_CACHE_KEY)


@pytest.fixture
def worker_gone():
    """The last heartbeat 28 minutes ago: the worker died (or was never started again)."""
    stamp = timezone.now() - dt.timedelta(minutes=28)
    cache.set(HEARTBEAT_CACHE_KEY, stamp.isoformat())
    yield stamp
    cache.delete(HEARTBEAT_CACHE_KEY)


def test_healthz_is_200_when_database_redis_and_a_worker_answer(client, db, worker_alive):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["worker"] == "ok"
    assert body["background_jobs"] == "ok"
    assert "worker_heartbeat" in body


def test_healthz_is_503_naming_the_worker_when_its_heartbeat_is_stale(client, db, worker_gone):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["worker"]
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["worker"].startswith("error: last worker heartbeat 28 min ago")
    assert body["background_jobs"] == "paused: no worker"
    assert body["worker_heartbeat"] == worker_gone.isoformat()


def test_healthz_is_503_when_no_worker_ever_sent_a_heartbeat(client, db):
    cache.delete(HEARTBEAT_CACHE_KEY)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]
    assert response.json()["worker"].startswith("error: no worker heartbeat yet")


def test_a_heartbeat_younger_than_the_stale_limit_counts_as_alive(client, db, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 600
    cache.set(HEARTBEAT_CACHE_KEY, (timezone.now() - dt.timedelta(minutes=9)).isoformat())
    try:
        assert client.get("/healthz").status_code == 200
        settings.WORKER_HEARTBEAT_STALE_SECONDS = 300
        assert client.get("/healthz").json()["down"] == ["worker"]
    finally:
        cache.delete(HEARTBEAT_CACHE_KEY)


def test_healthz_is_503_when_redis_is_down(client, db):
    with override_settings(REDIS_URL=CLOSED_PORT_REDIS):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ConnectionError")
    assert body["down"] == ["redis"]
    assert body["background_jobs"] == "paused: broker (Redis) down"


def test_healthz_is_503_when_the_database_is_down(client, db, worker_alive):
    refused = OperationalError("connection refused")

    # NOTE: restored inside the test, before pytest-django rolls the transaction back.
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError: connection refused"
    assert response.json()["redis"] == "ok"
    assert response.json()["down"] == ["database"]


def test_healthz_shows_the_last_worker_heartbeat(client, db):
    from cs_platform.tasks import heartbeat

    stamp = heartbeat()

    assert client.get("/healthz").json()["worker_heartbeat"] == stamp
    assert client.get("/healthz").status_code == 200
    cache.delete(HEARTBEAT_CACHE_KEY)


def test_an_api_request_that_meets_a_lost_database_is_a_503_with_retry_after(db, tenant):
    from rest_framework.test import APIClient

    from cs_platform.services import api_key_issue

    raw = api_key_issue(tenant=tenant, name="ingest", scope="ingest").raw_key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch("healthscore.api.ingest.events_ingest", side_effect=lost):
        response = client.post("/api/v1/events/", [], format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "service_unavailable"


def test_a_page_that_meets_a_lost_database_in_middleware_is_a_503_not_a_500(db):
    from django.test import Client

    client = Client(raise_request_exception=False)
    lost = OperationalError("terminating connection due to administrator command")
    with mock.patch("cs_platform.middleware.TenantMiddleware._resolve", side_effect=lost):
        response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_the_cache_fails_open_when_redis_is_away():
    from cs_platform.degraded import FailOpenRedisCache

    cache = FailOpenRedisCache(CLOSED_PORT_REDIS, {"OPTIONS": {"socket_connect_timeout": 1}})
    FailOpenRedisCache._down_until = 0.0
    try:
        assert cache.get("k", "default") == "default"
        assert cache.add("k", 1) is False  # a claim is never granted without Redis
        cache.set("k", 1)
        assert cache.get_many(["k"]) == {}
    finally:
        FailOpenRedisCache._down_until = 0.0
