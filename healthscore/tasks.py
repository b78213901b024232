"""Celery tasks of the health score: thin wrappers around the services."""

from __future__ import annotations

import datetime as dt
import logging
import os

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope
from cs_platform.selectors import tenant_list
from cs_platform.tasks import TenantTask

from .models import BacktestRun, RecomputeJob
from .services.backtest import backtest_execute
from .services.now import now_run, now_schedule, now_sweep_due
from .services.partitions import partitions_create_ahead, partitions_drop_expired
from .services.portfolio import portfolio_days_compact_all
from .services.recompute import (
    recompute_job_claim_nightly,
    recompute_job_finish,
    recompute_job_mark_dispatched,
    recompute_job_record_error,
    recompute_job_run_chunk,
    recompute_leases_sweep,
)

logger = logging.getLogger(__name__)

NIGHTLY_HOUR = 2


@shared_task(name="healthscore.maintain_partitions", ignore_result=True)
def maintain_partitions() -> None:
    partitions_create_ahead()
    partitions_drop_expired()


@shared_task(name="healthscore.portfolio_days_compact", ignore_result=True)
def portfolio_days_compact_task() -> int:
    """Beat, hourly: fold every tenant's portfolio deltas into its day rows."""
    return portfolio_days_compact_all()


def nightly_day_due(*, tenant: Tenant, now: dt.datetime) -> dt.date | None:
    """The day to score if the tenant's local time has passed 02:00: the day just ended."""
    local = now.astimezone(tenant.tzinfo)
    if local.hour < NIGHTLY_HOUR:
        return None
    return local.date() - dt.timedelta(days=1)


@shared_task(name="healthscore.start_due_recomputes", ignore_result=True)
def start_due_recomputes() -> None:
    """Every 15 minutes: start each tenant's nightly job once (dead workers' chunks are the
    lease sweep's business, below)."""
    now = timezone.now()
    for tenant in tenant_list():
        day = nightly_day_due(tenant=tenant, now=now)
        if day is None:
            continue
        with tenant_scope(tenant):
            job = recompute_job_claim_nightly(day=day)
            if job is not None:
                dispatch_job(job)


@shared_task(name="healthscore.sweep_recompute_leases", ignore_result=True)
def sweep_recompute_leases() -> int:
    """Every minute: chunks whose worker died (lease expired) go to the surviving workers."""
    swept = recompute_leases_sweep()
    for chunk in swept:
        recompute_chunk_task.delay(
            tenant_id=chunk.tenant_id, job_id=chunk.job_id, index=chunk.index
        )
    return len(swept)


def dispatch_job(job: RecomputeJob) -> int:
    """Send one task per queued chunk."""
    queued = recompute_job_mark_dispatched(job=job)
    for index in queued:
        recompute_chunk_task.delay(tenant_id=job.tenant_id, job_id=job.pk, index=index)
    if not queued:
        recompute_job_finish(job=job)
    return len(queued)


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
        worker = f"{self.request.hostname}:{os.getpid()}"
        recompute_job_run_chunk(job=job, index=index, worker=worker)
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc
        logger.exception("Recompute chunk %s of job %s failed", index, job_id)
        recompute_job_record_error(job=job, index=index, error=repr(exc))
    recompute_job_finish(job=job)


@shared_task(name="healthscore.recompute_start", base=TenantTask, ignore_result=True)
def recompute_start_task(*, tenant_id: int, job_id: int) -> None:
    dispatch_job(RecomputeJob.objects.get(pk=job_id))


@shared_task(
    name="healthscore.recompute_now",
    base=TenantTask,
    bind=True,
    ignore_result=True,
    max_retries=3,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def recompute_now_task(self: TenantTask, *, tenant_id: int) -> None:
    """Event-time scoring of the tenant's dirty accounts (scheduled, debounced, by the marks)."""

    try:
        now_run()
    except Exception as exc:
        # The claim stays; a retry (or the sweep, after the lease) takes it over.
        raise self.retry(exc=exc, countdown=10 * (self.request.retries + 1)) from exc


@shared_task(name="healthscore.now_sweep", ignore_result=True)
def now_sweep() -> int:
    """Every minute: schedule event-time scoring for tenants whose marks no task will pick up
    (the broker was down at commit, or a worker died holding a claim)."""

    started = 0
    for tenant in tenant_list():
        with tenant_scope(tenant):
            due = now_sweep_due()
        if due and now_schedule(tenant_id=tenant.pk):
            started += 1
    return started


@shared_task(
    name="healthscore.backtest_run",
    base=TenantTask,
    ignore_result=True,
    soft_time_limit=30 * 60,
    time_limit=31 * 60,
)
def backtest_run_task(*, tenant_id: int, run_id: int) -> None:
    """Compute a backtest; the run records its progress, result or failure itself."""
    backtest_execute(run=BacktestRun.objects.get(pk=run_id))


def backtest_enqueue(run: BacktestRun) -> None:
    """Start the run's task once the transaction that created it commits."""
    transaction.on_commit(lambda: backtest_run_task.delay(tenant_id=run.tenant_id, run_id=run.pk))
