"""Celery: a real worker runs tenant-scoped tasks; TenantTask refuses a task without tenant."""

from __future__ import annotations

import time
import uuid

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from cs_platform.celery import app
from cs_platform.scoping import get_current_tenant
from cs_platform.tasks import clear_sessions, echo_tenant
from tests.factories import TenantFactory
from tests.workers import solo_worker


@pytest.fixture
def worker_queue():
    """A real `celery worker` on a queue of its own, reading the test database."""
    with solo_worker(f"test-{uuid.uuid4().hex[:12]}") as queue:
        yield queue


@pytest.mark.slow
def test_a_real_worker_runs_a_task_in_the_tenant_it_was_given(transactional_db, worker_queue):
    tenant = TenantFactory(slug="celery-tenant")
    started = time.monotonic()

    result = echo_tenant.apply_async(kwargs={"tenant_id": tenant.pk}, queue=worker_queue)

    assert result.get(timeout=60) == "celery-tenant"
    assert time.monotonic() - started < 60


def test_a_tenant_task_refuses_to_run_without_tenant_id(db):
    with pytest.raises(TypeError, match="tenant_id"):
        echo_tenant()


def test_a_tenant_task_runs_scoped_and_leaves_no_scope_behind(tenant):
    assert echo_tenant(tenant_id=tenant.pk) == tenant.slug
    assert get_current_tenant() is None


def test_a_tenant_task_queued_before_its_tenant_was_deleted_is_skipped_with_a_warning(
    tenant, caplog
):
    gone = tenant.pk + 10_000

    assert echo_tenant(tenant_id=gone) is None
    assert f"tenant {gone} no longer exists" in caplog.text
    assert get_current_tenant() is None


def test_celery_is_configured_for_at_least_once_idempotent_tasks():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.beat_scheduler == "redbeat.RedBeatScheduler"


@pytest.mark.django_db
def test_beat_clears_expired_sessions_daily(settings):
    expired, alive = SessionStore(), SessionStore()
    expired.create()
    alive.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    clear_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]
    assert settings.CELERY_BEAT_SCHEDULE["clear-sessions"]["task"] == "cs_platform.clear_sessions"
