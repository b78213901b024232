"""Evaluating playbook rules: claim each (rule, account, episode) once, then act by tier."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Contact, RelationshipLevel
from cs_platform.scoping import require_current_tenant

from .. import integrations
from ..extensions import content_recommendations
from ..models import FiringStatus, Rule, RuleFiring, Tier
from ..selectors.rules import rule_plan
from ..sql import insert_ignore_returning
from .email import email_dispatch_on_commit, email_queue, is_opted_out, site_url
from .seminars import seminar_invite, seminar_next_fitting

logger = logging.getLogger(__name__)

MAX_CONTACTS_PER_EMAIL = 3


@dataclass
class EvaluationSummary:
    rules: int = 0
    fired: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def rules_evaluate(
    *,
    rule_ids: list[int] | None = None,
    triggers: list[str] | None = None,
    account_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> EvaluationSummary:
    """Evaluate the active rules (optionally only some triggers or accounts).

    Safe to run twice or concurrently: the unique (rule, account, episode) claim means only
    one run acts on an episode.
    """
    now = now or timezone.now()
    rules = Rule.objects.filter(is_active=True).select_related("segment", "program")
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    if triggers is not None:
        rules = rules.filter(trigger__in=triggers)
    summary = EvaluationSummary()
    for rule in rules:
        summary.rules += 1
        for firing in rule_fire(rule=rule, now=now, account_ids=account_ids):
            summary.fired += 1
            summary.by_status[firing.status] = summary.by_status.get(firing.status, 0) + 1
    return summary


def rule_fire(
    *, rule: Rule, now: dt.datetime | None = None, account_ids: list[int] | None = None
) -> list[RuleFiring]:
    now = now or timezone.now()
    plan = rule_plan(rule=rule, now=now, account_ids=account_ids)
    if plan.empty:
        return []
    claimed_ids = insert_ignore_returning(
        [
            RuleFiring(
                rule=rule,
                account_id=int(r.account_id),
                episode_key=r.episode_key,
                tier=r.tier,
                action=r.action,
                status=FiringStatus.CLAIMED,
                result={"detail": r.detail},
                fired_at=now,
            )
            for r in plan.itertuples()
        ]
    )
    firings = list(
        RuleFiring.objects.filter(pk__in=claimed_ids)
        .select_related("account", "account__owner", "rule")
        .order_by("pk")
    )
    for firing in firings:
        firing_act(firing=firing)
    return firings


def firing_act(*, firing: RuleFiring) -> RuleFiring:
    """Carry out a claimed firing's action and record the result (never raises)."""
    handler = {"task": _act_task, "seminar": _act_seminar, "email": _act_email}.get(firing.action)
    result = dict(firing.result)
    try:
        if handler is None:
            firing.status = FiringStatus.SKIPPED
            result["reason"] = "no action for this tier"
        else:
            with transaction.atomic():
                outcome = handler(firing)
            result.update(outcome)
            firing.status = FiringStatus.SKIPPED if outcome.get("reason") else FiringStatus.DONE
    except Exception as exc:
        logger.exception("firing %s failed", firing.pk)
        firing.status = FiringStatus.FAILED
        firing.error = f"{type(exc).__name__}: {exc}"[:2000]
    firing.result = result
    RuleFiring.objects.filter(pk=firing.pk).update(
        status=firing.status, result=firing.result, error=firing.error
    )
    return firing


def _language() -> str:
    return require_current_tenant().default_language or "ja"


def _texts(rule: Rule) -> tuple[str, str]:
    with translation.override(_language()):
        return rule.name, rule.message


def _act_task(firing: RuleFiring) -> dict:
    rule = firing.rule
    title, message = _texts(rule)
    detail = firing.result.get("detail", "")
    task_id = integrations.create_task(
        account=firing.account,
        title=title,
        due_date=timezone.localdate() + dt.timedelta(days=rule.due_in_days),
        description="\n\n".join(x for x in (message, detail) if x),
        source_key=firing.source_key,
        checklist=[str(item) for item in rule.checklist],
    )
    return {"task_id": task_id, "assignee_id": firing.account.owner_id}


def _recipients(firing: RuleFiring, levels: list[str]) -> list[Contact]:
    contacts = [
        c
        for c in Contact.objects.filter(account=firing.account, relationship_level__in=levels)
        .exclude(email="")
        .select_related("account")
        .order_by("-is_champion", "pk")
        if not is_opted_out(email=c.email)
    ]
    return contacts[:MAX_CONTACTS_PER_EMAIL]


def _act_seminar(firing: RuleFiring) -> dict:
    phase_id = integrations.current_phase_ids(account_ids=[firing.account_id]).get(
        firing.account_id
    )
    seminar = seminar_next_fitting(phase_id=phase_id)
    if seminar is None:
        return {"reason": "no upcoming seminar with seats for this phase"}
    contacts = _recipients(firing, [RelationshipLevel.FIELD, RelationshipLevel.MANAGER])
    if not contacts:
        return {"reason": "no contact to invite", "seminar_id": seminar.pk}
    _title, message = _texts(firing.rule)
    email_ids = seminar_invite(seminar=seminar, contacts=contacts, firing=firing, message=message)
    return {"seminar_id": seminar.pk, "email_ids": email_ids}


def _act_email(firing: RuleFiring) -> dict:
    contacts = _recipients(firing, [RelationshipLevel.FIELD, RelationshipLevel.MANAGER])
    if not contacts:
        return {"reason": "no contact to e-mail"}
    tenant = require_current_tenant()
    phase_id = integrations.current_phase_ids(account_ids=[firing.account_id]).get(
        firing.account_id
    )
    language = _language()
    with translation.override(language):
        phase_name = integrations.phase_names().get(phase_id, "") if phase_id else ""
    articles = content_recommendations(firing.account, language) or [
        ("Learn & Support", f"{site_url()}/learn/{tenant.slug}/")
    ]
    _title, message = _texts(firing.rule)
    email_ids = []
    for contact in contacts:
        queued = email_queue(
            message_key=f"firing:{firing.pk}:{contact.pk}",
            to_email=contact.email,
            template="content_recommendation",
            context={"articles": articles, "message": message, "phase_name": phase_name},
            contact=contact,
            account=firing.account,
            firing=firing,
            program=firing.rule.program,
            language=language,
        )
        email_dispatch_on_commit(email=queued.email)
        email_ids.append(queued.email.pk)
    return {"email_ids": email_ids, "articles": [url for _t, url in articles]}


def tier_action(tier: str) -> str:
    return {Tier.HIGH: "task", Tier.LOW: "seminar", Tier.TECH: "email"}[tier]
