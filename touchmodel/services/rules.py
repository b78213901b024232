"""Evaluating playbook rules: claim each (rule, account, episode) once, then act by tier."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from accounts.extensions import ContentReader, Recommendation, content_recommendations
from accounts.models import Contact, RelationshipLevel
from accounts.selectors import account_webhook_refs, contact_list
from cs_platform.models import Tenant
from cs_platform.scoping import require_current_tenant
from cs_platform.sql import insert_ignore_returning, update_from_values
from webhooks.services import RULE_FIRED, webhook_events_raise, webhook_subscribed

from .. import integrations
from ..models import FiringStatus, Rule, RuleFiring
from ..selectors.rules import rule_plan, why_text
from .email import (
    EmailBatch,
    email_enqueue,
    email_language,
    email_queue,
    opted_out_among,
    site_url,
)
from .seminars import seminar_invite, seminar_next_fitting

logger = logging.getLogger(__name__)

MAX_CONTACTS_PER_EMAIL = 3
DAILY_USERS = [RelationshipLevel.FIELD, RelationshipLevel.MANAGER]


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


@dataclass
class _Run:
    """What the actions of one batch of firings share, read once (set-based) per batch.

    `language` is the tenant's (tasks for CSMs); e-mails are written in each contact's own
    language (`email_language`), so texts for customers are looked up per language.
    """

    tenant: Tenant
    language: str
    learn_url: str
    phases: dict[int, int]
    phase_names: dict[int, str]
    contacts: dict[int, list[Contact]]
    opted_out: set[str]
    seminars: dict[int | None, Any] = field(default_factory=dict)
    other_phase_names: dict[str, dict[int, str]] = field(default_factory=dict)
    # Set while a chunk acts set-based: e-mails are collected and inserted together.
    emails: EmailBatch | None = None
    # What each tech-touch recipient's e-mail links, by contact id (`recommend`).
    recommendations: dict[int, Recommendation] = field(default_factory=dict)
    recommended: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, account_ids: list[int]) -> _Run:
        tenant = require_current_tenant()
        language = tenant.default_language or "ja"
        contacts: dict[int, list[Contact]] = {}
        for contact in (
            contact_list(account_ids=account_ids)
            .exclude(email="")
            .select_related("account")
            .order_by("-is_champion", "pk")
        ):
            contacts.setdefault(contact.account_id, []).append(contact)
        emails = [c.email.lower() for cs in contacts.values() for c in cs]
        with translation.override(language):
            names = integrations.phase_names()
        return cls(
            tenant=tenant,
            language=language,
            learn_url=f"{site_url()}/learn/{tenant.slug}/",
            phases=integrations.current_phase_ids(account_ids=account_ids),
            phase_names=names,
            contacts=contacts,
            opted_out=opted_out_among(emails=emails),
        )

    def recipients(self, account_id: int, levels: Sequence[str]) -> list[Contact]:
        found = [
            c
            for c in self.contacts.get(account_id, [])
            if c.relationship_level in levels and c.email.lower() not in self.opted_out
        ]
        return found[:MAX_CONTACTS_PER_EMAIL]

    def contact_language(self, contact: Contact) -> str:
        return email_language(contact=contact, tenant=self.tenant)

    def phase_name(self, phase_id: int | None, language: str) -> str:
        if phase_id is None:
            return ""
        if language == self.language:
            return self.phase_names.get(phase_id, "")
        if language not in self.other_phase_names:
            with translation.override(language):
                self.other_phase_names[language] = integrations.phase_names()
        return self.other_phase_names[language].get(phase_id, "")

    def recommend(self, firings: Sequence[RuleFiring]) -> None:
        """Ask the content recommender once for all recipients of these e-mail firings who
        were not asked yet (a chunk asks once; a firing acted alone asks for its own)."""
        readers = [
            ContentReader(
                contact=contact,
                language=self.contact_language(contact),
                tier=f.tier,
                ref=f"{integrations.FIRING_REF}{f.pk}",
            )
            for f in firings
            for contact in self.recipients(f.account_id, DAILY_USERS)
            if contact.pk not in self.recommended
        ]
        if not readers:
            return
        self.recommended.update(r.contact.pk for r in readers)
        self.recommendations.update(content_recommendations(readers))

    def seminar_for(self, phase_id: int | None) -> Any:
        if phase_id not in self.seminars:
            self.seminars[phase_id] = seminar_next_fitting(phase_id=phase_id)
        return self.seminars[phase_id]


CHUNK = 200


def rule_fire(
    *, rule: Rule, now: dt.datetime | None = None, account_ids: list[int] | None = None
) -> list[RuleFiring]:
    """Claim and act on the rule's new episodes, a chunk at a time.

    Each chunk's claims, actions and results commit together, so a worker that dies midway
    leaves no claimed-but-unacted episode behind: the next run claims them again. E-mails
    are enqueued once the chunk has committed.
    """
    now = now or timezone.now()
    plan = rule_plan(rule=rule, now=now, account_ids=account_ids)
    fired: list[RuleFiring] = []
    for start in range(0, len(plan), CHUNK):
        with transaction.atomic():
            fired += _fire_chunk(rule, plan.iloc[start : start + CHUNK], now)
    return fired


def _fire_chunk(rule: Rule, plan: Any, now: dt.datetime) -> list[RuleFiring]:
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
    if not claimed_ids:
        return []
    firings = list(
        RuleFiring.objects.filter(pk__in=claimed_ids)
        .select_related("account", "account__owner", "rule", "rule__program")
        .order_by("pk")
    )
    run = _Run.load([f.account_id for f in firings])
    claimed = [dict(f.result) for f in firings]
    try:
        with transaction.atomic():
            _act_chunk(firings, run)
    except Exception:
        # One broken firing must not cost the others their action: redo the chunk firing by
        # firing, each in its own savepoint, so only the broken one ends up FAILED.
        logger.exception("acting on a chunk of rule %s failed; acting firing by firing", rule.pk)
        for firing, result in zip(firings, claimed, strict=True):
            firing.status, firing.result, firing.error = FiringStatus.CLAIMED, result, ""
        for firing in firings:
            firing_act(firing=firing, run=run)
    tenant_id = require_current_tenant().pk
    outbox = [
        (tenant_id, email_id)
        for f in firings
        if f.status == FiringStatus.DONE
        for email_id in f.result.get("email_ids", [])
    ]
    transaction.on_commit(lambda: email_enqueue(items=outbox))
    _raise_fired(rule, firings)
    return firings


def _raise_fired(rule: Rule, firings: list[RuleFiring]) -> None:
    """rule.fired per firing that acted, for the webhook endpoints that want it."""
    done = [f for f in firings if f.status == FiringStatus.DONE]
    if not done or not webhook_subscribed(event_type=RULE_FIRED):
        return
    refs = account_webhook_refs(ids={f.account_id for f in done})
    webhook_events_raise(
        event_type=RULE_FIRED,
        items=[
            {
                "account": refs[f.account_id],
                "rule_id": rule.pk,
                "rule": rule.name,
                "action": f.action,
            }
            for f in done
        ],
    )


def _act_chunk(firings: list[RuleFiring], run: _Run) -> None:
    """Act on a chunk set-based: tasks in one insert, e-mails in one insert, all results in
    one update (raises on any failure; the caller then falls back to `firing_act`)."""
    run.emails = EmailBatch()
    run.recommend([f for f in firings if f.action == "email"])
    try:
        task_outcomes = _act_tasks([f for f in firings if f.action == "task"], run)
        outcomes: list[dict | None] = []
        for firing in firings:
            handler = _HANDLERS.get(firing.action)
            if firing.action == "task":
                outcomes.append(task_outcomes[firing.pk])
            else:
                outcomes.append(None if handler is None else handler(firing, run))
        email_ids = run.emails.flush()
    finally:
        run.emails = None
    # The handlers returned message keys; a key two firings share was queued once, for the
    # first (as acting one by one would have it).
    taken: set[str] = set()
    for firing, outcome in zip(firings, outcomes, strict=True):
        if outcome is not None and "email_ids" in outcome:
            keys = [k for k in outcome["email_ids"] if k in email_ids and k not in taken]
            taken.update(keys)
            outcome["email_ids"] = [email_ids[k] for k in keys]
        _record(firing, outcome)
    update_from_values(firings, ["status", "result", "error"])


def _record(firing: RuleFiring, outcome: dict | None) -> None:
    result = dict(firing.result)
    if outcome is None:
        firing.status = FiringStatus.SKIPPED
        result["reason"] = "no action for this tier"
    else:
        result.update(outcome)
        firing.status = FiringStatus.SKIPPED if outcome.get("reason") else FiringStatus.DONE
    firing.result = result


def firing_act(*, firing: RuleFiring, run: _Run | None = None) -> RuleFiring:
    """Carry out a claimed firing's action and record the result (never raises)."""
    handler = _HANDLERS.get(firing.action)
    try:
        outcome = None
        if handler is not None:
            run = run or _Run.load([firing.account_id])
            with transaction.atomic():
                outcome = handler(firing, run)
        _record(firing, outcome)
    except Exception as exc:
        logger.exception("firing %s failed", firing.pk)
        firing.status = FiringStatus.FAILED
        firing.error = f"{type(exc).__name__}: {exc}"[:2000]
    RuleFiring.objects.filter(pk=firing.pk).update(
        status=firing.status, result=firing.result, error=firing.error
    )
    return firing


