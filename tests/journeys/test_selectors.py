from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from journeys.selectors import phase_current_for_account, phase_funnel, phase_median_days
from journeys.services import phase_transition
from tests.factories import AccountFactory, ContractFactory

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
