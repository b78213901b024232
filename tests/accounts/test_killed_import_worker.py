"""A CSV import survives its worker killed with SIGKILL (main process and pool) mid-import:
real worker processes, a real kill; the import runs again elsewhere and every row is stored
once."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from accounts import tasks
from accounts.models import Account, ImportJob, ImportStatus
from tests.accounts.factories import ImportJobFactory
from tests.workers import FAST_LEASES, blocked_on, kill_scene, new_queue, wait_for

ROWS = 300


@pytest.mark.slow
@pytest.mark.real_clock
def test_a_csv_import_survives_its_worker_killed_mid_import(transactional_db, scoped, settings):
    csv = "external_id,name\n" + "".join(f"kill-{n},株式会社キル{n}\n" for n in range(ROWS))
    job = ImportJobFactory(file=ContentFile(csv.encode(), name="kill.csv"), dry_run=False)

    queue = new_queue()
    env = {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}  # the workers read the uploaded file
    # The import reads and checks the file, then blocks at its first write: mid-import.
    with kill_scene(queue=queue, table="accounts_account", env=env) as scene:
        tasks.import_csv.apply_async(kwargs={"tenant_id": scoped.pk, "job_id": job.pk}, queue=queue)
        doomed_holds = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.RUNNING, worker__startswith="doomed"
        )
        wait_for(
            lambda: doomed_holds.exists() and blocked_on("accounts_account") > 0,
            timeout=90,
            what="doomed to be mid-import",
        )
        scene.start_survivor().wait_ready()
        scene.kill()

        def finished() -> bool:
            job.refresh_from_db()
            return job.status not in (ImportStatus.PENDING, ImportStatus.RUNNING)

        recovery = scene.sweep_until(
            tasks.sweep_import_leases, finished, what="the import to finish"
        )

    external_ids = list(Account.objects.values_list("external_id", flat=True))
    print(  # noqa: T201 — the figure the issue asks for
        f"\nCSV import of {ROWS} rows, its worker killed mid-import: done {recovery:.1f} s after "
        f"SIGKILL (lease {FAST_LEASES['JOB_LEASE_SECONDS']} s, sweep every second); "
        f"{job.created_count} created, missing {ROWS - len(set(external_ids))}, "
        f"duplicates {len(external_ids) - len(set(external_ids))}"
    )
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.attempts, job.stalls) == (2, 1)
    assert job.worker.startswith("survivor")
    assert (job.total_rows, job.created_count, job.updated_count) == (ROWS, ROWS, 0)
    assert sorted(external_ids) == sorted(f"kill-{n}" for n in range(ROWS))  # 0 lost, 0 doubled
    assert recovery < 60
