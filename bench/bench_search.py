"""A first-time search of the account list at scale: the SQL of its first step (the page's ids
and sort values), read from the name grams (`accounts.selectors.search`) and as the list's query
over the accounts reads it, page by page (issue #16).

Uses the bench tenant of `bench_pages.py` (build it there first) in the configured database,
as the app role (row-level security applies). Every search of the page bench (each stem of the
generated names, by default and by name), pages 1 to `--pages`; nothing is kept between them
(the grams-or-operators counts included, as on a first view). Prints the milliseconds of each
read and whether both reads give the same page and cursors, then the medians.

    python bench/bench_search.py [--pages 2] [--words 物流,さくら] [--orders ,name]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from statistics import median
from typing import Any

from bench_pages import NAME_HEADS, NAME_TAILS, SLUG
from django.db import connection
from http_harness import ROOT  # noqa: F401  (sets Django up)

import accounts.selectors.accounts as search_sql
import accounts.selectors.search as search_walk
from accounts.selectors import account_filter, account_search_seek
from cs_platform.keyset import keyset_page
from cs_platform.models import Tenant
from cs_platform.scoping import tenant_scope

PAGE = 50


class _Row:
    def __init__(self, pk: int) -> None:
        self.pk = pk


def _rows(ids: list[int]) -> list[_Row]:
    return [_Row(pk) for pk in ids]


def _sql_ms(read: Callable[[], Any]) -> tuple[Any, float]:
    """`read()` and the milliseconds its SQL took."""
    spent: list[float] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - start)

    with connection.execute_wrapper(timed):
        out = read()
    return out, 1000 * sum(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--words", default=",".join([*NAME_TAILS, *NAME_HEADS]))
    parser.add_argument("--orders", default=",name", help="the list's sorts ('' the default)")
    args = parser.parse_args()
    # Nothing kept: each search counts its grams as a first view does.
    search_sql.page_cached = lambda name, compute, key=None: compute()
    search_walk.page_cached = search_sql.page_cached
    tenant = Tenant.objects.get(slug=SLUG)
    grams: list[float] = []
    accounts: list[float] = []
    with tenant_scope(tenant):
        for word in args.words.split(","):
            for order in args.orders.split(","):
                after, line = "", []
                for number in range(1, args.pages + 1):
                    queryset = account_filter(q=word, ordering=order, fill_later=True)

                    def by_grams(
                        after: str = after, queryset: Any = queryset, q: str = word, o: str = order
                    ) -> Any:
                        seek = account_search_seek(q=q, ordering=o)
                        return keyset_page(queryset, size=PAGE, after=after, rows=_rows, seek=seek)

                    def by_accounts(after: str = after, queryset: Any = queryset) -> Any:
                        return keyset_page(queryset, size=PAGE, after=after, rows=_rows)

                    page, ms = _sql_ms(by_grams)
                    before, old_ms = _sql_ms(by_accounts)
                    same = [r.pk for r in page.rows] == [r.pk for r in before.rows] and (
                        page.next_cursor == before.next_cursor
                    )
                    grams.append(ms)
                    accounts.append(old_ms)
                    line.append(
                        f"p{number} {ms:6.1f} (accounts {old_ms:6.1f}){'' if same else ' DIFFERS'}"
                    )
                    after = page.next_cursor or ""
                    if not after:
                        break
                print(f"{word} {order or 'default':8}: " + ", ".join(line), flush=True)
    print(
        f"RESULT first step of a first-time search, SQL ms median: grams {median(grams):.1f},"
        f" accounts {median(accounts):.1f} ({len(grams)} pages;"
        f" load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    sys.exit(main())
