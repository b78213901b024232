"""Import jobs: an uploaded file, run by the `accounts.import_csv` task, with progress."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone, translation

from cs_platform.audit.services import audit_created, audit_record
from cs_platform.celery import task_named
from cs_platform.leases import Heartbeat, lease_seconds, max_stalls, worker_name
from cs_platform.models import User
from cs_platform.scoping import cross_tenant, require_current_tenant

from ..models import ImportJob, ImportStatus
from . import run_import

logger = logging.getLogger(__name__)
PROGRESS_TTL = 60 * 60


def _progress_key(job_id: int) -> str:
    return f"accounts:import-job:{job_id}:progress"


def import_job_create(
    *, kind: str, upload: UploadedFile, dry_run: bool, created_by: User | None
) -> ImportJob:
    """Store the file and queue the task once the job row is committed."""
    tenant = require_current_tenant()
    job = ImportJob(
        tenant=tenant,
        kind=kind,
        dry_run=dry_run,
        original_name=(upload.name or "")[:255],
        created_by=created_by,
    )
    job.file.save(f"{timezone.now():%Y%m%d-%H%M%S}-{kind}.csv", upload, save=False)
    job.save()
    _audit_queued(job)
    transaction.on_commit(
        lambda: task_named("accounts.import_csv").delay(tenant_id=tenant.pk, job_id=job.pk)
    )
    return job


def import_job_rerun(*, job: ImportJob, dry_run: bool, created_by: User | None) -> ImportJob:
    """Run a checked file for real (or check it again) without uploading it again."""
    tenant = require_current_tenant()
    new = ImportJob.objects.create(
        kind=job.kind,
        file=job.file.name,
        dry_run=dry_run,
        original_name=job.original_name,
        created_by=created_by,
    )
    _audit_queued(new)
    transaction.on_commit(
        lambda: task_named("accounts.import_csv").delay(tenant_id=tenant.pk, job_id=new.pk)
    )
    return new


def _audit_queued(job: ImportJob) -> None:
    audit_record(
        action="import.queued",
        target=job,
        target_label=job.original_name,
        changes=audit_created({"kind": job.kind, "dry_run": job.dry_run, "file": job.file.name}),
    )


def _claim(job_id: int, worker: str) -> int | None:
    """Take a pending job under a lease; returns the attempt (the fencing token)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_importjob SET status = 'running', attempts = attempts + 1,"
            " worker = %s, started_at = %s,"
            " lease_expires_at = clock_timestamp() + make_interval(secs => %s)"
            " WHERE id = %s AND status = 'pending' RETURNING attempts",
            [worker[:200], timezone.now(), lease_seconds(), job_id],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _renew(job_id: int, attempt: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_importjob"
            " SET lease_expires_at = clock_timestamp() + make_interval(secs => %s)"
            " WHERE id = %s AND status = 'running' AND attempts = %s",
            [lease_seconds(), job_id, attempt],
        )
        return cursor.rowcount == 1


def import_job_run(*, job_id: int, worker: str | None = None) -> str:
    """Claim a pending job (a redelivered task finds it claimed and does nothing) and run it
    under a lease renewed by a heartbeat; a worker killed mid-import lets the lease expire and
    `import_jobs_sweep` starts the job again (the real run writes in one transaction, so a
    killed run left nothing behind)."""
    attempt = _claim(job_id, worker or worker_name())
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if attempt is None:
        return job.status
    mine = ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING, attempts=attempt)
    language = (job.created_by.language if job.created_by else "") or (
        require_current_tenant().default_language
    )

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), (done, total), PROGRESS_TTL)

    heartbeat: Any = (
        nullcontext() if connection.in_atomic_block else Heartbeat(lambda: _renew(job_id, attempt))
    )
    try:
        with heartbeat, job.file.open("rb") as handle:
            data = handle.read()
            with translation.override(language):
                report = run_import(
                    kind=job.kind, data=data, dry_run=job.dry_run, progress=progress
                )
                summary = report.summary()
    except Exception as exc:
        logger.exception("Import job %s crashed", job_id)
        mine.update(
            status=ImportStatus.FAILED,
            message=str(exc)[:2000],
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
        return ImportStatus.FAILED
    status = ImportStatus.SUCCEEDED if report.ok else ImportStatus.FAILED
    with transaction.atomic():
        finished = mine.update(
            status=status,
            total_rows=report.total_rows,
            processed_rows=report.total_rows,
            created_count=report.created,
            updated_count=report.updated,
            errors=report.errors_as_json(),
            message=summary,
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
        if finished:
            # The worker acts for whoever uploaded the file.
            audit_record(
                action="import.finished",
                target=job,
                target_label=job.original_name,
                actor=job.created_by,
                changes={
                    "status": [ImportStatus.RUNNING, status],
                    "dry_run": [None, job.dry_run],
                    "rows": [None, report.total_rows],
                    "created": [None, report.created],
                    "updated": [None, report.updated],
                    "errors": [None, len(report.errors)],
                },
            )
    cache.delete(_progress_key(job_id))
    return status


def import_jobs_sweep() -> list[tuple[int, int]]:
    """Beat, across tenants: imports whose worker died (lease expired) go back to pending and
    are returned as (tenant_id, job_id) to start again; after `max_stalls()` dead workers the
    job fails instead."""
    with cross_tenant("sweep"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_importjob SET status = 'failed', lease_expires_at = NULL,"
            " stalls = stalls + 1, finished_at = %s,"
            " message = 'The import stopped: the workers running it died ' || (stalls + 1)"
            " || ' times.'"
            " WHERE status = 'running' AND lease_expires_at < clock_timestamp()"
            " AND stalls + 1 >= %s",
            [timezone.now(), max_stalls()],
        )
        cursor.execute(
            "UPDATE accounts_importjob SET status = 'pending', lease_expires_at = NULL,"
            " stalls = stalls + 1"
            " WHERE status = 'running' AND lease_expires_at < clock_timestamp()"
            " RETURNING tenant_id, id"
        )
        return [(int(t), int(i)) for t, i in cursor.fetchall()]


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(processed, total) rows: live from the cache while the job runs, else from the row."""
    if job.status == ImportStatus.RUNNING:
        live = cache.get(_progress_key(job.pk))
        if live:
            return int(live[0]), int(live[1])
    return job.processed_rows, job.total_rows
