"""Celery tasks of the health score: thin wrappers around the services."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope
from cs_platform.tasks import TenantTask

from .models import RecomputeJob
from .services.partitions import partitions_create_ahead, partitions_drop_expired
from .services.recompute import (
    recompute_job_claim_nightly,
    recompute_job_finish,
    recompute_job_pending_chunks,
    recompute_job_record_error,
    recompute_job_run_chunk,
    recompute_jobs_stale,
)

logger = logging.getLogger(__name__)

NIGHTLY_HOUR = 2
STALE_AFTER = dt.timedelta(hours=3)


@shared_task(name="healthscore.maintain_partitions", ignore_result=True)
def maintain_partitions() -> None:
    partitions_create_ahead()
    partitions_drop_expired()


def nightly_day_due(*, tenant: Tenant, now: dt.datetime) -> dt.date | None:
    """The day to score if the tenant's local time has passed 02:00: the day just ended."""
    local = now.astimezone(tenant.tzinfo)
    if local.hour < NIGHTLY_HOUR:
        return None
    return local.date() - dt.timedelta(days=1)


@shared_task(name="healthscore.start_due_recomputes", ignore_result=True)
def start_due_recomputes() -> None:
    """Every 15 minutes: start each tenant's nightly job once, and resume stale jobs."""
    now = timezone.now()
    for tenant in Tenant.objects.all():
        day = nightly_day_due(tenant=tenant, now=now)
        with tenant_scope(tenant):
            if day is not None:
                job = recompute_job_claim_nightly(day=day)
                if job is not None:
                    dispatch_job(job)
            for stale in recompute_jobs_stale(older_than=STALE_AFTER):
                logger.warning("Resuming stale recompute job %s", stale.pk)
                dispatch_job(stale)


def dispatch_job(job: RecomputeJob) -> int:
    """Send one task per pending chunk (a resumed job sends only the missing ones)."""
    pending = recompute_job_pending_chunks(job=job)
    for index in pending:
        recompute_chunk_task.delay(tenant_id=job.tenant_id, job_id=job.pk, index=index)
    if not pending:
        recompute_job_finish(job=job)
    return len(pending)


@shared_task(
    name="healthscore.recompute_chunk",
    base=TenantTask,
    bind=True,
    ignore_result=True,
    max_retries=3,
    soft_time_limit=15 * 60,
    time_limit=16 * 60,
)
def recompute_chunk_task(self: TenantTask, *, tenant_id: int, job_id: int, index: int) -> None:
    job = RecomputeJob.objects.get(pk=job_id)
    try:
        recompute_job_run_chunk(job=job, index=index)
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc
        logger.exception("Recompute chunk %s of job %s failed", index, job_id)
        recompute_job_record_error(job=job, index=index, error=repr(exc))
    recompute_job_finish(job=job)


@shared_task(name="healthscore.recompute_start", base=TenantTask, ignore_result=True)
def recompute_start_task(*, tenant_id: int, job_id: int) -> None:
    dispatch_job(RecomputeJob.objects.get(pk=job_id))
