"""What a playbook rule would do now (test mode, no side effects) and its firing history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.extensions import content_choices
from accounts.selectors import account_list

from .. import integrations
from ..models import AccountTier, Rule, RuleFiring, Seminar, Tier
from .tiers import default_tier
from .triggers import trigger_candidates

ACTION_BY_TIER = {Tier.HIGH: "task", Tier.LOW: "seminar", Tier.TECH: "email"}

# Why a rule holds for an account, by `why` (touchmodel.selectors.triggers._why), in the
# active language. NOTE: lazy, so each call reads the language active then.
WHY_TEXTS: dict[str, Any] = {
    "phase_entered": _("Entered the phase on %(on)s."),
    "phase_stuck": _("%(days)s days in the phase."),
    "health_below": _("Health score %(score)s, below %(threshold)s."),
    "health_dropped": _("Health score fell %(points)s points since %(since)s."),
    "no_activity": _("No activity since %(last)s."),
    "renewal_due": _("Renews on %(on)s."),
    "milestone_overdue": _("A milestone was due on %(due)s."),
    "content_read": _("Read Learn & Support on %(on)s."),
    "content_read_article": _("Read the article “%(article)s” on %(on)s."),
    "content_read_section": _("Read the section “%(section)s” on %(on)s."),
    "seminar_attended": _("Attended the seminar “%(seminar)s”."),
    "seminar_missed": _("Missed the seminar “%(seminar)s”."),
    "executive_contact": _("New executive-level contact: %(contact)s."),
}


def _names(details: list[Any]) -> dict[str, dict[Any, str]]:
    """The words for the ids and keys in `details` (seminar titles, contact names, article
    titles, section names), read once for all rows, in the active language."""
    rows = [d for d in details if isinstance(d, dict)]
    wanted = {k: {d[k] for d in rows if d.get(k)} for k in ("seminar", "contact")}
    names: dict[str, dict[Any, str]] = {}
    if wanted["seminar"]:
        english = (get_language() or "ja")[:2] != "ja"
        names["seminar"] = {
            pk: (english and en) or ja
            for pk, ja, en in Seminar.objects.filter(pk__in=wanted["seminar"])
            .values_list("pk", "title_ja", "title_en")
            .order_by()
        }
    if wanted["contact"]:
        names["contact"] = integrations.contact_names(ids=sorted(wanted["contact"]))
    if any(d.get("article") for d in rows):
        names["article"] = dict(content_choices("articles"))
    if any(d.get("section") for d in rows):
        names["section"] = dict(content_choices("sections"))
    return names


def why_texts(details: list[Any]) -> list[str]:
    """`why_text` of each detail, with names instead of ids and keys."""
    names = _names(details)
    return [why_text(d, names=names) for d in details]


def why_text(detail: Any, *, names: dict[str, dict[Any, str]] | None = None) -> str:
    """A trigger's reason (`{"why": kind, …}`) in the active language; a firing stored
    before reasons were data keeps its text."""
    if not isinstance(detail, dict):
        return str(detail or "")
    names = _names([detail]) if names is None else names
    detail = {k: names.get(k, {}).get(v, v) for k, v in detail.items()}
    kind = detail.get("why", "")
    if kind == "content_read" and detail.get("article"):
        kind = "content_read_article"
    elif kind == "content_read" and detail.get("section"):
        kind = "content_read_section"
    text = WHY_TEXTS.get(kind)
    if text is None:
        return kind
    try:
        return str(text) % detail
    except (KeyError, TypeError, ValueError):
        return kind


def rule_plan(
    *, rule: Rule, now: dt.datetime | None = None, account_ids: list[int] | None = None
) -> pd.DataFrame:
    """account_id, episode_key, detail, tier, action for every account the rule would fire
    for now and has not fired for in this episode yet."""
    now = now or timezone.now()
    frame = trigger_candidates(rule=rule, now=now, account_ids=account_ids)
    frame = frame[frame["account_id"].isin(integrations.active_account_ids())]
    if frame.empty:
        return frame.assign(tier=[], action=[])
    tiers = dict(
        AccountTier.objects.filter(account_id__in=frame["account_id"].tolist())
        .values_list("account_id", "tier")
        .order_by()
    )
    frame = frame.assign(
        tier=frame["account_id"].map(tiers).astype(object).fillna(str(default_tier()))
    )
    if rule.tiers:
        frame = frame[frame["tier"].isin(rule.tiers)]
    if rule.segment_id is not None:
        frame = frame[
            frame["account_id"].isin(integrations.segment_account_ids(segment=rule.segment))
        ]
    fired = set(
        RuleFiring.objects.filter(rule=rule, account_id__in=frame["account_id"].tolist())
        .values_list("account_id", "episode_key")
        .order_by()
    )
    if fired:
        keys = list(zip(frame["account_id"], frame["episode_key"], strict=True))
        frame = frame[[k not in fired for k in keys]]
    enabled = {Tier.HIGH: rule.act_high, Tier.LOW: rule.act_low, Tier.TECH: rule.act_tech}
    frame = frame.assign(
        action=[ACTION_BY_TIER[t] if enabled.get(t) else "none" for t in frame["tier"]]
    )
    return frame.reset_index(drop=True)


def rule_test(*, rule: Rule, now: dt.datetime | None = None) -> list[dict]:
    """Test mode: the accounts the rule would fire for now, with what it would do."""
    plan = rule_plan(rule=rule, now=now)
    names = dict(account_list(ids=plan["account_id"].tolist()).values_list("pk", "name").order_by())
    texts = why_texts(plan["detail"].tolist()) if not plan.empty else []
    return [
        {
            "account_id": int(r.account_id),
            "account_name": names.get(int(r.account_id), ""),
            "episode_key": r.episode_key,
            "detail": text,
            "why": r.detail,
            "tier": r.tier,
            "action": r.action,
        }
        for r, text in zip(plan.itertuples(), texts, strict=True)
    ]


def firing_list(*, rule: Rule | None = None) -> QuerySet[RuleFiring]:
    queryset = RuleFiring.objects.select_related("rule", "account")
    if rule is not None:
        queryset = queryset.filter(rule=rule)
    return queryset.order_by("-fired_at", "-pk")


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("program", "segment").order_by("name_ja", "pk")
