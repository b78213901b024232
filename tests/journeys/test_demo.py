from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from demo.journeys import journeys_seed_demo
from journeys.models import (
    AccountPhase,
    ActionStep,
    Activity,
    FeedbackItem,
    JourneyMap,
    Meeting,
    Milestone,
    MilestoneStatus,
    Phase,
    PhaseTransition,
    Task,
)
from journeys.selectors import phase_funnel
from tests.factories import AccountFactory, ContactFactory, ContractFactory

pytestmark = pytest.mark.django_db

MODELS = [
    AccountPhase,
    PhaseTransition,
    JourneyMap,
    Milestone,
    Meeting,
    Task,
    FeedbackItem,
    Activity,
]


@pytest.fixture
def portfolio(scoped):
    for _ in range(60):
        account = AccountFactory()
        ContactFactory(account=account)
        ContractFactory(account=account)
    return scoped


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seed_demo_spreads_every_account_over_the_four_phases(portfolio):
    journeys_seed_demo(tenant=portfolio, log=lambda _m: None)
    rows = phase_funnel()
    assert Phase.objects.count() == 4
    assert sum(r.accounts for r in rows) == 60
    assert AccountPhase.objects.count() == 60
    assert all(r.median_days is not None for r in rows if r.accounts)


def test_seed_demo_writes_maps_meetings_and_feedback(portfolio):
    journeys_seed_demo(tenant=portfolio, log=lambda _m: None)
    counts = _counts()
    assert counts["JourneyMap"] > 0
    assert counts["Milestone"] >= 4 * counts["JourneyMap"]
    assert counts["Meeting"] > 0
    assert counts["FeedbackItem"] > 0
    # Some customers see their success plan on Learn & Support, all of it; most do not.
    shared = JourneyMap.objects.filter(shared_with_customer=True)
    assert 0 < shared.count() < counts["JourneyMap"]
    assert (
        not Milestone.objects.filter(shared_with_customer=True)
        .exclude(journey_map__in=shared)
        .exists()
    )
    assert ActionStep.objects.filter(shared_with_customer=True).exists()


def test_seed_demo_a_second_time_changes_nothing(portfolio):
    journeys_seed_demo(tenant=portfolio, log=lambda _m: None)
    before = _counts()
    started = time.monotonic()
    journeys_seed_demo(tenant=portfolio, log=lambda _m: None)
    assert _counts() == before
    assert time.monotonic() - started < 2


def test_seed_demo_milestones_slip_before_a_churn_and_stop_after_it(scoped):
    """The story the backtest finds: milestones due in the months before a churn are missed
    or done late far more often than the others; none is due after the account left."""
    today = timezone.localdate()
    churned = {}
    for n in range(160):
        account = AccountFactory()
        if n % 2:
            churned[account.pk] = today - dt.timedelta(days=30 + n)
            ContractFactory(account=account, status="cancelled", renewal_date=churned[account.pk])
        else:
            ContractFactory(account=account)
    journeys_seed_demo(tenant=scoped, log=lambda _m: None)
    judged = Milestone.objects.filter(due_date__lt=today - dt.timedelta(days=14))
    slipped = {True: [0, 0], False: [0, 0]}
    for m in judged:
        loss = churned.get(m.account_id)
        before_loss = loss is not None and loss - dt.timedelta(days=150) <= m.due_date < loss
        late = m.status != MilestoneStatus.DONE or m.completed_on > m.due_date
        slipped[before_loss][0] += late
        slipped[before_loss][1] += 1
        assert loss is None or m.due_date < loss
    rate = {k: late / total for k, (late, total) in slipped.items()}
    assert slipped[True][1] >= 40
    assert rate[True] > 0.45 > 0.25 > rate[False]
