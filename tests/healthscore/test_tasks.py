"""Beat: the nightly start at 02:00 tenant time, once per day; stale jobs resumed."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine

from healthscore import tasks
from healthscore.models import JobTrigger, RecomputeJob
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_nothing_is_due_before_two_in_the_tenants_time_zone(tenant):
    before = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)  # 01:30 in Tokyo
    assert tasks.nightly_day_due(tenant=tenant, now=before) is None


def test_after_two_the_day_that_just_ended_is_due(tenant):
    after = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)  # 02:30 on the 21st in Tokyo
    assert tasks.nightly_day_due(tenant=tenant, now=after) == dt.date(2026, 11, 20)


def test_beat_starts_each_tenants_job_once(defaults, tenant):
    AccountFactory()
    after_two = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)  # 02:30 in Tokyo: a job is due
    with (
        time_machine.travel(after_two, tick=True),
        mock.patch.object(tasks.recompute_chunk_task, "delay") as delay,
    ):
        tasks.start_due_recomputes()
        tasks.start_due_recomputes()
    assert RecomputeJob.objects.filter(trigger=JobTrigger.NIGHTLY).count() == 1
    assert delay.call_count == 1
    assert delay.call_args.kwargs["tenant_id"] == tenant.pk


def test_chunk_task_scores_and_closes_the_job(defaults, tenant):
    from healthscore.services.recompute import recompute_job_create

    AccountFactory()
    job = recompute_job_create(day=dt.date(2026, 11, 20))
    tasks.recompute_chunk_task.apply(kwargs={"tenant_id": tenant.pk, "job_id": job.pk, "index": 0})
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 1)


def test_sweep_sends_again_only_the_chunk_whose_lease_expired(defaults, tenant, settings):
    from healthscore.models import RecomputeChunk
    from healthscore.services.recompute import recompute_chunk_claim, recompute_job_create

    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 1
    for _ in range(3):
        AccountFactory()
    job = recompute_job_create(day=dt.date(2026, 11, 1), trigger=JobTrigger.MANUAL)
    tasks.dispatch_job(job)
    assert recompute_chunk_claim(job=job, index=0, worker="w-dead")
    assert recompute_chunk_claim(job=job, index=1, worker="w-alive")
    RecomputeChunk.objects.filter(job=job, index=0).update(
        lease_expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    with mock.patch.object(tasks.recompute_chunk_task, "delay") as delay:
        assert tasks.sweep_recompute_leases() == 1
    # Chunk 1 runs under a live lease, chunk 2 waits in the queue: neither is sent twice.
    assert [c.kwargs for c in delay.call_args_list] == [
        {"tenant_id": tenant.pk, "job_id": job.pk, "index": 0}
    ]
    swept = RecomputeChunk.objects.get(job=job, index=0)
    assert (swept.state, swept.stalls, swept.stalled_worker) == ("queued", 1, "w-dead")


def test_beat_no_longer_resends_chunks_of_an_old_running_job(defaults, tenant):
    from healthscore.services.recompute import recompute_job_create

    AccountFactory()
    job = recompute_job_create(day=dt.date(2026, 11, 1), trigger=JobTrigger.MANUAL)
    tasks.dispatch_job(job)
    RecomputeJob.objects.filter(pk=job.pk).update(
        started_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
    with mock.patch.object(tasks.recompute_chunk_task, "delay") as delay:
        tasks.start_due_recomputes()
        tasks.sweep_recompute_leases()
    assert {"job_id": job.pk, "index": 0, "tenant_id": tenant.pk} not in [
        c.kwargs for c in delay.call_args_list
    ]
