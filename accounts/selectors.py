"""Reads of accounts, contacts, contracts and segments. Set-based: one query per question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.aggregates import BoolOr
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import (
    Count,
    F,
    Lookup,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least

from cs_platform.models import Membership, User
from cs_platform.scoping import require_current_tenant

from .extensions import list_extensions
from .models import (
    Account,
    Contact,
    Contract,
    ContractStatus,
    ImportJob,
    RelationshipLevel,
    Segment,
)
from .segments import segment_rules_apply


class ILikeContains(Lookup):
    """`name ILIKE '%q%'`: unlike Django's icontains (UPPER(name) LIKE …), the trigram GIN
    index on the bare column serves it."""

    lookup_name = "ilike_contains"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = f"%{connection.ops.prep_for_like_query(self.rhs)}%"
        return f"{lhs} ILIKE %s", [*lhs_params, pattern]


Account._meta.get_field("name").register_lookup(ILikeContains)

# Trigram similarity needs three characters to say anything useful.
MIN_SIMILARITY_QUERY = 3


# --- accounts ---------------------------------------------------------------------------------


def account_list_annotated() -> QuerySet[Account]:
    """Accounts with `current_arr` (sum of active contracts) and `next_renewal_date`.

    Correlated subqueries on the (tenant, account, status) index: one query for any page.
    """
    active = Contract.objects.filter(account=OuterRef("pk"), status=ContractStatus.ACTIVE)
    arr = active.order_by().values("account").annotate(total=Sum("arr")).values("total")
    renewal = (
        active.order_by().values("account").annotate(first=Min("renewal_date")).values("first")
    )
    return Account.objects.select_related("owner").annotate(
        current_arr=Coalesce(Subquery(arr), Value(0)),
        next_renewal_date=Subquery(renewal),
    )


def account_search(queryset: QuerySet[Account], q: str) -> QuerySet[Account]:
    """Japanese-friendly name search: substring match, ranked by trigram similarity from 3
    characters (1–2 character queries have no trigrams; the GIN index still serves ILIKE)."""
    q = (q or "").strip()
    if not q:
        return queryset
    matches = Q(name__ilike_contains=q) | Q(external_id=q)
    if len(q) < MIN_SIMILARITY_QUERY:
        return queryset.filter(matches)
    return (
        queryset.filter(matches | Q(name__trigram_similar=q))
        .annotate(similarity=TrigramSimilarity("name", q))
        .order_by("-similarity", "name")
    )


ACCOUNT_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "arr": ("current_arr", "name"),
    "-arr": ("-current_arr", "name"),
    "renewal_date": ("next_renewal_date", "name"),
    "-renewal_date": ("-next_renewal_date", "name"),
}


def account_filter(  # noqa: C901 (a flat list of independent optional filters)
    *,
    q: str = "",
    owner_id: int | None = None,
    market_segment: str = "",
    lifecycle_status: str = "",
    industry: str = "",
    renewal_after: dt.date | None = None,
    renewal_before: dt.date | None = None,
    segment: Segment | None = None,
    extensions: dict[str, str] | None = None,
    ordering: str = "",
) -> QuerySet[Account]:
    """The account list: every filter of the list page and the API, applied in SQL."""
    qs = account_list_annotated()
    for ext in list_extensions():
        if ext.annotate is not None:
            qs = ext.annotate(qs)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if market_segment:
        qs = qs.filter(market_segment=market_segment)
    if lifecycle_status:
        qs = qs.filter(lifecycle_status=lifecycle_status)
    if industry:
        qs = qs.filter(industry=industry)
    if renewal_after:
        qs = qs.filter(next_renewal_date__gte=renewal_after)
    if renewal_before:
        qs = qs.filter(next_renewal_date__lte=renewal_before)
    if segment is not None:
        qs = segment_rules_apply(qs, segment.rules)
    for ext in list_extensions():
        value = (extensions or {}).get(ext.key)
        if value and ext.apply is not None:
            qs = ext.apply(qs, value)
    if q:
        qs = account_search(qs, q)
    if ordering in ACCOUNT_ORDERINGS:
        qs = qs.order_by(*ACCOUNT_ORDERINGS[ordering])
    elif ordering.lstrip("-") in {e.key for e in list_extensions() if e.annotate}:
        qs = qs.order_by(ordering, "name")
    elif not q:
        qs = qs.order_by("name", "id")
    return qs


def account_get(*, pk: int) -> Account | None:
    return account_list_annotated().filter(pk=pk).first()


def account_industries() -> list[str]:
    return list(
        Account.objects.exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()
    )


def owner_candidates() -> QuerySet[User]:
    """Members of the tenant in scope: the people an account may be owned by."""
    tenant = require_current_tenant()
    return User.objects.filter(memberships__tenant=tenant, is_active=True).order_by(
        "full_name", "email"
    )


def owner_is_member(*, user: User) -> bool:
    return Membership.objects.filter(tenant=require_current_tenant(), user=user).exists()


# --- contacts and relationship coverage ---------------------------------------------------------


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


def contact_list(*, account: Account) -> QuerySet[Contact]:
    return Contact.objects.filter(account=account).order_by("relationship_level", "name")


# --- contracts ----------------------------------------------------------------------------------


def contract_history(account: Account) -> QuerySet[Contract]:
    """Every contract of the account, oldest first, with the one it renewed or expanded."""
    return (
        Contract.objects.filter(account=account)
        .select_related("previous")
        .order_by("start_date", "created_at", "id")
    )


@dataclass(frozen=True)
class ArrMovements:
    since: dt.date
    until: dt.date
    new_arr: int
    new_count: int
    renewed_arr: int
    renewed_count: int
    expansion_arr: int
    expansion_count: int
    contraction_arr: int
    churned_arr: int
    churned_count: int

    @property
    def net_new_arr(self) -> int:
        return self.new_arr + self.expansion_arr - self.contraction_arr - self.churned_arr


def arr_movements(since: dt.date, until: dt.date) -> ArrMovements:
    """ARR won, kept, grown and lost between two dates (inclusive), tenant-wide.

    - new: contracts with no predecessor starting in the window;
    - renewed: renewals starting in the window (the part of the old ARR that was kept);
    - expansion: growth over the predecessor, for renewals and expansions;
    - contraction: renewals at a lower ARR than before;
    - churned: cancelled or expired contracts whose term ended in the window.
    """
    zero = Value(0)
    renewal = Q(previous__status=ContractStatus.RENEWED)
    successor = Q(previous__isnull=False)
    started = Contract.objects.filter(start_date__gte=since, start_date__lte=until).aggregate(
        new_arr=Coalesce(Sum("arr", filter=Q(previous__isnull=True)), zero),
        new_count=Count("id", filter=Q(previous__isnull=True)),
        renewed_arr=Coalesce(Sum(Least("arr", "previous__arr"), filter=renewal), zero),
        renewed_count=Count("id", filter=renewal),
        expansion_arr=Coalesce(
            Sum(Greatest(F("arr") - F("previous__arr"), zero), filter=successor), zero
        ),
        expansion_count=Count("id", filter=successor & Q(arr__gt=F("previous__arr"))),
        contraction_arr=Coalesce(
            Sum(Greatest(F("previous__arr") - F("arr"), zero), filter=renewal), zero
        ),
    )
    churned = Contract.objects.filter(
        status__in=[ContractStatus.CANCELLED, ContractStatus.EXPIRED],
        renewal_date__gte=since,
        renewal_date__lte=until,
    ).aggregate(churned_arr=Coalesce(Sum("arr"), zero), churned_count=Count("id"))
    return ArrMovements(since=since, until=until, **started, **churned)


# --- segments and imports -----------------------------------------------------------------------


def segment_accounts(segment: Segment) -> QuerySet[Account]:
    return segment_rules_apply(account_list_annotated(), segment.rules).order_by("name", "id")


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("created_by").order_by("name")


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").order_by("-created_at")
