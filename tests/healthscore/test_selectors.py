"""Explanations, trend and history of an account's health."""

from __future__ import annotations

import datetime as dt

import pytest

from healthscore.models import Scorecard
from healthscore.selectors import (
    health_explanation,
    health_history,
    health_latest_by_account,
    health_trend,
    portfolio_band_distribution,
)
from tests.factories import AccountFactory

from .factories import HealthScoreFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def version(defaults):
    return Scorecard.objects.get(is_default=True).current_version


def components(active_users, renewal):
    return {
        "active_users": {"value": active_users, "points": active_users, "weight": 21.0},
        "renewal": {"value": 200, "points": renewal, "weight": 15.0},
    }


def test_explanation_lists_every_component_with_value_points_and_contribution(version):
    account = AccountFactory()
    HealthScoreFactory(account=account, version=version, day=DAY, components=components(80, 100))
    explanation = health_explanation(account=account)
    by_key = {c["key"]: c for c in explanation["components"]}
    assert by_key["active_users"]["contribution"] == pytest.approx(80 * 21 / 100)
    assert by_key["renewal"]["points"] == 100
    assert by_key["breadth"]["points"] is None
    assert explanation["version"] == version.number


def test_explanation_names_what_moved_most_since_30_days_ago(version):
    account = AccountFactory()
    then = DAY - dt.timedelta(days=30)
    HealthScoreFactory(account=account, version=version, day=then, components=components(90, 100))
    HealthScoreFactory(account=account, version=version, day=DAY, components=components(20, 50))
    movers = health_explanation(account=account)["moved_most"]
    assert movers[0]["key"] == "active_users"
    assert movers[0]["contribution_change"] == pytest.approx((20 - 90) * 0.21)
    assert movers[1]["key"] == "renewal"


def test_trend_gives_the_change_over_7_30_and_90_days(version):
    account = AccountFactory()
    HealthScoreFactory(account=account, version=version, day=DAY, score=60)
    HealthScoreFactory(account=account, version=version, day=DAY - dt.timedelta(days=7), score=70)
    trend = health_trend(account=account)
    assert trend["7"] == {"score": 70, "change": -10}
    assert trend["30"] is None


def test_history_is_oldest_first_within_the_window(version):
    account = AccountFactory()
    for days_ago in (100, 10, 0):
        HealthScoreFactory(account=account, version=version, day=DAY - dt.timedelta(days=days_ago))
    history = health_history(account=account, days=90, until=DAY)
    assert [h["day"] for h in history] == [DAY - dt.timedelta(days=10), DAY]


def test_latest_scores_and_band_distribution_use_the_latest_day(version):
    a, b = AccountFactory(), AccountFactory()
    HealthScoreFactory(account=a, version=version, day=DAY - dt.timedelta(days=1), band="red")
    HealthScoreFactory(account=a, version=version, day=DAY, band="green", score=80)
    HealthScoreFactory(account=b, version=version, day=DAY, band="red", score=10)
    assert portfolio_band_distribution() == {"green": 1, "amber": 0, "red": 1}
    assert health_latest_by_account(account_ids=[a.pk])[a.pk]["score"] == 80
