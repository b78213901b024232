"""Recompute: measures, assignment, upserts, idempotency, killed jobs, the command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import LifecycleStatus
from healthscore.engine.measures import Spec, measure_frame
from healthscore.models import HealthScore, JobStatus, JobTrigger, RecomputeJob, Scorecard
from healthscore.selectors import recompute_job_done
from healthscore.services.recompute import (
    healthscore_recompute,
    recompute_job_claim_nightly,
    recompute_job_create,
    recompute_job_run_chunk,
    recompute_job_run_sync,
)
from healthscore.services.scorecards import scorecard_create
from tests.factories import AccountFactory, ContactFactory, ContractFactory

from .factories import (
    ContactDailyFactory,
    KeyEventFactory,
    SurveyResponseFactory,
    UsageDailyFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 20)


def frame_for(tenant, accounts, specs, day=DAY):
    import pandas as pd

    acc = pd.DataFrame(
        {"seats": [float(a.licensed_seats) for a in accounts]}, index=[a.pk for a in accounts]
    )
    return measure_frame(
        tenant_id=tenant.pk, tz=tenant.tzinfo, accounts=acc, as_of=day, specs=set(specs)
    )


def usage(account, days_ago, event="login", count=1):
    return UsageDailyFactory(
        account=account, day=DAY - dt.timedelta(days=days_ago), event=event, count=count
    )


def test_active_user_ratio_counts_distinct_users_over_seats(scoped):
    account = AccountFactory(licensed_seats=4)
    ContactDailyFactory(account=account, contact_key="a", day=DAY)
    ContactDailyFactory(account=account, contact_key="a", day=DAY - dt.timedelta(days=3))
    ContactDailyFactory(account=account, contact_key="b", day=DAY - dt.timedelta(days=29))
    ContactDailyFactory(account=account, contact_key="c", day=DAY - dt.timedelta(days=30))
    spec = Spec("active_user_ratio", 30)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 50.0


def test_active_user_ratio_without_seats_is_missing(scoped):
    account = AccountFactory(licensed_seats=0)
    spec = Spec("active_user_ratio", 30)
    assert frame_for(scoped, [account], [spec])[spec].isna().all()


def test_active_days_counts_days_with_any_event(scoped):
    account = AccountFactory()
    usage(account, 0)
    usage(account, 0, event="other")
    usage(account, 5)
    usage(account, 40)
    spec = Spec("active_days", 30)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 2


def test_feature_breadth_is_the_share_of_key_events_used(scoped):
    account = AccountFactory()
    KeyEventFactory(name="a")
    KeyEventFactory(name="b")
    usage(account, 1, event="a")
    usage(account, 1, event="not_key")
    spec = Spec("feature_breadth", 30)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 50.0


def test_usage_trend_compares_the_last_period_with_the_previous(scoped):
    account = AccountFactory()
    usage(account, 1, count=5)
    usage(account, 40, count=10)
    spec = Spec("usage_trend", 30)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == -50.0


def test_usage_trend_without_any_usage_is_missing(scoped):
    account = AccountFactory()
    spec = Spec("usage_trend", 30)
    assert frame_for(scoped, [account], [spec])[spec].isna().all()


def test_event_count_sums_one_event_over_its_window(scoped):
    account = AccountFactory()
    usage(account, 0, event="card_scanned", count=3)
    usage(account, 6, event="card_scanned", count=2)
    usage(account, 7, event="card_scanned", count=100)
    usage(account, 0, event="login", count=9)
    spec = Spec("event_count", 7, "card_scanned")
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 5


def test_relationship_coverage_counts_levels_known_and_met(scoped):
    account = AccountFactory()
    met = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    ContactFactory(account=account, relationship_level="field", last_met_at=met)
    ContactFactory(account=account, relationship_level="executive")
    spec = Spec("relationship_coverage", 90)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == pytest.approx(50.0)


def test_engagement_counts_content_views_and_seminars(scoped):
    from journeys.services import activity_record

    account = AccountFactory()
    when = dt.datetime(2026, 11, 19, 3, tzinfo=dt.UTC)
    activity_record(account=account, kind="content_view", title="read", occurred_at=when)
    activity_record(account=account, kind="seminar_attendance", title="s", occurred_at=when)
    activity_record(account=account, kind="note", title="n", occurred_at=when)
    spec = Spec("engagement", 30)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 2


def test_survey_score_averages_recent_responses(scoped):
    account = AccountFactory()
    SurveyResponseFactory(account=account, score=10, responded_on=DAY)
    SurveyResponseFactory(account=account, score=6, responded_on=DAY - dt.timedelta(days=10))
    SurveyResponseFactory(account=account, score=0, responded_on=DAY - dt.timedelta(days=400))
    spec = Spec("survey_score", 180)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 8


def test_journey_progress_is_the_on_time_share_of_milestones(scoped):
    from journeys.services import milestone_create, milestone_set_status

    account = AccountFactory()
    done = milestone_create(account=account, title="a", due_date=DAY + dt.timedelta(days=5))
    # Completed on the scoring day itself, whatever day the suite runs on.
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(9), tzinfo=scoped.tzinfo)):
        milestone_set_status(milestone=done, status="done", actor=None)
    milestone_create(account=account, title="b", due_date=DAY - dt.timedelta(days=5))
    spec = Spec("journey_progress", None)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 50.0


def test_days_to_renewal_uses_the_next_live_contract(scoped):
    account = AccountFactory()
    ContractFactory(account=account, renewal_date=DAY + dt.timedelta(days=45))
    ContractFactory(account=account, renewal_date=DAY + dt.timedelta(days=10), status="cancelled")
    spec = Spec("days_to_renewal", None)
    assert frame_for(scoped, [account], [spec]).loc[account.pk, spec] == 45


def test_recompute_stores_one_score_per_account_with_components(defaults):
    accounts = [AccountFactory() for _ in range(3)]
    usage(accounts[0], 0, count=4)
    job = healthscore_recompute(day=DAY)
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 3, 3)
    score = HealthScore.objects.get(account=accounts[0], day=DAY)
    assert score.version == Scorecard.objects.get(is_default=True).current_version
    assert set(score.components) >= {"active_users", "active_days", "renewal"}
    assert score.components["active_days"]["value"] == 1


def test_churned_accounts_are_not_scored(defaults):
    AccountFactory(lifecycle_status=LifecycleStatus.CHURNED)
    assert healthscore_recompute(day=DAY).total == 0


def test_rerun_leaves_exactly_one_score_per_account_and_day(defaults):
    accounts = [AccountFactory() for _ in range(4)]
    healthscore_recompute(day=DAY)
    usage(accounts[0], 0, count=50)
    healthscore_recompute(day=DAY)
    assert HealthScore.objects.filter(day=DAY).count() == 4
    assert HealthScore.objects.get(account=accounts[0]).components["active_days"]["value"] == 1


def test_chunk_run_twice_counts_once(defaults, settings):
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 2
    for _ in range(5):
        AccountFactory()
    job = recompute_job_create(day=DAY, trigger=JobTrigger.MANUAL)
    assert len(job.chunks) == 3
    assert recompute_job_run_chunk(job=job, index=0) is True
    assert recompute_job_run_chunk(job=job, index=0) is False
    job.refresh_from_db()
    assert recompute_job_done(job=job) == 2
    assert HealthScore.objects.count() == 2


def test_killed_job_resumes_without_loss_or_double_count(defaults, settings):
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 2
    for _ in range(5):
        AccountFactory()
    job = recompute_job_create(day=DAY, trigger=JobTrigger.NIGHTLY)
    recompute_job_run_chunk(job=job, index=1)
    # The worker died here: the job is left "running" with one chunk done.
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    resumed = recompute_job_run_sync(job=job)
    assert (resumed.status, resumed.done, resumed.total) == (JobStatus.DONE, 5, 5)
    assert HealthScore.objects.filter(day=DAY).count() == 5
    assert len(set(HealthScore.objects.values_list("account_id", flat=True))) == 5


def test_nightly_job_is_claimed_once_per_day(defaults):
    AccountFactory()
    assert recompute_job_claim_nightly(day=DAY) is not None
    assert recompute_job_claim_nightly(day=DAY) is None
    assert RecomputeJob.objects.filter(trigger=JobTrigger.NIGHTLY).count() == 1


def test_scorecard_by_market_segment_wins_over_the_default(defaults):
    enterprise = AccountFactory(market_segment="enterprise")
    smb = AccountFactory(market_segment="smb")
    card = scorecard_create(
        name="Enterprise", market_segments=["enterprise"], priority=1, publish=True
    )
    healthscore_recompute(day=DAY)
    assert HealthScore.objects.get(account=enterprise).version == card.current_version
    assert HealthScore.objects.get(account=smb).version.scorecard.is_default


def test_scorecard_by_phase_applies_to_accounts_in_that_phase(defaults):
    from journeys.services import phase_transition, phases_seed_defaults

    phases = phases_seed_defaults()
    moved, stayed = AccountFactory(), AccountFactory()
    phase_transition(account=moved, to_phase=phases[2], actor=None)
    card = scorecard_create(name="Adoption", phase_keys=[phases[2].key], priority=1, publish=True)
    healthscore_recompute(day=DAY)
    assert HealthScore.objects.get(account=moved).version == card.current_version
    assert HealthScore.objects.get(account=stayed).version.scorecard.is_default


def test_old_score_keeps_the_version_it_was_computed_with(defaults):
    from healthscore.services.scorecards import scorecard_publish

    account = AccountFactory()
    healthscore_recompute(day=DAY - dt.timedelta(days=1))
    card = Scorecard.objects.get(is_default=True)
    second = scorecard_publish(scorecard=card)
    healthscore_recompute(day=DAY)
    old = HealthScore.objects.get(account=account, day=DAY - dt.timedelta(days=1))
    assert old.version.number == 1
    assert HealthScore.objects.get(account=account, day=DAY).version == second


def test_command_recomputes_with_progress(defaults, tenant):
    AccountFactory()
    out = StringIO()
    call_command("recompute_health", "--tenant", tenant.slug, "--date", "2026-11-20", stdout=out)
    assert "1/1" in out.getvalue()
    assert HealthScore.objects.filter(day=DAY).count() == 1


def test_history_path_gives_the_same_scores_as_the_nightly_path(defaults):
    from healthscore.services.recompute import healthscore_recompute_history

    accounts = [AccountFactory(licensed_seats=5) for _ in range(3)]
    KeyEventFactory(name="report")
    for n, account in enumerate(accounts):
        for days_ago in range(0, 70, n + 2):
            usage(account, days_ago, event="report" if days_ago % 3 else "login", count=n + 1)
            day = DAY - dt.timedelta(days=days_ago)
            ContactDailyFactory(account=account, contact_key=f"u{days_ago % 4}", day=day)
    SurveyResponseFactory(account=accounts[0], score=7, responded_on=DAY - dt.timedelta(days=3))
    ContractFactory(account=accounts[1], renewal_date=DAY + dt.timedelta(days=30))
    met = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    ContactFactory(account=accounts[0], relationship_level="manager", last_met_at=met)
    ContactFactory(account=accounts[0], relationship_level="executive")
    days = [DAY - dt.timedelta(days=d) for d in (0, 1, 20, 45)]
    for day in days:
        healthscore_recompute(day=day)
    nightly = {(s.account_id, s.day): (s.score, s.components) for s in HealthScore.objects.all()}
    HealthScore.objects.all().delete()
    healthscore_recompute_history(days=days)
    history = {(s.account_id, s.day): (s.score, s.components) for s in HealthScore.objects.all()}
    assert history == nightly


def test_history_of_customers_scores_each_account_on_the_days_a_contract_covered(
    defaults, settings
):
    """The demo's past year: churned accounts included, only while they were customers; an
    account with no contract is not scored, and no alert is opened (alert_days=0)."""
    from healthscore.models import HealthAlert
    from healthscore.services.recompute import healthscore_recompute_history

    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 2
    churned = AccountFactory(lifecycle_status=LifecycleStatus.CHURNED)
    ContractFactory(account=churned, start_date=DAY - dt.timedelta(days=60), renewal_date=DAY)
    customer = AccountFactory()
    ContractFactory(account=customer, start_date=DAY - dt.timedelta(days=30))
    AccountFactory()  # no contract: never a customer
    for account in (churned, customer):
        usage(account, 25)
    days = [DAY - dt.timedelta(days=d) for d in (0, 20, 40, 80)]

    scored = healthscore_recompute_history(days=days, alert_days=0, customers_only=True)

    rows = set(HealthScore.objects.values_list("account_id", "day"))
    assert rows == {
        (churned.pk, DAY - dt.timedelta(days=40)),
        (churned.pk, DAY - dt.timedelta(days=20)),
        (customer.pk, DAY - dt.timedelta(days=20)),
        (customer.pk, DAY),
    }
    assert scored == 4
    assert not HealthAlert.objects.exists()


def test_chunk_that_gave_up_is_recorded_and_the_job_ends_failed(defaults, settings):
    from healthscore.services.recompute import recompute_job_finish, recompute_job_record_error

    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 1
    AccountFactory()
    AccountFactory()
    job = recompute_job_create(day=DAY)
    recompute_job_run_chunk(job=job, index=0)
    recompute_job_record_error(job=job, index=1, error="boom")
    assert recompute_job_finish(job=job) is True
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.errors == [{"chunk": 1, "error": "boom"}]
    assert recompute_job_finish(job=job) is False
