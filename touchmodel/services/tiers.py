"""Tier assignment: admin rules (first match wins), the default tier, manual overrides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from cs_platform.models import User

from .. import integrations
from ..models import AccountTier, Tier, TierRule, TierSource, TouchSettings


def touch_settings_get() -> TouchSettings:
    settings, _created = TouchSettings.objects.get_or_create()
    return settings


def _rule_mask(rule: TierRule, facts: pd.DataFrame) -> pd.Series:
    mask = pd.Series(True, index=facts.index)
    if rule.arr_min is not None:
        mask &= facts["arr"] >= rule.arr_min
    if rule.arr_max is not None:
        mask &= facts["arr"] < rule.arr_max
    if rule.business_potentials:
        mask &= facts["business_potential"].isin(rule.business_potentials)
    if rule.market_segments:
        mask &= facts["market_segment"].isin(rule.market_segments)
    if rule.phase_ids:
        mask &= facts["phase_id"].isin([int(p) for p in rule.phase_ids])
    if rule.health_bands:
        mask &= facts["band"].isin(rule.health_bands)
    if rule.segment_id is not None:
        mask &= facts["account_id"].isin(integrations.segment_account_ids(segment=rule.segment))
    return mask


def tiers_compute(*, account_ids: list[int] | None = None) -> pd.DataFrame:
    """account_id, tier, rule_id, source for each account, from the rules alone (no writes)."""
    facts = integrations.account_facts(account_ids=account_ids)
    phases = integrations.current_phase_ids(account_ids=account_ids)
    bands = integrations.health_bands(account_ids=account_ids)
    facts["phase_id"] = facts["account_id"].map(phases)
    facts["band"] = facts["account_id"].map(bands)
    facts["tier"] = None
    facts["rule_id"] = None
    for rule in TierRule.objects.filter(is_active=True).select_related("segment"):
        free = facts["tier"].isna()
        if not free.any():
            break
        hit = free & _rule_mask(rule, facts)
        facts.loc[hit, "tier"] = rule.tier
        facts.loc[hit, "rule_id"] = rule.pk
    facts["source"] = TierSource.RULE
    unmatched = facts["tier"].isna()
    facts.loc[unmatched, "tier"] = touch_settings_get().default_tier
    facts.loc[unmatched, "source"] = TierSource.DEFAULT
    return facts[["account_id", "tier", "rule_id", "source"]]


@dataclass(frozen=True)
class TierAssignment:
    accounts: int
    changed: int
    kept_manual: int


def _tier_label(tier: str) -> str:
    return str(Tier(tier).label)


def tier_change_title(activity: Any) -> str | None:
    """A tier change on the timeline, worded in the reader's language from its data."""
    data = activity.data or {}
    return _("Touch tier: %(old)s → %(new)s") % {
        "old": _tier_label(data["from"]),
        "new": _tier_label(data["to"]),
    }


def _record_changes(changes: pd.DataFrame, when: dt.datetime, actor: User | None = None) -> None:
    if changes.empty:
        return
    stamp = when.strftime("%Y%m%d%H%M%S%f")
    integrations.record_activities(
        rows=[
            {
                "account_id": int(row.account_id),
                "kind": "tier_change",
                "title": _("Touch tier: %(old)s → %(new)s")
                % {"old": _tier_label(row.old_tier), "new": _tier_label(row.tier)},
                "body": getattr(row, "reason", "") or "",
                "occurred_at": when,
                "actor_id": actor.pk if actor else None,
                "data": {"from": row.old_tier, "to": row.tier, "source": row.source},
                "source_key": f"touchmodel:tier:{int(row.account_id)}:{stamp}",
            }
            for row in changes.itertuples()
        ]
    )


