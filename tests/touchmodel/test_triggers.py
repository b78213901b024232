"""Every trigger: fires for the account in the situation, not for the one outside it."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.journeys.factories import (
    AccountPhaseFactory,
    ActivityFactory,
    MilestoneFactory,
    PhaseFactory,
)
from touchmodel.selectors import rule_plan

from .factories import RuleFactory, SeminarRegistrationFactory

pytestmark = pytest.mark.django_db


def _fires_for(rule) -> set[int]:
    return set(rule_plan(rule=rule)["account_id"])


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_phase_entered_fires_for_a_recent_entry_only(scoped):
    PhaseFactory(order=1)
    adoption = PhaseFactory(order=2)
    recent = AccountPhaseFactory(phase=adoption, entered_at=_ago(2)).account
    AccountPhaseFactory(phase=adoption, entered_at=_ago(30))
    rule = RuleFactory(trigger="phase_entered", params={"phase_id": adoption.pk, "days": 7})
    assert _fires_for(rule) == {recent.pk}


def test_phase_stuck_fires_after_n_days_in_the_phase(scoped):
    phase = PhaseFactory(order=1)
    stuck = AccountPhaseFactory(phase=phase, entered_at=_ago(45)).account
    AccountPhaseFactory(phase=phase, entered_at=_ago(10))
    rule = RuleFactory(trigger="phase_stuck", params={"days": 30})
    assert _fires_for(rule) == {stuck.pk}


def test_health_below_fires_while_the_latest_score_is_under_the_threshold(scoped, score_history):
    low, recovered = AccountFactory(), AccountFactory()
    score_history(low, [80, 45, 40])
    score_history(recovered, [40, 80])
    rule = RuleFactory(trigger="health_below", params={"threshold": 50})
    plan = rule_plan(rule=rule)
    start = timezone.localdate() - dt.timedelta(days=1)
    assert list(plan["account_id"]) == [low.pk]
    assert list(plan["episode_key"]) == [f"below:50:{start}"]


def test_health_dropped_fires_when_the_score_fell_n_points_from_its_peak(scoped, score_history):
    dropped, steady = AccountFactory(), AccountFactory()
    score_history(dropped, [90, 85, 60])
    score_history(steady, [90, 85])
    rule = RuleFactory(trigger="health_dropped", params={"points": 20, "days": 30})
    assert _fires_for(rule) == {dropped.pk}


def test_no_activity_fires_for_accounts_quiet_for_n_days(scoped):
    quiet, busy = AccountFactory(), AccountFactory()
    ActivityFactory(account=quiet, occurred_at=_ago(40))
    ActivityFactory(account=busy, occurred_at=_ago(40))
    ActivityFactory(account=busy, occurred_at=_ago(3))
    rule = RuleFactory(trigger="no_activity", params={"days": 30})
    assert _fires_for(rule) == {quiet.pk}


def test_renewal_due_fires_for_renewals_within_n_days(scoped):
    soon = ContractFactory(renewal_date=timezone.localdate() + dt.timedelta(days=20)).account
    ContractFactory(renewal_date=timezone.localdate() + dt.timedelta(days=200))
    rule = RuleFactory(trigger="renewal_due", params={"days": 60})
    assert _fires_for(rule) == {soon.pk}


def test_milestone_overdue_fires_for_missed_due_dates(scoped):
    late = MilestoneFactory(due_date=timezone.localdate() - dt.timedelta(days=3))
    MilestoneFactory(due_date=timezone.localdate() - dt.timedelta(days=3), status="done")
    MilestoneFactory(due_date=timezone.localdate() + dt.timedelta(days=3))
    rule = RuleFactory(trigger="milestone_overdue", params={})
    assert _fires_for(rule) == {late.account_id}


def test_content_read_fires_for_recent_readers(scoped):
    reader = AccountFactory()
    ActivityFactory(account=reader, kind="content_view", occurred_at=_ago(0))
    ActivityFactory(kind="content_view", occurred_at=_ago(5))
    rule = RuleFactory(trigger="content_read", params={"days": 1})
    assert _fires_for(rule) == {reader.pk}


def test_seminar_attended_fires_for_the_attendees_account(scoped):
    came = SeminarRegistrationFactory(attendance="attended", attendance_recorded_at=_ago(0))
    SeminarRegistrationFactory(attendance="missed", attendance_recorded_at=_ago(0))
    rule = RuleFactory(trigger="seminar_attended", params={})
    assert _fires_for(rule) == {came.account_id}


def test_seminar_missed_fires_for_the_no_shows_account(scoped):
    SeminarRegistrationFactory(attendance="attended", attendance_recorded_at=_ago(0))
    missed = SeminarRegistrationFactory(attendance="missed", attendance_recorded_at=_ago(0))
    rule = RuleFactory(trigger="seminar_missed", params={})
    assert _fires_for(rule) == {missed.account_id}


def test_executive_contact_fires_for_a_new_executive(scoped):
    executive = ContactFactory(relationship_level="executive")
    ContactFactory(relationship_level="field")
    rule = RuleFactory(trigger="executive_contact", params={})
    assert _fires_for(rule) == {executive.account_id}


def test_conditions_narrow_the_accounts_by_tier(scoped):
    from .factories import AccountTierFactory

    high = AccountTierFactory(tier="high").account
    low = AccountTierFactory(tier="low").account
    for account in (high, low):
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=5))
    rule = RuleFactory(trigger="renewal_due", params={"days": 30}, tiers=["high"])
    assert _fires_for(rule) == {high.pk}


def test_churned_accounts_are_left_alone(scoped):
    account = AccountFactory(lifecycle_status="churned")
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=5))
    rule = RuleFactory(trigger="renewal_due", params={"days": 30})
    assert _fires_for(rule) == set()
