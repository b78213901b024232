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
import json
import threading

from bench_ingest import ACCOUNTS
from django.utils import timezone
from http_harness import bench_tenant, drive, post, server_env, start_gunicorn, stop

from cs_platform.scoping import tenant_scope
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=600, help="pre-built distinct batches")
    parser.add_argument("--gzip", action="store_true", help="gzip every request body")
    args = parser.parse_args()

    with bench_tenant(slug=SLUG, name="Bench segment", accounts=ACCOUNTS) as (tenant, key):
        print(f"Building {args.batches} batches of {BATCH} track messages …")
        bodies = _bodies(args.batches, args.gzip)
        auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        if args.gzip:
            headers["Content-Encoding"] = "gzip"
        totals = {"sent": 0, "errors": 0}
        lock = threading.Lock()

        def send(index: int) -> None:
            status, _payload = post(port, "/segment/v1/batch", bodies[index], headers)
            with lock:
                totals["sent" if status == 200 else "errors"] += 1

        process, port = start_gunicorn(server_env(), args.workers)
        try:
            elapsed = drive(
                count=len(bodies), threads=args.threads, seconds=args.seconds, send=send
            )
        finally:
            stop(process)
        with tenant_scope(tenant):
            stored = UsageEvent.objects.count()
        print(
            f"stored {stored:,} events from {totals['sent']} batches in {elapsed:.1f}s "
            f"(failed requests {totals['errors']}), {args.workers} gunicorn workers, "
            f"{args.threads} client threads, gzip {'on' if args.gzip else 'off'}"
        )
        print(f"RESULT segment: {stored / elapsed:,.0f} events/s")


if __name__ == "__main__":
    main()
