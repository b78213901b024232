"""/healthz: 200 with the state of PostgreSQL and Redis, 503 when either is down."""

from __future__ import annotations

from unittest import mock

from django.db import OperationalError, connection
from django.test import override_settings

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_is_200_when_database_and_redis_answer(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert "worker_heartbeat" in body


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


def test_healthz_is_503_when_the_database_is_down(client, db):
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


def test_an_api_request_that_meets_a_lost_database_is_a_503_with_retry_after(db, tenant):
    from rest_framework.test import APIClient

    from cs_platform.services import api_key_issue

    raw = api_key_issue(tenant=tenant, name="ingest", scope="ingest").raw_key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch("healthscore.api_ingest.events_ingest", side_effect=lost):
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
