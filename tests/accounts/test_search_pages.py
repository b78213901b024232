"""A search's page read from the name grams (issue #16): the same rows, order and cursors as
the list's query over the accounts, by name and by similarity, page after page both ways, and
the names on the grams following every write."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, AccountNameGram
from accounts.selectors import account_filter, account_search_seek
from accounts.services import account_update
from cs_platform.keyset import keyset_page
from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_delete, trash_restore
from tests.accounts.test_search import QUERIES, _create_names
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

ORDERINGS = ("", "name", "-name")


class _Row:
    def __init__(self, pk: int) -> None:
        self.pk = pk


def _rows(ids):
    return [_Row(pk) for pk in ids]


def _walk(q: str, ordering: str, *, size: int, seek: bool) -> list[tuple]:
    """Every page of the search forwards, then back from the last: (ids, next, previous)."""
    queryset = account_filter(q=q, ordering=ordering)
    how = account_search_seek(q=q, ordering=ordering) if seek else None
    pages, after = [], ""
    while True:
        page = keyset_page(queryset, size=size, after=after, rows=_rows, seek=how)
        pages.append(([r.pk for r in page.rows], page.next_cursor, page.previous_cursor))
        if not page.next_cursor:
            break
        after = page.next_cursor
    before = pages[-1][2]
    while before:
        page = keyset_page(queryset, size=size, before=before, rows=_rows, seek=how)
        pages.append(([r.pk for r in page.rows], page.next_cursor, page.previous_cursor))
        before = page.previous_cursor
    return pages


def _same_pages(q: str, ordering: str, size: int) -> None:
    assert account_search_seek(q=q, ordering=ordering) is not None, (q, ordering)
    assert _walk(q, ordering, size=size, seek=True) == _walk(q, ordering, size=size, seek=False), (
        q,
        ordering,
    )


def test_every_query_pages_as_the_lists_query_does(scoped):
    _create_names()
    for i, q in enumerate(QUERIES):
        if not q.strip():
            assert account_search_seek(q=q, ordering="") is None  # the list, unsearched
            continue
        # Each order in turn (one per query: the test stays a few seconds).
        _same_pages(q, ORDERINGS[i % len(ORDERINGS)], 5)
    assert account_search_seek(q="a", ordering="") is not None


def test_pages_two_and_three_of_a_search_with_ties_are_exact(scoped):
    # Equal names, equal similarities, an external id that is the search text.
    for i in range(9):
        AccountFactory(name="株式会社さくら物流")
        AccountFactory(name=f"さくら商事 {i % 3}")
    AccountFactory(name="別の会社", external_id="さくら")
    for q in ("さくら", "さく", "さくら物流", "物流"):
        for ordering in ORDERINGS:
            _same_pages(q, ordering, 4)
    seek = account_search_seek(q="さくら", ordering="")
    queryset = account_filter(q="さくら")
    first = keyset_page(queryset, size=4, rows=_rows, seek=seek)
    second = keyset_page(queryset, size=4, after=first.next_cursor, rows=_rows, seek=seek)
    third = keyset_page(queryset, size=4, after=second.next_cursor, rows=_rows, seek=seek)
    expected = list(queryset.values_list("pk", flat=True))
    assert [r.pk for r in first.rows + second.rows + third.rows] == expected[:12]


def test_matches_with_no_gram_in_common_page_at_similarity_0(scoped):
    # Names that contain the search text but share none of its pg_trgm trigrams (its words
    # are not theirs), an external id whose account shares none, and one that shares some.
    for i in range(4):
        AccountFactory(name=f"{'abcd'[i]}0%_off")
        AccountFactory(name=f"x0%_{'abcd'[i]}")
    AccountFactory(name="別の会社", external_id="0%_")
    AccountFactory(name="0 a", external_id="0%_ a")
    AccountFactory(name="株式会社 0", external_id="q 0")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM accounts_account WHERE name ILIKE '%%0\\%%\\_%%'"
            " AND similarity(name, '0%%_') = 0"
        )
        assert cursor.fetchone()[0] == 8  # what this test is about
    for q in ("0%_", "0%_ a", "q 0"):
        for size in (1, 3):
            _same_pages(q, "", size)


def _gram_rows_read(sql: str) -> int:
    """The rows the plan of `sql` reads from the name grams (EXPLAIN ANALYZE)."""
    with connection.cursor() as cursor:
        # (the captured statement starts with the tenant's settings)
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql[sql.index('WITH RECURSIVE') :]}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def walk(node: dict) -> int:
        own = 0
        if node.get("Relation Name") == AccountNameGram._meta.db_table:
            own = node["Actual Rows"] * node["Actual Loops"] + node.get("Rows Removed by Filter", 0)
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def test_a_page_by_similarity_reads_its_buckets_not_every_match(scoped, tenant):
    # 400 names with さくら: as many trigram counts as digits (the bench's names).
    Account.objects.bulk_create(
        Account(
            tenant=tenant,
            name=f"株式会社さくら{'物流' if i % 2 else '商事'} {7 ** (i % 6)}{i}",
            external_id=f"s-{i}",
        )
        for i in range(400)
    )
    queryset = account_filter(q="さくら")
    seek = account_search_seek(q="さくら", ordering="")
    pages, after = [], ""
    for _page in range(3):
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(queryset, size=5, after=after, rows=_rows, seek=seek)
        pages.append(page)
        after = page.next_cursor
        statements = [q["sql"] for q in queries.captured_queries]
        if not _page:  # the first page: one call of the same queries (accounts 0026)
            [sql] = statements
            assert "junkan_account_search_by_similarity(" in sql
            continue
        [sql] = [sql for sql in statements if "WITH RECURSIVE" in sql]
        # Each trigram count's first rows after the cursor (twice), not 400 matches.
        assert _gram_rows_read(sql) < 120, _page
    expected = list(queryset.values_list("pk", flat=True)[:15])
    assert [r.pk for p in pages for r in p.rows] == expected


def test_a_search_whose_similar_names_hold_many_rows_of_several_grams_runs_the_operators(
    scoped, monkeypatch
):
    for i in range(12):
        AccountFactory(name=f"株式会社さくら物流 {i}")
    AccountFactory(name="ひかり商事")
    monkeypatch.setattr("accounts.selectors.search.GRAMS_READ_MIN", 20)
    monkeypatch.setattr("accounts.selectors.search.GRAMS_READ_SHARE", {"walk": 0})
    # 12 similar names of 10 grams each: past 20 rows.
    assert account_search_seek(q="株式会社さくら物流", ordering="") is None
    # One gram in common each, none similar: read a page at a time.
    assert account_search_seek(q="さくら", ordering="") is not None
    assert account_search_seek(q="株式会社さくら物流", ordering="name") is not None


def test_a_page_reads_the_grams_not_every_match(scoped):
    for i in range(30):
        AccountFactory(name=f"株式会社みどり工業 {i}")
    for q, ordering in (("工業", ""), ("みどり", "name"), ("みどり", ""), ("みどり工業", "-name")):
        seek = account_search_seek(q=q, ordering=ordering)
        queryset = account_filter(q=q, ordering=ordering)
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(queryset, size=5, rows=_rows, seek=seek)
        assert len(page.rows) == 5
        # One statement, of the grams: the accounts only for the external id.
        assert len(queries.captured_queries) == 1, q
        sql = _search_sql(queries.captured_queries[0]["sql"])
        assert AccountNameGram._meta.db_table in sql
        reads = sql.count(f"FROM {Account._meta.db_table} ")
        assert reads == sql.count("external_id = "), q


def _search_sql(sql: str) -> str:
    """A seek's SQL, or the function's it calls (a first page: accounts 0025, 0026), its
    whitespace made single spaces."""
    called = re.search(r"junkan_account_search_by_\w+", sql)
    if called:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [called.group()])
            sql = cursor.fetchone()[0]
    return " ".join(sql.split())


def test_a_first_page_is_one_call_that_keeps_its_plans(scoped):
    """The first page in name order (any length of `q`: prefix, trigram, rarest trigram) or
    by similarity is a call of a PL/pgSQL function, which plans its queries once per
    connection."""
    for i in range(6):
        AccountFactory(name=f"株式会社みどり工業 {i}")
    cases = (("工業", ""), ("みどり", "name"), ("みどり工業", "name"), ("みどり工業", ""))
    for q, ordering in cases:
        queryset = account_filter(q=q, ordering=ordering)
        seek = account_search_seek(q=q, ordering=ordering)
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(queryset, size=5, rows=_rows, seek=seek)
        assert len(page.rows) == 5 and page.next_cursor
        (statement,) = [c["sql"] for c in queries.captured_queries]
        function = "by_name(" if ordering or len(q) < 3 else "by_similarity("
        assert f"junkan_account_search_{function}" in statement, q
        # The next page, and a page going back, are written out (not the function).
        with CaptureQueriesContext(connection) as queries:
            keyset_page(queryset, size=5, after=page.next_cursor, rows=_rows, seek=seek)
        assert "junkan_account_search_" not in queries.captured_queries[-1]["sql"]


def test_other_filters_and_sorts_read_the_accounts(scoped):
    assert account_search_seek(q="", ordering="") is None
    assert account_search_seek(q="さくら", ordering="arr") is None
    assert account_search_seek(q="さくら", ordering="-renewal_date") is None
    assert account_search_seek(q="さくら", ordering="") is not None  # by similarity
    assert account_search_seek(q="さくら", ordering="name") is not None
    assert account_search_seek(q="さく", ordering="") is not None


def _names_on_the_grams() -> set[tuple[int, str]]:
    return set(AccountNameGram.objects.values_list("account_id", "name").distinct())


def _grams() -> set[tuple[int, int, int, str]]:
    return set(AccountNameGram.objects.values_list("account_id", "gram", "name_trigrams", "name"))


def _grams_of_the_names() -> set[tuple[int, int, int, str]]:
    """What the grams should be: the name's padded trigrams with 0, its pg_trgm grams with
    its pg_trgm trigram count, each with the name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, g, CASE WHEN g < 0 THEN cardinality(show_trgm(name)) ELSE 0 END, name"
            " FROM accounts_account, unnest(accounts_name_grams(name)) AS g"
        )
        return set(cursor.fetchall())


