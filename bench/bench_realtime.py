"""Event-time scoring: from a POST to /api/v1/events/ to the new score and the rule firing.

Uses the configured database and Redis. Creates a bench tenant with 1,000 accounts (the default
scorecard) and one playbook rule that fires once for every account whose score is read
("health below 101"), starts gunicorn and ONE Celery worker (solo pool, on a queue of its own),
and posts 10,000 events over the 1,000 accounts (100 batches of 100 events, each batch for 100
different accounts, every account in 10 batches) from a few client threads. A poller reads the
intra-day scores and the firings every 0.25 s and prints p50/p95 of

- POST → score readable: for each (batch, account), from the start of the POST to the first
  poll that sees the account's "now" score computed after the POST's response;
- POST → firing recorded: for each account, from the start of its first POST to the first poll
  that sees its firing.

Then ingestion throughput with event-time scoring on and off (the same gunicorn, the worker
running; 1,000-event batches as bench_ingest.py does, alternating on/off rounds), and removes
the bench tenant.

    python bench/bench_realtime.py [--threads 2] [--workers 2] [--seconds 15] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_ingest import ingest_bodies, ingest_throughput
from django.utils import timezone
from http_harness import ROOT, bench_tenant, post, server_env, start_gunicorn, stop

from accounts.models import Account
from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope
from healthscore.models import DirtyAccount, HealthScoreNow
from touchmodel.models import Rule, RuleFiring

SLUG = "bench-realtime"
ACCOUNTS = 1000
EVENTS = 10_000
BATCH = 100
QUEUE = "bench-now"


def _latency_batches() -> list[tuple[list[str], bytes]]:
    """100 batches of 100 events; batch b holds accounts (b*100 + i*10 …) so every account is
    in 10 batches spread over the run."""
    stamp = timezone.now().isoformat()
    batches = []
    for b in range(EVENTS // BATCH):
        accounts = [f"bench-{(b * 37 + i * 10) % ACCOUNTS}" for i in range(BATCH)]
        events = [
            {
                "account_id": account,
                "contact_id": f"user-{i % 7}",
                "event": ("login", "report_viewed", "search", "card_scanned")[i % 4],
                "timestamp": stamp,
                "idempotency_key": f"rt-{b}-{i}",
            }
            for i, account in enumerate(accounts)
        ]
        batches.append((accounts, json.dumps(events).encode()))
    return batches


def _post(port: int, key: str, body: bytes) -> None:
    headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    status, _payload = post(port, "/api/v1/events/", body, headers)
    if status != 200:
        raise RuntimeError(f"POST failed: {status}")


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered):.1f} s, p95 {p95:.1f} s, max {ordered[-1]:.1f} s "
        f"({len(ordered):,} samples)"
    )


def _post_batches(
    port: int, key: str, batches: list[tuple[list[str], bytes]], ids: dict[str, int], threads: int
) -> list[tuple[float, float, list[int]]]:
    """POST every batch from `threads` clients: (start, response, account ids) per batch."""
    posted: list[tuple[float, float, list[int]]] = []
    lock = threading.Lock()
    todo = iter(range(len(batches)))

    def client() -> None:
        while True:
            with lock:
                index = next(todo, None)
            if index is None:
                return
            accounts, body = batches[index]
            start = time.time()
            _post(port, key, body)
            done = time.time()
            with lock:
                posted.append((start, done, [ids[a] for a in accounts]))

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return posted


class _Poller(threading.Thread):
    """Reads the tenant's "now" scores and firings every 0.25 s, noting when each was seen."""

    def __init__(self, tenant: Tenant) -> None:
        super().__init__()
        self.tenant = tenant
        self.scores: list[tuple[float, dict[int, float]]] = []
        self.first_firing: dict[int, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        with tenant_scope(self.tenant):  # row-level security: the bench tenant's rows
            self._poll()

    def _poll(self) -> None:
        while not self.stopping.is_set():
            at = time.time()
            rows = (
                HealthScoreNow.objects.unscoped()
                .filter(tenant=self.tenant)
                .values_list("account_id", "computed_at")
            )
            self.scores.append((at, {a: c.timestamp() for a, c in rows}))
            fired = (
                RuleFiring.objects.unscoped()
                .filter(tenant=self.tenant)
                .exclude(account_id__in=list(self.first_firing))
                .values_list("account_id", flat=True)
            )
            for account_id in fired:
                self.first_firing[account_id] = at
            time.sleep(0.25)

    def complete(self, after: float) -> bool:
        """Every account has a firing and a score computed after `after`."""
        if len(self.first_firing) < ACCOUNTS or not self.scores:
            return False
        latest = self.scores[-1][1]
        return len(latest) >= ACCOUNTS and min(latest.values()) >= after


def _report(posted: list[tuple[float, float, list[int]]], poller: _Poller) -> None:
    score_latency: list[float] = []
    missing = 0
    for start, done, accounts in posted:
        for account_id in accounts:
            when = next(
                (at for at, scores in poller.scores if scores.get(account_id, 0.0) >= done), None
            )
            if when is None:
                missing += 1
            else:
                score_latency.append(when - start)
    first_post: dict[int, float] = {}
    for start, _done, accounts in sorted(posted):
        for account_id in accounts:
            first_post.setdefault(account_id, start)
    fired = poller.first_firing
    firing_latency = [fired[a] - first_post[a] for a in first_post if a in fired]
    print(f"RESULT POST → score readable: {_percentiles(score_latency)}; not seen: {missing}")
    print(
        f"RESULT POST → rule firing recorded: {_percentiles(firing_latency)}; "
        f"not seen: {len(first_post) - len(firing_latency)}"
    )


def _measure_latency(tenant: Tenant, port: int, key: str, threads: int, timeout: float) -> None:
    with tenant_scope(tenant):
        ids = dict(Account.objects.values_list("external_id", "pk"))
    batches = _latency_batches()
    poller = _Poller(tenant)
    poller.start()
    started = time.time()
    posted = _post_batches(port, key, batches, ids, threads)
    print(f"posted {EVENTS:,} events in {len(batches)} batches in {time.time() - started:.1f} s")
    last_response = max(done for _s, done, _a in posted)
    deadline = time.time() + timeout
    while time.time() < deadline and not poller.complete(last_response):
        time.sleep(0.5)
    poller.stopping.set()
    poller.join()
    _report(posted, poller)


def _throughput(port: int, key: str, bodies: list[bytes], seconds: float, threads: int) -> float:
    totals, elapsed = ingest_throughput(port, key, bodies, seconds=seconds, threads=threads)
    return totals["accepted"] / elapsed


def _drain(tenant: Tenant, timeout: float = 120) -> None:
    """Let the worker finish the previous round's accounts before the next round starts, so a
    round with scoring off does not pay for the scoring of the round before."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with tenant_scope(tenant):
            if not DirtyAccount.objects.exists():
                break
        time.sleep(0.5)
    time.sleep(1.0)


def _gunicorn(env: dict[str, str], key: str, workers: int) -> tuple[subprocess.Popen, int]:
    process, port = start_gunicorn(env, workers)
    # Warm every worker up (imports, URL resolver, first connections) before measuring.
    warm = json.dumps([]).encode()
    threads = [
        threading.Thread(target=lambda: [_post(port, key, warm) for _ in range(3)])
        for _ in range(workers * 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seconds", type=float, default=15, help="per throughput round")
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds, on and off")
    parser.add_argument("--timeout", type=float, default=180, help="wait for scores/firings")
    args = parser.parse_args()

    processes: list[subprocess.Popen] = []
    with bench_tenant(slug=SLUG, name="Bench realtime", accounts=ACCOUNTS) as (tenant, key):
        try:
            with tenant_scope(tenant):
                Rule.objects.create(
                    name_ja="スコアを読んだら",
                    name_en="Score read",
                    trigger="health_below",
                    params={"threshold": 101},
                )
            base_env = server_env(HEALTH_NOW_QUEUE=QUEUE)
            worker = subprocess.Popen(
                [
                    *(str(Path(sys.executable).parent / "celery"), "-A", "cs_platform", "worker"),
                    *("--pool=solo", "-Q", QUEUE, "-l", "info", "-n", f"{QUEUE}@%h"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=ROOT,
                env=base_env,
            )
            processes.append(worker)
            web, port = _gunicorn(
                {**base_env, "HEALTH_EVENT_TIME_SCORING": "true"}, key, args.workers
            )
            processes.append(web)
            print("one Celery worker (solo pool) running; event-time scoring on")
            _measure_latency(tenant, port, key, args.threads, args.timeout)

            if args.rounds < 1:
                return
            print("Building 1,000-event batches for the throughput rounds …")
            bodies = ingest_bodies(400)
            rates: dict[str, list[float]] = {"on": [], "off": []}
            per_round, used = len(bodies) // (2 * args.rounds), 0
            for round_ in range(args.rounds):
                # ABBA order (on, off, off, on …): the load of a shared machine drifts over time.
                for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                    _drain(tenant)
                    stop(web)
                    flag = "true" if mode == "on" else "false"
                    env = {**base_env, "HEALTH_EVENT_TIME_SCORING": flag}
                    web, port = _gunicorn(env, key, args.workers)
                    processes.append(web)
                    share = bodies[used : used + per_round]
                    used += per_round
                    rate = _throughput(port, key, share, args.seconds, args.threads)
                    rates[mode].append(rate)
                    print(f"  round {round_ + 1}, event-time scoring {mode}: {rate:,.0f} events/s")
            on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
            print(
                f"RESULT ingest throughput: on {on:,.0f} events/s, off {off:,.0f} events/s "
                f"(on/off {on / off:.1%})"
            )
        finally:
            for process in processes:
                stop(process)


if __name__ == "__main__":
    main()
