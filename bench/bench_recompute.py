"""Recompute time for 1,000 / 10,000 / 100,000 accounts with 90 days of usage rollups.

Uses the configured database (DATABASE_URL). For each size it creates a bench tenant, its
accounts and 90 days of daily rollups set-based in SQL, then scores every account for today
with the production chunk code (`recompute_job_run_chunk`), in `--workers` processes as the
Celery pool would, and prints the seconds. The bench tenants are removed afterwards.

With `--rls both` (the default) the same data is recomputed `--rounds` times in each mode,
alternating: as the application's role under row-level security, and as the owner with no
policy and no settings sent (`--rls off`); it prints both, and what the second wall costs.

    python bench/bench_recompute.py [--sizes 1000,10000,100000] [--workers 2] [--rls both]
        [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

import django

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cs_platform.models import Tenant  # noqa: E402
from cs_platform.rls import owner_connection, rls_off_for_benchmarks  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import tenant_create, tenant_delete  # noqa: E402
from healthscore.models import HealthAlert, HealthScore, RecomputeJob  # noqa: E402
from healthscore.services.recompute import (  # noqa: E402
    recompute_job_create,
    recompute_job_finish,
    recompute_job_run_chunk,
)

SLUG = "bench-recompute-{n}"
EVENTS = ["login", "report_viewed", "integration_connected", "member_invited", "search"]


def _generate(tenant: Tenant, n: int) -> None:
    """Accounts, then 90 days of rollups: ~half the days active, 1–2 events, 1–3 users a day."""
    today = timezone.localdate(timezone=tenant.tzinfo)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_account (tenant_id, name, external_id, domain, industry,"
            " market_segment, licensed_seats, lifecycle_status, business_potential,"
            " potential_arr, maturity_stage, created_at, updated_at)"
            " SELECT %s, 'Bench ' || g, 'bench-' || g, '', '', 'smb', 10 + g %% 40, 'active',"
            " 'medium', 0, 0, now(), now() FROM generate_series(1, %s) g",
            [tenant.pk, n],
        )
        cursor.execute("SET LOCAL synchronous_commit = off")
        # NOTE: bench data is consistent by construction; skipping the per-row FK triggers
        # (needs a superuser, as the local development server has) makes generation 3× faster.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE bench_days ON COMMIT DROP AS"
            " SELECT a.id AS account_id, d.day, (a.id + d.i) %% 5 AS k"
            " FROM accounts_account a CROSS JOIN LATERAL ("
            "   SELECT %s::date - i AS day, i FROM generate_series(0, 89) i) d"
            " WHERE a.tenant_id = %s AND random() < 0.5",
            [today, tenant.pk],
        )
        cursor.execute(
            "INSERT INTO healthscore_usagedaily (tenant_id, account_id, day, event, count)"
            " SELECT %s, account_id, day, (%s::text[])[1 + (k + j) %% 5], 1 + (k * j) %% 7"
            " FROM bench_days CROSS JOIN generate_series(0, k %% 2) j",
            [tenant.pk, EVENTS],
        )
        cursor.execute(
            "INSERT INTO healthscore_contactdaily (tenant_id, account_id, contact_key, day)"
            " SELECT %s, account_id, 'u' || ((k * 7 + j * 3 + extract(doy FROM day)::int) %% 25),"
            " day FROM bench_days CROSS JOIN generate_series(0, k %% 3) j"
            " ON CONFLICT DO NOTHING",
            [tenant.pk],
        )
        cursor.execute("ANALYZE healthscore_usagedaily")
        cursor.execute("ANALYZE healthscore_contactdaily")


def _run_chunks(args: tuple[int, int, list[int]]) -> int:
    tenant_id, job_id, indexes = args
    connections.close_all()
    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_scope(tenant), timezone.override(tenant.tzinfo):
        job = RecomputeJob.objects.get(pk=job_id)
        cache: dict = {}
        for index in indexes:
            recompute_job_run_chunk(job=job, index=index, cache=cache)
    connections.close_all()
    return len(indexes)


def _recompute(tenant: Tenant, n: int, workers: int, label: str) -> float:
    """One manual recompute job of every account, its chunks in `workers` processes."""
    started = time.monotonic()
    job = recompute_job_create(day=timezone.localdate())
    chunks = list(range(len(job.chunks)))
    parts = [(tenant.pk, job.pk, chunks[w::workers]) for w in range(workers)]
    connections.close_all()
    if workers == 1:
        _run_chunks(parts[0])
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_run_chunks, parts)
    elapsed = time.monotonic() - started
    closing = time.monotonic()
    recompute_job_finish(job=job)  # closes the job and evaluates alerts
    alerts = time.monotonic() - closing
    scored = HealthScore.objects.filter(day=job.day).count()
    opened = HealthAlert.objects.filter(opened_on=job.day).count()
    assert scored == n, f"expected {n} scores, got {scored}"
    print(
        f"  {n:>7} accounts, {label}: recomputed in {elapsed:.1f}s "
        f"({n / elapsed:,.0f} accounts/s, {len(chunks)} chunks, {workers} workers); "
        f"then closing the job and evaluating alerts took {alerts:.1f}s "
        f"({opened:,} alerts opened)"
    )
    return elapsed


def bench(n: int, workers: int, modes: list[str], rounds: int) -> dict[str, list[float]]:
    """Generate once, then recompute the same data `rounds` times per mode, alternating
    (after one warm-up run), so both modes meet the same caches and the same load."""
    for stale in Tenant.objects.filter(slug=SLUG.format(n=n)):
        tenant_delete(tenant=stale)
    tenant = tenant_create(name=f"Bench {n}", slug=SLUG.format(n=n))
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    try:
        with tenant_scope(tenant), timezone.override(tenant.tzinfo):
            started = time.monotonic()
            # The generation skips FK triggers, which needs the owner (a superuser locally).
            with owner_connection(), transaction.atomic():
                _generate(tenant, n)
            print(f"  {n:>7} accounts: rollups generated in {time.monotonic() - started:.1f}s")
            _recompute(tenant, n, workers, "warm-up")
            for round_ in range(rounds):
                for mode in modes if round_ % 2 == 0 else modes[::-1]:
                    with rls_off_for_benchmarks() if mode == "off" else nullcontext():
                        times[mode].append(_recompute(tenant, n, workers, f"RLS {mode}"))
        return times
    finally:
        tenant_delete(tenant=tenant)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rls", choices=["on", "off", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="runs per mode, alternating")
    args = parser.parse_args()
    modes = ["off", "on"] if args.rls == "both" else [args.rls]
    print(f"Recompute bench ({args.workers} worker processes, row-level security {args.rls}):")
    results = {n: bench(int(n), args.workers, modes, args.rounds) for n in args.sizes.split(",")}
    for n, times in results.items():
        for mode, runs in times.items():
            print(
                f"RESULT recompute {n} accounts (RLS {mode}): median {median(runs):.1f}s "
                f"(range {min(runs):.1f}–{max(runs):.1f}s over {len(runs)} runs)"
            )
        if len(times) == 2:
            cost = median(times["on"]) / median(times["off"]) - 1
            print(f"RESULT recompute {n} accounts: row-level security costs {cost:+.1%} (medians)")


if __name__ == "__main__":
    main()
