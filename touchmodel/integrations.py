"""Everything touchmodel reads from or writes to the apps below it, in one place.

The rest of touchmodel calls these functions only, so a change in accounts, journeys or
healthscore is absorbed here. All reads are set-based (one query per question) and return
plain dicts or pandas DataFrames keyed by account id.

accounts, journeys and healthscore are read only through their selectors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.utils import timezone

from accounts.models import Account, Segment
from accounts.selectors import (
    account_active_ids,
    account_list_annotated,
    contact_executive_rows_since,
    contact_list,
    contract_history_rows,
    contract_renewing_rows,
    segment_accounts,
)
from cs_platform.sql import rows_frame
from healthscore.selectors import (
    health_latest_by_account,
    health_scores_at,
    health_scores_between,
    recompute_job_finished,
    usage_totals_around,
    usage_totals_by_day,
)
from journeys.selectors import (
    activity_last_at_by_account,
    activity_refs,
    activity_rows_since,
    meeting_rows_for_programs,
    milestone_completed_rows_since,
    milestone_overdue_rows,
    phase_entered_at_by_account,
)
from journeys.selectors.phases import current_phase_by_account, phase_list
from journeys.services import TaskSpec, activity_record_bulk, task_create, task_create_bulk

FIRING_REF = "firing:"


# --- accounts ---------------------------------------------------------------------------------


def account_facts(*, account_ids: list[int] | None = None) -> pd.DataFrame:
    """One row per account: id, owner_id, arr, business_potential, market_segment, created_at."""
    queryset = account_list_annotated()
    if account_ids is not None:
        queryset = queryset.filter(pk__in=account_ids)
    rows = queryset.values_list(
        "pk", "owner_id", "current_arr", "business_potential", "market_segment", "created_at"
    ).order_by()
    frame = rows_frame(
        rows,
        ["account_id", "owner_id", "arr", "business_potential", "market_segment", "created_at"],
    )
    frame["arr"] = frame["arr"].astype("int64")
    return frame


def segment_account_ids(*, segment: Segment) -> set[int]:
    return set(segment_accounts(segment).values_list("pk", flat=True))


# --- journeys ---------------------------------------------------------------------------------


def phase_choices() -> list[tuple[int, str]]:

    return [(p.pk, p.name) for p in phase_list()]


def phase_names() -> dict[int, str]:
    return dict(phase_choices())


def current_phase_ids(*, account_ids: list[int] | None = None) -> dict[int, int]:

    return {a: p.pk for a, p in current_phase_by_account(account_ids=account_ids).items()}


def phase_entries(*, account_ids: list[int] | None = None) -> pd.DataFrame:
    """account_id, phase_id, entered_at (an account with no phase row: first phase, since it
    was created)."""

    entries = phase_entered_at_by_account(account_ids=account_ids)
    frame = rows_frame(
        ((a, p, at) for a, (p, at) in entries.items()), ["account_id", "phase_id", "entered_at"]
    )
    frame["phase_id"] = frame["phase_id"].astype("int64")
    return frame


def last_activity_at(*, account_ids: list[int] | None = None) -> dict[int, dt.datetime]:

    return activity_last_at_by_account(
        account_ids=account_ids, exclude_kinds=["tier_change", "health_alert"]
    )


def activities_since(
    *, kinds: list[str], since: dt.datetime, data: dict[str, Any] | None = None
) -> pd.DataFrame:
    """id, account_id, occurred_at of timeline entries of `kinds` since `since` (whose data
    holds `data`, when given)."""

    rows = activity_rows_since(kinds=kinds, since=since, data_contains=data)
    return rows_frame(rows, ["activity_id", "account_id", "occurred_at"])


def reads_from_firings() -> pd.DataFrame:
    """account_id, touched_at, firing_id of known readers' reads that a rule firing's e-mail
    link brought (content records the link's ref, "firing:<id>", on the timeline entry)."""

    rows = activity_refs(kinds=["content_view"], ref_prefix=FIRING_REF)
    frame = rows_frame(rows, ["account_id", "touched_at", "ref"])
    ids = pd.to_numeric(frame["ref"].str.removeprefix(FIRING_REF), errors="coerce")
    return (
        frame.assign(firing_id=ids)
        .dropna(subset=["firing_id"])[["account_id", "touched_at", "firing_id"]]
        .astype({"firing_id": "int64"})
    )


def meetings_for_programs(*, program_ids: list[int]) -> pd.DataFrame:
    """program_id, account_id, touched_at of 1:1 meetings logged against these programmes."""

    return rows_frame(
        meeting_rows_for_programs(program_ids=program_ids),
        ["program_id", "account_id", "touched_at"],
    )


def overdue_milestones(*, as_of: dt.date) -> pd.DataFrame:
    """milestone_id, account_id, due_date of milestones past due and not done."""

    return rows_frame(
        milestone_overdue_rows(as_of=as_of), ["milestone_id", "account_id", "due_date"]
    )


def milestones_completed(*, since: dt.date) -> pd.DataFrame:

    return rows_frame(milestone_completed_rows_since(since=since), ["account_id", "completed_on"])


def record_activities(*, rows: list[dict[str, Any]]) -> int:

    return activity_record_bulk(rows=rows)


def create_task(
    *,
    account: Account,
    title: str,
    due_date: dt.date,
    description: str,
    source_key: str,
    checklist: list[str],
    kind: str = "",
    data: dict[str, Any] | None = None,
) -> int:

    task = task_create(
        account=account,
        title=title,
        assignee=account.owner,
        due_date=due_date,
        description=description,
        source_key=source_key,
        checklist=checklist,
        origin="touchmodel",
        kind=kind,
        data=data,
    )
    return task.pk


def create_tasks(*, tasks: list[dict[str, Any]]) -> dict[str, int]:
    """Tasks for the accounts' owners, set-based: each dict has account_id, title, due_date,
    description, source_key, checklist (and kind + data: what happened, for the title in each
    reader's language). Returns the task id of each source_key."""

    specs = [
        TaskSpec(
            account_id=t["account_id"],
            title=t["title"],
            due_date=t["due_date"],
            description=t["description"],
            source_key=t["source_key"],
            checklist=t["checklist"],
            origin="touchmodel",
            kind=t.get("kind", ""),
            data=t.get("data") or {},
        )
        for t in tasks
    ]
    return task_create_bulk(specs=specs)


# --- healthscore ------------------------------------------------------------------------------


def health_bands(*, account_ids: list[int] | None = None) -> dict[int, str]:
    """Band ("green", "amber", "red") of each account's latest score."""

    latest = health_latest_by_account(account_ids=account_ids)
    return {account_id: row["band"] for account_id, row in latest.items()}


def health_latest() -> dict[int, dict[str, Any]]:
    """{account_id: {"score", "band", "day"}} of every account's latest score."""

    return health_latest_by_account()


def health_history(*, since: dt.date, account_ids: list[int] | None = None) -> pd.DataFrame:
    """account_id, day, score for every scored day since `since`, the intra-day ("now")
    score as the latest day where the nightly has not scored it yet: rules see a score that
    moved minutes ago, and key its episode by the same day the nightly will."""

    rows = health_scores_between(start=since, account_ids=account_ids, with_now=True)
    return rows_frame(rows, ["account_id", "day", "score"])


def usage_daily(*, since: dt.date, until: dt.date) -> pd.DataFrame:
    """account_id, day, count: usage events per account and day (all events summed)."""

    rows = usage_totals_by_day(start=since, end=until - dt.timedelta(days=1))
    return rows_frame(rows, ["account_id", "day", "count"])


def today() -> dt.date:
    return timezone.localdate()


def active_account_ids() -> set[int]:
    return account_active_ids()


def contracts_renewing(*, start: dt.date, end: dt.date) -> pd.DataFrame:
    """contract_id, account_id, renewal_date of active contracts renewing in [start, end]."""
    rows = contract_renewing_rows(start=start, end=end)
    return rows_frame(rows, ["contract_id", "account_id", "renewal_date"])


def contract_outcomes(*, account_ids: list[int]) -> pd.DataFrame:
    """contract_id, account_id, arr, renewal_date, status, previous_id, previous_arr."""
    rows = contract_history_rows(account_ids=account_ids)
    frame = rows_frame(
        rows, ["contract_id", "account_id", "arr", "renewal_date", "status", "previous_id"]
    )
    arr = dict(zip(frame["contract_id"], frame["arr"], strict=True))
    frame["previous_arr"] = frame["previous_id"].map(arr)
    return frame


def executive_contacts_since(*, since: dt.datetime) -> pd.DataFrame:
    """contact_id, account_id of executive-level contacts added since `since`."""
    return rows_frame(contact_executive_rows_since(since=since), ["contact_id", "account_id"])


def contact_names(*, ids: list[int]) -> dict[int, str]:
    return dict(contact_list(ids=ids).values_list("pk", "name"))


def recompute_finished(*, day: dt.date) -> bool:
    """Has the nightly health recompute for `day` finished in the tenant in scope?"""

    return recompute_job_finished(day=day)


def usage_windows(*, starts: dict[int, dt.date], days: int) -> pd.DataFrame:
    """account_id, before, after: usage events summed over the `days` before each account's
    start day and the `days` from it on (one aggregate query over the daily rollups)."""

    if not starts:
        return pd.DataFrame(columns=["account_id", "before", "after"])
    rows = usage_totals_around(starts=starts, days=days)
    return rows_frame(rows, ["account_id", "before", "after"]).astype(
        {"before": "float64", "after": "float64"}
    )


def health_at(*, points: dict[int, tuple[dt.date, dt.date]]) -> pd.DataFrame:
    """account_id, before, after: each account's latest score on or before its two days."""

    if not points:
        return pd.DataFrame(columns=["account_id", "before", "after"])
    return rows_frame(health_scores_at(points=points), ["account_id", "before", "after"])