def test_a_rename_a_trash_a_restore_and_a_new_account_keep_the_names_on_the_grams(
    scoped, manager_user
):
    _create_names()
    assert _grams() == _grams_of_the_names()
    account = Account.objects.get(name="株式会社さくら商事")
    account_update(account=account, name="株式会社あさひ物流")
    assert _grams() == _grams_of_the_names()
    for q, ordering in (("さくら", ""), ("物流", "name"), ("あさひ", ""), ("さくら", "-name")):
        _same_pages(q, ordering, 2)

    # A set-based rename, and a write that leaves the name alone.
    Account.objects.filter(name__startswith="株式会社あおぞら").update(name="あおぞら工業")
    Account.objects.update(licensed_seats=3)
    assert _grams() == _grams_of_the_names()
    _same_pages("あおぞら", "name", 1)

    pk = account.pk
    trash_delete(obj=account, actor=manager_user)
    assert pk not in {account_id for account_id, _name in _names_on_the_grams()}
    assert _grams() == _grams_of_the_names()
    _same_pages("物流", "", 2)
    entry = TrashEntry.objects.get(object_id=pk, model="accounts.account")
    trash_restore(entry_id=entry.pk, actor=manager_user)
    assert (pk, "株式会社あさひ物流") in _names_on_the_grams()
    assert _grams() == _grams_of_the_names()

    new = AccountFactory(name="あさひ物流センター")
    assert _grams() == _grams_of_the_names()
    for q, ordering in (("あさひ", ""), ("物流", "name"), ("物流セ", "")):
        _same_pages(q, ordering, 2)
    page = keyset_page(
        account_filter(q="あさひ物流セ", ordering="-name"),
        size=5,
        rows=_rows,
        seek=account_search_seek(q="あさひ物流セ", ordering="-name"),
    )
    assert [r.pk for r in page.rows] == [new.pk]


