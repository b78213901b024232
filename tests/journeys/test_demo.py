from __future__ import annotations

import time

import pytest

from demo.journeys import journeys_seed_demo
from journeys.models import (
    AccountPhase,
    Activity,
    FeedbackItem,
    JourneyMap,
    Meeting,
    Milestone,
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


def test_seed_demo_a_second_time_changes_nothing(portfolio):
    journeys_seed_demo(tenant=portfolio, log=lambda _m: None)
    before = _counts()
    started = time.monotonic()
    journeys_seed_demo(tenant=portfolio, log=lambda _m: None)
    assert _counts() == before
    assert time.monotonic() - started < 2
