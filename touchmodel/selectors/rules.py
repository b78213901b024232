"""What a playbook rule would do now (test mode, no side effects) and its firing history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import account_list

from .. import integrations
from ..models import AccountTier, Rule, RuleFiring, Tier
from .tiers import default_tier
from .triggers import trigger_candidates

ACTION_BY_TIER = {Tier.HIGH: "task", Tier.LOW: "seminar", Tier.TECH: "email"}


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
    return [
        {
            "account_id": int(r.account_id),
            "account_name": names.get(int(r.account_id), ""),
            "episode_key": r.episode_key,
            "detail": r.detail,
            "tier": r.tier,
            "action": r.action,
        }
        for r in plan.itertuples()
    ]


def firing_list(*, rule: Rule | None = None) -> QuerySet[RuleFiring]:
    queryset = RuleFiring.objects.select_related("rule", "account")
    if rule is not None:
        queryset = queryset.filter(rule=rule)
    return queryset.order_by("-fired_at", "-pk")


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("program", "segment").order_by("name_ja", "pk")
