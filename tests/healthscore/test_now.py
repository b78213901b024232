"""Event-time scoring, in process: marks, claims, the "now" score, what rules read."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from healthscore.extensions import register_scores_now_listener, unregister_scores_now_listener
from healthscore.models import DirtyAccount, HealthScore, HealthScoreNow
from healthscore.selectors import health_now, health_now_by_account, health_scores_between
from healthscore.services.ingest import events_ingest
from healthscore.services.now import (
    LEASE,
    accounts_mark_dirty,
    dirty_claim,
    dirty_release,
    now_run,
    now_sweep_due,
    scores_now_recompute,
)
from healthscore.services.recompute import healthscore_recompute
from journeys.models import ActivityKind, MilestoneStatus
from journeys.services import (
    activity_record,
    activity_record_bulk,
    meeting_log,
    milestone_set_status,
    phase_transition,
    phases_seed_defaults,
)
from tests.factories import AccountFactory
from tests.journeys.factories import MilestoneFactory

from .factories import SurveyResponseFactory, UsageDailyFactory

pytestmark = pytest.mark.django_db


def _events(accounts, per_account: int) -> list[dict]:
    stamp = timezone.now().isoformat()
    return [
        {"account_id": a.external_id, "contact_id": f"u{i}", "event": "login", "timestamp": stamp}
        for a in accounts
        for i in range(per_account)
    ]


def _dirty() -> list[int]:
    return sorted(DirtyAccount.objects.values_list("account_id", flat=True))


@pytest.fixture
def queue():
    """A broker queue of the test's own: what gets scheduled can be counted in Redis."""
    name = f"test-now-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with override_settings(HEALTH_NOW_QUEUE=name):
        yield lambda: client.llen(name)
    client.delete(name)


def test_ingested_events_mark_each_of_their_accounts_once(defaults):
    a, b, c = AccountFactory(), AccountFactory(), AccountFactory()
    result = events_ingest(tenant=defaults, events=_events([a, b], per_account=30))
    assert result.accepted == 60
    assert _dirty() == sorted([a.pk, b.pk])
    events_ingest(tenant=defaults, events=_events([a, c], per_account=5))
    assert _dirty() == sorted([a.pk, b.pk, c.pk])


def test_duplicate_events_do_not_mark(defaults):
    account = AccountFactory()
    event = {**_events([account], 1)[0], "idempotency_key": "k1"}
    events_ingest(tenant=defaults, events=[event])
    DirtyAccount.objects.all().delete()
    result = events_ingest(tenant=defaults, events=[event])
    assert result.duplicates == 1
    assert _dirty() == []


@override_settings(HEALTH_EVENT_TIME_SCORING=False)
def test_with_event_time_scoring_off_nothing_is_marked(defaults):
    account = AccountFactory()
    assert events_ingest(tenant=defaults, events=_events([account], 3)).accepted == 3
    phases = phases_seed_defaults()
    phase_transition(account=account, to_phase=phases[1], actor=None)
    assert _dirty() == []


def test_many_marks_within_the_window_schedule_one_task(
    defaults, queue, django_capture_on_commit_callbacks
):
    account = AccountFactory()
    for _ in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            events_ingest(tenant=defaults, events=_events([account], 5))
        with django_capture_on_commit_callbacks(execute=True):
            accounts_mark_dirty(account_ids=[account.pk])
    assert _dirty() == [account.pk]
    assert queue() == 1


def test_a_phase_change_a_milestone_done_a_meeting_an_article_read_and_a_survey_mark(scoped):
    phases = phases_seed_defaults()
    moved, done, met, read, answered, alerted = (AccountFactory() for _ in range(6))
    phase_transition(account=moved, to_phase=phases[1], actor=None)
    milestone = MilestoneFactory(account=done, journey_map__account=done)
    milestone_set_status(milestone=milestone, status=MilestoneStatus.DONE, actor=None)
    meeting_log(account=met, agenda="定例")
    activity_record_bulk(
        rows=[{"account_id": read.pk, "kind": ActivityKind.CONTENT_VIEW, "title": "読了"}]
    )
    SurveyResponseFactory(account=answered, score=3)
    # The scoring's own timeline entries mark nothing (they would only loop).
    activity_record(account=alerted, kind=ActivityKind.HEALTH_ALERT, title="drop")
    assert _dirty() == sorted(a.pk for a in (moved, done, met, read, answered))


