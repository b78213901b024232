"""A worker killed with SIGKILL (main process and pool) in the middle of a recompute costs
seconds of lease, not hours of visibility timeout: real worker processes, real kill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from accounts.models import Account, LifecycleStatus
from cs_platform.scoping import cross_tenant
from healthscore import tasks
from healthscore.models import HealthScore, JobStatus, JobTrigger, RecomputeChunk, RecomputeJob
from healthscore.services.recompute import recompute_job_create
from tests.factories import AccountFactory
from tests.workers import FAST_LEASES, kill_scene, new_queue, wait_for

DAY = dt.date(2026, 11, 20)


def _running(job: RecomputeJob, worker: str) -> int:
    return RecomputeChunk.objects.filter(
        job=job, state="running", worker__startswith=worker
    ).count()


@pytest.mark.slow
@pytest.mark.real_clock
def test_a_recompute_survives_a_worker_killed_mid_chunk(transactional_db, defaults, settings):
    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 3
    for _ in range(30):
        AccountFactory()
    AccountFactory(lifecycle_status=LifecycleStatus.CHURNED)
    job = recompute_job_create(day=DAY, trigger=JobTrigger.MANUAL)
    assert len(job.chunks) == 10

    queue = new_queue()
    # Every chunk blocks at its upsert, after its claim, so the kill lands mid-chunk for sure.
    with kill_scene(queue=queue, table="healthscore_healthscore") as scene:
        tasks.recompute_start_task.apply_async(
            kwargs={"tenant_id": job.tenant_id, "job_id": job.pk}, queue=queue
        )
        wait_for(lambda: _running(job, "doomed") == 2, timeout=90, what="doomed to claim 2")
        scene.start_survivor()
        wait_for(lambda: _running(job, "survivor") == 2, timeout=90, what="survivor to claim 2")
        held = set(
            RecomputeChunk.objects.filter(job=job, worker__startswith="doomed").values_list(
                "index", flat=True
            )
        )
        scene.kill()

        def all_done() -> bool:
            job.refresh_from_db()
            return job.status != JobStatus.RUNNING

        recovery = scene.sweep_until(
            tasks.sweep_recompute_leases, all_done, what="the job to finish"
        )

    scorable = set(
        Account.objects.exclude(lifecycle_status=LifecycleStatus.CHURNED).values_list(
            "pk", flat=True
        )
    )
    scored = list(HealthScore.objects.filter(day=DAY).values_list("account_id", flat=True))
    stalled = RecomputeChunk.objects.filter(job=job, stalls__gt=0)
    print(  # noqa: T201 — the figure the issue asks for
        f"\nkilled worker held chunks {sorted(held)}; job done {recovery:.1f} s after SIGKILL "
        f"(lease {FAST_LEASES['JOB_LEASE_SECONDS']} s, sweep every "
        f"{FAST_LEASES['JOB_LEASE_SWEEP_SECONDS']} s); recovered chunks "
        f"{sorted(stalled.values_list('index', flat=True))}; "
        f"unscored {len(scorable - set(scored))}, duplicate scores {len(scored) - len(set(scored))}"
    )
    assert job.status == JobStatus.DONE and job.errors == []
    assert (job.done, job.total) == (30, 30)
    assert scorable == set(scored)  # 0 accounts unscored
    assert len(scored) == len(set(scored))  # 0 duplicate scores
    assert set(stalled.values_list("index", flat=True)) >= {
        i for i in held if RecomputeChunk.objects.get(job=job, index=i).attempt > 1
    }
    assert stalled.filter(state="done", stalled_worker__startswith="doomed").exists()
    assert recovery < 60
    with cross_tenant("tenant-admin"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM healthscore_recomputechunk WHERE state <> 'done'")
        assert cursor.fetchone() == (0,)
