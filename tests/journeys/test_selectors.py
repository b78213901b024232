from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from journeys.selectors import (
    activity_last_at_by_account,
    activity_rows_since,
    milestone_completed_rows_since,
    milestone_overdue_rows,
    phase_current_for_account,
    phase_entered_at_by_account,
    phase_funnel,
    phase_median_days,
)
from journeys.services import phase_transition
from tests.factories import AccountFactory, ContractFactory

from .factories import ActivityFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def _days_ago(now: dt.datetime, days: float) -> dt.datetime:
    return now - dt.timedelta(days=days)


def test_funnel_counts_accounts_per_phase_with_missing_rows_in_the_first(phases):
    a, b, _c = AccountFactory(), AccountFactory(), AccountFactory()
    phase_transition(account=a, to_phase=phases["onboarding"], actor=None)
    phase_transition(account=b, to_phase=phases["adoption"], actor=None)
    counts = {row.phase.key: row.accounts for row in phase_funnel()}
    assert counts == {"contract": 1, "onboarding": 1, "adoption": 1, "renewal": 0}


def test_funnel_sums_the_arr_of_active_contracts_per_phase(phases):
    a, b = AccountFactory(), AccountFactory()
    ContractFactory(account=a, arr=1_000_000)
    ContractFactory(account=b, arr=300_000)
    ContractFactory(account=b, arr=200_000)
    phase_transition(account=b, to_phase=phases["renewal"], actor=None)
    arr = {row.phase.key: row.arr for row in phase_funnel()}
    assert arr == {"contract": 1_000_000, "onboarding": 0, "adoption": 0, "renewal": 500_000}


def test_median_days_counts_finished_and_ongoing_stays(phases):
    now = timezone.now()
    for stay_days in (10, 20, 60):
        account = AccountFactory()
        start = _days_ago(now, 100)
        phase_transition(
            account=account, to_phase=phases["onboarding"], actor=None, occurred_at=start
        )
        phase_transition(
            account=account,
            to_phase=phases["adoption"],
            actor=None,
            occurred_at=start + dt.timedelta(days=stay_days),
        )
    medians = phase_median_days(now=now)
    assert medians[phases["onboarding"].pk] == pytest.approx(20)
    assert medians[phases["adoption"].pk] == pytest.approx(80)


def test_median_days_of_the_first_phase_runs_from_account_creation(phases):
    now = timezone.now()
    AccountFactory()  # created just now, never moved
    assert phase_median_days(now=now + dt.timedelta(days=3))[
        phases["contract"].pk
    ] == pytest.approx(3, abs=0.01)


def test_time_in_phase_runs_from_the_last_transition(phases):
    account = AccountFactory()
    phase_transition(
        account=account,
        to_phase=phases["onboarding"],
        actor=None,
        occurred_at=timezone.now() - dt.timedelta(days=12, hours=1),
    )
    current = phase_current_for_account(account=account)
    assert (current.phase, current.days) == (phases["onboarding"], 12)


def test_phase_entered_at_is_the_last_transition_or_account_creation(phases):
    entered = timezone.now() - dt.timedelta(days=12)
    moved, fresh = AccountFactory(), AccountFactory()
    phase_transition(account=moved, to_phase=phases["adoption"], actor=None, occurred_at=entered)
    result = phase_entered_at_by_account(account_ids=[moved.pk, fresh.pk])
    assert result == {
        moved.pk: (phases["adoption"].pk, entered),
        fresh.pk: (phases["contract"].pk, fresh.created_at),
    }


def test_phase_entered_at_is_empty_without_phases(scoped):
    AccountFactory()
    assert phase_entered_at_by_account() == {}


def test_last_activity_at_takes_the_latest_entry_leaving_out_excluded_kinds(scoped):
    now = timezone.now()
    account, quiet = AccountFactory(), AccountFactory()
    ActivityFactory(account=account, occurred_at=now - dt.timedelta(days=5))
    ActivityFactory(account=account, occurred_at=now - dt.timedelta(days=1), kind="health_alert")
    ActivityFactory(account=quiet, occurred_at=now, kind="tier_change")
    result = activity_last_at_by_account(exclude_kinds=["health_alert", "tier_change"])
    assert result == {account.pk: now - dt.timedelta(days=5)}


def test_activity_rows_since_lists_entries_of_the_kinds_from_that_time(scoped):
    now = timezone.now()
    recent = ActivityFactory(kind="meeting", occurred_at=now - dt.timedelta(days=1))
    ActivityFactory(kind="meeting", occurred_at=now - dt.timedelta(days=10))
    ActivityFactory(kind="note", occurred_at=now)
    rows = activity_rows_since(kinds=["meeting"], since=now - dt.timedelta(days=2))
    assert rows == [(recent.pk, recent.account_id, recent.occurred_at)]


def test_overdue_milestones_are_past_due_and_not_done_or_missed(scoped):
    today = timezone.localdate()
    late = MilestoneFactory(due_date=today - dt.timedelta(days=3), status="in_progress")
    MilestoneFactory(due_date=today - dt.timedelta(days=3), status="done")
    MilestoneFactory(due_date=today - dt.timedelta(days=3), status="missed")
    MilestoneFactory(due_date=today, status="planned")
    assert milestone_overdue_rows(as_of=today) == [(late.pk, late.account_id, late.due_date)]


def test_completed_milestones_are_done_on_or_after_the_date(scoped):
    today = timezone.localdate()
    done = MilestoneFactory(status="done", completed_on=today)
    MilestoneFactory(status="done", completed_on=today - dt.timedelta(days=30))
    MilestoneFactory(status="in_progress", completed_on=None)
    rows = milestone_completed_rows_since(since=today - dt.timedelta(days=7))
    assert rows == [(done.account_id, today)]
