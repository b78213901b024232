"""Backtest and weight suggestion for 100,000 accounts × 365 days of score history.

Uses the configured database (DATABASE_URL). Creates a bench tenant whose default scorecard
has four components, 100,000 accounts with contracts (8% cancelled on a day of the past
year, 6% renewed at a lower ARR, the rest live) and their daily scores set-based in SQL
(`generate_series`, as bench_recompute.py does): points fall in the 120 days before a loss,
with noise. Then it runs the production backtest of the published version
(`backtest_compute`) and prints the seconds of the backtest (read, label, evaluate) and of
the suggestion (time split, fit, held-out evaluation), and the peak memory of the process.
The bench tenant is removed afterwards.

Each stage prints its wall seconds and the CPU seconds of this process and of its database
backend (the database runs on this machine, /proc): on a machine loaded by others the wall
time mostly measures the wait for a core, the CPU seconds the work. The load average is
printed before and after. Parallel workers of the database are not counted: the chunk reads
of a draft plan without them (`read_binary(by_index=True)`); only the draft's first-rollup-day
query (one scan of the tenant's usage rollups, ~1 s) may still use two. The stored scores
are read from their narrow Monday copy (`ScoreSample`, kept by triggers, so the generated
scores fill it too).

The first fit of a process imports scikit-learn (and scipy.stats): about 3 CPU-seconds,
once per worker process. The bench times that import on its own line before the run, so
the stages show what every later backtest of a worker costs.

The backtest reads one day a week (the Mondays); by default only those days of the year are
written, which is what the backtest reads (the other six days a week are never read: the
score index is on (tenant, day)). `--every-day` writes all 365 days (≈7× the disk and time).

`--draft` writes a year of daily usage rollups instead of scores (usage and active users, ~⅓
of the days active, fewer in the 120 days before a loss) and backtests the same definition as
a draft: the past days are scored from the rollups with the recompute's engine (`source:
rescored`).

`--keep` leaves the bench tenant in place, and a later run with `--keep` reuses it instead of
generating the data again (for repeated runs: generation takes minutes at 100,000 accounts).

    python bench/bench_backtest.py [--accounts 100000] [--every-day] [--draft] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from importlib import import_module
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cs_platform.settings.dev")
os.environ["DEBUG"] = "false"

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account  # noqa: E402
from cs_platform.models import Tenant  # noqa: E402
from cs_platform.rls import owner_connection  # noqa: E402
from cs_platform.scoping import tenant_scope  # noqa: E402
from cs_platform.services import tenant_create, tenant_delete  # noqa: E402
from healthscore.models import Scorecard  # noqa: E402
from healthscore.services.backtest import backtest_compute, sample_days  # noqa: E402
from healthscore.services.scorecards import scorecard_publish  # noqa: E402

SLUG = "bench-backtest"
KEYS = ["active_users", "active_days", "trend", "renewal"]


def _definition() -> dict:
    ranges = {"type": "ranges", "ranges": [{"min": 0, "points": 0}, {"min": 50, "points": 100}]}
    return {
        "bands": {"green": 70, "amber": 40},
        "groups": [],
        "components": [
            {"key": "active_users", "label": "Active users", "measure": "active_user_ratio",
             "params": {"days": 30}, "group": None, "weight": 40, "scheme": ranges},
            {"key": "active_days", "label": "Active days", "measure": "active_days",
             "params": {"days": 30}, "group": None, "weight": 30, "scheme": ranges},
            {"key": "trend", "label": "Trend", "measure": "usage_trend",
             "params": {"days": 30}, "group": None, "weight": 15, "scheme": ranges},
            {"key": "renewal", "label": "Days to renewal", "measure": "days_to_renewal",
             "params": {}, "group": None, "weight": 15, "scheme": ranges},
        ],
    }  # fmt: skip


def _generate(
    tenant: Tenant, n: int, days: list[dt.date], version_id: int, *, scores: bool = True
) -> None:
    today = timezone.localdate(timezone=tenant.tzinfo)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        # NOTE: bench data is consistent by construction; without the per-row FK triggers
        # (needs a superuser, as the local development server has) the commit does not check
        # millions of references one by one.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO accounts_account (tenant_id, name, external_id, domain, industry,"
            " market_segment, licensed_seats, lifecycle_status, business_potential,"
            " potential_arr, maturity_stage, created_at, updated_at)"
            " SELECT %s, 'Bench ' || g, 'bench-' || g, '', '',"
            " (ARRAY['smb', 'mid_market', 'enterprise'])[1 + g %% 3], 10, 'active', 'medium', 0,"
            " 0, now(), now() FROM generate_series(1, %s) g",
            [tenant.pk, n],
        )
        # One contract per account; r decides its fate: < 0.08 churned on a day of the past
        # year, < 0.14 renewed at a lower ARR on such a day, else live for another year.
        cursor.execute(
            "CREATE TEMP TABLE bench_fate ON COMMIT DROP AS SELECT id AS account_id,"
            " random() AS r, %s::date - (1 + floor(random() * 364))::int AS loss_day"
            " FROM accounts_account WHERE tenant_id = %s",
            [today, tenant.pk],
        )
        cursor.execute("ANALYZE bench_fate")
        # The successors join the contracts just inserted (a CTE), not the whole table.
        cursor.execute(
            "WITH first AS (INSERT INTO accounts_contract (tenant_id, account_id, external_id,"
            "  plan, arr, currency, start_date, renewal_date, status, created_at)"
            " SELECT %(t)s, account_id, '', 'P', 1000000, 'JPY', %(start)s::date,"
            "  CASE WHEN r < 0.14 THEN loss_day ELSE %(today)s::date + 200 END,"
            "  CASE WHEN r < 0.08 THEN 'cancelled' WHEN r < 0.14 THEN 'renewed' ELSE 'active' END,"
            "  now() FROM bench_fate RETURNING id, account_id)"
            " INSERT INTO accounts_contract (tenant_id, account_id, external_id, plan, arr,"
            " currency, start_date, renewal_date, status, previous_id, created_at)"
            " SELECT %(t)s, f.account_id, '', 'P', 700000, 'JPY', f.loss_day, f.loss_day + 365,"
            "  'active', first.id, now() FROM first JOIN bench_fate f USING (account_id)"
            " WHERE f.r >= 0.08 AND f.r < 0.14",
            {"t": tenant.pk, "start": today - dt.timedelta(days=500), "today": today},
        )
        if not scores:
            return
        # Scores: points near 30 in the 120 days before a loss (for 3 losses in 4), near 70
        # otherwise, each component with its own noise; renewal points are pure noise.
        cursor.execute(
            "INSERT INTO healthscore_healthscore (tenant_id, account_id, day, version_id,"
            " score, band, components, computed_at)"
            " SELECT %(t)s, account_id, d, %(v)s, score,"
            "  CASE WHEN score >= 70 THEN 'green' WHEN score >= 40 THEN 'amber' ELSE 'red' END,"
            "  jsonb_build_object("
            "   'active_users', jsonb_build_object('value', p1, 'points', p1, 'weight', 40),"
            "   'active_days', jsonb_build_object('value', p2, 'points', p2, 'weight', 30),"
            "   'trend', jsonb_build_object('value', p3, 'points', p3, 'weight', 15),"
            "   'renewal', jsonb_build_object('value', p4, 'points', p4, 'weight', 15)), now()"
            " FROM (SELECT account_id, d, p1, p2, p3, p4,"
            "  round((p1 * 0.4 + p2 * 0.3 + p3 * 0.15 + p4 * 0.15)::numeric, 2)::float8 AS score"
            "  FROM (SELECT f.account_id, d,"
            "   round(greatest(0, least(100, m + 25 * (random() - 0.5) * 2)))::float8 AS p1,"
            "   round(greatest(0, least(100, m + 35 * (random() - 0.5) * 2)))::float8 AS p2,"
            "   round(greatest(0, least(100, 55 + (m - 55) * 0.3 + 40 * (random() - 0.5) * 2)))"
            "    ::float8 AS p3,"
            "   floor(random() * 101)::float8 AS p4"
            "   FROM bench_fate f CROSS JOIN unnest(%(days)s::date[]) AS d"
            "   CROSS JOIN LATERAL (SELECT CASE WHEN f.r < 0.14 AND (f.r * 1000)::int %% 4 < 3"
            "    AND f.loss_day > d AND f.loss_day - d <= 120 THEN 30 ELSE 70 END AS m) mm"
            "   WHERE NOT (f.r < 0.08 AND d >= f.loss_day)) pts) scored"
            " ORDER BY d",
            {"t": tenant.pk, "v": version_id, "days": days},
        )


def _generate_rollups(tenant: Tenant, first: dt.date) -> None:
    """Daily rollups from `first` to today: active on 3 days in 10 (1 in 10 in the 120
    days before a loss, for 3 losses in 4), one event row and one active user per active day."""
    today = timezone.localdate(timezone=tenant.tzinfo)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "CREATE TEMP TABLE bench_active ON COMMIT DROP AS"
            " SELECT f.account_id, d::date AS day FROM bench_fate f"
            " CROSS JOIN generate_series(%(first)s::date, %(today)s::date, interval '1 day') d"
            " WHERE NOT (f.r < 0.08 AND d::date >= f.loss_day)"
            "  AND random() < CASE WHEN f.r < 0.14 AND (f.r * 1000)::int %% 4 < 3"
            "   AND f.loss_day > d::date AND f.loss_day - d::date <= 120 THEN 0.1 ELSE 0.3 END",
            {"first": first, "today": today},
        )
        cursor.execute(
            "INSERT INTO healthscore_usagedaily (tenant_id, account_id, day, event, count)"
            " SELECT %s, account_id, day, 'login', 1 + floor(random() * 4)::int"
            " FROM bench_active",
            [tenant.pk],
        )
        cursor.execute(
            "INSERT INTO healthscore_contactdaily (tenant_id, account_id, contact_key, day)"
            " SELECT %s, account_id, 'u' || floor(random() * 8)::int, day FROM bench_active",
            [tenant.pk],
        )


class Clock:
    """Wall seconds, and the CPU seconds of this process and of its database backend (read
    from /proc: the database runs on this machine). On a machine loaded by others the wall
    time mostly measures the queue for a core; the CPU seconds measure the work."""

    def __init__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.ticks = os.sysconf("SC_CLK_TCK")

    def backend_cpu(self) -> float:
        try:
            fields = self.backend.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a database on another machine: not measured
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / self.ticks

    def now(self) -> tuple[float, float, float]:
        return time.monotonic(), time.process_time(), self.backend_cpu()


def _span(start: tuple[float, float, float], end: tuple[float, float, float]) -> str:
    wall, ours, database = (b - a for a, b in zip(start, end, strict=True))
    return f"{wall:.1f}s wall, CPU {ours:.1f}s here + {database:.1f}s database"


def _load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def _slug(draft: bool, accounts: int) -> str:
    """One bench tenant per kind and size, so runs of each can be kept side by side."""
    slug = f"{SLUG}-draft" if draft else SLUG
    return slug if accounts == 100_000 else f"{slug}-{accounts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--every-day", action="store_true")
    parser.add_argument("--draft", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    slug = _slug(args.draft, args.accounts)
    tenant = Tenant.objects.filter(slug=slug).first()
    reuse = False
    if args.keep and tenant is not None:
        with tenant_scope(tenant):
            reuse = Account.objects.exists()  # not a tenant left empty by a killed run
    if tenant is not None and not reuse:
        tenant_delete(tenant=tenant)
    if not reuse:
        tenant = tenant_create(name="Bench backtest", slug=slug)
    try:
        with tenant_scope(tenant), timezone.override(tenant.tzinfo):
            card = Scorecard.objects.get(is_default=True)
            today = timezone.localdate()
            first = today - dt.timedelta(days=364)
            if not reuse:
                card.draft = _definition()
                card.save(update_fields=["draft"])
                scorecard_publish(scorecard=card)
                card.refresh_from_db()
                days = (
                    [first + dt.timedelta(days=i) for i in range(365)]
                    if args.every_day
                    else sample_days(first=first, last=today)
                )
                started = time.monotonic()
                # Generation skips FK triggers: the owner's (a superuser locally), not the app's.
                with owner_connection(), transaction.atomic():
                    _generate(
                        tenant, args.accounts, days, card.current_version_id, scores=not args.draft
                    )
                    if args.draft:
                        # Back 60 days (two 30-day trend windows) before the first day.
                        _generate_rollups(tenant, first - dt.timedelta(days=60))
                # NOTE: after the commit: ANALYZE inside the transaction would hold its lock
                # (which conflicts with any other ANALYZE of these tables) for the whole run.
                with connection.cursor() as cursor:
                    for table in (
                        "accounts_contract",
                        "healthscore_healthscore",
                        "healthscore_usagedaily",
                        "healthscore_contactdaily",
                    ):
                        cursor.execute(f"ANALYZE {table}")
                print(f"generated in {time.monotonic() - started:.1f}s")
            version = card.current_version
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT (SELECT count(*) FROM healthscore_healthscore WHERE tenant_id = %s),"
                    " (SELECT count(*) FROM healthscore_usagedaily WHERE tenant_id = %s)",
                    [tenant.pk, tenant.pk],
                )
                rows, rollups = cursor.fetchone()
            print(
                f"{Account.objects.count():,} accounts: {rows:,} daily scores, "
                f"{rollups:,} daily usage rollups"
            )
            print(f"before: {_load()}")
            clock = Clock()
            marks: dict[str, tuple[float, float, float]] = {}

            def progress(percent: int, stage: str) -> None:
                now = clock.now()
                marks.setdefault(str(percent), now)
                print(f"  {_span(begun, now)} {percent:3d}% {stage}", flush=True)

            started_import = clock.now()
            import_module("sklearn.linear_model")
            print(f"scikit-learn import (once per process): {_span(started_import, clock.now())}")
            begun = clock.now()
            result = backtest_compute(
                scorecard=card,
                definition=version.definition,
                version=None if args.draft else version,
                today=today,
                progress=progress,
            )
            ended = clock.now()
            fit_start = marks["85"]  # the suggestion's stage
            read_end = marks["60"]  # after reading (or scoring) the samples
            churn = result["horizons"][0]["churn"]
            suggestion = result["suggestion"]
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"  90 days: {churn['samples']:,} account-days, {churn['events']:,} churn events,"
                f" AUC {churn['auc']['value']:.3f} [{churn['auc']['low']:.3f}–"
                f"{churn['auc']['high']:.3f}]"
            )
            if suggestion["available"]:
                weights = {w["key"]: w["suggested"] for w in suggestion["weights"]}
                print(
                    f"  suggestion: {weights}; held-out AUC current "
                    f"{suggestion['current']['auc']['value']:.3f} → suggested "
                    f"{suggestion['suggested']['auc']['value']:.3f}"
                )
            what = "draft, rescored" if args.draft else "version, stored scores"
            print(f"  source: {result['source']}, {result['sample_days']} sampled days")
            print(f"RESULT read of the samples ({what}): {_span(begun, read_end)}")
            print(
                f"RESULT backtest of a {what} (read, label, evaluate 90+180 days): "
                f"{_span(begun, fit_start)}"
            )
            print(f"RESULT suggestion (split, fit, held-out): {_span(fit_start, ended)}")
            print(f"RESULT total: {_span(begun, ended)}")
            print(f"RESULT peak memory: {peak:,.0f} MB")
            print(f"after: {_load()}")
    finally:
        if not args.keep:
            tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