def _texts(rule: Rule, language: str) -> tuple[str, str]:
    with translation.override(language):
        return rule.name, rule.message


def _task_fields(firing: RuleFiring, run: _Run) -> dict[str, Any]:
    rule = firing.rule
    title, message = _texts(rule, run.language)
    with translation.override(run.language):
        detail = why_text(firing.result.get("detail", ""))
    return {
        "title": title,
        "due_date": timezone.localdate() + dt.timedelta(days=rule.due_in_days),
        "description": "\n\n".join(x for x in (message, detail) if x),
        "source_key": firing.source_key,
        "checklist": [str(item) for item in rule.checklist],
        # The title is the rule's name in the reader's language, the description its message
        # and the reason it fired (touchmodel.plugins).
        "kind": "rule",
        "data": {"rule": rule.pk, "detail": firing.result.get("detail", "")},
    }


def _act_task(firing: RuleFiring, run: _Run) -> dict:
    task_id = integrations.create_task(account=firing.account, **_task_fields(firing, run))
    return {"task_id": task_id, "assignee_id": firing.account.owner_id}


def _act_tasks(firings: list[RuleFiring], run: _Run) -> dict[int, dict]:
    """The outcome of each task firing, by firing id: all tasks in one insert."""
    if not firings:
        return {}
    task_ids = integrations.create_tasks(
        tasks=[{"account_id": f.account_id, **_task_fields(f, run)} for f in firings]
    )
    return {
        f.pk: {"task_id": task_ids[f.source_key], "assignee_id": f.account.owner_id}
        for f in firings
    }


