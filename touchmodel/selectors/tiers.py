"""Tier reads."""

from __future__ import annotations

from django.db.models import Count

from accounts.models import Account

from ..models import AccountTier


def tier_of_accounts(*, account_ids: list[int] | None = None) -> dict[int, str]:
    """Stored tier per account (accounts never assigned are missing: the default applies)."""
    queryset = AccountTier.objects.all()
    if account_ids is not None:
        queryset = queryset.filter(account_id__in=account_ids)
    return dict(queryset.values_list("account_id", "tier").order_by())


def account_tier_get(*, account: Account) -> AccountTier | None:
    return AccountTier.objects.select_related("rule", "override_by").filter(account=account).first()


def tier_counts() -> dict[str, int]:
    rows = AccountTier.objects.values("tier").annotate(n=Count("id")).order_by()
    return {r["tier"]: r["n"] for r in rows}
