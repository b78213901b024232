"""Reads of accounts: the annotated list, search, filters, owners. One query per question."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    FloatField,
    IntegerField,
    Lookup,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Cast

from cs_platform.datacache import page_cached
from cs_platform.keyset import KeysetGroups
from cs_platform.leanread import USER_SHOWN, lean_columns, lean_maker, lean_model, lean_rows
from cs_platform.models import User
from cs_platform.requestmemo import request_memoized
from cs_platform.scoping import require_current_tenant
from cs_platform.selectors import staff_member_list
from webhooks.services import account_ref

from ..extensions import AccountListExtension, list_extensions
from ..models import Account, AccountNameGram, LifecycleStatus, SavedView, Segment
from ..segments import segment_rules_apply
from .account_page import account_page_read


class ILikeContains(Lookup):
    """`name ILIKE '%q%'` (Django's icontains is UPPER(name) LIKE …): what the search means by
    "contains", case-insensitively as PostgreSQL lowers."""

    lookup_name = "ilike_contains"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = f"%{connection.ops.prep_for_like_query(self.rhs)}%"
        return f"{lhs} ILIKE %s", [*lhs_params, pattern]


class AnyOf(Lookup):
    """`id = ANY(<array expression>)`: an index condition under row-level security."""

    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


Account._meta.get_field("name").register_lookup(ILikeContains)
Account._meta.pk.register_lookup(AnyOf)

# Trigram similarity needs three characters to say anything useful.
MIN_SIMILARITY_QUERY = 3

# The SQL of `_name_matches`, written out: composed with the ORM it cost more Python per
# view than the rest of the search. The functions (migration 0011) are IMMUTABLE: called on
# the search text they are constants when the query is planned. Each table is read with its
# tenant first, as its indexes begin (row-level security applies too).
_GRAMS = AccountNameGram._meta.db_table
_ACCOUNTS = Account._meta.db_table
_BY_EXTERNAL_ID = f"SELECT id FROM {_ACCOUNTS} WHERE tenant_id = %s AND external_id = %s"
_BY_PREFIX = (
    f"SELECT account_id FROM {_GRAMS} WHERE tenant_id = %s"
    " AND gram BETWEEN accounts_query_prefix_low(%s) AND accounts_query_prefix_high(%s)"
)
_BY_TRIGRAM = (
    f"SELECT account_id FROM {_GRAMS} WHERE tenant_id = %s"
    " AND gram = ANY(accounts_query_trigrams(%s))"
)
# NOTE: `id = ANY(ARRAY(…))`, not `id IN (…)`: as a join the planner probes the primary key
# once per id in hash order, or reads every account when it thinks the filter on them is
# cheap (it cannot tell what `ILIKE` or `%` cost). `= ANY(ARRAY(…))` is one index scan over
# the sorted, deduplicated ids, whatever their number: the ids drive.
# From 4 characters: the name has the two rarest trigrams of `q` (counted up to a cap, in
# the tenant), and `ILIKE` decides. Intersecting every trigram would read each one's list,
# and in a tenant of 株式会社… names some are in every account.
_RARE_CAP = 2000
_BY_RARE_TRIGRAMS = (
    f"SELECT id FROM {_ACCOUNTS} WHERE tenant_id = %s AND name ILIKE %s AND id = ANY(ARRAY("
    f"SELECT account_id FROM {_GRAMS} WHERE tenant_id = %s AND gram = ANY(ARRAY("
    "SELECT u.gram FROM unnest(accounts_query_trigrams(%s)) AS u(gram) ORDER BY ("
    f"SELECT count(*) FROM (SELECT FROM {_GRAMS} AS c WHERE c.tenant_id = %s"
    f" AND c.gram = u.gram LIMIT {_RARE_CAP}) AS capped), u.gram LIMIT 2))"
    " GROUP BY account_id HAVING count(*) = least(2, cardinality(accounts_query_trigrams(%s)))))"
)
# `name % q`: similarity `common / (|q| + |name| - common) >= threshold`, that is
# `common >= threshold × (|q| + |name|) / (1 + threshold)`, less a little slack for
# pg_trgm's float4 arithmetic (a superset: `%` decides).
# As `common <= |q|` and `common <= |name|`, only names with
# `threshold × |q| <= |name| <= |q| / threshold` (with the same slack) can pass: the others'
# grams are left out before they are counted (the count is in the index).
_BY_SIMILARITY = (
    f"SELECT id FROM {_ACCOUNTS} WHERE tenant_id = %s AND name %% %s AND id = ANY(ARRAY("
    f"SELECT account_id FROM {_GRAMS} WHERE tenant_id = %s"
    " AND gram = ANY(accounts_trgm_grams(%s))"
    " AND name_trigrams BETWEEN show_limit() * cardinality(accounts_trgm_grams(%s)) - 0.01"
    " AND cardinality(accounts_trgm_grams(%s)) / show_limit() + 0.01"
    " GROUP BY account_id"
    " HAVING count(*) >= show_limit() * (cardinality(accounts_trgm_grams(%s))"
    " + max(name_trigrams)) / (1 + show_limit()) - 0.001))"
)


# Past a share of the accounts in grams to read, the search runs the operators over the
# tenant's accounts instead, as it did before the grams: reading an index entry and probing
# an account for most of the tenant costs more than one pass over it (`株式会社` in a
# tenant of 株式会社… names, `a` in one of English names). Below it the grams win by far:
# measured at 100,000 accounts, a gram and its account cost about what 3 accounts cost to
# `ILIKE` or 1.6 to `%` (issue #16). The accounts are counted as the planner does
# (`reltuples`: every tenant's, so a small tenant reads grams a little longer).
GRAMS_READ_SHARE = {"ilike": 0.3, "similar": 0.6, "walk": 0.3}
GRAMS_READ_MIN = 2000
_CAP = (
    "(SELECT greatest(%s, reltuples * %s)::bigint FROM pg_class"
    f" WHERE oid = '{_ACCOUNTS}'::regclass)"
)
_CAPPED = (
    f"(SELECT count(*) FROM (SELECT FROM {_GRAMS} WHERE tenant_id = %s AND {{}}"
    " LIMIT (SELECT cap FROM caps)) AS x)"
)
_TO_READ_PREFIX = _CAPPED.format(
    "gram BETWEEN accounts_query_prefix_low(%s) AND accounts_query_prefix_high(%s)"
)
_TO_READ_TRIGRAM = _CAPPED.format("gram = ANY(accounts_query_trigrams(%s))")
_TO_READ_RARE_TRIGRAMS = (
    "(SELECT coalesce(sum(n), 0) FROM (SELECT "
    + _CAPPED.format("gram = u.gram")
    + " AS n FROM unnest(accounts_query_trigrams(%s)) AS u(gram) ORDER BY 1 LIMIT 2) AS y)"
)
_TO_READ_SIMILAR = _CAPPED.format("gram = ANY(accounts_trgm_grams(%s))")


def _reads_grams(q: str) -> bool:
    """Whether the gram path of `q` reads fewer grams than its share of the accounts (one
    query; each count stops at the cap). Kept for page views under the data version, which
    the accounts (and so their grams) raise."""
    key = hashlib.sha256(q.encode()).hexdigest()
    return page_cached("accounts.reads_grams", lambda: _count_grams(q), key=key)


def _count_grams(q: str) -> bool:
    tenant = require_current_tenant().pk
    share = GRAMS_READ_SHARE["ilike" if len(q) < MIN_SIMILARITY_QUERY else "similar"]
    if len(q) < MIN_SIMILARITY_QUERY:
        sql, params = _TO_READ_PREFIX, [tenant, q, q]
    elif len(q) == MIN_SIMILARITY_QUERY:
        sql = f"greatest({_TO_READ_TRIGRAM}, {_TO_READ_SIMILAR})"
        params = [tenant, q, tenant, q]
    else:
        sql = f"greatest({_TO_READ_RARE_TRIGRAMS}, {_TO_READ_SIMILAR})"
        params = [tenant, q, tenant, q]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH caps AS (SELECT {_CAP} AS cap) SELECT {sql} < (SELECT cap FROM caps)",
            [GRAMS_READ_MIN, share, *params],
        )
        return cursor.fetchone()[0]


def _name_matches(q: str) -> RawSQL:
    """`ARRAY(<ids>)` of the accounts `account_search` finds, from the name grams: `=` and
    ranges on a bigint, which PostgreSQL uses under row-level security (the real operators,
    `ILIKE` and `%`, are not leakproof: they may not run before the tenant policy, so no
    index on the name served them and every account of the tenant was read).

    - `name ILIKE '%q%'` holds exactly when the lowered name has a trigram that starts with
      the lowered `q` (1–3 characters: every character of a name starts a padded trigram,
      and `ILIKE` is `lower(name) LIKE lower(pattern)`). From 4 characters the name must
      have every trigram of `q`: the accounts with its two rarest are read, and `ILIKE`
      decides on those.
    - `name % q` (similarity >= the threshold) is told by the pg_trgm trigrams the name has
      in common with `q`, and how many the name has (`AccountNameGram.name_trigrams`); `%`
      decides on those accounts.
    - `external_id = q` is its unique index.
    """
    tenant = require_current_tenant().pk
    parts = [(_BY_EXTERNAL_ID, [tenant, q])]
    if len(q) < MIN_SIMILARITY_QUERY:
        parts.append((_BY_PREFIX, [tenant, q, q]))
    else:
        if len(q) == MIN_SIMILARITY_QUERY:
            parts.append((_BY_TRIGRAM, [tenant, q]))
        else:
            pattern = f"%{connection.ops.prep_for_like_query(q)}%"
            parts.append((_BY_RARE_TRIGRAMS, [tenant, pattern, tenant, q, tenant, q]))
        parts.append((_BY_SIMILARITY, [tenant, q, tenant, q, q, q, q]))
    sql = " UNION ALL ".join(part for part, _params in parts)
    return RawSQL(f"ARRAY({sql})", [p for _part, params in parts for p in params])


class _Matches(Expression):
    """The accounts `account_search` finds for `q`: through the grams or the operators, as
    `_reads_grams` decides when the query is compiled (a list page read from the grams by
    `accounts.selectors.search` never compiles it, and so never counts the grams)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, q: str) -> None:
        super().__init__()
        self.q = q

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        q = self.q
        if _reads_grams(q):
            matches = Q(pk__any_of=_name_matches(q))
        else:
            matches = Q(name__ilike_contains=q) | Q(external_id=q)
            if len(q) >= MIN_SIMILARITY_QUERY:
                matches |= Q(name__trigram_similar=q)
        return compiler.compile(compiler.query.build_where(matches))


