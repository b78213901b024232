"""Everything touchmodel reads from or writes to the apps below it, in one place.

The rest of touchmodel calls these functions only, so a change in accounts, journeys or
healthscore is absorbed here. All reads are set-based (one query per question) and return
plain dicts or pandas DataFrames keyed by account id.

NOTE: where a lower app has no set-based selector for a question yet (phase entry dates, last
activity per account, overdue and completed milestones, score history and usage windows over
many accounts, recompute status), the query reads that app's model through its scoped manager
here; swap in the selector once the owning app publishes one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Account, Segment
from accounts.selectors import account_list_annotated, segment_accounts


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


# --- accounts ---------------------------------------------------------------------------------


def account_facts(*, account_ids: list[int] | None = None) -> pd.DataFrame:
    """One row per account: id, owner_id, arr, business_potential, market_segment, created_at."""
    queryset = account_list_annotated()
    if account_ids is not None:
        queryset = queryset.filter(pk__in=account_ids)
    rows = queryset.values_list(
        "pk", "owner_id", "current_arr", "business_potential", "market_segment", "created_at"
    ).order_by()
    frame = _frame(
        rows,
        ["account_id", "owner_id", "arr", "business_potential", "market_segment", "created_at"],
    )
    frame["arr"] = frame["arr"].astype("int64")
    return frame


def segment_account_ids(*, segment: Segment) -> set[int]:
    return set(segment_accounts(segment).values_list("pk", flat=True))


# --- journeys ---------------------------------------------------------------------------------


def phase_choices() -> list[tuple[int, str]]:
    from journeys.selectors.phases import phase_list

    return [(p.pk, p.name) for p in phase_list()]


def phase_names() -> dict[int, str]:
    return dict(phase_choices())


def current_phase_ids(*, account_ids: list[int] | None = None) -> dict[int, int]:
    from journeys.selectors.phases import current_phase_by_account

    return {a: p.pk for a, p in current_phase_by_account(account_ids=account_ids).items()}


def phase_entries(*, account_ids: list[int] | None = None) -> pd.DataFrame:
    """account_id, phase_id, entered_at (an account with no phase row: first phase, since it
    was created)."""
    from journeys.models import AccountPhase
    from journeys.selectors.phases import phase_first

    first = phase_first()
    queryset = Account.objects.all()
    if account_ids is not None:
        queryset = queryset.filter(pk__in=account_ids)
    row = AccountPhase.objects.filter(account=OuterRef("pk"))
    rows = (
        queryset.annotate(
            phase_id=Subquery(row.values("phase_id")[:1]),
            entered_at=Subquery(row.values("entered_at")[:1]),
        )
        .values_list("pk", "phase_id", "entered_at", "created_at")
        .order_by()
    )
    frame = _frame(rows, ["account_id", "phase_id", "entered_at", "created_at"])
    missing = frame["phase_id"].isna()
    frame.loc[missing, "phase_id"] = first.pk if first else None
    frame.loc[missing, "entered_at"] = frame.loc[missing, "created_at"]
    frame = frame.dropna(subset=["phase_id"])
    frame["phase_id"] = frame["phase_id"].astype("int64")
    return frame[["account_id", "phase_id", "entered_at"]]


def last_activity_at(*, account_ids: list[int] | None = None) -> dict[int, dt.datetime]:
    from journeys.models import Activity

    queryset = Activity.objects.exclude(kind__in=["tier_change", "health_alert"])
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    rows = queryset.values("account_id").annotate(last=Max("occurred_at")).order_by()
    return dict(rows.values_list("account_id", "last"))


def activities_since(*, kinds: list[str], since: dt.datetime) -> pd.DataFrame:
    """id, account_id, occurred_at of timeline entries of `kinds` since `since`."""
    from journeys.models import Activity

    rows = (
        Activity.objects.filter(kind__in=kinds, occurred_at__gte=since)
        .values_list("pk", "account_id", "occurred_at")
        .order_by()
    )
    return _frame(rows, ["activity_id", "account_id", "occurred_at"])


def overdue_milestones(*, as_of: dt.date) -> pd.DataFrame:
    """milestone_id, account_id, due_date of milestones past due and not done."""
    from journeys.models import Milestone

    rows = (
        Milestone.objects.filter(due_date__lt=as_of, status__in=["planned", "in_progress"])
        .values_list("pk", "account_id", "due_date")
        .order_by()
    )
    return _frame(rows, ["milestone_id", "account_id", "due_date"])


def milestones_completed(*, since: dt.date) -> pd.DataFrame:
    from journeys.models import Milestone

    rows = (
        Milestone.objects.filter(status="done", completed_on__gte=since)
        .values_list("account_id", "completed_on")
        .order_by()
    )
    return _frame(rows, ["account_id", "completed_on"])


def record_activities(*, rows: list[dict[str, Any]]) -> int:
    from journeys.services import activity_record_bulk

    return activity_record_bulk(rows=rows)


def create_task(
    *,
    account: Account,
    title: str,
    due_date: dt.date,
    description: str,
    source_key: str,
    checklist: list[str],
) -> int:
    from journeys.services import task_create

    task = task_create(
        account=account,
        title=title,
        assignee=account.owner,
        due_date=due_date,
        description=description,
        source_key=source_key,
        checklist=checklist,
        origin="touchmodel",
    )
    return task.pk


# --- healthscore ------------------------------------------------------------------------------


def health_bands(*, account_ids: list[int] | None = None) -> dict[int, str]:
    """Band ("green", "amber", "red") of each account's latest score."""
    from healthscore.selectors import health_latest_by_account

    latest = health_latest_by_account(account_ids=account_ids)
    return {account_id: row["band"] for account_id, row in latest.items()}