def test_another_tenants_grams_are_not_read(tenant, other_tenant):
    with tenant_scope(other_tenant):
        for i in range(5):
            AccountFactory(name=f"株式会社さくら物流 {i}")
    with tenant_scope(tenant):
        ours = AccountFactory(name="株式会社さくら商事")
        for q in ("さくら", "さ", "株式会社さくら物流", "物流"):
            for ordering in ORDERINGS:
                seek = account_search_seek(q=q, ordering=ordering)
                page = keyset_page(
                    account_filter(q=q, ordering=ordering), size=9, rows=_rows, seek=seek
                )
                assert {r.pk for r in page.rows} <= {ours.pk}, q


def test_the_first_page_functions_read_only_the_tenant_they_are_given(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = [AccountFactory(name=f"株式会社さくら物流 {i}") for i in range(3)]
        theirs.append(AccountFactory(name="別の会社", external_id="さくら"))
    with tenant_scope(tenant):
        ours = AccountFactory(name="株式会社さくら商事", external_id="物流")
        with connection.cursor() as cursor:
            for q in ("さ", "物流", "さくら", "さくら物流"):
                found = set()
                for tenant_id in (tenant.pk, other_tenant.pk):
                    cursor.execute(
                        "SELECT r_id FROM junkan_account_search_by_name(%s, %s, %s, 10)",
                        [tenant_id, q, f"%{q}%"],
                    )
                    found |= {row[0] for row in cursor.fetchall()}
                # Row-level security holds inside the function: another tenant's id reads none.
                assert found <= {ours.pk} and not found & {a.pk for a in theirs}, q
                assert ours.pk in found or q == "さくら物流", q
            for q in ("さくら", "さくら物流"):
                found = set()
                for tenant_id in (tenant.pk, other_tenant.pk):
                    cursor.execute(
                        "SELECT r_id FROM junkan_account_search_by_similarity(%s, %s, %s, 10)",
                        [tenant_id, q, f"%{q}%"],
                    )
                    found |= {row[0] for row in cursor.fetchall()}
                assert found <= {ours.pk} and (ours.pk in found or q == "さくら物流"), q
            # Their names share several grams with it: counted in their scope only (a cap of 1).
            walk_few = "SELECT junkan_account_search_walk_few(%s, '株式会社さくら物流', 1, 0)"
            cursor.execute(walk_few, [other_tenant.pk])
            assert cursor.fetchone()[0] is True
    with tenant_scope(other_tenant), connection.cursor() as cursor:
        cursor.execute(walk_few, [other_tenant.pk])
        assert cursor.fetchone()[0] is False
