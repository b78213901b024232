"""A search's page of the account list read from the name grams alone (issue #16).

`account_search` finds the matches from the grams, but ordering them needed the name of each
match from its account: 12,500 accounts read for one page of a bench stem at 100,000 accounts
(60–140 ms). The grams carry the name (migration 0019), in their index after the gram
(tenant, gram, name_trigrams, name, account; a padded trigram's name_trigrams is 0), so a
page is read from the grams:

- by name (the name sorts, and the default order below 3 characters): each gram whose
  accounts contain `q` gives them in name order from the index, after the cursor; the page is
  the first rows of those few streams merged, with the external id's account and, from 3
  characters, the similar names (`%`, few, as `account_search` finds them);
- by similarity (the default order from 3 characters): a match's similarity is told by the
  pg_trgm grams it shares with `q` (common / (|q| + |name| - common), in `real` as pg_trgm
  computes it) and its name's trigram count, which the grams' index orders: the matches are
  read bucket by bucket of trigram counts, only the buckets whose bounds can reach the page
  (`_by_similarity`).

The page's rows, order and cursor values are those of `account_filter`'s query (the tests
compare both ways, page by page, and the cursors of one read the other). A first page is a
call of a PL/pgSQL function of the same queries (accounts 0025, 0026: their plans kept per
connection), and a seek may read the list's rows of its page in its statement
(`SearchSeek.rows`).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection

from cs_platform.datacache import page_cached
from cs_platform.leanread import lean_rows

from ..models import Account, AccountNameGram
from .accounts import (
    _RARE_CAP,
    GRAMS_READ_MIN,
    GRAMS_READ_SHARE,
    MIN_SIMILARITY_QUERY,
    list_accounts,
    list_row_sql,
    list_rows_lean,
)

_G = AccountNameGram._meta.db_table
_A = Account._meta.db_table

# The grams whose accounts contain `q` (`ILIKE`), as `grams_of(gram)`: below 3 characters the
# distinct grams in the prefix range (one index probe each), at 3 the one trigram of `q`,
# from 4 its rarest trigram (counted up to a cap), whose accounts `ILIKE` decides on.
_PREFIX_GRAMS = (
    f"grams_of(gram) AS (SELECT (SELECT min(gram) FROM {_G} WHERE tenant_id = %(tenant)s"
    " AND gram BETWEEN accounts_query_prefix_low(%(q)s) AND accounts_query_prefix_high(%(q)s))"
    f" UNION ALL SELECT (SELECT min(g.gram) FROM {_G} AS g WHERE g.tenant_id = %(tenant)s"
    " AND g.gram > grams_of.gram AND g.gram <= accounts_query_prefix_high(%(q)s))"
    " FROM grams_of WHERE grams_of.gram IS NOT NULL)"
)
_TRIGRAM_GRAMS = "grams_of(gram) AS (SELECT unnest(accounts_query_trigrams(%(q)s)))"
_RAREST_GRAM = (
    "grams_of(gram) AS (SELECT u.gram FROM unnest(accounts_query_trigrams(%(q)s)) AS u(gram)"
    f" ORDER BY (SELECT count(*) FROM (SELECT FROM {_G} AS c WHERE c.tenant_id = %(tenant)s"
    f" AND c.gram = u.gram LIMIT {_RARE_CAP}) AS capped), u.gram LIMIT 1)"
)
# `%` is `similarity >= pg_trgm.similarity_threshold` (a double; pg_trgm's own default when
# the session has not set it).
_THRESHOLD = "coalesce(current_setting('pg_trgm.similarity_threshold', true)::float8, show_limit())"
# The similar names of `account_search`'s `_BY_SIMILARITY`, with `%` on the name the grams
# carry: only in the buckets (`_BUCKETS`) whose best similarity reaches the threshold (a
# name's trigram count decides how many grams in common it needs; its bucket, how many of
# `q`'s grams any of its names has), an index range of each gram there.
_SIMILAR_BY_NAME = (
    f"SELECT max(g.name) AS name, g.account_id AS id FROM {_G} AS g"
    " WHERE g.tenant_id = %(tenant)s AND g.gram = ANY(accounts_trgm_grams(%(q)s))"
    " AND g.name_trigrams = ANY(ARRAY(SELECT b.n FROM b WHERE b.u >= b.t)){after}"
    " GROUP BY g.account_id"
    " HAVING count(*) >= show_limit() * (cardinality(accounts_trgm_grams(%(q)s))"
    " + max(g.name_trigrams)) / (1 + show_limit()) - 0.001 AND max(g.name) %% %(q)s"
)


def _contains(q: str) -> tuple[str, str]:
    """(`grams_of`, the condition on a gram row `g` of them) of the accounts containing `q`."""
    if len(q) < MIN_SIMILARITY_QUERY:
        return _PREFIX_GRAMS, ""
    if len(q) == MIN_SIMILARITY_QUERY:
        return _TRIGRAM_GRAMS, ""
    return _RAREST_GRAM, " AND g.name ILIKE %(pattern)s"


def _params(q: str, limit: int) -> dict[str, Any]:
    pattern = f"%{connection.ops.prep_for_like_query(q)}%"
    return {"q": q, "pattern": pattern, "limit": limit}


# The first page in name order, and by similarity, as `_by_name` and `_by_similarity` write
# them (accounts migrations 0025 and 0026).
_FIRST_BY_SIMILARITY = (
    "SELECT r_sim AS sim, r_name AS name, r_id AS id"
    " FROM junkan_account_search_by_similarity(%(tenant)s, %(q)s, %(pattern)s, %(limit)s)"
)
_FIRST_BY_NAME = (
    "SELECT r_name AS name, r_id AS id"
    " FROM junkan_account_search_by_name(%(tenant)s, %(q)s, %(pattern)s, %(limit)s)"
)


def _read(
    sql: str, order: str, params: dict[str, Any], read: dict[int, Account | None] | None
) -> list[dict[str, Any]]:
    """The rows of the seek's `sql`; with `read`, each with its account's list row (the
    same statement: `list_row_sql`, in `order` again), put in `read` by id (None: no
    account)."""
    if read is None:
        return lean_rows(sql, params)
    columns, tables = list_row_sql("p")
    rows = lean_rows(f"SELECT p.*, {columns} FROM ({sql}) AS p {tables} ORDER BY {order}", params)
    accounts = iter(list_accounts(row for row in rows if row["a__id"] is not None))
    for row in rows:
        read[row["id"]] = None if row["a__id"] is None else next(accounts)
    return rows


def _by_name(
    q: str,
    descending: bool,
    after: list[Any] | None,
    limit: int,
    read: dict[int, Account | None] | None = None,
) -> list[tuple]:
    order = " DESC" if descending else ""
    params = _params(q, limit)
    if after is None and not descending:
        # The first page: a PL/pgSQL call (accounts 0025) of the queries below, its plans kept.
        rows = _read(_FIRST_BY_NAME, f"p.name{order}, p.id{order}", params, read)
        return [(row["name"], row["id"]) for row in rows]
    grams_of, contains = _contains(q)
    after_g = after_a = ""
    if after is not None:
        beyond = "<" if descending else ">"
        params.update(name=after[0], id=after[1])
        after_g = f" AND (g.name, g.account_id) {beyond} (%(name)s, %(id)s)"
        after_a = f" AND (name, id) {beyond} (%(name)s, %(id)s)"
    parts = [
        "SELECT s.name, s.id FROM grams_of CROSS JOIN LATERAL ("
        f"SELECT g.name, g.account_id AS id FROM {_G} AS g WHERE g.tenant_id = %(tenant)s"
        f" AND g.gram = grams_of.gram AND g.name_trigrams = 0{contains}{after_g}"
        f" ORDER BY g.name{order}, g.account_id{order} LIMIT %(limit)s) AS s",
        f"SELECT name, id FROM {_A} WHERE tenant_id = %(tenant)s AND external_id = %(q)s{after_a}",
    ]
    if len(q) >= MIN_SIMILARITY_QUERY:
        parts.append(_SIMILAR_BY_NAME.format(after=after_g))
        grams_of = f"{grams_of}, {_BUCKETS}"
    sql = (
        f"WITH RECURSIVE {grams_of} SELECT name, id FROM ({' UNION ALL '.join(parts)}) AS m"
        f" GROUP BY name, id ORDER BY name{order}, id{order} LIMIT %(limit)s"
    )
    rows = _read(sql, f"p.name{order}, p.id{order}", params, read)
    return [(row["name"], row["id"]) for row in rows]


# The similarity walk (`_by_similarity`). Every match that shares a pg_trgm gram with `q` is
# in the bucket of its name's trigram count `n` (`name_trigrams`); a bucket's accounts have
# `c` of `q`'s `qn` grams, 1 <= c <= the grams the bucket holds (`b.c`), so their similarity
# c / (qn + n - c) lies between `b.l` (c = 1) and `b.u` (c = b.c). The buckets and their grams
# are one skip scan of the index (one probe per distinct (gram, n)).
_BUCKETS = (
    "qg(gram) AS (SELECT unnest(accounts_trgm_grams(%(q)s))),"
    " ns(gram, n) AS (SELECT qg.gram, (SELECT min(g.name_trigrams)"
    f" FROM {_G} AS g WHERE g.tenant_id = %(tenant)s AND g.gram = qg.gram) FROM qg"
    f" UNION ALL SELECT ns.gram, (SELECT min(g.name_trigrams) FROM {_G} AS g"
    " WHERE g.tenant_id = %(tenant)s AND g.gram = ns.gram AND g.name_trigrams > ns.n)"
    " FROM ns WHERE ns.n IS NOT NULL),"
    f" k AS (SELECT cardinality(accounts_trgm_grams(%(q)s)) AS qn, {_THRESHOLD} AS t,"
    f" (SELECT id FROM {_A} WHERE tenant_id = %(tenant)s AND external_id = %(q)s) AS ext),"
    " b AS MATERIALIZED (SELECT s.n, s.grams, s.c, k.qn, k.t, k.ext,"
    " (s.c::real / (k.qn + s.n - s.c)::real)::float8 AS u,"
    " (1::real / (k.qn + s.n - 1)::real)::float8 AS l"
    " FROM (SELECT n, array_agg(gram) AS grams, count(*)::int AS c FROM ns"
    " WHERE n IS NOT NULL GROUP BY n) AS s CROSS JOIN k)"
)
# A bucket's matches (similar, containing `q`, or the external id's account) after the
# cursor, in the page's order, at most a page: a bucket of one gram (every account has c = 1,
# one similarity) from its index in name order; one of several grams counted per account.
_ONE_GRAM = (
    f"(SELECT b.u AS sim, g.name, g.account_id AS id FROM {_G} AS g WHERE {{gate}}"
    " AND g.tenant_id = %(tenant)s AND g.gram = b.grams[1] AND g.name_trigrams = b.n{bound}"
    " AND (b.u >= b.t OR g.name ILIKE %(pattern)s OR g.account_id = b.ext)"
    " ORDER BY g.name{o}, g.account_id{o} LIMIT %(limit)s)"
)
_GRAMS = (
    "(SELECT x.sim, x.name, x.id FROM (SELECT"
    " (count(*)::real / (b.qn + b.n - count(*))::real)::float8 AS sim, g.name,"
    f" g.account_id AS id FROM {_G} AS g WHERE b.c > 1 AND g.tenant_id = %(tenant)s"
    " AND g.gram = ANY(b.grams) AND g.name_trigrams = b.n GROUP BY g.name, g.account_id) AS x"
    " WHERE (x.sim >= b.t OR x.name ILIKE %(pattern)s OR x.id = b.ext){beyond}"
    " ORDER BY x.sim{so}, x.name{o}, x.id{o} LIMIT %(limit)s)"
)
# No pg_trgm gram in common (similarity 0): the accounts containing `q` (walked in name order
# from `grams_of`) and the external id's account that have none of `q`'s grams (one index
# probe per gram: the account's grams are told by its name).
_NONE_IN_COMMON = (
    f"NOT EXISTS (SELECT FROM {_G} AS p WHERE p.tenant_id = %(tenant)s"
    " AND p.gram = ANY(accounts_trgm_grams(%(q)s))"
    " AND p.name_trigrams = cardinality(show_trgm({t}.name))"
    " AND p.name = {t}.name AND p.account_id = {t}.{id})"
)
_ZERO = (
    "(SELECT s.* FROM grams_of CROSS JOIN LATERAL (SELECT 0::float8 AS sim, g.name,"
    f" g.account_id AS id FROM {_G} AS g WHERE g.tenant_id = %(tenant)s"
    " AND g.gram = grams_of.gram AND g.name_trigrams = 0{contains}{bound_g}"
    f" AND {_NONE_IN_COMMON.format(t='g', id='account_id')}"
    " ORDER BY g.name{o}, g.account_id{o} LIMIT %(limit)s) AS s)"
    " UNION (SELECT 0::float8, a.name, a.id"
    f" FROM {_A} AS a WHERE a.tenant_id = %(tenant)s AND a.external_id = %(q)s"
    f"{{bound_a}} AND {_NONE_IN_COMMON.format(t='a', id='id')})"
)


def _by_similarity(
    q: str,
    descending: bool,
    after: list[Any] | None,
    limit: int,
    read: dict[int, Account | None] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows in (similarity, name, id) order: similarity `descending` (the list's order; the
    other way for a page before a cursor), name and id the other way.

    The matches with grams in common come bucket by bucket (`_BUCKETS`): any `limit` of them
    after the cursor (the buckets of the best bounds first, `mm`) have a worst similarity
    `m`; a bucket whose bound is worse than `m` has no row that `limit` rows do not beat, and
    in the others only each bucket's first `limit` can be on the page (`plus`). Then, when
    the page is not full, the matches with no gram in common (similarity 0, `zero`)."""
    params = _params(q, limit)
    if after is None and descending:
        # The first page: a PL/pgSQL call (accounts 0026) of `plus_sql`, then `zero_sql`.
        rows = _read(_FIRST_BY_SIMILARITY, "p.sim DESC, p.name, p.id", params, read)
        return [(row["sim"], row["name"], row["id"]) for row in rows][:limit]
    grams_of, contains = _contains(q)
    so, o = (" DESC", "") if descending else ("", " DESC")
    beyond, before = (">", "<") if descending else ("<", ">")
    # The bound that orders the buckets and keeps them (`u` going down, `l` going up).
    edge, worst, far = ("u", "min", "'-Infinity'") if descending else ("l", "max", "'Infinity'")
    s0 = None if after is None else after[0]
    if after is not None:
        params.update(sim=after[0], name=after[1], id=after[2])
    # The buckets that may hold rows after the cursor, and each bucket's rows after it.
    if s0 is None:
        kept = "true"
        one_gram = _ONE_GRAM.format(gate="b.c = 1", bound="", o=o)
        grams = _GRAMS.format(beyond="", so=so, o=o)
    else:
        kept = f"b.{'l' if descending else 'u'} {'<=' if descending else '>='} %(sim)s::float8"
        row = f" AND (g.name, g.account_id) {beyond} (%(name)s, %(id)s)"
        one_gram = (
            _ONE_GRAM.format(gate="b.c = 1 AND b.u = %(sim)s::float8", bound=row, o=o)
            + " UNION ALL "
            + _ONE_GRAM.format(gate="b.c = 1 AND b.u <> %(sim)s::float8", bound="", o=o)
        )
        grams = _GRAMS.format(
            beyond=f" AND (x.sim {before} %(sim)s::float8 OR (x.sim = %(sim)s::float8"
            f" AND (x.name, x.id) {beyond} (%(name)s, %(id)s)))",
            so=so,
            o=o,
        )
    rows = f"({one_gram} UNION ALL {grams})"
    plus = (
        f" mm AS (SELECT CASE WHEN count(*) < %(limit)s THEN {far}::float8 ELSE {worst}(sim)"
        f" END AS m FROM (SELECT r.sim FROM (SELECT * FROM b WHERE {kept}"
        f" ORDER BY b.{edge}{so}, b.n) AS b CROSS JOIN LATERAL {rows} AS r"
        " LIMIT %(limit)s) AS x),"
        f" plus AS MATERIALIZED (SELECT r.sim, r.name, r.id FROM b CROSS JOIN LATERAL {rows}"
        f" AS r WHERE {kept} AND b.{edge} {'>=' if descending else '<='} (SELECT m FROM mm)"
        f" ORDER BY r.sim{so}, r.name{o}, r.id{o} LIMIT %(limit)s)"
    )
    plus_sql = (
        f"WITH RECURSIVE {_BUCKETS},{plus} SELECT sim, name, id FROM plus"
        f" ORDER BY sim{so}, name{o}, id{o}"
    )
    # Similarity 0 comes last going down (read only when the page is not full: it walks the
    # accounts containing `q`), first going up (then only from a cursor at 0).
    zero_sql = None
    if descending or s0 == 0:
        bound = "" if s0 != 0 else f" AND ({{t}}.name, {{t}}.{{id}}) {beyond} (%(name)s, %(id)s)"
        zero = _ZERO.format(
            contains=contains,
            bound_g=bound.format(t="g", id="account_id"),
            bound_a=bound.format(t="a", id="id"),
            o=o,
        )
        zero_sql = (
            f"WITH {grams_of} SELECT sim, name, id FROM ({zero}) AS z"
            f" ORDER BY name{o}, id{o} LIMIT %(limit)s"
        )
    found: list[tuple[Any, ...]] = []
    for sql in (plus_sql, zero_sql) if descending else (zero_sql, plus_sql):
        if sql is None or len(found) >= limit:
            continue
        rows = _read(sql, f"p.sim{so}, p.name{o}, p.id{o}", params, read)
        found += [(row["sim"], row["name"], row["id"]) for row in rows]
    return found[:limit]


