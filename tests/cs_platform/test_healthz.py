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
    assert body["redis"].startswith("error")


def test_healthz_is_503_when_the_database_is_down(client, db):
    refused = OperationalError("connection refused")

    # NOTE: restored inside the test, before pytest-django rolls the transaction back.
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
    assert response.json()["redis"] == "ok"


def test_healthz_shows_the_last_worker_heartbeat(client, db):
    from cs_platform.tasks import heartbeat

    stamp = heartbeat()

    assert client.get("/healthz").json()["worker_heartbeat"] == stamp
