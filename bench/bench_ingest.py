"""Ingestion throughput through the HTTP API: events/s with 1,000-event batches.

Uses the configured database and Redis. Creates a bench tenant with 1,000 accounts and an
`ingest` API key, starts gunicorn (2 workers by default) on 127.0.0.1 with the throttle off,
posts pre-built 1,000-event JSON batches (each event with its own idempotency key) from a few
client threads for N seconds, prints the accepted events per second, then stops gunicorn and
removes the bench tenant.

With `--rls both` (the default) it runs twice, each time with a fresh tenant: gunicorn as
the application's role under row-level security, and as the owner with no policy applied and
no settings sent (`--rls off`), and prints both rates: what the second wall costs.

    python bench/bench_ingest.py [--seconds 20] [--threads 4] [--workers 2] [--rls both]
        [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import threading
from statistics import median

from django.utils import timezone
from http_harness import (
    bench_tenant,
    drive,
    post,
    rls_off_server,
    server_env,
    start_gunicorn,
    stop,
)

SLUG = "bench-ingest"
ACCOUNTS = 1000
BATCH = 1000


def ingest_bodies(count: int) -> list[bytes]:
    """`count` distinct 1,000-event JSON batches over the bench accounts, each event with its
    own idempotency key."""
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


def ingest_throughput(
    port: int, key: str, bodies: list[bytes], *, seconds: float, threads: int
) -> tuple[dict[str, int], float]:
    """Post `bodies` to /api/v1/events/ for up to `seconds`: (totals, elapsed seconds)."""
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    totals = {"accepted": 0, "rejected": 0, "errors": 0}
    lock = threading.Lock()

    def send(index: int) -> None:
        status, payload = post(port, "/api/v1/events/", bodies[index], headers)
        with lock:
            if status != 200:
                totals["errors"] += 1
                return
            answer = json.loads(payload)
            totals["accepted"] += answer["accepted"]
            totals["rejected"] += len(answer["rejected"])

    elapsed = drive(count=len(bodies), threads=threads, seconds=seconds, send=send)
    return totals, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=600, help="pre-built distinct batches")
    parser.add_argument("--rls", choices=["on", "off", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=1, help="runs per mode, alternating")
    args = parser.parse_args()
    modes = ["off", "on"] if args.rls == "both" else [args.rls]
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(args.rounds):
        for mode in modes if round_ % 2 == 0 else modes[::-1]:
            rates[mode].append(bench(args, rls=mode))
    for mode, runs in rates.items():
        print(
            f"RESULT ingest (row-level security {mode}): median {median(runs):,.0f} events/s "
            f"(range {min(runs):,.0f}–{max(runs):,.0f} over {len(runs)} runs)"
        )
    if len(rates) == 2:
        cost = 1 - median(rates["on"]) / median(rates["off"])
        print(f"RESULT ingest: row-level security costs {cost:+.1%} (medians)")


def bench(args: argparse.Namespace, *, rls: str) -> float:
    with bench_tenant(slug=SLUG, name="Bench ingest", accounts=ACCOUNTS) as (_tenant, key):
        print(f"Building {args.batches} batches of {BATCH} events …")
        bodies = ingest_bodies(args.batches)
        env, extra = server_env(), ()
        if rls == "off":
            env, extra = rls_off_server(env)
        process, port = start_gunicorn(env, args.workers, extra)
        try:
            totals, elapsed = ingest_throughput(
                port, key, bodies, seconds=args.seconds, threads=args.threads
            )
        finally:
            stop(process)
        print(
            f"row-level security {rls}: accepted {totals['accepted']:,} events in "
            f"{elapsed:.1f}s (rejected {totals['rejected']}, failed requests "
            f"{totals['errors']}), {args.workers} gunicorn workers, {args.threads} client threads"
        )
        return totals["accepted"] / elapsed


if __name__ == "__main__":
    main()