# A bucket of one gram is read a page at a time from its index; one of several grams is read
# whole (each account's grams counted). The buckets whose names can be similar (`u >= t`)
# come first, and the first pages read them all: past a share of the accounts in their rows,
# the operators over the accounts rank the matches instead (`account_search`), as they did
# for every search in most accounts (`株式会社さくら物流` in a tenant of 株式会社… names:
# 90,000 accounts in one bucket). Below the threshold a bucket holds only names containing
# `q`, read only when the pages reach it. The count is a call (accounts 0026: `_BUCKETS`,
# then their rows of several grams up to the share, its plan kept per connection).
_WALK_READS_FEW = (
    "SELECT junkan_account_search_walk_few(%(tenant)s, %(q)s, %(min)s, %(share)s) AS few"
)


def _walk_reads_few(q: str) -> bool:
    """Whether the similarity walk of `q` reads few rows whole (one query, kept for page
    views under the data version, which the accounts and so their grams raise)."""
    key = hashlib.sha256(q.encode()).hexdigest()
    params = {"q": q, "min": GRAMS_READ_MIN, "share": GRAMS_READ_SHARE["walk"]}
    return page_cached(
        "accounts.walk_reads_few",
        lambda: bool(lean_rows(_WALK_READS_FEW, params)[0]["few"]),
        key=key,
    )


