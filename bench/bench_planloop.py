"""Milestones against the score, behaviour segments and health by tier on 10,000 accounts.

Uses the configured database (DATABASE_URL). Creates a bench tenant with N accounts, 90 days
of usage rollups (as bench_recompute), two daily scores per account (today and 5 days ago),
a journey map with three milestones per account, then times the set-based reads and writes
of this part of issue #12 and prints the seconds. The bench tenant is removed afterwards.

    python bench/bench_planloop.py [--accounts 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_recompute  # sets up Django (and generates the rollups)
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from accounts.segments import segment_rules_apply, segment_rules_clean
from cs_platform.models import Tenant
from cs_platform.rls import owner_connection
from cs_platform.scoping import tenant_scope
from cs_platform.services import tenant_create, tenant_delete
from healthscore.models import Scorecard
from healthscore.selectors.milestones import milestone_score_states
from healthscore.services.milestones import milestone_risk_evaluate
from touchmodel.selectors import health_by_tier

SLUG = "bench-planloop"


def _scores_and_milestones(tenant: Tenant) -> None:
    today = timezone.localdate()
    version = Scorecard.objects.get(is_default=True).current_version_id
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO healthscore_healthscore (tenant_id, account_id, day, version_id, score,"
            " band, components, computed_at)"
            " SELECT %s, a.id, d.day, %s, s.score,"
            " CASE WHEN s.score >= 70 THEN 'green' WHEN s.score >= 40 THEN 'amber' ELSE 'red' END,"
            " '{}', now() FROM accounts_account a"
            " CROSS JOIN (VALUES (%s::date, 0), (%s::date - 5, 1)) d(day, k)"
            " CROSS JOIN LATERAL (SELECT ((a.id * 37 + d.k * 23) %% 100)::float AS score) s"
            " WHERE a.tenant_id = %s",
            [tenant.pk, version, today, today, tenant.pk],
        )
        cursor.execute(
            "INSERT INTO journeys_journeymap (tenant_id, account_id, title, created_at)"
            " SELECT %s, id, 'Bench', now() FROM accounts_account WHERE tenant_id = %s",
            [tenant.pk, tenant.pk],
        )
        cursor.execute(
            "INSERT INTO journeys_milestone (tenant_id, journey_map_id, account_id, title,"
            ' customer_goal, target_score, due_date, status, "order", created_at)'
            " SELECT %s, m.id, m.account_id, 'Milestone ' || i, '', 40 + (m.id * i) %% 50,"
            " %s::date + ((m.id + i * 11) %% 60)::int - 20, 'planned', i, now()"
            " FROM journeys_journeymap m CROSS JOIN generate_series(1, 3) i"
            " WHERE m.tenant_id = %s",
            [tenant.pk, today, tenant.pk],
        )
        cursor.execute("ANALYZE healthscore_healthscore")
        cursor.execute("ANALYZE journeys_milestone")


def _timed(label: str, call: Callable[[], Any]) -> Any:
    started = time.monotonic()
    result = call()
    print(f"  {label}: {time.monotonic() - started:.2f}s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    n = parser.parse_args().accounts
    for stale in Tenant.objects.filter(slug=SLUG):
        tenant_delete(tenant=stale)
    tenant = tenant_create(name="Bench planloop", slug=SLUG)
    try:
        with tenant_scope(tenant), timezone.override(tenant.tzinfo):
            # Generation skips FK triggers: the owner's (a superuser locally), not the app's.
            with owner_connection(), transaction.atomic():
                bench_recompute._generate(tenant, n)
                _scores_and_milestones(tenant)
            print(f"{n:,} accounts, {3 * n:,} milestones, 90 days of rollups:")
            frame = _timed("milestone states (all accounts)", milestone_score_states)
            print(f"    {frame['state'].value_counts().to_dict()}")
            created = _timed("at-risk tasks, first run", milestone_risk_evaluate)
            _timed("at-risk tasks, second run (idempotent)", milestone_risk_evaluate)
            print(f"    {len(created):,} at-risk milestones, one task each")
            for key, value in [
                ("usage_event_count", {"event": "login", "at_least": 5, "days": 30}),
                ("usage_active_days", {"at_most": 10, "days": 30}),
                ("health_score_fell", {"points": 20, "days": 7}),
            ]:
                rules = segment_rules_clean({key: value})
                count = _timed(
                    f"segment {key}",
                    lambda rules=rules: segment_rules_apply(Account.objects.all(), rules).count(),
                )
                print(f"    {count:,} accounts")
            _timed("health by touch tier", health_by_tier)
    finally:
        tenant_delete(tenant=tenant)


if __name__ == "__main__":
    main()
