"""The planner's capacity is cached under the data version and recomputed after a write to
what it reads (issue #16)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AccountFactory
from touchmodel.models import AccountTier, Tier, TouchSettings
from touchmodel.selectors import capacity_overview

pytestmark = pytest.mark.django_db


def _tiers(scoped) -> dict[str, int]:
    return capacity_overview().accounts_per_tier


def test_a_second_view_reads_no_accounts(scoped):
    AccountFactory.create_batch(3)
    first = capacity_overview()
    with CaptureQueriesContext(connection) as captured:
        again = capacity_overview()
    assert again.accounts_per_tier == first.accounts_per_tier
    assert not [q for q in captured.captured_queries if '"accounts_account"' in q["sql"]]


def test_a_tier_change_is_seen_at_once(scoped):
    accounts = AccountFactory.create_batch(3)
    TouchSettings.objects.update_or_create(defaults={"default_tier": Tier.TECH})
    assert _tiers(scoped)[Tier.HIGH] == 0
    AccountTier.objects.create(account=accounts[0], tier=Tier.HIGH, source="manual")
    assert _tiers(scoped)[Tier.HIGH] == 1
    AccountTier.objects.filter(account=accounts[0]).update(tier=Tier.LOW)
    assert _tiers(scoped)[Tier.HIGH] == 0


def test_a_new_default_tier_is_seen_at_once(scoped):
    AccountFactory.create_batch(2)
    TouchSettings.objects.update_or_create(defaults={"default_tier": Tier.TECH})
    assert _tiers(scoped)[Tier.TECH] == 2
    TouchSettings.objects.update(default_tier=Tier.LOW)
    assert _tiers(scoped)[Tier.LOW] == 2 and _tiers(scoped)[Tier.TECH] == 0


def test_a_new_account_is_seen_at_once(scoped):
    AccountFactory.create_batch(2)
    before = sum(_tiers(scoped).values())
    AccountFactory()
    assert sum(_tiers(scoped).values()) == before + 1
