"""Segments on behaviour: usage events, active days and score drops, read from the rollups and
daily scores set-based; usable by playbook rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Segment
from accounts.segments import segment_rules_apply, segment_rules_clean
from cs_platform.scoping import tenant_scope
from journeys.models import Task
from tests.factories import AccountFactory, ContractFactory, SegmentFactory, UserFactory
from tests.healthscore.factories import HealthScoreFactory, UsageDailyFactory
from tests.touchmodel.factories import AccountTierFactory, RuleFactory
from touchmodel.services import rules_evaluate

pytestmark = pytest.mark.django_db


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _names(rules: dict) -> list[str]:
    cleaned = segment_rules_clean(rules)
    return sorted(
        segment_rules_apply(Account.objects.all(), cleaned).values_list("name", flat=True)
    )


def test_event_at_least_n_times_in_d_days_sums_the_daily_rollups(scoped):
    often = AccountFactory(name="often")
    UsageDailyFactory(account=often, event="export", day=_ago(1), count=3)
    UsageDailyFactory(account=often, event="export", day=_ago(20), count=2)
    rarely = AccountFactory(name="rarely")
    UsageDailyFactory(account=rarely, event="export", day=_ago(2), count=4)
    UsageDailyFactory(account=rarely, event="login", day=_ago(2), count=9)
    old = AccountFactory(name="old")
    UsageDailyFactory(account=old, event="export", day=_ago(40), count=10)
    rule = {"usage_event_count": {"event": "export", "at_least": 5, "days": 30}}
    assert _names(rule) == ["often"]


def test_active_days_counts_distinct_days_and_at_most_includes_silent_accounts(scoped):
    busy = AccountFactory(name="busy")
    for day in (1, 2, 3, 4):
        UsageDailyFactory(account=busy, event="login", day=_ago(day))
        UsageDailyFactory(account=busy, event="export", day=_ago(day))
    light = AccountFactory(name="light")
    UsageDailyFactory(account=light, event="login", day=_ago(1))
    AccountFactory(name="silent")
    assert _names({"usage_active_days": {"at_least": 3, "days": 7}}) == ["busy"]
    assert _names({"usage_active_days": {"at_most": 1, "days": 7}}) == ["light", "silent"]
    assert _names({"usage_active_days": {"at_least": 1, "at_most": 2, "days": 7}}) == ["light"]


def test_score_fell_by_n_points_within_d_days_compares_the_latest_score(scoped):
    fell = AccountFactory(name="fell")
    first = HealthScoreFactory(account=fell, day=_ago(5), score=80)
    version = first.version
    HealthScoreFactory(account=fell, day=_ago(0), score=55, version=version)
    slow = AccountFactory(name="fell long ago")
    HealthScoreFactory(account=slow, day=_ago(20), score=90, version=version)
    HealthScoreFactory(account=slow, day=_ago(0), score=50, version=version)
    rose = AccountFactory(name="rose")
    HealthScoreFactory(account=rose, day=_ago(3), score=40, version=version)
    HealthScoreFactory(account=rose, day=_ago(0), score=70, version=version)
    recovered = AccountFactory(name="recovered")
    HealthScoreFactory(account=recovered, day=_ago(4), score=30, version=version)
    HealthScoreFactory(account=recovered, day=_ago(0), score=80, version=version)
    assert _names({"health_score_fell": {"points": 20, "days": 7}}) == ["fell"]
    assert _names({"health_score_fell": {"points": 20, "days": 30}}) == ["fell", "fell long ago"]


def test_a_behaviour_segment_is_one_query(scoped, django_assert_num_queries):
    for i in range(5):
        UsageDailyFactory(account=AccountFactory(name=f"a{i}"), event="login", day=_ago(i))
    rules = segment_rules_clean(
        {
            "usage_event_count": {"event": "login", "at_least": 1, "days": 30},
            "usage_active_days": {"at_least": 1, "days": 30},
            "health_score_fell": {"points": 10, "days": 7},
        }
    )
    with django_assert_num_queries(1):
        list(segment_rules_apply(Account.objects.all(), rules))


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"usage_event_count": "export"}, "must be an object"),
        ({"usage_event_count": {"event": "x", "at_least": 0, "days": 30}}, "at least 1"),
        ({"usage_event_count": {"event": "x", "at_least": 2, "days": 9999}}, "at most 365"),
        ({"usage_event_count": {"at_least": 2, "days": 30}}, "usage_event_count.event is"),
        ({"usage_event_count": {"event": "x\x00", "at_least": 2, "days": 3}}, "one line"),
        ({"usage_event_count": {"event": "x", "at_least": "a", "days": 3}}, "whole number"),
        ({"usage_event_count": {"event": "x", "at_least": 1, "days": 3, "y": 1}}, "unknown"),
        ({"usage_active_days": {"days": 30}}, "at_least or at_most"),
        ({"usage_active_days": {"at_least": 5, "at_most": 2, "days": 30}}, "must not exceed"),
        ({"health_score_fell": {"points": 101, "days": 7}}, "at most 100"),
    ],
)
def test_bad_behaviour_rules_are_refused_with_a_message(scoped, rules, message):
    with pytest.raises(ValidationError) as caught:
        segment_rules_clean(rules)
    assert message in str(caught.value)


def test_the_segments_api_refuses_a_bad_behaviour_rule_with_400(csm_api):
    response = csm_api.post(
        reverse("segment-list"),
        {"name": "x", "rules": {"usage_active_days": {"days": 0, "at_least": 1}}},
        format="json",
    )
    assert response.status_code == 400
    assert "usage_active_days.days" in str(response.json())


def test_the_segment_form_builds_a_behaviour_rule_from_one_field_per_part(csm_user, tenant):
    client = Client()
    client.force_login(csm_user)
    page = reverse("accounts:segments", kwargs={"tenant_slug": "acme"})
    response = client.post(
        page,
        {
            "name": "Exporters",
            "rule_usage_event_count__event": "export",
            "rule_usage_event_count__at_least": "5",
            "rule_usage_event_count__days": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    with tenant_scope(tenant):
        segment = Segment.objects.get()
    assert segment.rules == {"usage_event_count": {"event": "export", "at_least": 5, "days": 30}}
    body = client.get(response["Location"]).content.decode()
    assert 'value="export"' in body  # the detail page's form shows the parts again


def test_the_segment_form_reports_a_half_filled_behaviour_rule(csm_user, tenant):
    client = Client()
    client.force_login(csm_user)
    response = client.post(
        reverse("accounts:segments", kwargs={"tenant_slug": "acme"}),
        {"name": "Half", "rule_health_score_fell__points": "10"},
    )
    assert response.status_code == 200
    assert "health_score_fell.days" in response.content.decode()
    with tenant_scope(tenant):
        assert not Segment.objects.exists()


def test_a_playbook_rule_limited_to_a_behaviour_segment_fires_only_for_its_accounts(scoped):
    segment = SegmentFactory(rules={"usage_active_days": {"at_most": 0, "days": 14}})
    RuleFactory(trigger="renewal_due", params={"days": 30}, segment=segment)
    owner = UserFactory()
    accounts = {}
    for name, active in (("silent", False), ("active", True)):
        account = AccountFactory(name=name, owner=owner)
        AccountTierFactory(account=account, tier="high")
        ContractFactory(account=account, renewal_date=_ago(-10))
        if active:
            UsageDailyFactory(account=account, event="login", day=_ago(1))
        accounts[name] = account
    rules_evaluate()
    assert list(Task.objects.values_list("account_id", flat=True)) == [accounts["silent"].pk]
