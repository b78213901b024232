"""Milestones against the score: on track, at risk or missed; a task once when at risk; the
portfolio's milestones at risk; the journey map shows each milestone's verdict."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import HealthSettings
from healthscore.selectors.milestones import (
    milestone_checks_for,
    milestone_score_states,
    milestones_at_risk,
)
from healthscore.services.milestones import milestone_risk_evaluate
from healthscore.services.recompute import healthscore_recompute
from journeys.models import Milestone, MilestoneStatus, Task
from tests.factories import AccountFactory, UserFactory
from tests.healthscore.factories import HealthScoreFactory, HealthScoreNowFactory
from tests.journeys.factories import JourneyMapFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def _in(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def account(scoped):
    account = AccountFactory(name="株式会社マイルストーン", owner=UserFactory())
    HealthScoreFactory(account=account, day=timezone.localdate(), score=50, band="amber")
    return account


def _milestone(account, title: str, target: int, due: dt.date | None, **fields):
    journey_map = JourneyMapFactory._meta.model.objects.filter(account=account).first()
    if journey_map is None:
        journey_map = JourneyMapFactory(account=account)
    return MilestoneFactory(
        journey_map=journey_map, title=title, target_score=target, due_date=due, **fields
    )


def _states() -> dict[str, str]:
    frame = milestone_score_states()
    return dict(zip(frame["title"], frame["state"], strict=True))


def test_each_open_milestone_is_judged_against_the_current_score(account):
    _milestone(account, "reached", 40, _in(5))
    _milestone(account, "due soon", 70, _in(5))
    _milestone(account, "due later", 70, _in(40))
    _milestone(account, "no due date", 70, None)
    _milestone(account, "past due", 70, _in(-1))
    _milestone(account, "marked missed", 40, _in(10), status=MilestoneStatus.MISSED)
    _milestone(account, "done", 70, _in(-5), status=MilestoneStatus.DONE)
    unscored = AccountFactory()
    _milestone(unscored, "unscored", 70, _in(5))
    assert _states() == {
        "reached": "on_track",
        "due soon": "at_risk",
        "due later": "on_track",
        "no due date": "on_track",
        "past due": "missed",
        "marked missed": "missed",
        "unscored": "no_score",
    }


def test_a_page_judges_each_milestone_as_the_portfolio_does(account):
    """Account 360 judges its few milestones in Python (`milestone_checks_for`) from the
    page's shared reads; the portfolio in pandas (`milestone_score_states`): they agree."""
    for i, (target, due) in enumerate([(40, 5), (70, 5), (70, 40), (70, None), (70, -1), (50, 0)]):
        _milestone(account, f"a{i}", target, None if due is None else _in(due))
    _milestone(account, "marked missed", 40, _in(10), status=MilestoneStatus.MISSED)
    _milestone(account, "done", 70, _in(-5), status=MilestoneStatus.DONE)
    _milestone(AccountFactory(), "unscored", 70, _in(5))
    stale = AccountFactory()  # scored, but not on the tenant's latest day
    HealthScoreFactory(account=stale, day=_in(-3), score=90)
    _milestone(stale, "stale score", 70, _in(5))
    rescored = AccountFactory()  # its intra-day score is newer than its nightly one
    HealthScoreFactory(account=rescored, day=_in(-1), score=90)
    HealthScoreNowFactory(account=rescored, day=_in(0), score=55)
    _milestone(rescored, "intra-day", 70, _in(5))
    milestones = list(Milestone.objects.all())
    on_page = {pk: verdict["state"] for pk, verdict in milestone_checks_for(milestones).items()}
    frame = milestone_score_states()
    assert on_page == dict(zip(frame["milestone_id"], frame["state"], strict=True))
    titles = {m.pk: m.title for m in milestones}
    assert {titles[pk]: state for pk, state in on_page.items()}["intra-day"] == "at_risk"
    assert {titles[pk]: state for pk, state in on_page.items()}["stale score"] == "no_score"


def test_the_at_risk_window_is_a_tenant_setting(account):
    _milestone(account, "in five days", 70, _in(5))
    _milestone(account, "in twenty days", 70, _in(20))
    assert _states() == {"in five days": "at_risk", "in twenty days": "on_track"}
    HealthSettings.objects.update_or_create(defaults={"milestone_risk_days": 30})
    assert _states() == {"in five days": "at_risk", "in twenty days": "at_risk"}
    HealthSettings.objects.update(milestone_risk_days=3)
    assert _states() == {"in five days": "on_track", "in twenty days": "on_track"}


def test_the_states_cost_a_fixed_number_of_queries(account, django_assert_num_queries):
    for i in range(20):
        other = AccountFactory()
        HealthScoreFactory(account=other, day=timezone.localdate(), score=30, band="red")
        _milestone(other, f"m{i}", 70, _in(i))
    # milestones, latest day, latest scores, intra-day scores, settings
    with django_assert_num_queries(5):
        frame = milestone_score_states()
    assert len(frame) == 20


def test_a_milestone_turning_at_risk_gives_its_owner_one_task_however_often_evaluated(account):
    milestone = _milestone(account, "週100枚スキャン", 70, _in(5))
    _milestone(account, "on track", 40, _in(5))
    first = milestone_risk_evaluate()
    again = milestone_risk_evaluate(account_ids={account.pk})
    assert first == again
    task = Task.objects.get()
    assert task.assignee == account.owner
    assert task.origin == "milestone_at_risk"
    assert "週100枚スキャン" in task.title
    assert task.due_date <= milestone.due_date
    milestone.due_date = _in(10)
    milestone.save()
    milestone_risk_evaluate()
    assert Task.objects.count() == 2  # a new due date is a new episode


