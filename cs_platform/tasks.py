"""Background-work base: tenant-scoped tasks and the heartbeat that proves the worker runs."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_ready
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation

from .audit.context import audit_context, task_context
from .audit.services import audit_purge_expired
from .datacache import data_versions_compact
from .models import Tenant
from .scoping import require_current_tenant, tenant_scope
from .trash.services import trash_purge_expired

HEARTBEAT_CACHE_KEY = "celery:heartbeat"

logger = logging.getLogger(__name__)


class TenantTask(Task):
    """Base for tasks on one tenant's data.

    The tenant id is an explicit, JSON-serialisable `tenant_id` keyword argument; this class
    loads the tenant and puts it in scope for the task body (the Celery entry point of
    scoping). Retries are bounded with exponential back-off.
    """

    abstract = True
    max_retries = 5
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise TypeError(f"{self.name} must be called with tenant_id=…")
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            # Work queued before its tenant was deleted: nothing is left to do it for.
            logger.warning("%s skipped: tenant %s no longer exists", self.name, tenant_id)
            return None
        with (
            tenant_scope(tenant),
            timezone.override(tenant.tzinfo),
            audit_context(task_context(self.name)),
        ):
            return super().__call__(*args, **kwargs)


@shared_task(name="cs_platform.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """A tiny real task: beat schedules it, a worker runs it, /healthz shows when it last ran."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=24 * 60 * 60)
    return now


@worker_ready.connect
def heartbeat_on_start(**kwargs: Any) -> None:
    """A worker that just started is alive before beat's next heartbeat reaches it."""
    heartbeat()


@shared_task(name="cs_platform.echo_tenant", base=TenantTask, ignore_result=False)
def echo_tenant(*, tenant_id: int) -> str:
    """Returns the slug of the tenant in scope; used to prove tasks run scoped."""

    return require_current_tenant().slug


@shared_task(name="cs_platform.trash_purge", ignore_result=True)
def trash_purge() -> int:
    """Beat, hourly: purge every tenant's trash entries older than the retention."""

    return trash_purge_expired()


@shared_task(name="cs_platform.data_versions_compact", ignore_result=True)
def data_versions_compact_task() -> int:
    """Beat, hourly: fold every tenant's data-version bumps into its counter."""

    return data_versions_compact()


@shared_task(name="cs_platform.audit_purge", ignore_result=True)
def audit_purge() -> int:
    """Beat, daily: delete every tenant's audit events older than AUDIT_RETENTION_DAYS."""

    return audit_purge_expired()


@shared_task(
    name="cs_platform.password_reset_send",
    ignore_result=True,
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
)
def password_reset_send(*, email: str, domain: str, use_https: bool, language: str) -> None:
    """Send Django's password-reset e-mail to the active users with this address, if any."""

    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    with translation.override(language):
        form.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        )


@shared_task(name="cs_platform.clear_sessions", ignore_result=True)
def clear_sessions() -> None:
    """Beat, daily: expired sessions leave the database (Django's `clearsessions`)."""
    call_command("clearsessions")
