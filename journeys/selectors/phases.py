"""Phase reads: current phase per account, history, time in phase, the funnel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account, LifecycleStatus
from accounts.selectors import account_list, account_list_annotated
from cs_platform.datacache import page_cached
from cs_platform.leanread import lean_columns, lean_model, lean_rows
from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import require_current_tenant

from ..models import AccountPhase, Phase, PhaseTransition


def phase_list() -> list[Phase]:
    """The tenant's phases in order (read once per page view: `cs_platform.requestmemo`, and
    kept for page views under the data version, which the phases raise)."""
    return list(
        request_memoized(
            ("journeys.phase_list", require_current_tenant().pk),
            lambda: page_cached(
                "journeys.phase_list", lambda: list(Phase.objects.order_by("order", "pk"))
            ),
        )
    )


def phase_first() -> Phase | None:
    """The first phase (from `phase_list`: no query of its own on a page that lists them)."""
    phases = phase_list()
    return phases[0] if phases else None


def account_phase_id_subquery() -> Subquery:
    return Subquery(AccountPhase.objects.filter(account=OuterRef("pk")).values("phase_id")[:1])


def accounts_with_phase_id(queryset: QuerySet[Account]) -> QuerySet[Account]:
    """Annotate `current_phase_id` (missing row → the first phase)."""
    first = phase_first()
    return queryset.annotate(
        current_phase_id=Coalesce(
            account_phase_id_subquery(),
            Value(first.pk if first else None),
            output_field=BigIntegerField(),
        )
    )


def account_in_phase_q(phase: Phase) -> Q:
    """Q over accounts in `phase`; accounts with no phase row count as the first phase."""
    in_phase = Q(Exists(AccountPhase.objects.filter(account=OuterRef("pk"), phase=phase)))
    first = phase_first()
    if first is not None and first.pk == phase.pk:
        return in_phase | ~Q(Exists(AccountPhase.objects.filter(account=OuterRef("pk"))))
    return in_phase


def accounts_in_phase(queryset: QuerySet[Account], phase: Phase) -> QuerySet[Account]:
    return queryset.filter(account_in_phase_q(phase))


def current_phase_by_account(*, account_ids: list[int] | None = None) -> dict[int, Phase]:
    """Each account's current phase (accounts with no phase row are in the first phase)."""
    phases = {p.pk: p for p in phase_list()}
    if not phases:
        return {}
    queryset = account_list(ids=account_ids)
    rows = (
        accounts_with_phase_id(queryset)
        .values_list("pk", "current_phase_id")  # type: ignore[misc]
        .order_by()
    )
    return {account_id: phases[phase_id] for account_id, phase_id in rows}


@dataclass(frozen=True)
class CurrentPhase:
    phase: Phase
    entered_at: dt.datetime | None

    @property
    def days(self) -> int | None:
        if self.entered_at is None:
            return None
        return (timezone.now() - self.entered_at).days


def phase_current_for_account(*, account: Account) -> CurrentPhase | None:
    """The account's phase and since when (entered_at is the account's creation if no row)."""
    # As SQL (cs_platform.leanread): Account 360's phase header reads it on a first view.
    rows = lean_rows(
        f"SELECT a.entered_at, {lean_columns(Phase, 'p', 'p__')} FROM journeys_accountphase a"
        " JOIN journeys_phase p ON p.id = a.phase_id"
        " WHERE a.tenant_id = %(tenant)s AND a.account_id = %(account)s",
        {"account": account.pk},
    )
    if rows:
        return CurrentPhase(
            phase=lean_model(Phase, rows[0], "p__"), entered_at=rows[0]["entered_at"]
        )
    first = phase_first()
    return CurrentPhase(phase=first, entered_at=account.created_at) if first else None


def phase_history_for_account(*, account: Account) -> QuerySet[PhaseTransition]:
    return (
        PhaseTransition.objects.filter(account=account)
        .select_related("from_phase", "to_phase", "actor")
        .order_by("-occurred_at", "-pk")
    )


@dataclass(frozen=True)
class FunnelRow:
    phase: Phase
    accounts: int
    arr: int
    median_days: float | None


