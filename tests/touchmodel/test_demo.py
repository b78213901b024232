import time

import pytest

from demo.touchmodel import touchmodel_seed_demo
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from touchmodel.models import (
    AccountTier,
    OutboundEmail,
    Rule,
    RuleFiring,
    Seminar,
    SeminarRegistration,
    TouchProgram,
    UserGroupMember,
)

pytestmark = pytest.mark.django_db

MODELS = [
    AccountTier,
    TouchProgram,
    Rule,
    RuleFiring,
    OutboundEmail,
    Seminar,
    SeminarRegistration,
    UserGroupMember,
]


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def portfolio(scoped):
    for n in range(40):
        account = AccountFactory(business_potential="high" if n % 3 == 0 else "medium")
        ContractFactory(account=account, arr=500_000 * (n % 15))
        ContactFactory(account=account)


def test_seed_demo_fills_programs_seminars_and_a_history_of_firings(tenant, portfolio):
    touchmodel_seed_demo(tenant=tenant, log=lambda message: None)
    counts = _counts()
    assert all(counts[name] > 0 for name in counts), counts


def test_seed_demo_twice_leaves_the_same_demo(tenant, portfolio):
    touchmodel_seed_demo(tenant=tenant, log=lambda message: None)
    first = _counts()
    started = time.monotonic()
    touchmodel_seed_demo(tenant=tenant, log=lambda message: None)
    assert _counts() == first
    assert time.monotonic() - started < 5
