"""Import jobs: an uploaded file, run by the `accounts.import_csv` task, with progress."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from cs_platform.models import User
from cs_platform.scoping import require_current_tenant

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
    from ..tasks import import_csv

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
    transaction.on_commit(lambda: import_csv.delay(tenant_id=tenant.pk, job_id=job.pk))
    return job


def import_job_rerun(*, job: ImportJob, dry_run: bool, created_by: User | None) -> ImportJob:
    """Run a checked file for real (or check it again) without uploading it again."""
    from ..tasks import import_csv

    tenant = require_current_tenant()
    new = ImportJob.objects.create(
        kind=job.kind,
        file=job.file.name,
        dry_run=dry_run,
        original_name=job.original_name,
        created_by=created_by,
    )
    transaction.on_commit(lambda: import_csv.delay(tenant_id=tenant.pk, job_id=new.pk))
    return new


def import_job_run(*, job_id: int) -> str:
    """Claim a pending job (a redelivered task finds it claimed and does nothing) and run it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job.status
    language = (job.created_by.language if job.created_by else "") or (
        require_current_tenant().default_language
    )

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job_id), (done, total), PROGRESS_TTL)

    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        with translation.override(language):
            report = run_import(kind=job.kind, data=data, dry_run=job.dry_run, progress=progress)
            summary = report.summary()
    except Exception as exc:
        logger.exception("Import job %s crashed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        return ImportStatus.FAILED
    status = ImportStatus.SUCCEEDED if report.ok else ImportStatus.FAILED
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        total_rows=report.total_rows,
        processed_rows=report.total_rows,
        created_count=report.created,
        updated_count=report.updated,
        errors=report.errors_as_json(),
        message=summary,
        finished_at=timezone.now(),
    )
    cache.delete(_progress_key(job_id))
    return status


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(processed, total) rows: live from the cache while the job runs, else from the row."""
    if job.status == ImportStatus.RUNNING:
        live = cache.get(_progress_key(job.pk))
        if live:
            return int(live[0]), int(live[1])
    return job.processed_rows, job.total_rows
