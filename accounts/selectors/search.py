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
- by similarity (the default order from 3 characters): each match's similarity is counted
  from its pg_trgm grams (`similarity` is common / (|q| + |name| - common), in `real` as
  pg_trgm computes it), and only the accounts whose similarity can be on the page are read
  for their names: the cursor's similarity and the ones down to the page's size beyond it.

The page's rows, order and cursor values are those of `account_filter`'s query (the tests
compare both ways, page by page, and the cursors of one read the other).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

from cs_platform.leanread import lean_rows

from ..models import Account, AccountNameGram
from .accounts import _RARE_CAP, MIN_SIMILARITY_QUERY, _reads_grams

# (the ordering's fields with whether each is descending, the cursor's values or None, how
# many rows) -> the ordering's values of those rows: `keyset_page`'s `seek`.
Seek = Callable[[list[tuple[str, bool]], list[Any] | None, int], list[tuple[Any, ...]]]

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
# The similar names of `account_search`'s `_BY_SIMILARITY` (the same bounds, rounded inwards
# to the whole counts they hold: an index range of each gram), with `%` on the name the grams
# carry.
_SIMILAR_BY_NAME = (
    f"SELECT max(g.name) AS name, g.account_id AS id FROM {_G} AS g"
    " WHERE g.tenant_id = %(tenant)s AND g.gram = ANY(accounts_trgm_grams(%(q)s))"
    " AND g.name_trigrams BETWEEN"
    " ceil(show_limit() * cardinality(accounts_trgm_grams(%(q)s)) - 0.01)::int"
    " AND floor(cardinality(accounts_trgm_grams(%(q)s)) / show_limit() + 0.01)::int{after}"
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


def _by_name(q: str, descending: bool, after: list[Any] | None, limit: int) -> list[tuple]:
    grams_of, contains = _contains(q)
    order = " DESC" if descending else ""
    params = _params(q, limit)
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
    sql = (
        f"WITH RECURSIVE {grams_of} SELECT name, id FROM ({' UNION ALL '.join(parts)}) AS m"
        f" GROUP BY name, id ORDER BY name{order}, id{order} LIMIT %(limit)s"
    )
    return [(row["name"], row["id"]) for row in lean_rows(sql, params)]


def _by_similarity(
    q: str, descending: bool, after: list[Any] | None, limit: int
) -> list[tuple[Any, ...]]:
    """Rows in (similarity, name, id) order: similarity `descending` (the list's order; the
    other way for a page before a cursor), name and id the other way."""
    grams_of, contains = _contains(q)
    hit = "g.name ILIKE %(pattern)s" if contains else "true"
    params = _params(q, limit)
    sim_order, name_order = (" DESC", "") if descending else ("", " DESC")
    # The similarities beyond the cursor's in this order, and those before the cut's.
    below, above = ("<", ">") if descending else (">", "<")
    far = "'-Infinity'" if descending else "'Infinity'"
    # One pass over the gram rows of `q`'s pg_trgm trigrams (negative) and of the grams its
    # matches contain (positive): per account the trigrams in common, and whether it
    # contains `q`; the external id's account besides.
    ranked = (
        f"WITH RECURSIVE {grams_of},"
        " ranked AS MATERIALIZED (SELECT id, sim FROM (SELECT id,"
        " CASE WHEN count(*) FILTER (WHERE gram < 0) = 0 THEN 0::float8"
        " ELSE (count(*) FILTER (WHERE gram < 0)::real / (cardinality(accounts_trgm_grams(%(q)s))"
        " + max(name_trigrams) - count(*) FILTER (WHERE gram < 0))::real)::float8 END AS sim,"
        " bool_or(hit) AS hit FROM ("
        f"SELECT g.account_id AS id, g.gram, g.name_trigrams, {hit} AS hit"
        f" FROM grams_of JOIN {_G} AS g ON g.tenant_id = %(tenant)s AND g.gram = grams_of.gram"
        " AND g.name_trigrams = 0"
        " UNION ALL SELECT g.account_id, g.gram, g.name_trigrams, false"
        f" FROM {_G} AS g WHERE g.tenant_id = %(tenant)s"
        " AND g.gram = ANY(accounts_trgm_grams(%(q)s))"
        f" UNION ALL SELECT id, 0, NULL, true FROM {_A}"
        " WHERE tenant_id = %(tenant)s AND external_id = %(q)s"
        f") AS r GROUP BY id) AS s WHERE hit OR sim >= {_THRESHOLD}),"
    )
    if after is None:
        page = (
            f" cut AS (SELECT sim FROM ranked ORDER BY sim{sim_order}"
            " OFFSET %(limit)s - 1 LIMIT 1),"
            f" page AS (SELECT id, sim FROM ranked WHERE sim {above}= coalesce("
            f"(SELECT sim FROM cut), {far}))"
        )
        beyond = ""
    else:
        # The cursor's similarity (where the cursor's name and id tell), and those beyond it
        # down to the page's size.
        params.update(sim=after[0], name=after[1], id=after[2])
        page = (
            f" cut AS (SELECT sim FROM ranked WHERE sim {below} %(sim)s::float8"
            f" ORDER BY sim{sim_order} OFFSET %(limit)s - 1 LIMIT 1),"
            " page AS (SELECT id, sim FROM ranked WHERE sim = %(sim)s::float8"
            f" OR (sim {below} %(sim)s::float8"
            f" AND sim {above}= coalesce((SELECT sim FROM cut), {far})))"
        )
        beyond = (
            f" AND (p.sim {below} %(sim)s::float8 OR (p.sim = %(sim)s::float8"
            f" AND (a.name, a.id) {'>' if descending else '<'} (%(name)s, %(id)s)))"
        )
    # Each of those accounts' name by its primary key (not `id = ANY(…)` with the join: the
    # planner probed the array once per row).
    sql = (
        f"{ranked}{page} SELECT p.sim, a.name, a.id FROM page AS p CROSS JOIN LATERAL ("
        f"SELECT name, id FROM {_A} WHERE tenant_id = %(tenant)s AND id = p.id) AS a"
        f" WHERE true{beyond} ORDER BY p.sim{sim_order}, a.name{name_order}, a.id{name_order}"
        " LIMIT %(limit)s"
    )
    return [(row["sim"], row["name"], row["id"]) for row in lean_rows(sql, params)]


def account_search_seek(*, q: str, ordering: str) -> Seek | None:
    """How a page of the account list searched for `q` (and no other filter), sorted by
    `ordering` (the default, by name or by name reversed), is read from the name grams
    (`keyset_page`'s `seek`); None for the other sorts, and by similarity for a `q` that
    `account_search` reads through the operators (in most accounts)."""
    q = (q or "").strip()
    if not q or ordering not in ("", "name", "-name"):
        return None
    by_similarity = not ordering and len(q) >= MIN_SIMILARITY_QUERY
    # By name a page reads its own rows of each gram (and the similar names' grams, in their
    # trigram counts' range): not the grams of every match, which `_reads_grams` counts (up
    # to 30% of the accounts: at 100,000 more SQL than the page). By similarity every match
    # is ranked: in most accounts the operators over the accounts do it.
    if by_similarity and not _reads_grams(q):
        return None

    def seek(fields: list[tuple[str, bool]], after: list[Any] | None, limit: int) -> list[tuple]:
        if by_similarity:
            return _by_similarity(q, fields[0][1], after, limit)
        return _by_name(q, fields[0][1], after, limit)

    return seek
