"""Explanations, trend and history of an account's health."""

from __future__ import annotations

import datetime as dt

import pytest

from healthscore.models import Scorecard
from healthscore.selectors import (
    health_explanation,
    health_history,
    health_latest_by_account,
    health_scores_at,
    health_scores_between,
    health_trend,
    portfolio_band_distribution,
    recompute_job_finished,
    usage_totals_around,
    usage_totals_by_day,
)
from tests.factories import AccountFactory

from .factories import HealthScoreFactory, RecomputeJobFactory, UsageDailyFactory

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


def test_scores_between_returns_each_scored_day_of_the_accounts_within_the_dates(version):
    a, b = AccountFactory(), AccountFactory()
    for days_ago in (20, 10, 0):
        HealthScoreFactory(account=a, version=version, day=DAY - dt.timedelta(days=days_ago))
    HealthScoreFactory(account=b, version=version, day=DAY, score=30)
    rows = health_scores_between(
        account_ids=[a.pk], start=DAY - dt.timedelta(days=10), end=DAY - dt.timedelta(days=1)
    )
    assert rows == [(a.pk, DAY - dt.timedelta(days=10), 75.0)]


def test_scores_between_without_an_end_runs_to_the_latest_day(version):
    account = AccountFactory()
    HealthScoreFactory(account=account, version=version, day=DAY - dt.timedelta(days=3))
    HealthScoreFactory(account=account, version=version, day=DAY, score=40)
    rows = health_scores_between(start=DAY - dt.timedelta(days=1))
    assert rows == [(account.pk, DAY, 40.0)]


def test_scores_at_gives_the_latest_score_on_or_before_each_day(version):
    a, b = AccountFactory(), AccountFactory()
    HealthScoreFactory(account=a, version=version, day=DAY - dt.timedelta(days=10), score=50)
    HealthScoreFactory(account=a, version=version, day=DAY - dt.timedelta(days=2), score=70)
    points = {a.pk: (DAY - dt.timedelta(days=5), DAY), b.pk: (DAY - dt.timedelta(days=5), DAY)}
    rows = sorted(health_scores_at(points=points))
    assert rows == sorted([(a.pk, 50.0, 70.0), (b.pk, None, None)])


def test_usage_totals_by_day_sums_the_events_of_each_account_and_day(scoped):
    a, b = AccountFactory(), AccountFactory()
    UsageDailyFactory(account=a, day=DAY, event="login", count=3)
    UsageDailyFactory(account=a, day=DAY, event="scan", count=4)
    UsageDailyFactory(account=a, day=DAY + dt.timedelta(days=1), count=9)
    UsageDailyFactory(account=b, day=DAY, count=5)
    rows = usage_totals_by_day(account_ids=[a.pk], start=DAY - dt.timedelta(days=1), end=DAY)
    assert rows == [(a.pk, DAY, 7)]


def test_usage_totals_around_sums_the_days_before_and_from_each_start(scoped):
    a, b = AccountFactory(), AccountFactory()
    UsageDailyFactory(account=a, day=DAY - dt.timedelta(days=3), count=2)
    UsageDailyFactory(account=a, day=DAY - dt.timedelta(days=8), count=100)
    UsageDailyFactory(account=a, day=DAY, count=5)
    UsageDailyFactory(account=a, day=DAY + dt.timedelta(days=6), count=1)
    rows = sorted(usage_totals_around(starts={a.pk: DAY, b.pk: DAY}, days=7))
    assert rows == sorted([(a.pk, 2, 6), (b.pk, 0, 0)])


def test_recompute_job_finished_only_for_a_done_job_of_that_day(scoped):
    RecomputeJobFactory(day=DAY, status="running")
    RecomputeJobFactory(day=DAY - dt.timedelta(days=1), status="done")
    assert recompute_job_finished(day=DAY) is False
    assert recompute_job_finished(day=DAY - dt.timedelta(days=1)) is True


def test_renewals_list_live_contracts_in_the_window_with_the_score_of_the_day(version):
    from accounts.models import ContractStatus
    from healthscore.selectors import portfolio_renewals
    from tests.factories import ContractFactory

    soon = ContractFactory(
        start_date=DAY - dt.timedelta(days=300), renewal_date=DAY + dt.timedelta(days=30)
    )
    ContractFactory(start_date=DAY, renewal_date=DAY + dt.timedelta(days=200))
    ContractFactory(
        start_date=DAY - dt.timedelta(days=300),
        renewal_date=DAY + dt.timedelta(days=10),
        status=ContractStatus.CANCELLED,
    )
    HealthScoreFactory(account=soon.account, version=version, day=DAY, score=42, band="amber")

    rows = portfolio_renewals(days=90, day=DAY, today=DAY)

    assert [(r["contract_id"], r["account_name"], r["score"], r["band"]) for r in rows] == [
        (soon.pk, soon.account.name, 42, "amber")
    ]


def test_health_by_phase_counts_accounts_and_bands_per_phase_in_phase_order(version):
    from healthscore.selectors import portfolio_by_phase
    from journeys.selectors import phase_list
    from journeys.services import phase_transition, phases_seed_defaults

    phases_seed_defaults()
    first, second = list(phase_list())[:2]
    a, b, c = AccountFactory(), AccountFactory(), AccountFactory()
    phase_transition(account=c, to_phase=second, actor=None, reason="")
    HealthScoreFactory(account=a, version=version, day=DAY, score=80, band="green")
    HealthScoreFactory(account=b, version=version, day=DAY, score=30, band="red")
    HealthScoreFactory(account=c, version=version, day=DAY, score=50, band="amber")

    rows = portfolio_by_phase(day=DAY)

    assert [(r["phase"], r["accounts"], r["average"], r["bands"]) for r in rows] == [
        (first.key, 2, 55.0, {"green": 1, "amber": 0, "red": 1}),
        (second.key, 1, 50.0, {"green": 0, "amber": 1, "red": 0}),
    ]
