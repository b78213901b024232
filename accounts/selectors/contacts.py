"""Reads of contacts and relationship coverage. One query per question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.aggregates import BoolOr
from django.db.models import Count, Max, Q, QuerySet

from cs_platform.leanread import lean_columns, lean_model, lean_models, lean_rows
from cs_platform.requestmemo import request_memoized

from ..models import Account, Contact, RelationshipLevel


@dataclass
class LevelCoverage:
    level: str
    count: int = 0
    last_met_at: dt.datetime | None = None
    decision_maker_known: bool = False
    champions: int = 0

    @property
    def known(self) -> bool:
        return self.count > 0


@dataclass
class AccountCoverage:
    levels: dict[str, LevelCoverage] = field(
        default_factory=lambda: {lvl: LevelCoverage(lvl) for lvl in RelationshipLevel.values}
    )

    @property
    def decision_maker_known(self) -> bool:
        return any(c.decision_maker_known for c in self.levels.values())

    @property
    def levels_known(self) -> int:
        return sum(1 for c in self.levels.values() if c.known)

    @property
    def last_met_at(self) -> dt.datetime | None:
        dates = [c.last_met_at for c in self.levels.values() if c.last_met_at]
        return max(dates) if dates else None

    def ordered(self) -> list[LevelCoverage]:
        return [self.levels[lvl] for lvl in RelationshipLevel.values]


def relationship_coverage(account_ids: Iterable[int]) -> dict[int, AccountCoverage]:
    """Per account and level (field / manager / executive): do we know someone, how many,
    when did we last meet that level, is a decision maker among them. One query."""
    ids = list(account_ids)
    result = {pk: AccountCoverage() for pk in ids}
    rows = (
        Contact.objects.filter(account_id__in=ids)
        .order_by()
        .values("account_id", "relationship_level")
        .annotate(
            n=Count("id"),
            last_met=Max("last_met_at"),
            dm=BoolOr("is_decision_maker"),
            champions=Count("id", filter=Q(is_champion=True)),
        )
    )
    for row in rows:
        level = result[row["account_id"]].levels.get(row["relationship_level"])
        if level is None:
            continue
        level.count = row["n"]
        level.last_met_at = row["last_met"]
        level.decision_maker_known = bool(row["dm"])
        level.champions = row["champions"]
    return result


def account_coverage(*, account: Account) -> AccountCoverage:
    """`relationship_coverage` of one account, from its contacts as `contacts_of` reads them
    for the page (no query of its own on Account 360, which lists them anyway)."""
    coverage = AccountCoverage()
    for contact in contacts_of(account=account):
        level = coverage.levels.get(contact.relationship_level)
        if level is None:
            continue
        level.count += 1
        if contact.last_met_at and (
            level.last_met_at is None or contact.last_met_at > level.last_met_at
        ):
            level.last_met_at = contact.last_met_at
        level.decision_maker_known = level.decision_maker_known or contact.is_decision_maker
        level.champions += 1 if contact.is_champion else 0
    return coverage


def contact_get_by_external_id(*, external_id: str) -> Contact | None:
    """The contact the tenant's product calls `external_id` (its user id)."""
    if not external_id:
        return None
    return Contact.objects.filter(external_id=external_id).first()


def contact_list(
    *, account: Account | None = None, ids: Any = None, account_ids: Any = None
) -> QuerySet[Contact]:
    """The tenant's contacts (of `account`, of `account_ids`, or `ids`, when given)."""
    contacts = Contact.objects.all()
    if account is not None:
        contacts = contacts.filter(account=account)
    if account_ids is not None:
        contacts = contacts.filter(account_id__in=account_ids)
    if ids is not None:
        contacts = contacts.filter(pk__in=ids)
    return contacts.order_by("relationship_level", "name")


def contacts_of(*, account: Account) -> list[Contact]:
    """The account's contacts in `contact_list` order, read once per page view
    (`cs_platform.requestmemo`): Account 360's contact table, its forms' choices and the
    touch panel's relationship map share them."""
    return request_memoized(("accounts.contacts_of", account.pk), lambda: _contacts_of(account.pk))


def contacts_of_read(account_id: int, contacts: list[Contact]) -> None:
    """What another read of this page view found for `contacts_of` (in its order): kept for
    the page view's later calls."""
    request_memoized(("accounts.contacts_of", account_id), lambda: contacts)


def _contacts_of(account_id: int) -> list[Contact]:
    # As SQL (cs_platform.leanread): every Account 360 view reads them.
    return lean_models(
        Contact,
        f"SELECT {lean_columns(Contact, 'c')} FROM accounts_contact c"
        " WHERE c.tenant_id = %(tenant)s AND c.account_id = %(account)s"
        " ORDER BY c.relationship_level, c.name",
        {"account": account_id},
    )


def contact_choices(*, account: Account) -> list[tuple[int, str]]:
    """(id, name) of the account's contacts, in `contact_list` order: what the Account 360
    forms offer."""
    return [(c.pk, str(c)) for c in contacts_of(account=account)]


def contact_get(*, pk: Any) -> Contact | None:
    """The contact with this id in the tenant in scope, its account loaded (None if none)."""
    if pk is None:
        return None
    return Contact.objects.filter(pk=pk).select_related("account").first()


def contact_with_account(*, contact_id: int) -> Contact | None:
    """`contact_get(pk=contact_id)` as one hand-written read (cs_platform.leanread): the
    public site reads its signed-in reader's contact and account on every page."""
    rows = lean_rows(
        f"SELECT {lean_columns(Contact, 'c')}, {lean_columns(Account, 'a', 'account__')}"
        " FROM accounts_contact c JOIN accounts_account a ON a.id = c.account_id"
        " WHERE c.tenant_id = %(tenant)s AND c.id = %(contact)s",
        {"contact": contact_id},
    )
    if not rows:
        return None
    contact = lean_model(Contact, rows[0])
    contact.account = lean_model(Account, rows[0], "account__")
    return contact


def contact_get_by_email(*, email: str) -> Contact | None:
    """The first contact (oldest) with this address, case-insensitively; None for a blank one."""
    email = (email or "").strip()
    if not email:
        return None
    return Contact.objects.filter(email__iexact=email).order_by("pk").first()


def contact_executive_rows_since(*, since: dt.datetime) -> list[tuple[int, int]]:
    """(contact_id, account_id) of executive-level contacts created at or after `since`."""
    rows = (
        Contact.objects.filter(
            relationship_level=RelationshipLevel.EXECUTIVE, created_at__gte=since
        )
        .values_list("pk", "account_id")
        .order_by()
    )
    return list(rows)