def account_list_annotated() -> QuerySet[Account]:
    """Accounts with their owner: `current_arr` (sum of the active contracts) and
    `next_renewal_date` are columns the database keeps (migration 0009), indexed for the
    list's orders."""
    return Account.objects.select_related("owner")


def account_search(queryset: QuerySet[Account], q: str) -> QuerySet[Account]:
    """Japanese-friendly name search: the name contains `q` (case-insensitive, any length),
    or `q` is the external id, or from 3 characters the name is similar by trigrams (ranked
    by similarity). Read through the name grams (`_name_matches`), the same answer as the
    operators, which run over the tenant's accounts when `q` is in most of them."""
    q = (q or "").strip()
    if not q:
        return queryset
    queryset = queryset.filter(_Matches(q))
    if len(q) < MIN_SIMILARITY_QUERY:
        return queryset
    # NOTE: as double precision: a `real` read into Python and sent back in a page cursor
    # would no longer equal itself.
    similarity = Cast(TrigramSimilarity("name", q), FloatField())
    return queryset.annotate(similarity=similarity).order_by("-similarity", "name", "id")


ACCOUNT_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "arr": ("current_arr", "name", "id"),
    "-arr": ("-current_arr", "name", "id"),
    "renewal_date": ("next_renewal_date", "name", "id"),
    "-renewal_date": ("-next_renewal_date", "name", "id"),
    "owner": ("owner__full_name", "owner__email", "name", "id"),
    "-owner": ("-owner__full_name", "-owner__email", "name", "id"),
    "market_segment": ("market_segment", "name", "id"),
    "-market_segment": ("-market_segment", "name", "id"),
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
    fill_later: bool = False,
) -> QuerySet[Account]:
    """The account list: every filter of the list page and the API, applied in SQL.

    `fill_later`: the caller calls each extension's `fill` on the rows it shows (a page),
    so those columns are not annotated on every row read."""
    qs = account_list_annotated()
    for ext in list_extensions():
        if ext.annotate is not None and not (fill_later and ext.fill is not None):
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
    # Every ordering ends with the id: a total order, which keyset pages need.
    if ordering in ACCOUNT_ORDERINGS:
        qs = qs.order_by(*ACCOUNT_ORDERINGS[ordering])
    elif ext := list_sorts().get(ordering.lstrip("-")):
        # The column's kept, indexed key when its app keeps one (the keyset order of an index).
        if ext.sort_key is None and fill_later and ext.fill is not None and ext.annotate:
            qs = ext.annotate(qs)
        field = ext.sort_key or ext.key
        if (groups := list_sort_groups(ordering)) is not None:
            qs = qs.annotate(**{groups.rank: _group_rank(groups)})
            field = groups.rank
        qs = qs.order_by(f"-{field}" if ordering.startswith("-") else field, "name", "id")
    elif q and len(q.strip()) >= MIN_SIMILARITY_QUERY:
        qs = qs.order_by("-similarity", "name", "id")
    else:
        qs = qs.order_by("name", "id")
    return qs


