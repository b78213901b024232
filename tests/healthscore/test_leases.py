"""Leases of recompute chunks: claimed once, renewed while running, fenced at completion,
swept back to the queue when the worker died, and shown on the job page."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from cs_platform.leases import Heartbeat
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScore, JobStatus, JobTrigger, RecomputeChunk, RecomputeJob
from healthscore.selectors import recompute_job_done
from healthscore.services import recompute
from healthscore.services.recompute import (
    recompute_chunk_claim,
    recompute_chunk_heartbeat,
    recompute_job_claim_nightly,
    recompute_job_create,
    recompute_job_run_chunk,
    recompute_leases_sweep,
)
from tests.factories import AccountFactory

DAY = dt.date(2026, 11, 20)
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def _expire(job: RecomputeJob, index: int) -> None:
    RecomputeChunk.objects.filter(job=job, index=index).update(lease_expires_at=LONG_AGO)


@pytest.fixture
def job(defaults, settings) -> RecomputeJob:
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 2
    for _ in range(5):
        AccountFactory()
    return recompute_job_create(day=DAY, trigger=JobTrigger.MANUAL)


def test_a_job_is_created_with_one_queued_chunk_row_per_chunk(job):
    rows = list(RecomputeChunk.objects.filter(job=job).values_list("index", "state", "first_id"))
    assert [(i, s) for i, s, _ in rows] == [(0, "queued"), (1, "queued"), (2, "queued")]
    assert [first for *_, first in rows] == [c[0] for c in job.chunks]


def test_a_chunk_is_claimed_by_one_worker_at_a_time(job):
    assert recompute_chunk_claim(job=job, index=0, worker="a") is not None
    assert recompute_chunk_claim(job=job, index=0, worker="b") is None


def test_an_expired_lease_can_be_claimed_again_with_a_new_attempt(job):
    _, first = recompute_chunk_claim(job=job, index=0, worker="a")
    _expire(job, 0)
    chunk_id, second = recompute_chunk_claim(job=job, index=0, worker="b")
    assert second == first + 1
    assert recompute_chunk_heartbeat(chunk_id=chunk_id, attempt=first) is False
    assert recompute_chunk_heartbeat(chunk_id=chunk_id, attempt=second) is True


def test_a_worker_whose_lease_was_taken_over_writes_nothing(job):
    """A worker that stalled (not dead, only slow) finishes after its chunk was claimed again:
    the fenced completion refuses it, so progress is counted by the new holder only."""
    real_claim = recompute.recompute_chunk_claim

    def claim_then_lose(**kwargs):
        lease = real_claim(**kwargs)
        _expire(job, kwargs["index"])
        real_claim(job=job, index=kwargs["index"], worker="the-new-holder")
        return lease

    with mock.patch.object(recompute, "recompute_chunk_claim", claim_then_lose):
        assert recompute_job_run_chunk(job=job, index=0) is False
    job.refresh_from_db()
    assert recompute_job_done(job=job) == 0
    assert HealthScore.objects.count() == 0
    assert RecomputeChunk.objects.get(job=job, index=0).worker == "the-new-holder"


def test_a_failing_chunk_gives_its_lease_back_for_the_retry(job):
    with (
        mock.patch.object(recompute, "recompute_chunk", side_effect=RuntimeError("db hiccup")),
        pytest.raises(RuntimeError),
    ):
        recompute_job_run_chunk(job=job, index=0)
    chunk = RecomputeChunk.objects.get(job=job, index=0)
    assert (chunk.state, chunk.attempt) == ("queued", 1)
    assert recompute_job_run_chunk(job=job, index=0) is True


def test_the_sweep_requeues_a_dead_workers_chunk_and_notes_the_stall(job):
    recompute_chunk_claim(job=job, index=1, worker="celery@dead:42")
    _expire(job, 1)
    swept = recompute_leases_sweep()
    assert [(s.job_id, s.index) for s in swept] == [(job.pk, 1)]
    chunk = RecomputeChunk.objects.get(job=job, index=1)
    assert (chunk.state, chunk.stalls, chunk.stalled_worker) == ("queued", 1, "celery@dead:42")
    assert chunk.last_stalled_at is not None
    assert recompute_leases_sweep() == []


def test_a_chunk_that_killed_too_many_workers_fails_the_job_instead_of_looping(job, settings):
    settings.JOB_MAX_STALLS = 2
    for _ in range(2):
        recompute_chunk_claim(job=job, index=0, worker="oom")
        _expire(job, 0)
        swept = recompute_leases_sweep()
    assert swept == []
    assert RecomputeChunk.objects.get(job=job, index=0).state == "failed"
    job.refresh_from_db()
    assert job.errors == [{"chunk": 0, "error": "2 workers died while running this chunk"}]


def test_queued_chunks_of_a_job_without_progress_are_sent_again(job, settings):
    """Their messages were held by a worker that died before starting them."""
    settings.JOB_REQUEUE_AFTER_SECONDS = 60
    RecomputeChunk.objects.filter(job=job).update(dispatched_at=LONG_AGO)
    assert sorted(s.index for s in recompute_leases_sweep()) == [0, 1, 2]
    assert recompute_leases_sweep() == []  # sent again once per window, not every minute


def test_queued_chunks_wait_while_the_job_makes_progress(job, settings):
    settings.JOB_REQUEUE_AFTER_SECONDS = 60
    RecomputeChunk.objects.filter(job=job).update(dispatched_at=LONG_AGO)
    recompute_chunk_claim(job=job, index=0, worker="busy")
    assert recompute_leases_sweep() == []


def test_the_sweep_closes_a_job_whose_worker_died_after_the_last_chunk(job):
    for index in range(3):
        recompute_job_run_chunk(job=job, index=index)
    RecomputeJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, finished_at=None)
    with tenant_scope(None):
        recompute_leases_sweep()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_crash_while_planning_the_night_leaves_it_claimable(defaults):
    AccountFactory()
    with (
        mock.patch.object(recompute, "recompute_plan", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        recompute_job_claim_nightly(day=DAY)
    assert not RecomputeJob.objects.filter(trigger=JobTrigger.NIGHTLY).exists()
    job = recompute_job_claim_nightly(day=DAY)
    assert job is not None
    assert RecomputeChunk.objects.filter(job=job).count() == 1


def test_the_job_page_shows_a_stalled_chunk_and_then_its_recovery(job, client, admin_user):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("healthscore:recompute_job", kwargs={"tenant_slug": "acme", "pk": job.pk})
    recompute_chunk_claim(job=job, index=2, worker="celery@w1:7")
    _expire(job, 2)
    page = client.get(url).content.decode()
    assert 'data-chunk="2" data-stalled="true"' in page
    assert "Worker celery@w1:7 stopped sending heartbeats" in page

    recompute_leases_sweep()
    recompute_job_run_chunk(job=job, index=2, worker="celery@w2:9")
    page = client.get(url).content.decode()
    assert 'data-chunk="2" data-stalled="false"' in page
    assert "Stalled once (worker celery@w1:7 died" in page
    assert "Recovered: done by celery@w2:9" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    page = client.get(url).content.decode()
    assert "復旧: celery@w2:9 が" in page


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_thread_keeps_renewing_the_lease(defaults, settings):
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 5
    AccountFactory()
    job = recompute_job_create(day=DAY, trigger=JobTrigger.MANUAL)
    chunk_id, attempt = recompute_chunk_claim(job=job, index=0, worker="w")
    before = RecomputeChunk.objects.get(pk=chunk_id).lease_expires_at
    with Heartbeat(
        lambda: recompute_chunk_heartbeat(chunk_id=chunk_id, attempt=attempt), every=0.05
    ) as beat:
        time.sleep(0.4)
    assert beat.beats >= 3 and not beat.lost
    assert RecomputeChunk.objects.get(pk=chunk_id).lease_expires_at > before
    assert connection.in_atomic_block is False


def test_beat_sweeps_the_leases_at_the_configured_interval():
    from celery import current_app

    entry = current_app.conf.beat_schedule["healthscore-lease-sweep"]
    assert entry["task"] == "healthscore.sweep_recompute_leases"
    assert entry["schedule"] == dt.timedelta(seconds=settings.JOB_LEASE_SWEEP_SECONDS)
    # Re-dispatched within 5 minutes of a kill: the lease runs out, then the next sweep.
    assert settings.JOB_LEASE_SECONDS + settings.JOB_LEASE_SWEEP_SECONDS <= 5 * 60