# Each stay in a phase runs from entering it (a transition, or the account's creation for the
# first phase when it never moved) to the next transition or now.
_STAYS_SQL = """
WITH stays AS (
    SELECT t.to_phase_id AS phase_id,
           EXTRACT(EPOCH FROM (
               COALESCE(LEAD(t.occurred_at) OVER (
                   PARTITION BY t.account_id ORDER BY t.occurred_at, t.id), %(now)s)
               - t.occurred_at)) / 86400.0 AS days
    FROM journeys_phasetransition t
    WHERE t.tenant_id = %(tenant)s
    UNION ALL
    SELECT %(first)s AS phase_id,
           EXTRACT(EPOCH FROM (COALESCE(
               (SELECT MIN(t2.occurred_at) FROM journeys_phasetransition t2
                WHERE t2.tenant_id = %(tenant)s AND t2.account_id = a.id), %(now)s)
               - a.created_at)) / 86400.0 AS days
    FROM accounts_account a
    WHERE a.tenant_id = %(tenant)s
      AND NOT EXISTS (SELECT 1 FROM journeys_phasetransition t3
                      WHERE t3.tenant_id = %(tenant)s AND t3.account_id = a.id
                        AND t3.from_phase_id IS NULL)
)
SELECT phase_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
FROM stays WHERE days >= 0 GROUP BY phase_id
"""


def phase_median_days(*, now: dt.datetime | None = None) -> dict[int, float]:
    """Median days of every stay (finished or ongoing) in each phase, computed in SQL."""
    first = phase_first()
    if first is None:
        return {}
    params: dict[str, Any] = {
        "tenant": require_current_tenant().pk,
        "first": first.pk,
        "now": now or timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_STAYS_SQL, params)
        return {phase_id: float(median) for phase_id, median in cursor.fetchall()}


def phase_funnel(*, now: dt.datetime | None = None) -> list[FunnelRow]:
    """Customers (every account but the churned: the accounts the health score covers) and
    ARR per phase, and the median days accounts stay in each (all in SQL)."""
    phases = phase_list()
    if not phases:
        return []
    rows = (
        accounts_with_phase_id(
            account_list_annotated().exclude(lifecycle_status=LifecycleStatus.CHURNED)
        )
        .values("current_phase_id")  # type: ignore[misc]
        .annotate(n=Count("id"), total_arr=Sum("current_arr"))
        .values_list("current_phase_id", "n", "total_arr")
        .order_by()
    )
    totals = {phase_id: (n, total_arr or 0) for phase_id, n, total_arr in rows}
    medians = phase_median_days(now=now)
    return [
        FunnelRow(
            phase=p,
            accounts=totals.get(p.pk, (0, 0))[0],
            arr=int(totals.get(p.pk, (0, 0))[1]),
            median_days=medians.get(p.pk),
        )
        for p in phases
    ]


def phase_entered_at_by_account(
    *, account_ids: list[int] | None = None
) -> dict[int, tuple[int, dt.datetime]]:
    """{account_id: (phase_id, entered_at)} in one query; an account with no phase row is in
    the first phase since it was created (no phases at all: {})."""
    first = phase_first()
    queryset = account_list(ids=account_ids)
    row = AccountPhase.objects.filter(account=OuterRef("pk"))
    rows = (
        queryset.annotate(
            phase_id=Subquery(row.values("phase_id")[:1]),
            entered_at=Subquery(row.values("entered_at")[:1]),
        )
        .values_list("pk", "phase_id", "entered_at", "created_at")
        .order_by()
    )
    result: dict[int, tuple[int, dt.datetime]] = {}
    for account_id, phase_id, entered_at, created_at in rows:
        if phase_id is None:
            if first is None:
                continue
            phase_id, entered_at = first.pk, created_at
        result[account_id] = (phase_id, entered_at)
    return result


def phase_transition_rows() -> list[tuple[int, int, dt.datetime]]:
    """(account_id, to_phase_id, occurred_at) of every phase change of the tenant, oldest
    first: which phase an account was in on any past day (before its first change: the
    first phase)."""
    return list(
        PhaseTransition.objects.values_list("account_id", "to_phase_id", "occurred_at").order_by(
            "occurred_at", "pk"
        )
    )
