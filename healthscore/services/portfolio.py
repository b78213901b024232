"""Portfolio aggregates (`PortfolioDay`): triggers keep them exact as scores are written; this
recounts a tenant from its scores after a load that ran without triggers (bench, restore)."""

from __future__ import annotations

from django.db import connection, transaction

from cs_platform.scoping import require_current_tenant


@transaction.atomic
def portfolio_days_rebuild() -> int:
    """Recount every day of the tenant in scope from its scores; returns the rows written."""
    tenant = require_current_tenant()
    with connection.cursor() as cursor:
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
