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
- by similarity (the default order from 3 characters) the page is still read as
  `account_filter` orders it (the similarity of each match, from its account).

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


def account_search_seek(*, q: str, ordering: str) -> Seek | None:
    """How a page of the account list searched for `q` (and no other filter) in name order
    (by name, by name reversed, or by default below 3 characters) is read from the name grams
    (`keyset_page`'s `seek`); None for the other sorts, and for a `q` that `account_search`
    reads through the operators (in most accounts)."""
    q = (q or "").strip()
    if not q or ordering not in ("", "name", "-name") or not _reads_grams(q):
        return None
    if not ordering and len(q) >= MIN_SIMILARITY_QUERY:
        return None  # by similarity: the accounts' query

    def seek(fields: list[tuple[str, bool]], after: list[Any] | None, limit: int) -> list[tuple]:
        return _by_name(q, fields[0][1], after, limit)

    return seek
