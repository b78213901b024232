import pytest

from journeys.models import Activity
from tests.factories import AccountFactory, ContractFactory, SegmentFactory, UserFactory
from tests.healthscore.factories import HealthScoreFactory
from tests.journeys.factories import AccountPhaseFactory, PhaseFactory
from touchmodel.models import AccountTier, TierSource
from touchmodel.services import tier_override, tier_override_clear, tiers_assign

from .factories import TierRuleFactory, TouchSettingsFactory

pytestmark = pytest.mark.django_db


def _tier(account):
    return AccountTier.objects.get(account=account).tier


def test_first_matching_rule_sets_the_tier(scoped):
    big = AccountFactory()
    ContractFactory(account=big, arr=10_000_000)
    small = AccountFactory()
    ContractFactory(account=small, arr=500_000)
    TierRuleFactory(position=1, tier="high", arr_min=5_000_000)
    TierRuleFactory(position=2, tier="low", arr_min=0)
    tiers_assign()
    assert (_tier(big), _tier(small)) == ("high", "low")


def test_rule_order_decides_when_two_rules_match(scoped):
    account = AccountFactory(business_potential="high")
    TierRuleFactory(position=2, tier="high", business_potentials=["high"])
    TierRuleFactory(position=1, tier="low", business_potentials=["high"])
    tiers_assign()
    assert _tier(account) == "low"


def test_accounts_no_rule_matches_get_the_default_tier(scoped):
    TouchSettingsFactory(default_tier="low")
    account = AccountFactory(market_segment="smb")
    TierRuleFactory(tier="high", market_segments=["enterprise"])
    tiers_assign()
    row = AccountTier.objects.get(account=account)
    assert (row.tier, row.source) == ("low", TierSource.DEFAULT)


def test_rules_can_match_phase_health_band_and_segment(scoped):
    PhaseFactory(order=1)
    phase = PhaseFactory(order=2)
    in_phase = AccountFactory(name="in-phase")
    AccountPhaseFactory(account=in_phase, phase=phase)
    red = AccountFactory(name="red")
    HealthScoreFactory(account=red, score=20, band="red")
    segmented = AccountFactory(name="seg", industry="HR")
    segment = SegmentFactory(rules={"industries": ["HR"]})
    TierRuleFactory(position=1, tier="high", phase_ids=[phase.pk])
    TierRuleFactory(position=2, tier="high", health_bands=["red"])
    TierRuleFactory(position=3, tier="low", segment=segment)
    TouchSettingsFactory(default_tier="tech")
    tiers_assign()
    assert [_tier(a) for a in (in_phase, red, segmented)] == ["high", "high", "low"]


def test_a_tier_change_is_written_to_the_timeline(scoped):
    account = AccountFactory()
    contract = ContractFactory(account=account, arr=100)
    TierRuleFactory(tier="high", arr_min=1000)
    TouchSettingsFactory(default_tier="tech")
    tiers_assign()
    contract.arr = 5000
    contract.save()
    tiers_assign()
    activity = Activity.objects.get(account=account, kind="tier_change")
    assert activity.data == {"from": "tech", "to": "high", "source": "rule"}


def test_an_unchanged_tier_is_not_rewritten(scoped):
    AccountFactory()
    tiers_assign()
    assert tiers_assign().changed == 0


def test_a_manual_override_survives_the_rules(scoped):
    account = AccountFactory()
    TierRuleFactory(tier="tech")
    user = UserFactory()
    tier_override(account=account, tier="high", user=user, reason="戦略顧客")
    tiers_assign()
    row = AccountTier.objects.get(account=account)
    assert (row.tier, row.source, row.override_by, row.override_reason) == (
        "high",
        TierSource.MANUAL,
        user,
        "戦略顧客",
    )


def test_a_manual_override_needs_a_reason(scoped):
    with pytest.raises(ValueError):
        tier_override(account=AccountFactory(), tier="high", user=UserFactory(), reason=" ")


def test_clearing_an_override_hands_the_account_back_to_the_rules(scoped):
    account = AccountFactory()
    TierRuleFactory(tier="tech")
    tier_override(account=account, tier="high", user=UserFactory(), reason="x")
    tier_override_clear(account=account)
    assert _tier(account) == "tech"


def test_tiers_assign_can_work_on_some_accounts_only(scoped):
    one, other = AccountFactory(), AccountFactory()
    tiers_assign(account_ids=[one.pk])
    assert set(AccountTier.objects.values_list("account_id", flat=True)) == {one.pk}
    assert other.pk
