"""Segment-compatible ingestion through the HTTP API, beside bench_ingest.py: events/s with
1,000-message `/segment/v1/batch` requests (track calls, Basic write key, optionally gzip).

Same set-up as bench_ingest.py (a bench tenant with 1,000 accounts, gunicorn with the
throttle off, a few client threads for N seconds); each message has its own messageId and a
`context.groupId`. Prints accepted events per second, then removes the bench tenant.

    python bench/bench_segment.py [--seconds 20] [--threads 4] [--workers 2] [--gzip]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import ACCOUNTS, ROOT, SETTINGS, _free_port, _wait_ready
from django.utils import timezone

from accounts.models import Account
from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope
from cs_platform.services import api_key_issue, tenant_create, tenant_delete
from healthscore.models import UsageEvent

SLUG = "bench-segment"
BATCH = 1000


def _bodies(count: int, zipped: bool) -> list[bytes]:
    now = timezone.now()
    stamps = [(now - timezone.timedelta(seconds=s)).isoformat() for s in range(0, 3600, 7)]
    bodies = []
    for b in range(count):
        messages = [
            {
                "type": "track",
                "userId": f"user-{i % 40}",
                "event": ("login", "report_viewed", "search", "card_scanned")[i % 4],
                "context": {"groupId": f"bench-{(b * 31 + i) % ACCOUNTS}"},
                "timestamp": stamps[(b + i) % len(stamps)],
                "properties": {"plan": "pro", "n": i},
                "messageId": f"bench-{b}-{i}",
            }
            for i in range(BATCH)
        ]
        body = json.dumps({"batch": messages, "sentAt": now.isoformat()}).encode()
        bodies.append(gzip.compress(body) if zipped else body)
    return bodies


def _client(port, key, bodies, next_body, stop, totals, zipped) -> None:
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    if zipped:
        headers["Content-Encoding"] = "gzip"
    while time.monotonic() < stop:
        index = next_body()
        if index is None:
            return
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/segment/v1/batch", body=bodies[index], headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        with totals["lock"]:
            totals["sent" if response.status == 200 else "errors"] += 1


def _serve(port: int, workers: int) -> subprocess.Popen:
    settings_dir = tempfile.mkdtemp(prefix="junkan-bench-")
    Path(settings_dir, "bench_segment_settings.py").write_text(SETTINGS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_segment_settings",
        "PYTHONPATH": os.pathsep.join([settings_dir, str(ROOT)]),
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return subprocess.Popen(
        [gunicorn, "cs_platform.wsgi:application", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=600, help="pre-built distinct batches")
    parser.add_argument("--gzip", action="store_true", help="gzip every request body")
    args = parser.parse_args()

    for stale in Tenant.objects.filter(slug=SLUG):
        tenant_delete(tenant=stale)
    tenant = tenant_create(name="Bench segment", slug=SLUG)
    process = None
    try:
        with tenant_scope(tenant):
            Account.objects.bulk_create(
                [Account(name=f"Bench {i}", external_id=f"bench-{i}") for i in range(ACCOUNTS)]
            )
        key = api_key_issue(tenant=tenant, name="bench", scope="ingest").raw_key
        print(f"Building {args.batches} batches of {BATCH} track messages …")
        bodies = _bodies(args.batches, args.gzip)
        port = _free_port()
        process = _serve(port, args.workers)
        _wait_ready(port, process)
        counter = iter(range(len(bodies)))
        lock = threading.Lock()

        def next_body() -> int | None:
            with lock:
                return next(counter, None)

        totals = {"sent": 0, "errors": 0, "lock": threading.Lock()}
        started = time.monotonic()
        stop = started + args.seconds
        threads = [
            threading.Thread(
                target=_client, args=(port, key, bodies, next_body, stop, totals, args.gzip)
            )
            for _ in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        with tenant_scope(tenant):
            stored = UsageEvent.objects.count()
        print(
            f"stored {stored:,} events from {totals['sent']} batches in {elapsed:.1f}s "
            f"(failed requests {totals['errors']}), {args.workers} gunicorn workers, "
            f"{args.threads} client threads, gzip {'on' if args.gzip else 'off'}"
        )
        print(f"RESULT segment: {stored / elapsed:,.0f} events/s")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
