"""Background work of accounts. Thin: the import itself lives in accounts.importing."""

from __future__ import annotations

import os
from typing import Any

from celery import shared_task

from cs_platform.tasks import TenantTask

from .importing.jobs import import_job_run, import_jobs_sweep


@shared_task(
    name="accounts.import_csv",
    base=TenantTask,
    bind=True,
    max_retries=0,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def import_csv(self: Any, *, tenant_id: int, job_id: int) -> str:

    return import_job_run(job_id=job_id, worker=f"{self.request.hostname}:{os.getpid()}")


@shared_task(name="accounts.sweep_import_leases", ignore_result=True)
def sweep_import_leases() -> int:
    """Every minute: imports whose worker died start again on a surviving worker."""

    restarted = import_jobs_sweep()
    for tenant_id, job_id in restarted:
        import_csv.delay(tenant_id=tenant_id, job_id=job_id)
    return len(restarted)
