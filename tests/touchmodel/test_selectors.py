"""Planner, capacity and the effect chain."""

import datetime as dt

import pytest
from django.utils import timezone

from cs_platform.models import Role
from tests.factories import AccountFactory, ContractFactory, MembershipFactory, UserFactory
from tests.healthscore.factories import HealthScoreFactory, UsageDailyFactory
from tests.journeys.factories import MilestoneFactory
from touchmodel.models import CsmCapacity
from touchmodel.selectors import capacity_overview, planner_chart, program_effect

from .factories import (
    AccountTierFactory,
    CsmCapacityFactory,
    RuleFactory,
    RuleFiringFactory,
    TouchProgramFactory,
    TouchSettingsFactory,
)

pytestmark = pytest.mark.django_db


def test_planner_puts_high_value_programs_higher_and_wider_reach_further_right(scoped):
    one_to_one = TouchProgramFactory(value_per_customer=5, reach_per_month=5)
    webinar = TouchProgramFactory(value_per_customer=2, reach_per_month=500)
    points = {p.program.pk: p for p in planner_chart(programs=[one_to_one, webinar]).points}
    assert points[one_to_one.pk].y < points[webinar.pk].y
    assert points[one_to_one.pk].x < points[webinar.pk].x


def test_planner_circles_grow_with_cost(scoped):
    cheap = TouchProgramFactory(cost_hours_per_month=1)
    costly = TouchProgramFactory(cost_hours_per_month=80)
    points = {p.program.pk: p for p in planner_chart(programs=[cheap, costly]).points}
    assert points[cheap.pk].r < points[costly.pk].r


@pytest.fixture
def team(tenant, scoped):
    TouchSettingsFactory(hours_high=10, hours_low=2, hours_tech=0)
    busy, calm = UserFactory(full_name="Busy"), UserFactory(full_name="Calm")
    for user in (busy, calm):
        MembershipFactory(tenant=tenant, user=user, role=Role.CSM)
    CsmCapacityFactory(user=busy, hours_per_month=25)
    return busy, calm


def _account(owner, tier, arr, band="green"):
    account = AccountFactory(owner=owner)
    AccountTierFactory(account=account, tier=tier)
    ContractFactory(account=account, arr=arr)
    HealthScoreFactory(account=account, band=band)
    return account


def test_capacity_flags_the_csm_whose_accounts_need_more_hours_than_they_have(team):
    busy, calm = team
    for arr in (1000, 2000, 3000):
        _account(busy, "high", arr)
    _account(calm, "low", 1000)
    loads = {load.user_id: load for load in capacity_overview().loads}
    assert (loads[busy.pk].hours_needed, loads[busy.pk].over, loads[busy.pk].excess) == (
        30.0,
        True,
        5.0,
    )
    assert not loads[calm.pk].over


def test_downgrade_candidates_are_healthy_lowest_arr_first(team):
    busy, _calm = team
    cheapest = _account(busy, "high", 1000)
    _account(busy, "high", 500, band="red")
    _account(busy, "high", 9000)
    candidates = capacity_overview().candidates
    assert candidates[0]["account_id"] == cheapest.pk
    assert {c["band"] for c in candidates} == {"green"}
    assert (candidates[0]["from_tier"], candidates[0]["to_tier"]) == ("high", "low")


def test_just_enough_candidates_relieve_an_overloaded_csm(team):
    busy, _calm = team
    for arr in (1000, 2000, 3000):
        _account(busy, "high", arr)
    relieving = [c for c in capacity_overview().candidates if c["relieves_overload"]]
    # 5 hours over; each move high → low saves 8 hours: one move is enough.
    assert len(relieving) == 1


def test_a_short_list_puts_the_relieving_moves_first_and_a_new_capacity_shows_at_once(team):
    """The candidates come from a cached pool that keeps each owner's first moves only; the
    capacity (read fresh) decides which of them relieve an overload."""
    busy, calm = team
    for arr in (5000, 6000, 7000):
        _account(busy, "high", arr)  # 30 hours needed, 25 available: one move relieves
    cheap = [_account(calm, "high", arr) for arr in (100, 200)]
    listed = capacity_overview(candidates_limit=2).candidates
    assert [c["arr"] for c in listed] == [5000, 100]
    assert [c["relieves_overload"] for c in listed] == [True, False]
    CsmCapacity.objects.filter(user=busy).update(hours_per_month=40)  # no longer over
    listed = capacity_overview(candidates_limit=2).candidates
    assert [c["account_id"] for c in listed] == [a.pk for a in cheap]
    assert not any(c["relieves_overload"] for c in listed)


def _days_ago(n):
    return timezone.localdate() - dt.timedelta(days=n)


def test_effect_chain_compares_touched_with_untouched_accounts(scoped):
    program = TouchProgramFactory()
    rule = RuleFactory(program=program)
    touched, untouched = AccountFactory(), AccountFactory()
    for account in (touched, untouched):
        AccountTierFactory(account=account, tier="low")
    touch_day = _days_ago(40)
    RuleFiringFactory(
        rule=rule,
        account=touched,
        fired_at=timezone.make_aware(dt.datetime.combine(touch_day, dt.time(12))),
    )
    UsageDailyFactory(account=touched, day=touch_day - dt.timedelta(days=5), count=10)
    UsageDailyFactory(account=touched, day=touch_day + dt.timedelta(days=5), count=30)
    UsageDailyFactory(account=untouched, day=touch_day - dt.timedelta(days=5), count=10)
    UsageDailyFactory(account=untouched, day=touch_day + dt.timedelta(days=5), count=10)
    HealthScoreFactory(account=touched, day=touch_day - dt.timedelta(days=1), score=50)
    HealthScoreFactory(account=touched, day=touch_day + dt.timedelta(days=20), score=70)
    MilestoneFactory(account=touched, status="done", completed_on=touch_day + dt.timedelta(days=3))
    effect = program_effect(program=program)
    assert effect["activity"] == {"touches": 1, "accounts": 1, "by_kind": {"task": 1}}
    assert effect["input"]["touched"]["change_pct"] == 200.0
    assert effect["input"]["control"]["change_pct"] == 0.0
    assert (
        effect["outcome"]["touched"]["score_before"],
        effect["outcome"]["touched"]["score_after"],
    ) == (50.0, 70.0)
    assert effect["outcome"]["touched"]["milestones_reached"] == 1


def test_effect_chain_counts_renewals_and_expanded_arr(scoped):
    program = TouchProgramFactory()
    rule = RuleFactory(program=program)
    account = AccountFactory()
    RuleFiringFactory(rule=rule, account=account, fired_at=timezone.now() - dt.timedelta(days=90))
    old = ContractFactory(
        account=account,
        arr=1_000_000,
        start_date=_days_ago(400),
        renewal_date=_days_ago(10),
        status="expanded",
    )
    ContractFactory(
        account=account,
        arr=1_500_000,
        start_date=_days_ago(10),
        renewal_date=_days_ago(10) + dt.timedelta(days=365),
        previous=old,
    )
    impact = program_effect(program=program)["impact"]["touched"]
    assert (impact["renewals_due"], impact["renewed"], impact["expanded_arr"]) == (1, 1, 500_000)


def test_effect_chain_of_a_program_without_touches_is_empty(scoped):
    effect = program_effect(program=TouchProgramFactory())
    assert effect["activity"]["touches"] == 0
    assert effect["input"]["touched"]["accounts"] == 0
