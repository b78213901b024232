"""Celery tasks of touchmodel: thin, named, JSON arguments, always `tenant_id`."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from cs_platform.selectors import tenant_list
from cs_platform.tasks import TenantTask

from . import integrations
from .models import EmailStatus, OutboundEmail, SeminarSignup
from .services import tiers_assign
from .services.email import (
    EmailTemporaryFailure,
    email_enqueue,
    email_leases_sweep,
    email_retry_delay,
    email_send,
)
from .services.evaluations import (
    rule_evaluation_claim_day,
    rule_evaluation_run,
    rule_evaluations_sweep,
)
from .services.rules import rules_evaluate
from .services.signups import seminar_signup_mail_send, seminar_signups_expire


@shared_task(name="touchmodel.evaluate_rules", base=TenantTask, bind=True, ignore_result=False)
def evaluate_rules(
    self: Any,
    *,
    tenant_id: int,
    triggers: list[str] | None = None,
    account_ids: list[int] | None = None,
    reassign_tiers: bool = False,
    evaluation_id: int | None = None,
) -> dict[str, Any] | None:
    """Evaluate the tenant's playbook rules. Chain it after the nightly health recompute
    (`reassign_tiers=True` there, so tiers follow today's bands before the rules act).
    With `evaluation_id` (the nightly run) it runs under that evaluation's lease, and does
    nothing (None) when another worker holds it or it is done."""

    def work() -> dict[str, Any]:
        if reassign_tiers:
            tiers_assign()
        summary = rules_evaluate(triggers=triggers, account_ids=account_ids)
        flush_emails.delay(tenant_id=tenant_id)
        return {"rules": summary.rules, "fired": summary.fired, "by_status": summary.by_status}

    if evaluation_id is None:
        return work()
    worker = f"{self.request.hostname}:{os.getpid()}"
    return rule_evaluation_run(evaluation_id=evaluation_id, work=work, worker=worker)


@shared_task(name="touchmodel.sweep_rule_evaluations", ignore_result=True)
def sweep_rule_evaluations() -> int:
    """Every minute: nightly evaluations whose worker died start again elsewhere."""
    restarted = rule_evaluations_sweep()
    for tenant_id, evaluation_id in restarted:
        evaluate_rules.delay(tenant_id=tenant_id, reassign_tiers=True, evaluation_id=evaluation_id)
    return len(restarted)


@shared_task(
    name="touchmodel.send_email", base=TenantTask, bind=True, max_retries=6, acks_late=True
)
def send_email(self: Any, *, tenant_id: int, email_id: int) -> str:
    try:
        return email_send(email_id=email_id, worker=f"{self.request.hostname}:{os.getpid()}")
    except EmailTemporaryFailure as exc:
        attempts = OutboundEmail.objects.values_list("attempts", flat=True).get(pk=email_id)
        raise self.retry(exc=exc, countdown=email_retry_delay(attempts=attempts)) from exc


@shared_task(name="touchmodel.sweep_email_leases", ignore_result=True)
def sweep_email_leases() -> int:
    """Every minute: sends whose worker died go to the surviving workers (or, when SMTP may
    already have taken the message, become 'unconfirmed' instead of a duplicate)."""
    items = email_leases_sweep()
    email_enqueue(items=items)
    return len(items)


@shared_task(name="touchmodel.flush_emails", base=TenantTask, ignore_result=True)
def flush_emails(*, tenant_id: int) -> int:
    """Sweeper: enqueue queued e-mails whose send was never enqueued (broker was down)."""
    stale = timezone.now() - dt.timedelta(minutes=5)
    ids = list(
        OutboundEmail.objects.filter(
            status=EmailStatus.QUEUED, attempts=0, created_at__lt=stale
        ).values_list("pk", flat=True)[:1000]
    )
    for email_id in ids:
        send_email.delay(tenant_id=tenant_id, email_id=email_id)
    return len(ids)


@shared_task(name="touchmodel.evaluate_rules_after_recompute", ignore_result=True)
def evaluate_rules_after_recompute() -> int:
    """Beat entry (every 15 minutes): once a tenant's nightly health recompute for its today
    is done, evaluate its rules, once per day (a unique RuleEvaluation row is the claim, and
    its lease brings the run back if the worker dies).

    The healthscore task may instead chain `touchmodel.evaluate_rules` by name
    (`send_task("touchmodel.evaluate_rules", kwargs={"tenant_id": …, "reassign_tiers": True})`);
    the daily claim makes the two paths harmless together.
    """
    started = 0
    for tenant in tenant_list():
        day = timezone.localdate(timezone=tenant.tzinfo)
        with tenant_scope(tenant):
            if not integrations.recompute_finished(day=day):
                continue
            evaluation_id = rule_evaluation_claim_day(day=day)
        if evaluation_id is not None:
            evaluate_rules.delay(
                tenant_id=tenant.pk, reassign_tiers=True, evaluation_id=evaluation_id
            )
            started += 1
    return started


@shared_task(name="touchmodel.evaluate_rules_all_tenants", ignore_result=True)
def evaluate_rules_all_tenants() -> int:
    """Beat entry: fan out one evaluation per tenant (a safety net if the recompute chain
    did not run)."""
    ids = list(tenant_list().values_list("pk", flat=True))
    for tenant_id in ids:
        evaluate_rules.delay(tenant_id=tenant_id, reassign_tiers=True)
    return len(ids)


@shared_task(
    name="touchmodel.seminar_signup_mail",
    base=TenantTask,
    ignore_result=True,
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
)
def seminar_signup_mail(*, tenant_id: int, signup_id: int, nonce: str) -> bool:
    """Mail the confirmation link of a registration from the public seminar page."""
    return seminar_signup_mail_send(signup_id=signup_id, nonce=nonce)


def seminar_signup_mail_enqueue(*, signup: SeminarSignup) -> None:
    """Send the confirmation link from a worker once the signup is committed."""
    kwargs = {"tenant_id": signup.tenant_id, "signup_id": signup.pk, "nonce": signup.nonce}
    transaction.on_commit(lambda: seminar_signup_mail.delay(**kwargs))


@shared_task(name="touchmodel.seminar_signups_expire", ignore_result=True)
def seminar_signups_expire_task() -> int:
    """Beat, hourly: unconfirmed seminar registrations past their link's validity leave."""
    return seminar_signups_expire()