def list_sort_groups(ordering: str) -> KeysetGroups | None:
    """The groups the list's `ordering` sorts by, when its column has them (`sort_groups`):
    `account_filter` orders by their rank, and a page reads them group by group."""
    ext = list_sorts().get(ordering.lstrip("-"))
    if ext is None or ext.sort_groups is None or ext.sort_key is None:
        return None
    return KeysetGroups(rank=f"{ext.sort_key}_rank", field=ext.sort_key, values=ext.sort_groups())


def _group_rank(groups: KeysetGroups) -> Case:
    """The position of each row's group (as SQL, for reads that sort all their rows)."""
    whens = [
        When(
            Q(**{f"{groups.field}__isnull": True}) if value is None else Q(**{groups.field: value}),
            then=Value(rank),
        )
        for rank, values in enumerate(groups.values)
        for value in values
    ]
    return Case(*whens, default=Value(len(groups.values)), output_field=IntegerField())


def list_sorts() -> dict[str, AccountListExtension]:
    """The extensions' columns the list sorts by, by key."""
    return {e.key: e for e in list_extensions() if e.sort_key or e.annotate}


def list_rows(
    ids: Sequence[int], *, known: Mapping[int, Account | None] | None = None
) -> list[Account]:
    """The accounts `ids` as the list shows them: their owner and the extensions' cells
    (`list_fill`). The second step of a list page, whose ids come from `account_filter`.

    One hand-written statement (`cs_platform.leanread`: composing it with the ORM cost more
    Python than the rest of the rows), unless a column has no page fill and must be
    annotated by the ORM. `known`: the rows already read with the page's ids (`list_accounts`
    of `list_row_sql`'s columns; None for an id with no account), used when it holds every id
    (a search's seek reads them in its own statement)."""
    if not list_rows_lean():
        queryset = account_list_annotated().filter(pk__in=ids).order_by()
        for ext in list_extensions():
            if ext.annotate is not None and ext.fill is None:  # a column with no page fill
                queryset = ext.annotate(queryset)
        accounts = list(queryset)
    elif known is not None and all(pk in known for pk in ids):
        accounts = [account for pk in ids if (account := known[pk]) is not None]
    else:
        accounts = list_accounts(lean_rows(_LIST_ROWS, {"ids": list(ids)}))
    list_fill(accounts)
    return accounts


