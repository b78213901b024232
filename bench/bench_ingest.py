"""Ingestion throughput through the HTTP API: events/s with 1,000-event batches.

Uses the configured database and Redis. Creates a bench tenant with 1,000 accounts and an
`ingest` API key, starts gunicorn (2 workers by default) on 127.0.0.1 with the throttle off,
posts pre-built 1,000-event JSON batches (each event with its own idempotency key) from a few
client threads for N seconds, prints the accepted events per second, then stops gunicorn and
removes the bench tenant.

    python bench/bench_ingest.py [--seconds 20] [--threads 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from accounts.models import Account  # noqa: E402
from cs_platform.models import Tenant  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import api_key_issue, tenant_create, tenant_delete  # noqa: E402

SLUG = "bench-ingest"
ACCOUNTS = 1000
BATCH = 1000
SETTINGS = """
from cs_platform.settings.dev import *  # noqa
DEBUG = False
HEALTH_INGEST_THROTTLE_RATE = None
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "WARNING"}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bodies(count: int) -> list[bytes]:
    now = timezone.now()
    stamps = [(now - timezone.timedelta(seconds=s)).isoformat() for s in range(0, 3600, 7)]
    bodies = []
    for b in range(count):
        events = [
            {
                "account_id": f"bench-{(b * 31 + i) % ACCOUNTS}",
                "contact_id": f"user-{i % 40}",
                "event": ("login", "report_viewed", "search", "card_scanned")[i % 4],
                "timestamp": stamps[(b + i) % len(stamps)],
                "properties": {"plan": "pro", "n": i},
                "idempotency_key": f"bench-{b}-{i}",
            }
            for i in range(BATCH)
        ]
        bodies.append(json.dumps(events).encode())
    return bodies


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _client(port: int, key: str, bodies: list[bytes], next_body, stop: float, totals) -> None:
    while time.monotonic() < stop:
        index = next_body()
        if index is None:
            return
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            "/api/v1/events/",
            body=bodies[index],
            headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        if response.status != 200:
            totals["errors"] += 1
            continue
        answer = json.loads(payload)
        with totals["lock"]:
            totals["accepted"] += answer["accepted"]
            totals["rejected"] += len(answer["rejected"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=600, help="pre-built distinct batches")
    args = parser.parse_args()

    for stale in Tenant.objects.filter(slug=SLUG):
        tenant_delete(tenant=stale)
    tenant = tenant_create(name="Bench ingest", slug=SLUG)
    process = None
    try:
        with tenant_scope(tenant):
            Account.objects.bulk_create(
                [Account(name=f"Bench {i}", external_id=f"bench-{i}") for i in range(ACCOUNTS)]
            )
        key = api_key_issue(tenant=tenant, name="bench", scope="ingest").raw_key
        print(f"Building {args.batches} batches of {BATCH} events …")
        bodies = _bodies(args.batches)
        settings_dir = tempfile.mkdtemp(prefix="junkan-bench-")
        Path(settings_dir, "bench_ingest_settings.py").write_text(SETTINGS)
        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_ingest_settings",
            "PYTHONPATH": os.pathsep.join([settings_dir, str(ROOT)]),
        }
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "cs_platform.wsgi:application",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        _wait_ready(port, process)
        counter = iter(range(len(bodies)))
        lock = threading.Lock()

        def next_body() -> int | None:
            with lock:
                return next(counter, None)

        totals = {"accepted": 0, "rejected": 0, "errors": 0, "lock": threading.Lock()}
        started = time.monotonic()
        stop = started + args.seconds
        threads = [
            threading.Thread(target=_client, args=(port, key, bodies, next_body, stop, totals))
            for _ in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rate = totals["accepted"] / elapsed
        print(
            f"accepted {totals['accepted']:,} events in {elapsed:.1f}s "
            f"(rejected {totals['rejected']}, failed requests {totals['errors']}), "
            f"{args.workers} gunicorn workers, {args.threads} client threads"
        )
        print(f"RESULT ingest: {rate:,.0f} events/s")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