def _act_seminar(firing: RuleFiring, run: _Run) -> dict:
    seminar = run.seminar_for(run.phases.get(firing.account_id))
    if seminar is None:
        return {"reason": "no upcoming seminar with seats for this phase"}
    contacts = run.recipients(firing.account_id, DAILY_USERS)
    if not contacts:
        return {"reason": "no contact to invite", "seminar_id": seminar.pk}
    by_language: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_language.setdefault(run.contact_language(contact), []).append(contact)
    email_ids: list[int | str] = []
    for language, group in by_language.items():
        _title, message = _texts(firing.rule, language)
        email_ids += seminar_invite(
            seminar=seminar, contacts=group, firing=firing, message=message, batch=run.emails
        )
    return {"seminar_id": seminar.pk, "email_ids": email_ids}


def _act_email(firing: RuleFiring, run: _Run) -> dict:
    """E-mail each daily user the articles picked for them, every link signed for them (so a
    click makes them a known reader); without picks, a link to the site's home page."""
    contacts = run.recipients(firing.account_id, DAILY_USERS)
    if not contacts:
        return {"reason": "no contact to e-mail"}
    run.recommend([firing])
    phase_id = run.phases.get(firing.account_id)
    email_ids: list[int | str] = []
    keys: list[str] = []
    for contact in contacts:
        language = run.contact_language(contact)
        picked = run.recommendations.get(contact.pk, Recommendation())
        links = [(a.title, a.url) for a in picked.articles] or [
            ("Learn & Support", picked.home_url or run.learn_url)
        ]
        keys += [a.key for a in picked.articles]
        email: dict[str, Any] = dict(
            message_key=f"firing:{firing.pk}:{contact.pk}",
            to_email=contact.email,
            template="content_recommendation",
            context={
                "articles": links,
                "message": _texts(firing.rule, language)[1],
                "phase_name": run.phase_name(phase_id, language),
            },
            contact=contact,
            account=firing.account,
            firing=firing,
            program=firing.rule.program,
            language=language,
            known_opted_in=True,
        )
        if run.emails is not None:
            email_ids.append(run.emails.add(**email))
            continue
        queued = email_queue(**email)
        if queued.created and queued.email.status == "queued":
            email_ids.append(queued.email.pk)
    return {"email_ids": email_ids, "articles": list(dict.fromkeys(keys))}


_HANDLERS = {"task": _act_task, "seminar": _act_seminar, "email": _act_email}