def list_rows_lean() -> bool:
    """Whether the list's rows are read as SQL (`list_row_sql`): no column is annotated only."""
    return not any(ext.annotate is not None and ext.fill is None for ext in list_extensions())


# What the list's rows show and its extensions' fills read (any other field is read from the
# database on first access, as with `.only()`).
LIST_ROW_FIELDS = (
    "id",
    "tenant_id",
    "name",
    "external_id",
    "industry",
    "market_segment",
    "owner_id",
    "lifecycle_status",
    "current_arr",
    "next_renewal_date",
    "list_phase_id",
    "list_health_rank",
    "list_tier",
)
# A list row's columns (`list_accounts` makes them accounts) from the accounts `a` and their
# owners `u`.
_ROW_COLUMNS = (
    f"{lean_columns(Account, 'a', 'a__', LIST_ROW_FIELDS)},"
    f" {lean_columns(User, 'u', 'owner__', USER_SHOWN)}"
)
_OWNERS = f"LEFT JOIN {User._meta.db_table} u ON u.id = a.owner_id"
_LIST_ROWS = (
    f"SELECT {_ROW_COLUMNS} FROM {_ACCOUNTS} a {_OWNERS}"
    " WHERE a.tenant_id = %(tenant)s AND a.id = ANY(%(ids)s)"
)


