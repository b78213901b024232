"""Demo: the year before the seeded 90 days, so the backtest has outcomes to test against.

The story the backtest should find: accounts that later churned or were downsold carried
signal beforehand (fewer active users, fewer active days, fewer features in the ~4 months
before the loss), with noise (a quarter of them show nothing; a few healthy accounts have a
bad patch too). Rollups are written set-based in SQL (the recent 90 days stay as they are,
sent through the ingestion service), then the Mondays of that year are scored by the
recompute's history path (`healthscore_recompute_history(customers_only=True)`), churned
accounts included up to the day they churned (they were customers then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection, transaction

from accounts.models import Account
from accounts.selectors import OUTCOME_CHURNED, OUTCOME_DOWNSOLD, contract_outcome_rows
from cs_platform.models import Tenant
from healthscore.models import KeyEvent
from healthscore.services.backtest import sample_days
from healthscore.services.recompute import healthscore_recompute_history

YEAR = 365
RECENT = 90  # the days the ingestion-based demo already covers
DECLINE_DAYS = 120


def _signal_table(tenant: Tenant, today: dt.date) -> None:
    """demo_signal(account_id, seats, loss_day, depth, ended): how each account fades."""
    losses: dict[int, tuple[dt.date, str]] = {}
    for account_id, day, kind in contract_outcome_rows():
        earlier = account_id not in losses or day < losses[account_id][0]
        if kind in (OUTCOME_CHURNED, OUTCOME_DOWNSOLD) and day <= today and earlier:
            losses[account_id] = (day, kind)
    rows = list(Account.objects.values_list("id", "licensed_seats").order_by("id"))
    loss_days = [losses[a][0] if a in losses else None for a, _seats in rows]
    loss_kinds = [losses[a][1] if a in losses else None for a, _seats in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demo_signal (account_id bigint, seats int, loss_day date,"
            " depth float8, ended boolean) ON COMMIT DROP"
        )
        # Noise by construction: a quarter of the losses show no decline; one healthy account
        # in twelve has a bad patch of its own (a fake loss day nobody ever sees).
        cursor.execute(
            "INSERT INTO demo_signal"
            " SELECT a, s, coalesce(l, CASE WHEN random() < 1.0 / 12"
            "  THEN %(today)s::date - (90 + floor(random() * 250))::int END),"
            "  CASE WHEN l IS NOT NULL AND random() < 0.25 THEN 0"
            "   WHEN k = 'churned' THEN 0.7 WHEN k = 'downsold' THEN 0.45 ELSE 0.5 END,"
            "  coalesce(k = 'churned', false)"
            " FROM unnest(%(ids)s::bigint[], %(seats)s::int[], %(days)s::date[], %(kinds)s::text[])"
            "  AS t(a, s, l, k)",
            {
                "today": today,
                "ids": [a for a, _seats in rows],
                "seats": [seats for _a, seats in rows],
                "days": loss_days,
                "kinds": loss_kinds,
            },
        )


def _rollups(tenant: Tenant, today: dt.date, names: list[str]) -> None:
    """A year of daily rollups before the recent 90 days, fading before each loss."""
    first = today - dt.timedelta(days=YEAR + 60)
    last = today - dt.timedelta(days=RECENT + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE demo_days ON COMMIT DROP AS"
            " SELECT s.account_id, g::date AS day, s.seats,"
            # NOTE: least/greatest skip NULLs, so an account with no loss day is spelled out.
            "  CASE WHEN s.loss_day IS NULL THEN 0.85 ELSE greatest(0.05, 0.85 - s.depth"
            "   * greatest(0, least(1, 1 - (s.loss_day - g::date) / %(decline)s::float8)))"
            "  END AS intensity"
            " FROM demo_signal s CROSS JOIN generate_series(%(first)s::date, %(last)s::date,"
            "  interval '1 day') g"
            " WHERE NOT (s.ended AND g::date >= s.loss_day)",
            {"first": first, "last": last, "decline": DECLINE_DAYS},
        )
        cursor.execute(
            "DELETE FROM demo_days WHERE random() > intensity * 0.8"  # inactive days
        )
        cursor.execute(
            "INSERT INTO healthscore_usagedaily (tenant_id, account_id, day, event, count)"
            " SELECT %(t)s, account_id, day,"
            "  (%(names)s::text[])[1 + floor(random() * greatest(1, ceil(intensity"
            "   * cardinality(%(names)s::text[]))))::int], 1 + floor(random() * 4)::int"
            " FROM demo_days CROSS JOIN generate_series(1, 2) j"
            " ON CONFLICT DO NOTHING",
            {"t": tenant.pk, "names": names},
        )
        cursor.execute(
            "INSERT INTO healthscore_contactdaily (tenant_id, account_id, contact_key, day)"
            " SELECT %(t)s, account_id, 'demo-u' || account_id || '-' || floor(random()"
            "  * greatest(1, round(least(seats, 40) * intensity)))::int, day"
            " FROM demo_days CROSS JOIN generate_series(1, 2) j"
            " ON CONFLICT DO NOTHING",
            {"t": tenant.pk},
        )


def healthscore_seed_demo_year(
    *, tenant: Tenant, today: dt.date, log: Callable[[str], None]
) -> int:
    """Rollups and Monday scores for the year before the recent 90 days (idempotent: a
    tenant with rollups that old is left as it is)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM healthscore_usagedaily WHERE tenant_id = %s"
            " AND day < %s)",
            [tenant.pk, today - dt.timedelta(days=RECENT + 1)],
        )
        if cursor.fetchone()[0]:
            return 0
    names = [*KeyEvent.objects.order_by("name").values_list("name", flat=True), "search"]
    with transaction.atomic():
        _signal_table(tenant, today)
        _rollups(tenant, today, names)
        # The year's Mondays with the published scorecards, for the accounts that were
        # customers on each of them (churned ones included, before their churn); the alerts
        # are today's work, not the past's.
        mondays = sample_days(
            first=today - dt.timedelta(days=YEAR), last=today - dt.timedelta(days=RECENT + 1)
        )
        scored = healthscore_recompute_history(days=mondays, alert_days=0, customers_only=True)
    log(f"{tenant.slug}: a year of weekly scores before the recent history ({scored} scores).")
    return scored
