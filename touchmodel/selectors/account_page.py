"""What Account 360's touch panel reads on a first view (the account's tier, its contacts'
awards and user groups), in one call of `junkan_account_touch` (touchmodel migration 0018,
planned once per connection), sent with the page's other first-view reads (issue #16)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Account
from accounts.selectors import contacts_of
from cs_platform.leancalls import Call, lean_call_ahead, lean_call_once
from cs_platform.leanread import lean_json_model, lean_json_model_or_none
from cs_platform.models import User

from ..models import AccountTier, NominationStatus, TierRule
from .community import RelationshipPerson, people_by_level


@dataclass(frozen=True)
class AccountTouch:
    """The account's tier (`account_tier_get`) and its people (`relationship_map`)."""

    tier: AccountTier | None
    relationship: dict[str, list[RelationshipPerson]]


def account_touch_ahead(*, account: Account) -> None:
    """Announce the page view's `account_touch_read` (sent with the page's other first-view
    reads, `cs_platform.leancalls`)."""
    lean_call_ahead(lambda: _call(account))


def account_touch_read(*, account: Account) -> AccountTouch:
    """The account's tier, its rule and who overrode it (the fields a member is shown by),
    and its people by relationship level with their awards and user groups."""
    row = lean_call_once(lambda: _call(account))
    return AccountTouch(
        tier=_tier(row["r_tier"]),
        relationship=people_by_level(contacts_of(account=account), row["r_people"] or ()),
    )


def _call(account: Account) -> Call:
    return (
        ("touchmodel.account_touch", account.pk),
        "junkan_account_touch(%(tenant)s, %(account)s, %(awarded)s)",
        {"account": account.pk, "awarded": NominationStatus.AWARDED.value},
    )


def _tier(read: dict[str, Any] | None) -> AccountTier | None:
    if read is None:
        return None
    tier = lean_json_model(AccountTier, read["tier"])
    tier.rule = lean_json_model_or_none(TierRule, read["rule"])
    tier.override_by = lean_json_model_or_none(User, read["by"])
    return tier
