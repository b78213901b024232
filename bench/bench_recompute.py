"""Recompute time for 1,000 / 10,000 / 100,000 accounts with 90 days of usage rollups.

Uses the configured database (DATABASE_URL). For each size it creates a bench tenant, its
accounts and 90 days of daily rollups set-based in SQL, then scores every account for today
with the production chunk code (`recompute_job_run_chunk`), in `--workers` processes as the
Celery pool would, and prints the seconds. The bench tenants are removed afterwards.

With `--rls both` (the default) the same data is recomputed `--rounds` times in each mode,
alternating: as the application's role under row-level security, and as the owner with no
policy and no settings sent (`--rls off`); it prints both, and what the second wall costs.

    python bench/bench_recompute.py [--sizes 1000,10000,100000] [--workers 2] [--rls both]
        [--rounds 3] [--triggers compare]

With `--triggers compare` (row-level security on) it alternates instead between the database
triggers all on (`all`), the same with the data version raising one counter row per tenant as
before migration 0008 (`row`), the portfolio triggers adding to one row per day as before
migration 0021 (`portfolio-row`), the data-version triggers off (`no-version`: see
`cs_platform.datacache`) and those and the portfolio triggers off (`none`), and prints what each
costs. Every run reads the tenant's data version first, so its row exists as it does in
production once a cached page was viewed (the triggers only UPDATE an existing row). A thread
samples `pg_stat_activity` every 5 ms and prints how often a recompute statement waited for a
lock, and on which statement.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

import django
import psycopg2

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cs_platform.datacache import data_version  # noqa: E402
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
# CPU seconds (the chunks' processes and their database backends) of each run, by its label:
# on a shared machine they vary less than the wall time.
CPU_SECONDS: dict[tuple[int, str], list[float]] = {}
EVENTS = ["login", "report_viewed", "integration_connected", "member_invited", "search"]
TRIGGER_MODES = ["all", "portfolio-row", "row", "no-version", "none"]
# The data version as it was before migration 0008: one counter row per tenant, raised by an
# UPDATE in every write statement (mode `row`); the other modes use the bumps of 0008.
_MIGRATION = importlib.import_module("cs_platform.migrations.0008_data_version_bumps")
BUMP_BY_UPDATE = _MIGRATION.BUMP_BY_UPDATE.split("-- Back to one counter")[0]
BUMP_BY_INSERT = _MIGRATION.BUMP_BY_INSERT
# The portfolio aggregates as before migration 0021: each statement of scores adds to the day's
# `PortfolioDay` row (mode `portfolio-row`); the other modes insert deltas.
_PORTFOLIO = importlib.import_module("healthscore.migrations.0021_portfolio_day_deltas")


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


def _backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (from /proc: the server
    runs on this machine), or 0 where it cannot be read."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_chunks(args: tuple[int, int, list[int]]) -> tuple[int, float, float]:
    """Score the chunks; (how many, CPU seconds of this process, of its database backend)."""
    tenant_id, job_id, indexes = args
    connections.close_all()
    tenant = Tenant.objects.get(pk=tenant_id)
    started, backend = time.process_time(), _backend_cpu()
    with tenant_scope(tenant), timezone.override(tenant.tzinfo):
        job = RecomputeJob.objects.get(pk=job_id)
        cache: dict = {}
        for index in indexes:
            recompute_job_run_chunk(job=job, index=index, cache=cache)
    spent = (time.process_time() - started, _backend_cpu() - backend)
    connections.close_all()
    return len(indexes), *spent


def _recompute(tenant: Tenant, n: int, workers: int, label: str) -> float:
    """One manual recompute job of every account, its chunks in `workers` processes."""
    started = time.monotonic()
    job = recompute_job_create(day=timezone.localdate())
    chunks = list(range(len(job.chunks)))
    parts = [(tenant.pk, job.pk, chunks[w::workers]) for w in range(workers)]
    connections.close_all()
    if workers == 1:
        done = [_run_chunks(parts[0])]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            done = pool.map(_run_chunks, parts)
    elapsed = time.monotonic() - started
    python_cpu = sum(d[1] for d in done)
    database_cpu = sum(d[2] for d in done)
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
        f"({opened:,} alerts opened); CPU {python_cpu:.1f}s in Python,"
        f" {database_cpu:.1f}s in PostgreSQL"
    )
    CPU_SECONDS.setdefault((n, label), []).append(python_cpu + database_cpu)
    return elapsed


def _set_triggers(mode: str) -> None:
    """Turn the data-version triggers (and with `none` the portfolio triggers) on or off; with
    `row`, the data version raises one counter row as before migration 0008."""
    version = "DISABLE" if mode in ("no-version", "none") else "ENABLE ALWAYS"
    portfolio = "DISABLE" if mode == "none" else "ENABLE ALWAYS"
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute(BUMP_BY_UPDATE if mode == "row" else BUMP_BY_INSERT)
        cursor.execute(
            _PORTFOLIO.APPLY_BY_UPSERT if mode == "portfolio-row" else _PORTFOLIO.APPLY_BY_DELTA
        )
        # The watched tables are the ones the migrations gave a data-version trigger.
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger"
            " WHERE tgname LIKE 'junkan\\_data\\_version\\_%%'"
        )
        watched = [table for (table,) in cursor.fetchall()]
        for op in ("insert", "update", "delete"):
            for table in watched:
                cursor.execute(f"ALTER TABLE {table} {version} TRIGGER junkan_data_version_{op}")
            trigger = f"healthscore_portfolio_{op}"
            cursor.execute(f"ALTER TABLE healthscore_healthscore {portfolio} TRIGGER {trigger}")


@contextmanager
def lock_waits(report: Counter) -> Iterator[None]:
    """Count, every 5 ms, the backends of this database waiting for a lock, by statement
    (`report["samples"]` is the number of samples)."""
    owner = settings.DATABASE_OWNER
    conn = psycopg2.connect(
        dbname=owner["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"],
        host=owner["HOST"],
        port=owner["PORT"],
    )
    conn.autocommit = True
    stop = threading.Event()

    def sample() -> None:
        with conn.cursor() as cursor:
            while not stop.is_set():
                cursor.execute(
                    # The statement after the scope's set_config, with its lock.
                    "SELECT left(regexp_replace(regexp_replace(query, '^SELECT set_config"
                    "[^;]*; ', ''), '\\s+', ' ', 'g'), 70) || ' [' || wait_event || ']'"
                    " FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                report.update(row[0] for row in cursor.fetchall())
                report["samples"] += 1
                time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        conn.close()


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
            data_version()  # its row exists, as in production once a cached page was read
            _recompute(tenant, n, workers, "warm-up")
            for round_ in range(rounds):
                for mode in modes if round_ % 2 == 0 else modes[::-1]:
                    if mode in TRIGGER_MODES:
                        _set_triggers(mode)
                        waits: Counter = Counter()
                        with lock_waits(waits):
                            times[mode].append(_recompute(tenant, n, workers, f"triggers {mode}"))
                        _print_waits(waits)
                        continue
                    with rls_off_for_benchmarks() if mode == "off" else nullcontext():
                        times[mode].append(_recompute(tenant, n, workers, f"RLS {mode}"))
        return times
    finally:
        if any(mode in TRIGGER_MODES for mode in modes):
            _set_triggers("all")
        tenant_delete(tenant=tenant)


def _print_waits(waits: Counter) -> None:
    samples = waits.pop("samples", 0)
    waited = sum(waits.values())
    print(f"    lock waits: {waited} backend-samples in {samples} samples of 5 ms")
    for query, count in waits.most_common(3):
        print(f"      {count:>5} × {query}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rls", choices=["on", "off", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="runs per mode, alternating")
    parser.add_argument(
        "--triggers", choices=["on", "compare"], default="on", help="compare: see the docstring"
    )
    args = parser.parse_args()
    modes = ["off", "on"] if args.rls == "both" else [args.rls]
    if args.triggers == "compare":
        modes = TRIGGER_MODES
    print(
        f"Recompute bench ({args.workers} worker processes, row-level security {args.rls}, "
        f"triggers {args.triggers}, load average {os.getloadavg()[0]:.1f}):"
    )
    results = {n: bench(int(n), args.workers, modes, args.rounds) for n in args.sizes.split(",")}
    for n, times in results.items():
        for mode, runs in times.items():
            label = f"triggers {mode}" if mode in TRIGGER_MODES else f"RLS {mode}"
            print(
                f"RESULT recompute {n} accounts ({label}): median {median(runs):.2f}s "
                f"(range {min(runs):.2f}–{max(runs):.2f}s over {len(runs)} runs)"
            )
        for (size, label), runs in CPU_SECONDS.items():
            if size == int(n) and label != "warm-up":
                print(
                    f"RESULT recompute {n} accounts ({label}): CPU median {median(runs):.2f}s"
                    " (Python and PostgreSQL)"
                )
        if "all" in times:
            for mode in ("portfolio-row", "row", "no-version", "none"):
                cost = median(times["all"]) / median(times[mode]) - 1
                print(f"RESULT recompute {n} accounts: triggers all vs {mode}: {cost:+.1%}")
        if len(times) == 2:
            cost = median(times["on"]) / median(times["off"]) - 1
            print(f"RESULT recompute {n} accounts: row-level security costs {cost:+.1%} (medians)")


if __name__ == "__main__":
    main()
