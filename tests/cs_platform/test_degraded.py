"""Degraded, not broken: PostgreSQL restarted under an ingestion load, Redis stopped.

Real servers, stopped and started from the test: a throwaway PostgreSQL and Redis on free
ports (tests/services.py; never the shared ones), loaded with a copy of the test database,
behind a gunicorn and a Celery worker of their own.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest
import requests
from celery import Celery
from django.test import Client
from django.urls import reverse

from cs_platform.scoping import tenant_scope
from cs_platform.services import api_key_issue
from tests.factories import AccountFactory
from tests.services import ThrowawayPostgres, ThrowawayRedis, WebServer
from tests.workers import Worker, new_queue

BATCH = 100
BATCHES = 40


@pytest.fixture
def stack(transactional_db, tenant, admin_user):
    """Throwaway PostgreSQL + Redis with a copy of the test data, and a web server on them."""
    with tenant_scope(tenant):
        for n in range(3):
            AccountFactory(external_id=f"acct-{n}")
    key = api_key_issue(tenant=tenant, name="ingest", scope="ingest").raw_key
    client = Client()
    client.force_login(admin_user)
    session = client.cookies["sessionid"].value
    pg, cache = ThrowawayPostgres(), ThrowawayRedis()
    web = None
    try:
        pg.load_copy_of_test_database()
        web = WebServer(
            database_url=pg.url, redis_url=cache.url, env={"SERVICE_RETRY_AFTER_SECONDS": "1"}
        )
        yield {"pg": pg, "redis": cache, "web": web, "key": key, "session": session}
    finally:
        if web is not None:
            web.stop()
        cache.stop()
        pg.destroy()


def _batch(number: int) -> list[dict]:
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    return [
        {
            "account_id": f"acct-{i % 3}",
            "event": "login",
            "timestamp": at,
            "idempotency_key": f"b{number}-e{i}",
        }
        for i in range(BATCH)
    ]


def _send(url: str, key: str, number: int, log: list) -> None:
    """Send one batch until it is taken, honouring 503 + Retry-After like a good client."""
    while True:
        response = requests.post(
            f"{url}/api/v1/events/",
            json=_batch(number),
            headers={"Authorization": f"Api-Key {key}"},
            timeout=30,
        )
        log.append((number, response.status_code, response.headers.get("Retry-After")))
        if response.status_code != 503:
            log.append((number, "body", response.json()))
            return
        time.sleep(float(response.headers["Retry-After"]))


@pytest.mark.slow
@pytest.mark.real_clock
def test_postgres_restarted_under_ingestion_load_costs_503s_never_a_500_or_a_half_batch(
    stack, tenant
):
    pg, web = stack["pg"], stack["web"]
    queue = new_queue()
    worker = Worker(
        queue=queue,
        name="reconnects",
        concurrency=1,
        env={"DATABASE_URL": pg.url, "REDIS_URL": stack["redis"].url},
    )
    # Not the current app: the suite's tasks must keep using the shared Redis afterwards.
    broker = Celery(broker=stack["redis"].url, backend=stack["redis"].url, set_as_current=False)
    log: list = []
    try:
        echo = {"kwargs": {"tenant_id": tenant.pk}, "queue": queue}
        assert broker.send_task("cs_platform.echo_tenant", **echo).get(timeout=90) == "acme"

        def restart() -> None:
            time.sleep(1)
            pg.stop("fast")  # open transactions are cut, connections dropped
            time.sleep(3)
            pg.start()

        restarter = threading.Thread(target=restart)
        started = time.monotonic()
        sent = 0
        while sent < BATCHES or restarter.is_alive():  # load before, during and after
            if sent == 8:  # both web workers warm
                restarter.start()
            _send(web.url, stack["key"], sent, log)
            sent += 1
        restarter.join()
        elapsed = time.monotonic() - started

        # The worker reconnects by itself: its next task reads the database again.
        assert broker.send_task("cs_platform.echo_tenant", **echo).get(timeout=90) == "acme"
        health = requests.get(f"{web.url}/healthz", timeout=10)
    except BaseException:
        print(worker.output())  # noqa: T201
        raise
    finally:
        worker.stop()

    statuses = [s for _, s, _ in log if s != "body"]
    unavailable = [(n, r) for n, s, r in log if s == 503]
    print(  # noqa: T201
        f"\n{sent} batches of {BATCH} in {elapsed:.1f} s across a PostgreSQL restart: "
        f"{statuses.count(200)} × 200, {len(unavailable)} × 503 (Retry-After), "
        f"{len([s for s in statuses if s not in (200, 503)])} other"
    )
    assert set(statuses) <= {200, 503}, log  # never a 500
    assert unavailable, "the load never met the restart"
    assert all(retry == "1" for _, retry in unavailable)
    retried = {n for n, _ in unavailable}
    for number, kind, body in log:
        if kind == "body":
            assert body["accepted"] + body["duplicates"] == BATCH
            assert body["rejected"] == []
            if number in retried:  # the cut attempt stored all of it or none of it
                assert body["accepted"] in (0, BATCH), body
    stored = pg.query(
        f"SELECT count(*), count(DISTINCT idempotency_key) FROM healthscore_usageevent "
        f"WHERE tenant_id = {tenant.pk}"
    )
    assert stored == [(sent * BATCH, sent * BATCH)]  # every batch whole, once
    assert health.status_code == 200  # the web reconnected by itself (and the worker beat)


@pytest.mark.slow
@pytest.mark.real_clock
def test_with_redis_down_ingestion_and_pages_work_and_healthz_names_redis(stack, tenant):
    web, cache = stack["web"], stack["redis"]
    cache.stop()
    key = f"redis-down-{uuid.uuid4().hex[:8]}"
    events = [
        {
            "account_id": "acct-0",
            "event": "login",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "idempotency_key": key,
        }
    ]
    ingest = requests.post(
        f"{web.url}/api/v1/events/",
        json=events,
        headers={"Authorization": f"Api-Key {stack['key']}"},
        timeout=30,
    )
    page = requests.get(
        web.url + reverse("dashboard", kwargs={"tenant_slug": "acme"}),
        cookies={"sessionid": stack["session"]},
        timeout=30,
        allow_redirects=False,
    )
    health = requests.get(f"{web.url}/healthz", timeout=30)

    assert (ingest.status_code, ingest.json()["accepted"]) == (200, 1)
    assert page.status_code == 200
    assert health.status_code == 503
    body = health.json()
    assert body["down"] == ["redis"]
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ConnectionError")

    cache.start_on_same_port()
    deadline = time.monotonic() + 30
    # Redis back (the worker check is its own: this stack runs no worker).
    while requests.get(f"{web.url}/healthz", timeout=30).json()["redis"] != "ok":
        assert time.monotonic() < deadline, "healthz did not recover with Redis back"
        time.sleep(0.5)
