"""The account list's tier filter is a semi-join on the stored tiers plus, when the tenant's
default tier is asked for, the accounts never placed: the same accounts, in the list's order,
as the tier the list shows (issue #16)."""

import pytest

from accounts.selectors import account_filter
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContractFactory
from tests.touchmodel.factories import AccountTierFactory, TouchSettingsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(tenant):
    with tenant_scope(tenant):
        for i in range(8):
            account = AccountFactory(name=f"段{i % 3}")
            if i % 3:
                ContractFactory(account=account, arr=500 * (i % 2))
            if i < 5:
                AccountTierFactory(account=account, tier=("high", "low", "tech")[i % 3])
        yield tenant


def _shown(ordering: str) -> list[tuple[int, str]]:
    return [(a.pk, a.tier) for a in account_filter(ordering=ordering)]


@pytest.mark.parametrize("default", ["tech", "low"])
@pytest.mark.parametrize("asked", [["high"], ["low"], ["tech"], ["high", "tech"], ["nope"]])
def test_the_tier_filter_keeps_the_accounts_the_list_shows_in_that_tier(placed, default, asked):
    TouchSettingsFactory(default_tier=default)
    for ordering in ("-arr", "name", "tier"):
        expected = [pk for pk, tier in _shown(ordering) if tier in asked]
        found = list(
            account_filter(extensions={"tier": asked}, ordering=ordering).values_list(
                "pk", flat=True
            )
        )
        assert found == expected, (ordering, asked, default)
