"""Background work of accounts. Thin: the import itself lives in accounts.importing."""

from __future__ import annotations

from celery import shared_task

from cs_platform.tasks import TenantTask


@shared_task(
    name="accounts.import_csv",
    base=TenantTask,
    max_retries=0,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def import_csv(*, tenant_id: int, job_id: int) -> str:
    from .importing.jobs import import_job_run

    return import_job_run(job_id=job_id)
