"""Portfolio aggregates (`PortfolioDay` plus its `PortfolioDayDelta` rows): the triggers of
migration 0021 insert a delta for every write statement of scores; compaction folds the deltas
into the day rows; a rebuild recounts a tenant from its scores after a load that ran without
triggers (bench, restore).

Compaction is one statement: the deltas it deletes are exactly the ones it adds, so a read
(one statement: rows plus deltas) sees the same figures before and after it commits. Two
compactions never fold a delta twice: the second one's DELETE waits on the first's and skips
the rows it removed. Writers of scores never touch the day rows, so they never wait for it.
"""

from __future__ import annotations

from django.db import connection, transaction

from cs_platform.scoping import cross_tenant, require_current_tenant

# Read-side compaction starts once a read meets more deltas than this in its window.
COMPACT_AT = 500
_FOLD = """
WITH gone AS (
    DELETE FROM healthscore_portfoliodaydelta {where}
    RETURNING tenant_id, day, version_id, accounts, total, green, amber, red
)
INSERT INTO healthscore_portfolioday AS p
    (tenant_id, day, version_id, accounts, total, green, amber, red)
SELECT tenant_id, day, version_id, sum(accounts), sum(total), sum(green), sum(amber), sum(red)
FROM gone GROUP BY tenant_id, day, version_id ORDER BY tenant_id, day, version_id
ON CONFLICT (tenant_id, day, version_id) DO UPDATE SET
    accounts = p.accounts + EXCLUDED.accounts, total = p.total + EXCLUDED.total,
    green = p.green + EXCLUDED.green, amber = p.amber + EXCLUDED.amber, red = p.red + EXCLUDED.red
"""
# A day and version nobody is scored in any more (scores deleted) leaves no row behind; its
# total is set to exactly 0 by going (float sums of + and - leave crumbs).
_DROP_EMPTY = (
    "DELETE FROM healthscore_portfolioday WHERE accounts = 0 AND green = 0 AND amber = 0"
    " AND red = 0 {tenant}"
)


def portfolio_days_compact(*, wait: bool = False) -> int:
    """Fold the deltas of the tenant in scope into its day rows; returns the day rows written.

    Without `wait`, gives up at once (0) when another session of the tenant is compacting:
    a page read must not queue behind it."""
    tenant = require_current_tenant()
    with transaction.atomic(), connection.cursor() as cursor:
        lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        cursor.execute(f"SELECT {lock}(hashtext('junkan.portfolioday'), %s)", [tenant.pk])
        if cursor.fetchone()[0] is False:
            return 0
        cursor.execute(_FOLD.format(where="WHERE tenant_id = %s"), [tenant.pk])
        written = cursor.rowcount
        cursor.execute(_DROP_EMPTY.format(tenant="AND tenant_id = %s"), [tenant.pk])
        return written


def portfolio_days_compact_all() -> int:
    """Beat, hourly: fold every tenant's deltas (a tenant whose portfolio nobody reads and
    that runs no recompute compacts nowhere else). Returns the day rows written."""
    with cross_tenant("sweep"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_FOLD.format(where=""))
        written = cursor.rowcount
        cursor.execute(_DROP_EMPTY.format(tenant=""))
        return written


@transaction.atomic
def portfolio_days_rebuild() -> int:
    """Recount every day of the tenant in scope from its scores; returns the rows written.

    NOTE: for loads that ran without triggers, with no writer of the tenant's scores running:
    a write committed between the statements below would be counted twice."""
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM healthscore_portfoliodaydelta WHERE tenant_id = %s", [tenant.pk]
        )
        cursor.execute("DELETE FROM healthscore_portfolioday WHERE tenant_id = %s", [tenant.pk])
        cursor.execute(
            "INSERT INTO healthscore_portfolioday"
            " (tenant_id, day, version_id, accounts, total, green, amber, red)"
            " SELECT tenant_id, day, version_id, count(*), sum(score),"
            "  count(*) FILTER (WHERE band = 'green'), count(*) FILTER (WHERE band = 'amber'),"
            "  count(*) FILTER (WHERE band = 'red')"
            " FROM healthscore_healthscore WHERE tenant_id = %s"
            " GROUP BY tenant_id, day, version_id",
            [tenant.pk],
        )
        return cursor.rowcount