def test_a_claim_is_taken_once_and_a_mark_during_it_is_kept(scoped):
    a, b = AccountFactory(), AccountFactory()
    accounts_mark_dirty(account_ids=[a.pk, b.pk])
    first = dirty_claim()
    assert first.account_ids == sorted([a.pk, b.pk])
    assert dirty_claim().account_ids == []  # the same work is never claimed twice

    assert accounts_mark_dirty(account_ids=[a.pk]) == 1  # marked again while being scored
    assert dirty_release(claim=first) == 2
    assert _dirty() == [a.pk]
    assert dirty_claim().account_ids == [a.pk]


def test_a_claim_of_a_dead_worker_is_taken_over_after_the_lease(scoped):
    account = AccountFactory()
    accounts_mark_dirty(account_ids=[account.pk])
    dead = dirty_claim()
    later = timezone.now() + LEASE + dt.timedelta(seconds=1)
    assert not now_sweep_due(now=timezone.now())
    assert now_sweep_due(now=later)
    taken = dirty_claim(now=later)
    assert taken.account_ids == [account.pk]
    assert dirty_release(claim=dead) == 0  # the dead worker's late release removes nothing
    assert dirty_release(claim=taken) == 1


def test_the_now_score_is_what_the_nightly_engine_gives_for_today(defaults):
    accounts = [AccountFactory(licensed_seats=10) for _ in range(12)]
    today = timezone.localdate()
    for i, account in enumerate(accounts):
        for days_ago in range(i):
            UsageDailyFactory(account=account, day=today - dt.timedelta(days=days_ago), count=1 + i)
    # A sparse subset of the id range (the rollups are then read for these ids only).
    picked = [accounts[1].pk, accounts[10].pk]
    assert scores_now_recompute(account_ids=picked) == 2
    healthscore_recompute(day=today)
    nightly = dict(HealthScore.objects.filter(day=today).values_list("account_id", "score"))
    now = {n.account_id: n for n in HealthScoreNow.objects.all()}
    assert sorted(now) == sorted(picked)
    for account_id in picked:
        assert now[account_id].score == nightly[account_id]
        assert now[account_id].day == today
    assert nightly[picked[0]] != nightly[picked[1]]


def test_now_is_shown_until_the_nightly_scores_its_day(defaults):
    account = AccountFactory()
    today = timezone.localdate()
    healthscore_recompute(day=today - dt.timedelta(days=1))
    scores_now_recompute(account_ids=[account.pk])
    now = health_now(account=account)
    assert now is not None and now.day == today
    assert set(health_now_by_account()) == {account.pk}
    days = {d for _a, d, _s in health_scores_between(start=today - dt.timedelta(days=3))}
    assert today not in days
    with_now = health_scores_between(start=today - dt.timedelta(days=3), with_now=True)
    assert (account.pk, today, now.score) in with_now

    healthscore_recompute(day=today)  # the nightly of that day supersedes it
    assert health_now(account=account) is None
    assert health_now_by_account() == {}
    rows = health_scores_between(start=today, with_now=True)
    assert [(a, d) for a, d, _s in rows] == [(account.pk, today)]


def test_a_run_scores_tells_the_listeners_and_releases(defaults):
    a, b = AccountFactory(), AccountFactory()
    accounts_mark_dirty(account_ids=[a.pk, b.pk])
    told: list[list[int]] = []
    register_scores_now_listener(told.append)
    try:
        run = now_run()
    finally:
        unregister_scores_now_listener(told.append)
    assert (run.claimed, run.scored, run.released) == (2, 2, 2)
    assert told == [sorted([a.pk, b.pk])]
    assert _dirty() == []
    assert HealthScoreNow.objects.count() == 2
    assert now_run().claimed == 0  # run twice: nothing left, nothing changes


def test_a_listener_that_fails_leaves_the_claim_for_a_retry(defaults):
    account = AccountFactory()
    accounts_mark_dirty(account_ids=[account.pk])

    def broken(account_ids: list[int]) -> None:
        raise RuntimeError("rules are down")

    register_scores_now_listener(broken)
    try:
        with pytest.raises(RuntimeError):
            now_run()
    finally:
        unregister_scores_now_listener(broken)
    row = DirtyAccount.objects.get()
    assert row.claim is not None
    later = timezone.now() + LEASE + dt.timedelta(seconds=1)
    assert now_run(now=later).released == 1
    assert _dirty() == []