@transaction.atomic
def tiers_assign(*, account_ids: list[int] | None = None) -> TierAssignment:
    """Apply the tier rules to the accounts (all by default) in one pass; manual overrides
    stay. Only rows whose tier or rule changed are written; real changes join the timeline."""
    computed = tiers_compute(account_ids=account_ids)
    existing_qs = AccountTier.objects.all()
    if account_ids is not None:
        existing_qs = existing_qs.filter(account_id__in=account_ids)
    existing = pd.DataFrame.from_records(
        list(existing_qs.values_list("account_id", "tier", "rule_id", "source")),
        columns=["account_id", "old_tier", "old_rule_id", "old_source"],
    )
    merged = computed.merge(existing, on="account_id", how="left")
    manual = merged["old_source"] == TierSource.MANUAL
    todo = merged[~manual]
    same_rule = todo["old_rule_id"].fillna(-1).astype("int64") == todo["rule_id"].fillna(-1).astype(
        "int64"
    )
    changed = todo[
        (todo["old_tier"] != todo["tier"]) | ~same_rule | (todo["old_source"] != todo["source"])
    ]
    now = timezone.now()
    AccountTier.objects.bulk_create(
        [
            AccountTier(
                account_id=int(r.account_id),
                tier=r.tier,
                rule_id=None if pd.isna(r.rule_id) else int(r.rule_id),
                source=r.source,
                assigned_at=now,
            )
            for r in changed.itertuples()
        ],
        update_conflicts=True,
        unique_fields=["tenant", "account"],
        update_fields=["tier", "rule", "source", "assigned_at"],
        batch_size=1000,
    )
    real = changed[changed["old_tier"].notna() & (changed["old_tier"] != changed["tier"])]
    _record_changes(real, now)
    return TierAssignment(
        accounts=len(computed), changed=len(changed), kept_manual=int(manual.sum())
    )


@transaction.atomic
def tier_override(*, account: Account, tier: str, user: User | None, reason: str) -> AccountTier:
    """Pin an account to a tier by hand (who, why and when are kept)."""
    if tier not in Tier.values:
        raise ValueError(f"Unknown tier {tier!r}.")
    if not reason.strip():
        raise ValueError("A manual override needs a reason.")
    current = AccountTier.objects.select_for_update().filter(account=account).first()
    old = current.tier if current else None
    now = timezone.now()
    row, _created = AccountTier.objects.update_or_create(
        account=account,
        defaults={
            "tier": tier,
            "source": TierSource.MANUAL,
            "rule": None,
            "override_by": user,
            "override_reason": reason,
            "override_at": now,
            "assigned_at": now,
        },
    )
    if old != tier:
        _record_changes(
            pd.DataFrame(
                [
                    {
                        "account_id": account.pk,
                        "old_tier": old or tier,
                        "tier": tier,
                        "source": TierSource.MANUAL,
                        "reason": reason,
                    }
                ]
            ),
            now,
            actor=user,
        )
    return row


@transaction.atomic
def tier_override_clear(*, account: Account) -> AccountTier | None:
    """Hand the account back to the rules."""
    AccountTier.objects.filter(account=account, source=TierSource.MANUAL).update(
        source=TierSource.DEFAULT, override_by=None, override_reason="", override_at=None
    )
    tiers_assign(account_ids=[account.pk])
    return AccountTier.objects.filter(account=account).first()


@transaction.atomic
def tier_override_bulk(
    *, accounts: QuerySet[Account], tier: str, user: User | None, reason: str
) -> int:
    """Pin many accounts to a tier by hand at once (the account list's bulk action): one read
    of their current tiers, one multi-row upsert, the real changes on their timelines."""
    if tier not in Tier.values:
        raise ValueError(f"Unknown tier {tier!r}.")
    if not reason.strip():
        raise ValueError("A manual override needs a reason.")
    ids = list(accounts.values_list("pk", flat=True).order_by())
    old = dict(AccountTier.objects.filter(account_id__in=ids).values_list("account_id", "tier"))
    now = timezone.now()
    AccountTier.objects.bulk_create(
        [
            AccountTier(
                account_id=pk,
                tier=tier,
                source=TierSource.MANUAL,
                rule=None,
                override_by=user,
                override_reason=reason,
                override_at=now,
                assigned_at=now,
            )
            for pk in ids
        ],
        update_conflicts=True,
        unique_fields=["tenant", "account"],
        update_fields=[
            "tier",
            "source",
            "rule",
            "override_by",
            "override_reason",
            "override_at",
            "assigned_at",
        ],
        batch_size=1000,
    )
    changes = pd.DataFrame(
        [
            {
                "account_id": pk,
                "old_tier": old.get(pk) or tier,
                "tier": tier,
                "source": TierSource.MANUAL,
                "reason": reason,
            }
            for pk in ids
            if old.get(pk) != tier
        ],
        columns=["account_id", "old_tier", "tier", "source", "reason"],
    )
    _record_changes(changes, now, actor=user)
    return len(ids)