def list_row_sql(ids_of: str) -> tuple[str, str]:
    """(the select list, the tables to join) of the list's rows of the ids `ids_of.id` (a
    table or subquery before it in the FROM list; an id with no account has NULL columns),
    for `list_accounts`: a read of a page's ids may read its rows in the same statement."""
    return _ROW_COLUMNS, (
        f"LEFT JOIN {_ACCOUNTS} a ON a.tenant_id = %(tenant)s AND a.id = {ids_of}.id {_OWNERS}"
    )


def list_accounts(rows: Iterable[Mapping[str, Any]]) -> list[Account]:
    """The accounts of rows of `list_row_sql`'s columns, each with its owner (one instance
    per owner)."""
    found = list(rows)
    if not found:
        return []
    accounts = []
    owner = Account._meta.get_field("owner")
    owners: dict[int | None, User | None] = {None: None}
    make_account = lean_maker(Account, found[0], "a__")  # the same columns in every row
    make_owner = lean_maker(User, found[0], "owner__")
    for row in found:
        account = make_account(row)
        if account.owner_id not in owners:
            owners[account.owner_id] = make_owner(row)
        owner.set_cached_value(account, owners[account.owner_id])
        accounts.append(account)
    return accounts


def list_fill(accounts: Sequence[Account]) -> None:
    """Set the extensions' column values on the rows of one page (see `fill_later`)."""
    for ext in list_extensions():
        if ext.fill is not None:
            ext.fill(accounts)


def account_list(*, ids: Any = None, scorable_only: bool = False) -> QuerySet[Account]:
    """The tenant's accounts as plain rows (no annotations): only `ids` (an iterable or a
    subquery of ids) if given; `scorable_only` leaves out the churned (what health scores)."""
    accounts = Account.objects.all()
    if ids is not None:
        accounts = accounts.filter(pk__in=ids)
    if scorable_only:
        accounts = accounts.exclude(lifecycle_status=LifecycleStatus.CHURNED)
    return accounts


def account_get(*, pk: int) -> Account | None:
    """The account with its owner (as `account_list_annotated()` gives it), read as SQL: every
    Account 360 view reads it, and the ORM took longer to build the query than PostgreSQL to
    answer it (cs_platform.leanread)."""
    return _account_read(pk)


def account_for_page(*, pk: int) -> Account | None:
    """`account_get` for Account 360, kept for page views under the account's version alone
    (`datacache.account_cache_key`: the row, a new or deleted account with this id, so a kept
    None stays a 404 only while no account has it; its owner's name, since a member's new
    name moves every account's), not the data version: an edit of another account keeps it.
    Its owner with the fields it is shown by only (`USER_SHOWN`): no password hash is kept."""
    name, key, account = account_for_page_read(pk=pk)
    return page_cached(name, lambda: _page_account(pk), key=key, account=account)


def _page_account(pk: int) -> Account | None:
    """The account as `_account_read(pk, USER_SHOWN)` reads it, with the page's contacts and
    contracts in the same call (a first view shows them)."""
    page = account_page_read(pk=pk)
    return page.account if page is not None else None


def account_for_page_read(*, pk: int) -> tuple[str, str, int]:
    """The name, key and account `account_for_page` keeps the account under, for the page's
    read-ahead (`data_cache_read_ahead`): the first view of another account reads it with
    the page's other kept values."""
    return "accounts.account_for_page", str(pk), pk


def _account_read(pk: int, owner_fields: tuple[str, ...] = ()) -> Account | None:
    """The account and its owner (`owner_fields` only, when given), in one statement."""
    rows = lean_rows(
        f"SELECT {lean_columns(Account, 'a')},"
        f" {lean_columns(User, 'u', 'owner__', owner_fields)}"
        " FROM accounts_account a LEFT JOIN cs_platform_user u ON u.id = a.owner_id"
        " WHERE a.tenant_id = %(tenant)s AND a.id = %(pk)s",
        {"pk": pk},
    )
    if not rows:
        return None
    account = lean_model(Account, rows[0])
    account.owner = lean_model(User, rows[0], "owner__") if account.owner_id else None
    return account