# --- where "now" is shown: Account 360, the account list, the API -------------------------------


@pytest.fixture
def now_scored(defaults):
    """Scored by the nightly yesterday, then rescored at event time today after a survey."""
    account = AccountFactory(name="株式会社イマ")
    healthscore_recompute(day=timezone.localdate() - dt.timedelta(days=1))
    SurveyResponseFactory(account=account, score=0, responded_on=timezone.localdate())
    now_run()
    return account


def _page(user, name: str, **kwargs) -> str:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    path = reverse(name, kwargs={"tenant_slug": "acme", **kwargs})
    return client.get(path).content.decode()


def test_account_360_shows_the_now_score_with_its_time(viewer_user, now_scored):
    now = HealthScoreNow.objects.get()
    body = _page(viewer_user, "accounts:detail", pk=now_scored.pk)
    assert 'data-testid="health-score"' in body  # yesterday's nightly score stays
    header = body.split('data-testid="health-now"')[1].split("</span></span>")[0]
    assert f">{now.score:.0f}</strong>" in header
    assert timezone.localtime(now.computed_at).strftime("%H:%M") in header


def test_the_account_list_shows_the_now_score(viewer_user, now_scored):
    now = HealthScoreNow.objects.get()
    body = _page(viewer_user, "accounts:list")
    cell = body.split('data-testid="health-now-cell"')[1].split("</span></span>")[0]
    assert f">{now.score:.0f}" in cell


def test_the_api_gives_the_now_score_and_404_without_one(viewer_api, now_scored, defaults):
    now = HealthScoreNow.objects.get()
    body = viewer_api.get(f"/api/v1/accounts/{now_scored.pk}/health/now/").json()
    assert body["score"] == now.score and body["band"] == now.band
    assert body["day"] == timezone.localdate().isoformat()
    assert set(body["components"]) == set(now.components)
    health = viewer_api.get(f"/api/v1/accounts/{now_scored.pk}/health/").json()
    assert health["day"] == (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert health["now"]["score"] == now.score

    healthscore_recompute(day=timezone.localdate())  # the nightly of today supersedes it
    response = viewer_api.get(f"/api/v1/accounts/{now_scored.pk}/health/now/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_scored_now"
    assert viewer_api.get(f"/api/v1/accounts/{now_scored.pk}/health/").json()["now"] is None


def test_another_tenants_account_has_no_now_score_for_an_outsider(outsider_api, now_scored):
    response = outsider_api.get(f"/api/v1/accounts/{now_scored.pk}/health/now/")
    assert response.status_code == 404


def test_rules_at_event_time_read_only_the_rescored_accounts_and_agree_with_the_full_run(
    defaults,
):
    from tests.touchmodel.factories import RuleFactory
    from touchmodel.selectors.triggers import trigger_candidates

    a, b = AccountFactory(), AccountFactory()
    healthscore_recompute(day=timezone.localdate() - dt.timedelta(days=1))
    scores_now_recompute(account_ids=[a.pk])
    for trigger, params in (("health_below", {"threshold": 101}), ("health_dropped", {})):
        rule = RuleFactory(trigger=trigger, params=params)
        everyone = trigger_candidates(rule=rule, now=timezone.now())
        only_a = trigger_candidates(rule=rule, now=timezone.now(), account_ids=[a.pk])
        assert set(only_a["account_id"]) <= {a.pk}
        expected = everyone[everyone["account_id"] == a.pk].reset_index(drop=True)
        assert only_a.reset_index(drop=True).equals(expected)
    assert b.pk in set(
        trigger_candidates(
            rule=RuleFactory(trigger="health_below", params={"threshold": 101}),
            now=timezone.now(),
        )["account_id"]
    )


def test_the_sweep_schedules_marks_that_no_task_will_pick_up(scoped, queue):
    from healthscore.tasks import now_sweep

    account = AccountFactory()
    # Marked a minute ago, and the broker was down at commit: no task is waiting.
    accounts_mark_dirty(account_ids=[account.pk], now=timezone.now() - dt.timedelta(minutes=1))
    assert now_sweep_due()
    assert now_sweep() == 1
    assert queue() == 1
    assert now_sweep() == 0  # the task is waiting now: not scheduled twice
    assert queue() == 1
