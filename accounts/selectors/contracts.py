"""Reads of contracts: history, ARR movements, renewals. One query per question."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from cs_platform.leanread import lean_columns, lean_model, lean_rows

from ..models import Account, Contract, ContractStatus

# A contract that still runs (its renewal is ahead, or its ARR counts).
LIVE_CONTRACT_STATUSES = [ContractStatus.ACTIVE, ContractStatus.RENEWED, ContractStatus.EXPANDED]


@dataclass(frozen=True, slots=True)
class OwnerRenewal:
    """A live contract of an owner's account renewing soon, as My work lists it."""

    pk: int
    account_id: int
    account_name: str
    renewal_date: dt.date
    arr: Any
    currency: str


_OWNER_RENEWALS_SQL = f"""
SELECT c.id, c.account_id, a.name, c.renewal_date, c.arr, c.currency
FROM {Contract._meta.db_table} c
JOIN {Account._meta.db_table} a ON a.id = c.account_id
WHERE c.tenant_id = %(tenant)s AND c.account_owner_id = %(owner)s AND c.status = ANY(%(live)s)
  AND c.renewal_date >= %(since)s AND c.renewal_date <= %(until)s
ORDER BY c.renewal_date, c.id
LIMIT %(limit)s
"""


def renewals_of_owner(
    *, owner_id: int, today: dt.date, days: int = 90, limit: int
) -> list[OwnerRenewal]:
    """The first `limit` live contracts of the owner's accounts renewing within `days` of
    `today`, soonest first: one hand-written read (a hot page's list: `cs_platform.leanread`).
    The owner is read from the contract's copy (accounts 0018), so `contract_owner_renewal_idx`
    gives the owner's rows in date order: only the rows shown are read, however few of the
    tenant's renewals are the owner's."""
    rows = lean_rows(
        _OWNER_RENEWALS_SQL,
        {
            "live": [str(s) for s in LIVE_CONTRACT_STATUSES],
            "owner": owner_id,
            "since": today,
            "until": today + dt.timedelta(days=days),
            "limit": limit,
        },
    )
    return [OwnerRenewal(*row.values()) for row in rows]


def contract_list(*, live_only: bool = False, account_ids: Any = None) -> QuerySet[Contract]:
    """The tenant's contracts: only the live ones if `live_only`, of `account_ids` if given."""
    contracts = Contract.objects.all()
    if live_only:
        contracts = contracts.filter(status__in=LIVE_CONTRACT_STATUSES)
    if account_ids is not None:
        contracts = contracts.filter(account_id__in=account_ids)
    return contracts


def contract_history(account: Account) -> QuerySet[Contract]:
    """Every contract of the account, oldest first, with the one it renewed or expanded."""
    return (
        Contract.objects.filter(account=account)
        .select_related("previous")
        .order_by("start_date", "created_at", "id")
    )


def contract_history_of(*, account_id: int) -> list[Contract]:
    """`contract_history` as SQL (cs_platform.leanread), the one renewed or expanded loaded:
    every Account 360 view reads it."""
    rows = lean_rows(
        f"SELECT {lean_columns(Contract, 'c')}, {lean_columns(Contract, 'p', 'p__')}"
        " FROM accounts_contract c LEFT JOIN accounts_contract p ON p.id = c.previous_id"
        " WHERE c.tenant_id = %(tenant)s AND c.account_id = %(account)s"
        " ORDER BY c.start_date, c.created_at, c.id",
        {"account": account_id},
    )
    contracts = []
    for row in rows:
        contract = lean_model(Contract, row)
        contract.previous = (
            lean_model(Contract, row, "p__") if contract.previous_id is not None else None
        )
        contracts.append(contract)
    return contracts


@dataclass(frozen=True)
class ArrMovements:
    since: dt.date
    until: dt.date
    new_arr: int
    new_count: int
    renewed_arr: int
    renewed_count: int
    expansion_arr: int
    expansion_count: int
    contraction_arr: int
    churned_arr: int
    churned_count: int

    @property
    def net_new_arr(self) -> int:
        return self.new_arr + self.expansion_arr - self.contraction_arr - self.churned_arr