def account_get_by_external_id(*, external_id: str) -> Account | None:
    """The account the tenant's own systems call `external_id` (product group id, CRM id)."""
    return Account.objects.filter(external_id=external_id).first()


def account_webhook_refs(*, ids: Iterable[int]) -> dict[int, dict]:
    """`data.account` of webhook payloads for these accounts (one query)."""
    slug = require_current_tenant().slug
    return {
        pk: account_ref(tenant_slug=slug, account_id=pk, name=name, external_id=external_id)
        for pk, name, external_id in Account.objects.filter(pk__in=set(ids)).values_list(
            "pk", "name", "external_id"
        )
    }


def account_industries() -> list[str]:
    return list(
        Account.objects.exclude(industry="")
        .order_by("industry")
        .values_list("industry", flat=True)
        .distinct()
    )


def owner_candidates() -> QuerySet[User]:
    """Members of the tenant in scope: the people an account may be owned by."""
    return staff_member_list(active_only=True)


def owner_choices() -> list[tuple[int, str]]:
    """(id, name) of `owner_candidates`, read once per page view (the list's filter and its
    bulk action both offer them)."""
    return request_memoized(
        ("accounts.owner_choices", require_current_tenant().pk),
        lambda: [(u.pk, u.full_name or u.email) for u in owner_candidates()],
    )


# The account list's reads besides its rows, in one call (`list_page_reads`): a PL/pgSQL
# function (accounts migration 0023), planned once per connection.
_LIST_READS = "SELECT owners, segments, views FROM junkan_list_page_reads(%(tenant)s, %(user)s)"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def list_page_reads(*, user: User) -> list[SavedView]:
    """The account list's filter and bulk-action choices and `user`'s saved views, in one
    call (`cs_platform.leanread`: three ORM queries cost more Python than the page's rows):
    the owners and segments are kept for the page view (`owner_choices` and `segment_choices`
    read them from there); returns the saved views (`saved_view_list`)."""
    row = lean_rows(_LIST_READS, {"user": user.pk})[0]
    tenant = require_current_tenant().pk
    owners = [(pk, name or email) for pk, name, email in _json(row["owners"])]
    segments = [(str(pk), name) for pk, name in _json(row["segments"])]
    request_memoized(("accounts.owner_choices", tenant), lambda: owners)
    request_memoized(("accounts.segment_choices", tenant), lambda: segments)
    return [lean_model(SavedView, view) for view in _json(row["views"])]


def owner_is_member(*, user: User) -> bool:
    return staff_member_list().filter(pk=user.pk).exists()


def account_active_ids() -> set[int]:
    """Ids of the accounts whose lifecycle status is active."""
    return set(
        Account.objects.filter(lifecycle_status=LifecycleStatus.ACTIVE)
        .values_list("pk", flat=True)
        .order_by()
    )


@dataclass(frozen=True)
class AccountCounts:
    """The tenant's accounts by lifecycle status: the one source of the numbers the pages
    state. `customers` (every account but the churned) is what the health score covers and
    the funnel shows; `active` is what the touch model plans and the rules touch."""

    all: int
    active: int
    paused: int
    churned: int

    @property
    def customers(self) -> int:
        return self.all - self.churned


def account_counts() -> AccountCounts:
    row = Account.objects.aggregate(
        all=Count("pk"),
        active=Count("pk", filter=Q(lifecycle_status=LifecycleStatus.ACTIVE)),
        paused=Count("pk", filter=Q(lifecycle_status=LifecycleStatus.PAUSED)),
        churned=Count("pk", filter=Q(lifecycle_status=LifecycleStatus.CHURNED)),
    )
    return AccountCounts(**row)


def saved_view_list(*, user: User) -> QuerySet[SavedView]:
    """The account-list views `user` may open: their own and those shared with the team."""
    return SavedView.objects.filter(Q(owner=user) | Q(shared=True)).order_by("name", "pk")