class SearchSeek:
    """`keyset_page`'s `seek` of a search (`account_search_seek`). With `rows`, each of its
    statements reads the list's rows of what it found too (`list_row_sql`): `rows`, by id,
    which the page's `list_rows(ids, known=…)` takes instead of reading them again."""

    def __init__(self, q: str, *, by_similarity: bool, rows: bool) -> None:
        self.q = q
        self.by_similarity = by_similarity
        self.rows: dict[int, Account | None] | None = {} if rows and list_rows_lean() else None

    def __call__(
        self, fields: list[tuple[str, bool]], after: list[Any] | None, limit: int
    ) -> list[tuple[Any, ...]]:
        if self.by_similarity:
            return _by_similarity(self.q, fields[0][1], after, limit, self.rows)
        return _by_name(self.q, fields[0][1], after, limit, self.rows)


def account_search_seek(*, q: str, ordering: str, rows: bool = False) -> SearchSeek | None:
    """How a page of the account list searched for `q` (and no other filter), sorted by
    `ordering` (the default, by name or by name reversed), is read from the name grams
    (`keyset_page`'s `seek`); None for the other sorts. `rows`: its statements read the
    list's rows of the page too (`SearchSeek.rows`).

    A page reads its own rows of each gram (by name), or the buckets that can hold it (by
    similarity), not every match: the count by which `account_search` chooses between the
    grams and the operators (`_reads_grams`: up to 60% of the accounts, more SQL than the
    page) is not made. By similarity, a `q` whose similar buckets hold many rows of several
    grams (`_walk_reads_few`) is ranked by the operators: None."""
    q = (q or "").strip()
    if not q or ordering not in ("", "name", "-name"):
        return None
    by_similarity = not ordering and len(q) >= MIN_SIMILARITY_QUERY
    if by_similarity and not _walk_reads_few(q):
        return None
    return SearchSeek(q, by_similarity=by_similarity, rows=rows)
