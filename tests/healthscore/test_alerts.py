"""Alerts open once per episode and reopen only after recovery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from healthscore.models import AlertKind, HealthAlert, HealthSettings
from healthscore.services.alerts import FRAME_SQL, alerts_evaluate, frame_params
from journeys.models import Activity, Task
from tests.factories import AccountFactory, UserFactory

from .factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def version(defaults):
    return ScorecardVersionFactory()


@pytest.fixture
def account(defaults):
    return AccountFactory(owner=UserFactory())


def score(account, version, days_ago, value):
    band = "green" if value >= 70 else "amber" if value >= 40 else "red"
    return HealthScoreFactory(
        account=account,
        version=version,
        day=DAY - dt.timedelta(days=days_ago),
        score=value,
        band=band,
    )


def test_move_into_red_creates_a_timeline_entry_and_a_task(account, version):
    score(account, version, 0, 30)
    opened = alerts_evaluate(day=DAY)
    assert [a.kind for a in opened] == [AlertKind.RED]
    assert Activity.objects.get(kind="health_alert").account == account
    task = Task.objects.get()
    assert task.assignee == account.owner


def test_second_night_in_red_does_not_alert_again(account, version):
    score(account, version, 1, 30)
    alerts_evaluate(day=DAY - dt.timedelta(days=1))
    score(account, version, 0, 25)
    assert alerts_evaluate(day=DAY) == []
    assert Task.objects.count() == 1


def test_rerun_of_the_same_day_does_not_alert_again(account, version):
    score(account, version, 0, 30)
    alerts_evaluate(day=DAY)
    assert alerts_evaluate(day=DAY) == []
    assert Activity.objects.filter(kind="health_alert").count() == 1


def test_red_again_after_recovery_is_a_new_episode(account, version):
    score(account, version, 2, 30)
    alerts_evaluate(day=DAY - dt.timedelta(days=2))
    score(account, version, 1, 75)
    alerts_evaluate(day=DAY - dt.timedelta(days=1))
    score(account, version, 0, 30)
    opened = alerts_evaluate(day=DAY)
    assert AlertKind.RED in [a.kind for a in opened]
    assert HealthAlert.objects.filter(kind=AlertKind.RED).count() == 2
    assert HealthAlert.objects.filter(resolved_on=DAY - dt.timedelta(days=1)).count() == 1


def test_drop_of_n_points_within_the_window_alerts(account, version):
    score(account, version, 5, 90)
    score(account, version, 0, 72)
    opened = alerts_evaluate(day=DAY)
    assert [a.kind for a in opened] == [AlertKind.DROP]
    assert opened[0].previous_score == 90


def test_smaller_drop_does_not_alert(account, version):
    score(account, version, 5, 90)
    score(account, version, 0, 80)
    assert alerts_evaluate(day=DAY) == []


def test_drop_outside_the_window_does_not_alert(account, version):
    score(account, version, 8, 90)
    score(account, version, 0, 72)
    assert alerts_evaluate(day=DAY) == []


def test_drop_threshold_is_the_tenants_setting(account, version):
    HealthSettings.objects.filter().update(drop_points=5)
    score(account, version, 3, 90)
    score(account, version, 0, 84)
    assert [a.kind for a in alerts_evaluate(day=DAY)] == [AlertKind.DROP]


def test_the_alert_frame_reads_the_window_once_whatever_the_statistics(account, version):
    """Right after a recompute the statistics know nothing of the new day; a plan that joins
    the day to the window's peaks can then re-run the peaks per account (issue #16). The
    frame is one grouped scan: there is no join to mis-order."""
    for days_ago, value in [(3, 90), (1, 80), (0, 60)]:
        score(account, version, days_ago, value)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + FRAME_SQL, frame_params(day=DAY, window=7))
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(FRAME_SQL, frame_params(day=DAY, window=7))
        assert cursor.fetchall() == [(account.pk, 60.0, "amber", 90.0)]
    assert plan.count(" on healthscore_healthscore") == 1, plan
    assert "Nested Loop" not in plan and "Join" not in plan, plan
