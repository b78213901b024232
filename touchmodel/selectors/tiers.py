"""Tier reads."""

from __future__ import annotations

from typing import Any

import pandas as pd

from accounts.models import Account
from cs_platform.leanread import USER_SHOWN, lean_columns, lean_model, lean_rows
from cs_platform.models import User

from .. import integrations
from ..models import TIER_ORDER, AccountTier, Tier, TierRule, TouchSettings


def tier_of_accounts(*, account_ids: list[int] | None = None) -> dict[int, str]:
    """Stored tier per account (accounts never assigned are missing: the default applies)."""
    queryset = AccountTier.objects.all()
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return dict(queryset.values_list("account_id", "tier").order_by())


def default_tier() -> str:
    """The tier of accounts no rule or override placed (the tenant's setting, else tech)."""
    settings = TouchSettings.objects.first()
    return settings.default_tier if settings else Tier.TECH


def tier_by_account(*, account_ids: list[int]) -> dict[int, str]:
    """The tier of each of `account_ids`, the default where none is stored (two queries)."""
    stored = tier_of_accounts(account_ids=account_ids)
    missing = [a for a in account_ids if a not in stored]
    fallback = default_tier() if missing else ""
    return {a: stored.get(a, fallback) for a in account_ids}


def account_tier_get(*, account: Account) -> AccountTier | None:
    """The account's stored tier (its rule and who overrode it loaded), as SQL: Account 360
    reads it on every first view (cs_platform.leanread)."""
    rows = lean_rows(
        f"SELECT {lean_columns(AccountTier, 't')}, {lean_columns(TierRule, 'r', 'r__')},"
        f" {lean_columns(User, 'u', 'u__', USER_SHOWN)} FROM touchmodel_accounttier t"
        " LEFT JOIN touchmodel_tierrule r ON r.id = t.rule_id"
        " LEFT JOIN cs_platform_user u ON u.id = t.override_by_id"
        " WHERE t.tenant_id = %(tenant)s AND t.account_id = %(account)s",
        {"account": account.pk},
    )
    if not rows:
        return None
    tier = lean_model(AccountTier, rows[0])
    tier.rule = lean_model(TierRule, rows[0], "r__") if tier.rule_id is not None else None
    tier.override_by = lean_model(User, rows[0], "u__") if tier.override_by_id is not None else None
    return tier


def tier_counts() -> dict[str, int]:
    """Active accounts per tier, the default tier for those never placed: the same numbers as
    the planner's capacity table (paused and churned accounts get no touches)."""
    active = integrations.active_account_ids()
    stored = {a: t for a, t in tier_of_accounts().items() if a in active}
    counts = {t.value: 0 for t in TIER_ORDER}
    for tier in stored.values():
        counts[tier] = counts.get(tier, 0) + 1
    unplaced = len(active) - len(stored)
    if unplaced:
        fallback = default_tier()
        counts[fallback] = counts.get(fallback, 0) + unplaced
    return counts


def health_by_tier() -> list[dict[str, Any]]:
    """Per touch tier (high, low, tech): scored accounts, average of their latest score and
    band counts. Accounts with no stored tier count in the tenant's default tier.

    Three queries whatever the number of accounts: the latest scores, the stored tiers and
    the default tier; pandas groups them."""
    latest = integrations.health_latest()
    if not latest:
        return []
    scores = pd.DataFrame.from_records(
        [(a, row["score"], row["band"]) for a, row in latest.items()],
        columns=["account_id", "score", "band"],
    )
    default = TouchSettings.objects.values_list("default_tier", flat=True).first()
    stored = tier_of_accounts()
    tiers = scores["account_id"].map(stored).astype("object")
    scores["tier"] = tiers.where(tiers.notna(), default or Tier.TECH.value)
    stats = scores.groupby("tier")["score"].agg(["count", "mean"])
    bands = pd.crosstab(scores["tier"], scores["band"])
    labels = dict(Tier.choices)
    rows = []
    for tier in TIER_ORDER:
        if tier.value not in stats.index:
            continue
        counts = bands.loc[tier.value]
        rows.append(
            {
                "tier": tier.value,
                "name": str(labels[tier.value]),
                "accounts": int(stats.loc[tier.value, "count"]),
                "average": round(float(stats.loc[tier.value, "mean"]), 2),
                "bands": {b: int(counts.get(b, 0)) for b in ("green", "amber", "red")},
            }
        )
    return rows