def test_an_intra_day_score_can_be_passed_for_just_the_accounts_rescored(account):
    _milestone(account, "target 70", 70, _in(5))
    assert milestone_risk_evaluate(account_ids=[account.pk], scores={account.pk: 80}) == {}
    assert not Task.objects.exists()
    other = AccountFactory()
    _milestone(other, "not rescored", 70, _in(5))
    created = milestone_risk_evaluate(account_ids=[account.pk], scores={account.pk: 60})
    assert len(created) == 1
    assert set(Task.objects.values_list("account_id", flat=True)) == {account.pk}


def test_the_nightly_recompute_ends_with_the_at_risk_tasks(defaults):
    account = AccountFactory(owner=UserFactory())
    _milestone(account, "unreachable", 100, _in(2))
    healthscore_recompute(day=timezone.localdate())
    assert Task.objects.filter(account=account, origin="milestone_at_risk").count() == 1


def test_the_portfolio_lists_milestones_at_risk_then_missed(account):
    _milestone(account, "missed", 70, _in(-3))
    _milestone(account, "later risk", 70, _in(9))
    _milestone(account, "soon risk", 70, _in(2))
    _milestone(account, "fine", 40, _in(2))
    data = milestones_at_risk()
    assert [r["title"] for r in data["rows"]] == ["soon risk", "later risk", "missed"]
    assert data["counts"] == {"at_risk": 2, "missed": 1, "on_track": 1}
    assert data["rows"][0]["account_name"] == "株式会社マイルストーン"
    assert data["rows"][0]["owner"] == str(account.owner)


def test_pages_show_the_verdicts(account, viewer_user, tenant):
    _milestone(account, "soon risk", 70, _in(2))
    client = Client()
    client.force_login(viewer_user)
    portfolio = client.get(reverse("healthscore:portfolio", args=["acme"])).content.decode()
    assert 'data-testid="portfolio-milestones"' in portfolio
    assert 'data-state="at_risk"' in portfolio
    detail = client.get(reverse("accounts:detail", args=["acme", account.pk])).content.decode()
    assert 'data-testid="milestone-check" data-state="at_risk"' in detail


def test_an_admin_sets_the_at_risk_window_and_a_bad_value_is_a_400(admin_user, tenant):
    client = Client()
    client.force_login(admin_user)
    page = reverse("healthscore:alert_settings", args=["acme"])
    fields = {"drop_points": 15, "drop_window_days": 7, "task_due_days": 3}
    assert client.post(page, {**fields, "milestone_risk_days": 0}).status_code == 400
    assert client.post(page, {**fields, "milestone_risk_days": 21}).status_code == 302
    with tenant_scope(tenant):
        assert HealthSettings.objects.get().milestone_risk_days == 21


def test_the_current_score_is_the_intra_day_one_while_newer(account):
    from healthscore.models import HealthScoreNow

    _milestone(account, "target 70", 70, _in(5))
    assert _states() == {"target 70": "at_risk"}
    nightly = HealthScoreFactory._meta.model.objects.get(account=account)
    HealthScoreNow.objects.create(
        account=account,
        day=nightly.day + dt.timedelta(days=1),
        version=nightly.version,
        score=75,
        band="green",
    )
    assert _states() == {"target 70": "on_track"}


def test_an_event_time_rescore_evaluates_the_rescored_accounts_milestones(account):
    from healthscore.extensions import scores_now_changed

    _milestone(account, "target 70", 70, _in(5))
    scores_now_changed(account_ids=[account.pk])
    assert Task.objects.filter(account=account, origin="milestone_at_risk").count() == 1


def _portfolio_states(client) -> dict[str, str]:
    sections = client.get(reverse("healthscore:portfolio", args=["acme"])).context["sections"]
    data = next(s for s in sections if s["key"] == "healthscore_milestones")["context"]
    return {row["title"]: row["state"] for row in data["rows"]}


def test_the_portfolios_cached_milestones_follow_every_change_at_once(
    account, viewer_user, admin_user, tenant
):
    milestone = _milestone(account, "target 70", 70, _in(5))
    viewer = Client()
    viewer.force_login(viewer_user)
    assert _portfolio_states(viewer) == {"target 70": "at_risk"}

    milestone.target_score = 40  # a milestone edited: the data version moves
    milestone.save()
    assert _portfolio_states(viewer) == {}
    milestone.target_score = 70
    milestone.save()
    assert _portfolio_states(viewer) == {"target 70": "at_risk"}

    admin = Client()
    admin.force_login(admin_user)
    fields = {"drop_points": 15, "drop_window_days": 7, "task_due_days": 3}
    admin.post(
        reverse("healthscore:alert_settings", args=["acme"]), {**fields, "milestone_risk_days": 3}
    )
    assert _portfolio_states(viewer) == {}  # due in 5 days: outside a 3-day window

    admin.post(
        reverse("healthscore:alert_settings", args=["acme"]), {**fields, "milestone_risk_days": 14}
    )
    nightly = HealthScoreFactory._meta.model.objects.get(account=account)
    HealthScoreNowFactory(account=account, day=nightly.day + dt.timedelta(days=1), score=75)
    assert _portfolio_states(viewer) == {}  # an intra-day score moved it on track

    HealthScoreNowFactory._meta.model.objects.all().delete()
    assert _portfolio_states(viewer) == {"target 70": "at_risk"}
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert _portfolio_states(viewer) == {"target 70": "missed"}  # the day turned