def arr_movements(since: dt.date, until: dt.date) -> ArrMovements:
    """ARR won, kept, grown and lost between two dates (inclusive), tenant-wide.

    - new: contracts with no predecessor starting in the window;
    - renewed: renewals starting in the window (the part of the old ARR that was kept);
    - expansion: growth over the predecessor, for renewals and expansions;
    - contraction: renewals at a lower ARR than before;
    - churned: cancelled or expired contracts whose term ended in the window.
    """
    zero = Value(0)
    renewal = Q(previous__status=ContractStatus.RENEWED)
    successor = Q(previous__isnull=False)
    started = Contract.objects.filter(start_date__gte=since, start_date__lte=until).aggregate(
        new_arr=Coalesce(Sum("arr", filter=Q(previous__isnull=True)), zero),
        new_count=Count("id", filter=Q(previous__isnull=True)),
        renewed_arr=Coalesce(Sum(Least("arr", "previous__arr"), filter=renewal), zero),
        renewed_count=Count("id", filter=renewal),
        expansion_arr=Coalesce(
            Sum(Greatest(F("arr") - F("previous__arr"), zero), filter=successor), zero
        ),
        expansion_count=Count("id", filter=successor & Q(arr__gt=F("previous__arr"))),
        contraction_arr=Coalesce(
            Sum(Greatest(F("previous__arr") - F("arr"), zero), filter=renewal), zero
        ),
    )
    churned = Contract.objects.filter(
        status__in=[ContractStatus.CANCELLED, ContractStatus.EXPIRED],
        renewal_date__gte=since,
        renewal_date__lte=until,
    ).aggregate(churned_arr=Coalesce(Sum("arr"), zero), churned_count=Count("id"))
    return ArrMovements(since=since, until=until, **started, **churned)


def contract_renewing_rows(*, start: dt.date, end: dt.date) -> list[tuple[int, int, dt.date]]:
    """(contract_id, account_id, renewal_date) of active contracts renewing on a day in
    [start, end]."""
    rows = (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE, renewal_date__gte=start, renewal_date__lte=end
        )
        .values_list("pk", "account_id", "renewal_date")
        .order_by()
    )
    return list(rows)


def contract_history_rows(
    *, account_ids: list[int]
) -> list[tuple[int, int, int, dt.date, str, int | None]]:
    """(contract_id, account_id, arr, renewal_date, status, previous_id) of every contract
    of the accounts, in any status: the renewal and expansion history of many accounts."""
    rows = (
        Contract.objects.filter(account_id__in=account_ids)
        .values_list("pk", "account_id", "arr", "renewal_date", "status", "previous_id")
        .order_by()
    )
    return list(rows)


# What happened to an account at the end of a contract term, as the backtest reads it.
OUTCOME_CHURNED = "churned"
OUTCOME_DOWNSOLD = "downsold"
OUTCOME_RENEWED = "renewed"
OUTCOME_EXPANDED = "expanded"


def contract_outcome_rows() -> list[tuple[int, dt.date, str]]:
    """(account_id, day, outcome) of every dated contract outcome of the tenant, in one query.

    - churned: a cancelled or expired contract, on its renewal date (the day it ended);
    - renewed / expanded / downsold: a contract that renews or expands another, on its start
      date, by its ARR against the one before (equal / higher / lower).
    """
    churned = (
        Contract.objects.filter(status__in=[ContractStatus.CANCELLED, ContractStatus.EXPIRED])
        .values_list("account_id", "renewal_date")
        .order_by()
    )
    successors = (
        Contract.objects.filter(previous__isnull=False)
        .values_list("account_id", "start_date", "arr", "previous__arr")
        .order_by()
    )
    rows: list[tuple[int, dt.date, str]] = [(a, day, OUTCOME_CHURNED) for a, day in churned]
    for account_id, start, arr, before in successors:
        if arr > before:
            kind = OUTCOME_EXPANDED
        elif arr < before:
            kind = OUTCOME_DOWNSOLD
        else:
            kind = OUTCOME_RENEWED
        rows.append((account_id, start, kind))
    return rows


def contract_term_rows() -> list[tuple[int, dt.date, dt.date]]:
    """(account_id, start_date, renewal_date) of every contract of the tenant, in any status:
    the days each account was a customer."""
    return list(Contract.objects.values_list("account_id", "start_date", "renewal_date").order_by())
