"""The recompute's progress is counted on each chunk's own row, not by adding to one counter on
the job row in every chunk's transaction (a hot row: each chunk's commit waited for the
others'). Progress reads, the job's close and its figures stay the same."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from cs_platform.scoping import tenant_scope
from healthscore.models import JobStatus, JobTrigger, RecomputeJob
from healthscore.selectors import recompute_job_done
from healthscore.services.recompute import (
    recompute_job_create,
    recompute_job_finish,
    recompute_job_run_chunk,
)
from tests.factories import AccountFactory

DAY = dt.date(2026, 11, 20)


@pytest.mark.django_db(transaction=True)
def test_chunks_of_one_job_commit_without_waiting_for_each_other(tenant, settings, app_connection):
    """Chunk 0 is scored and completed in a transaction that stays open; chunk 1 then runs
    to its commit at once (with a counter on the job row it waited for chunk 0's commit, here
    past lock_timeout), another connection can lock the job row, and the progress counts what
    is committed. Once chunk 0 commits the job closes with every account counted once."""
    from healthscore.services.scorecards import healthscore_tenant_defaults

    settings.HEALTH_RECOMPUTE_CHUNK_SIZE = 2
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        for _ in range(4):
            AccountFactory()
        job = recompute_job_create(day=DAY, trigger=JobTrigger.MANUAL)
    assert len(job.chunks) == 2
    completed, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_chunk() -> None:
        try:
            with tenant_scope(tenant), transaction.atomic():
                assert recompute_job_run_chunk(job=job, index=0) is True
                completed.set()
                assert release.wait(20)
        except BaseException as error:  # reported by the test thread
            errors.append(error)
            completed.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_chunk)
    thread.start()
    other = app_connection(tenant)
    try:
        assert completed.wait(30) and not errors
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        with tenant_scope(tenant):
            assert recompute_job_run_chunk(job=job, index=1) is True
        with other.cursor() as cursor:  # chunk 0's open transaction holds no lock on the job
            cursor.execute(
                "SELECT id FROM healthscore_recomputejob WHERE id = %s FOR UPDATE NOWAIT", [job.pk]
            )
            assert cursor.fetchone() == (job.pk,)
        other.rollback()
        with tenant_scope(tenant):
            running = RecomputeJob.objects.get(pk=job.pk)
            assert recompute_job_done(job=running) == 2  # chunk 1's, committed
            assert recompute_job_finish(job=running) is False  # chunk 0 is not in yet
    finally:
        release.set()
        thread.join()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert not errors
    with tenant_scope(tenant):
        assert recompute_job_done(job=RecomputeJob.objects.get(pk=job.pk)) == 4
        assert recompute_job_finish(job=job) is True
        closed = RecomputeJob.objects.get(pk=job.pk)
        assert (closed.status, closed.done, closed.total) == (JobStatus.DONE, 4, 4)
        assert closed.completed_chunks == [0, 1]
        assert recompute_job_done(job=closed) == 4
        assert recompute_job_finish(job=job) is False
