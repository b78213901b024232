import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from accounts.importing.jobs import import_job_create, import_job_progress, import_job_run
from accounts.models import Account, ImportStatus
from cs_platform.scoping import cross_tenant
from tests.accounts.factories import ImportJobFactory

pytestmark = pytest.mark.django_db


def _upload(text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("accounts.csv", text.encode(encoding), content_type="text/csv")


def test_import_job_create_stores_the_file_under_the_tenant(scoped, csm_user, settings):
    job = import_job_create(
        kind="accounts",
        upload=_upload("external_id,name\nA-1,X\n"),
        dry_run=True,
        created_by=csm_user,
    )
    assert job.file.name.startswith(f"imports/{scoped.slug}/")
    assert job.status == ImportStatus.PENDING


def test_import_job_create_queues_the_task_after_commit(
    scoped, csm_user, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("accounts.tasks.import_csv.delay", lambda **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            kind="accounts", upload=_upload("external_id,name\n"), dry_run=True, created_by=None
        )
    assert queued == [{"tenant_id": scoped.pk, "job_id": job.pk}]


def test_import_job_run_records_success_and_counts(scoped):
    job = ImportJobFactory(dry_run=False)
    assert import_job_run(job_id=job.pk) == ImportStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_count) == (ImportStatus.SUCCEEDED, 1, 1)
    assert Account.objects.get().name == "株式会社採用ラボ"


def test_import_job_run_records_every_error_and_fails(scoped):
    job = ImportJobFactory(file=_upload("external_id,name\nA-1,\nA-2,\n"), dry_run=False)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert [e["line"] for e in job.errors] == [2, 3]
    assert not Account.objects.exists()


def test_a_claimed_job_is_not_run_twice(scoped):
    job = ImportJobFactory(dry_run=False)
    import_job_run(job_id=job.pk)
    Account.objects.all().delete()
    import_job_run(job_id=job.pk)
    assert not Account.objects.exists()


def test_finished_job_progress_comes_from_the_row(scoped):
    job = ImportJobFactory()
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert import_job_progress(job) == (1, 1)
    assert job.progress_percent == 100


def test_the_celery_task_runs_the_job_in_the_tenant(scoped):
    from accounts.tasks import import_csv

    job = ImportJobFactory(dry_run=False)
    assert import_csv.apply(kwargs={"tenant_id": scoped.pk, "job_id": job.pk}).get() == "succeeded"


def test_import_command_imports_a_shift_jis_file(tenant, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_bytes("外部ID,会社名\nA-1,株式会社採用ラボ\n".encode("cp932"))
    call_command("import_csv", "--tenant", tenant.slug, "--kind", "accounts", str(path))
    assert "1" in capsys.readouterr().out
    with cross_tenant("tenant-admin"):
        assert Account.objects.unscoped().filter(tenant=tenant).count() == 1


def test_import_command_exits_with_a_sentence_on_errors(tenant, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("external_id,name\nA-1,\n")
    with pytest.raises(CommandError, match="1 of 1 rows have problems"):
        call_command("import_csv", "--tenant", tenant.slug, "--kind", "accounts", str(path))


def _expire(job):
    import datetime as dt

    from accounts.models import ImportJob

    ImportJob.objects.filter(pk=job.pk).update(
        lease_expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )


def test_an_import_whose_worker_died_is_started_again_and_runs_once(scoped, csm_user):
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from accounts.importing.jobs import _claim, import_jobs_sweep

    job = ImportJobFactory(dry_run=False)
    assert _claim(job.pk, "celery@dead:1") == 1  # … and the worker is SIGKILLed mid-import
    assert import_job_run(job_id=job.pk) == ImportStatus.RUNNING  # a live lease: hands off
    _expire(job)
    assert import_jobs_sweep() == [(scoped.pk, job.pk)]
    assert import_jobs_sweep() == []
    assert import_job_run(job_id=job.pk, worker="celery@alive:2") == ImportStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.attempts, job.stalls, job.worker) == (2, 1, "celery@alive:2")
    assert Account.objects.count() == 1

    client = Client()
    client.force_login(csm_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(
        reverse("accounts:import_job", kwargs={"tenant_slug": scoped.slug, "pk": job.pk})
    )
    assert "it was started again on another worker" in page.content.decode()


def test_an_import_that_killed_too_many_workers_fails_with_a_reason(scoped, settings):
    from accounts.importing.jobs import _claim, import_jobs_sweep

    settings.JOB_MAX_STALLS = 2
    job = ImportJobFactory(dry_run=False)
    for _ in range(2):
        _claim(job.pk, "oom")
        _expire(job)
        swept = import_jobs_sweep()
    assert swept == []
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message == "The import stopped: the workers running it died 2 times."


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_result(scoped):
    from accounts.importing import jobs

    job = ImportJobFactory(dry_run=False)
    real_claim = jobs._claim

    def claim_then_lose(job_id, worker):
        attempt = real_claim(job_id, worker)
        _expire(job)
        jobs.import_jobs_sweep()
        real_claim(job_id, "the-new-holder")
        return attempt

    jobs._claim = claim_then_lose
    try:
        jobs.import_job_run(job_id=job.pk)
    finally:
        jobs._claim = real_claim
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == (ImportStatus.RUNNING, "the-new-holder", 2)