def health_history(*, since: dt.date, account_ids: list[int] | None = None) -> pd.DataFrame:
    """account_id, day, score for every scored day since `since`."""
    from healthscore.models import HealthScore

    queryset = HealthScore.objects.filter(day__gte=since)
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    rows = queryset.values_list("account_id", "day", "score").order_by()
    return _frame(rows, ["account_id", "day", "score"])


def usage_daily(*, since: dt.date, until: dt.date) -> pd.DataFrame:
    """account_id, day, count: usage events per account and day (all events summed)."""
    from django.db.models import Sum

    from healthscore.models import UsageDaily

    rows = (
        UsageDaily.objects.filter(day__gte=since, day__lt=until)
        .values("account_id", "day")
        .annotate(n=Sum("count"))
        .values_list("account_id", "day", "n")
        .order_by()
    )
    return _frame(rows, ["account_id", "day", "count"])


def today() -> dt.date:
    return timezone.localdate()


def active_account_ids() -> set[int]:
    return set(
        Account.objects.filter(lifecycle_status="active").values_list("pk", flat=True).order_by()
    )


def contracts_renewing(*, start: dt.date, end: dt.date) -> pd.DataFrame:
    """contract_id, account_id, renewal_date of active contracts renewing in [start, end]."""
    from accounts.models import Contract, ContractStatus

    rows = (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE, renewal_date__gte=start, renewal_date__lte=end
        )
        .values_list("pk", "account_id", "renewal_date")
        .order_by()
    )
    return _frame(rows, ["contract_id", "account_id", "renewal_date"])


def contract_outcomes(*, account_ids: list[int]) -> pd.DataFrame:
    """contract_id, account_id, arr, renewal_date, status, previous_id, previous_arr."""
    from accounts.models import Contract

    rows = (
        Contract.objects.filter(account_id__in=account_ids)
        .values_list("pk", "account_id", "arr", "renewal_date", "status", "previous_id")
        .order_by()
    )
    frame = _frame(
        rows, ["contract_id", "account_id", "arr", "renewal_date", "status", "previous_id"]
    )
    arr = dict(zip(frame["contract_id"], frame["arr"], strict=True))
    frame["previous_arr"] = frame["previous_id"].map(arr)
    return frame


def executive_contacts_since(*, since: dt.datetime) -> pd.DataFrame:
    """contact_id, account_id of executive-level contacts added since `since`."""
    from accounts.models import Contact, RelationshipLevel

    rows = (
        Contact.objects.filter(
            relationship_level=RelationshipLevel.EXECUTIVE, created_at__gte=since
        )
        .values_list("pk", "account_id")
        .order_by()
    )
    return _frame(rows, ["contact_id", "account_id"])


def recompute_finished(*, day: dt.date) -> bool:
    """Has the nightly health recompute for `day` finished in the tenant in scope?"""
    from healthscore.models import RecomputeJob

    return RecomputeJob.objects.filter(day=day, status="done").exists()


def _unnest_starts(starts: dict[int, dt.date]) -> tuple[list[int], list[dt.date]]:
    ids = list(starts)
    return ids, [starts[a] for a in ids]


def usage_windows(*, starts: dict[int, dt.date], days: int) -> pd.DataFrame:
    """account_id, before, after: usage events summed over the `days` before each account's
    start day and the `days` from it on (one aggregate query over the daily rollups)."""
    from django.db import connection

    from cs_platform.scoping import require_current_tenant
    from healthscore.models import UsageDaily

    if not starts:
        return pd.DataFrame(columns=["account_id", "before", "after"])
    ids, t0 = _unnest_starts(starts)
    sql = f"""
        SELECT s.account_id,
               COALESCE(SUM(u.count) FILTER (WHERE u.day < s.t0), 0) AS before,
               COALESCE(SUM(u.count) FILTER (WHERE u.day >= s.t0), 0) AS after
        FROM unnest(%s::bigint[], %s::date[]) AS s(account_id, t0)
        LEFT JOIN {UsageDaily._meta.db_table} u
          ON u.tenant_id = %s AND u.account_id = s.account_id
         AND u.day >= s.t0 - %s AND u.day < s.t0 + %s
        GROUP BY s.account_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, t0, require_current_tenant().pk, days, days])
        rows = cursor.fetchall()
    return _frame(rows, ["account_id", "before", "after"]).astype(
        {"before": "float64", "after": "float64"}
    )


def health_at(*, points: dict[int, tuple[dt.date, dt.date]]) -> pd.DataFrame:
    """account_id, before, after: each account's latest score on or before its two days."""
    from django.db import connection

    from cs_platform.scoping import require_current_tenant
    from healthscore.models import HealthScore

    if not points:
        return pd.DataFrame(columns=["account_id", "before", "after"])
    ids = list(points)
    table = HealthScore._meta.db_table
    latest = (
        f"(SELECT h.score FROM {table} h WHERE h.tenant_id = %s AND h.account_id = s.account_id "
        "AND h.day <= s.{col} ORDER BY h.day DESC LIMIT 1)"
    )
    sql = (
        f"SELECT s.account_id, {latest.format(col='t0')} AS before, "
        f"{latest.format(col='t1')} AS after "
        "FROM unnest(%s::bigint[], %s::date[], %s::date[]) AS s(account_id, t0, t1)"
    )
    tenant_id = require_current_tenant().pk
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                tenant_id,
                tenant_id,
                ids,
                [points[a][0] for a in ids],
                [points[a][1] for a in ids],
            ],
        )
        rows = cursor.fetchall()
    return _frame(rows, ["account_id", "before", "after"])
