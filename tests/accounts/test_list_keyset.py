"""The account list pages by keyset: every account once, in order, with the view's state kept,
and no COUNT(*) over the tenant's accounts (issue #16)."""

import base64
import datetime as dt
import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import account_filter, list_rows
from cs_platform.keyset import keyset_page
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db

PAGE = 3


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)


@pytest.fixture
def client(manager_user):
    client = Client()
    client.force_login(manager_user)
    return client


@pytest.fixture
def accounts(tenant, manager_user):
    """Eleven accounts with ties on every sort key: equal names, equal ARR, no contract (a
    NULL renewal), no owner."""
    today = timezone.localdate()
    with tenant_scope(tenant):
        for i in range(11):
            account = AccountFactory(
                name=f"株式会社さくら{'物流' if i % 2 else '商事'}{i % 4}",
                owner=manager_user if i % 3 else None,
                market_segment="enterprise" if i % 5 else "smb",
            )
            if i % 4:
                ContractFactory(
                    account=account,
                    arr=1_000_000 * (i % 3),
                    start_date=today - dt.timedelta(days=100),
                    renewal_date=today + dt.timedelta(days=10 * (i % 2)),
                )
    return tenant


def _url(tenant, query=""):
    return reverse("accounts:list", kwargs={"tenant_slug": tenant.slug}) + query


def _ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', response.text)]


def _link(response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', response.text)
    return unescape(found[1]) if found else None


def _walk(client, tenant, query: str) -> tuple[list[int], list[str]]:
    """Every page from the first by its "next" links: the ids in order and the links."""
    response = client.get(_url(tenant, query))
    ids, links = _ids(response), []
    while (following := _link(response, "next")) is not None:
        links.append(following)
        response = client.get(_url(tenant, following))
        assert response.status_code == 200
        ids += _ids(response)
    return ids, links


@pytest.mark.parametrize(
    "sort", ["name", "-name", "arr", "-arr", "renewal_date", "-renewal_date", "owner", "-owner"]
)
def test_next_links_show_every_account_once_in_the_sorted_order(client, accounts, sort):
    with tenant_scope(accounts):
        expected = list(account_filter(ordering=sort).values_list("pk", flat=True))
    ids, links = _walk(client, accounts, f"?sort={sort}")
    assert ids == expected
    assert len(links) == 3  # 11 accounts, 3 a page


def test_a_japanese_search_pages_in_similarity_order(client, accounts):
    with tenant_scope(accounts):
        expected = list(account_filter(q="さくら物流").values_list("pk", flat=True))
    ids, _links = _walk(client, accounts, "?q=さくら物流")
    assert ids == expected and len(expected) > PAGE


def _pages(client, tenant, query: str) -> list[list[int]]:
    """The ids of each page, from the first by its "next" links."""
    response = client.get(_url(tenant, query))
    pages = [_ids(response)]
    while (following := _link(response, "next")) is not None:
        response = client.get(_url(tenant, following))
        pages.append(_ids(response))
    return pages


@pytest.mark.parametrize(
    ("query", "key", "reverse"),
    [
        # Equal names on pages 2 and 3: ties broken by the id, both ways.
        ("?q=さくら&sort=name", lambda a: (a.name, a.pk), False),
        ("?q=物流&sort=-name", lambda a: (a.name, a.pk), True),
        ("?q=株式会社さくら物流1&sort=-arr", lambda a: (-a.current_arr, a.name, a.pk), False),
    ],
)
def test_pages_two_and_three_of_a_search_with_ties_are_the_sorted_matches(
    client, accounts, query, key, reverse
):
    """The page's ids come first (the search and the order), then their rows: each page
    holds the next matches in the order, counted in Python from the names."""
    q = re.search(r"q=([^&]+)", query)[1]
    with tenant_scope(accounts):
        names = {a.pk: a for a in Account.objects.all()}
        matches = [a for a in names.values() if q.lower() in a.name.lower()]
        if len(q) >= 3:  # and the trigram-similar names
            similar = set(account_filter(q=q).values_list("pk", flat=True))
            matches = [a for a in names.values() if a.pk in similar]
    expected = [a.pk for a in sorted(matches, key=key, reverse=reverse)]
    pages = _pages(client, accounts, query)
    assert [pk for page in pages for pk in page] == expected
    assert len(pages) >= 2 and all(len(page) == PAGE for page in pages[:-1])
    # Ties within and across the pages: equal names on page 2 or 3.
    shown = [names[pk].name for page in pages[1:3] for pk in page]
    assert len(set(shown)) < len(shown)


@pytest.mark.parametrize("query", ["?q=さくら", "?q=さくら&sort=name", "?q=物流", "?q=株式会社"])
def test_a_search_pages_exactly_as_one_step_reads_it(accounts, query):
    """The two-step page (ids first, then rows) shows the rows and cursors of the one-step
    read of the same ordered search, page after page, both ways."""
    params = dict(p.split("=") for p in query[1:].split("&"))
    with tenant_scope(accounts):
        qs = account_filter(q=params["q"], ordering=params.get("sort", ""))
        after, pages = "", []
        while True:
            one = keyset_page(qs, size=PAGE, after=after)
            two = keyset_page(qs, size=PAGE, after=after, rows=list_rows)
            assert [a.pk for a in two.rows] == [a.pk for a in one.rows]
            assert (two.next_cursor, two.previous_cursor) == (one.next_cursor, one.previous_cursor)
            pages.append(two)
            if not two.next_cursor:
                break
            after = two.next_cursor
        for page in pages[1:]:
            one = keyset_page(qs, size=PAGE, before=page.previous_cursor)
            two = keyset_page(qs, size=PAGE, before=page.previous_cursor, rows=list_rows)
            assert [a.pk for a in two.rows] == [a.pk for a in one.rows]
            assert (two.next_cursor, two.previous_cursor) == (one.next_cursor, one.previous_cursor)
    assert len(pages) >= 2


def test_a_row_gone_between_the_two_steps_is_left_out_and_the_pages_go_on(accounts):
    with tenant_scope(accounts):
        qs = account_filter(q="さくら", ordering="name")
        first = keyset_page(qs, size=PAGE)
        gone = first.rows[1].pk
        page = keyset_page(
            qs, size=PAGE, rows=lambda ids: list_rows([pk for pk in ids if pk != gone])
        )
        assert [a.pk for a in page.rows] == [first.rows[0].pk, first.rows[2].pk]
        assert page.next_cursor == first.next_cursor


def test_next_links_keep_the_filters_sort_and_search(client, accounts):
    query = "?q=株式会社&market_segment=enterprise&sort=-arr"
    with tenant_scope(accounts):
        expected = list(
            account_filter(q="株式会社", market_segment="enterprise", ordering="-arr").values_list(
                "pk", flat=True
            )
        )
    ids, links = _walk(client, accounts, query)
    assert ids == expected
    for link in links:
        assert "q=%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE" in link
        assert "market_segment=enterprise" in link and "sort=-arr" in link


def test_previous_links_go_back_to_the_same_pages(client, accounts):
    pages = []
    response = client.get(_url(accounts, "?sort=renewal_date"))
    while True:
        pages.append(_ids(response))
        following = _link(response, "next")
        if following is None:
            break
        response = client.get(_url(accounts, following))
    back = []
    while (previous := _link(response, "prev")) is not None:
        response = client.get(_url(accounts, previous))
        back.append(_ids(response))
    assert back == pages[-2::-1]
    assert 'data-testid="page-first"' not in response.text  # back on the first page


def test_the_list_counts_nothing(client, accounts):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(_url(accounts, "?sort=-arr"))
    assert response.status_code == 200
    # The version channels' reads count their pending bumps (cs_platform.datacache): not
    # accounts.
    counts = [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"].upper() and "versionbump" not in q["sql"]
    ]
    assert not counts


def test_a_broken_page_link_is_a_400_that_says_so(client, accounts):
    # garbage, [1, 2, 3] (one value too many), {"a": 1}, ["x", "y"] (an id that is no number)
    for cursor in ("not-a-cursor", "WzEsMiwzXQ", "eyJhIjoxfQ", "WyJ4IiwieSJd"):
        response = client.get(_url(accounts, f"?sort=name&after={cursor}"))
        assert response.status_code == 400
        assert "This page link is broken" in response.text or "正しくありません" in response.text


def _cursor(values) -> str:
    raw = json.dumps(values, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        ("name", ["株式会社さくら商事0", 2**63]),  # an id past bigint
        ("name", ["株式会社さくら商事0", -(2**63) - 1]),
        ("-arr", [2**63, "株式会社さくら商事0", 1]),  # an ARR past bigint
        ("renewal_date", ["2027-02-30", "株式会社さくら商事0", 1]),  # no such day
        ("renewal_date", [{"d": "2027-13-01"}, "株式会社さくら商事0", 1]),
        ("name", ["株式会社さくら商事0", True]),  # a boolean is no id
        ("name", ["株式会社さくら商事0", 1.5]),  # nor a fraction
    ],
)
def test_a_cursor_value_its_column_cannot_hold_is_a_400_not_an_empty_page(
    client, accounts, sort, values
):
    for key in ("after", "before"):
        response = client.get(_url(accounts, f"?sort={sort}&{key}={_cursor(values)}"))
        assert response.status_code == 400, (key, values)
        assert "This page link is broken" in response.text or "正しくありません" in response.text


@pytest.mark.parametrize(
    ("query", "values"),
    [
        ("sort=name", ["株式会社\x00", 1]),
        ("sort=owner", ["\x00", "a@example.com", "x", 1]),
        ("q=さくら", [0.5, "さくら\x00", 1]),  # by similarity, from the name grams
        ("q=さく&sort=-name", ["\x00", 1]),  # by name, from the name grams
        ("q=さくら&sort=arr", [None, "\x00", 1]),  # the search over the accounts
    ],
)
def test_a_cursor_with_a_nul_character_is_a_400_not_a_500(client, accounts, query, values):
    # PostgreSQL refuses a NUL in text: the cursor is refused before it is sent.
    for key in ("after", "before"):
        response = client.get(_url(accounts, f"?{query}&{key}={_cursor(values)}"))
        assert response.status_code == 400, (key, values)
        assert "This page link is broken" in response.text or "正しくありません" in response.text


def test_a_cursor_at_the_edge_of_the_range_still_pages(client, accounts):
    response = client.get(_url(accounts, f"?sort=name&after={_cursor(['', 2**63 - 1])}"))
    assert response.status_code == 200
    assert len(_ids(response)) == PAGE


def test_a_queryset_given_as_a_callable_is_built_only_when_keys_are_read(tenant):
    with tenant_scope(tenant):
        for name in ("a", "b", "c"):
            AccountFactory(name=name)
        built = []

        def queryset():
            built.append(1)
            return account_filter(ordering="name")

        kept = {}

        def keep(compute):
            if "page" not in kept:
                kept["page"] = compute()
            return kept["page"]

        first = keyset_page(queryset, size=2, rows=list_rows, kept=keep)
        again = keyset_page(queryset, size=2, rows=list_rows, kept=keep)
    assert [a.name for a in first.rows] == [a.name for a in again.rows] == ["a", "b"]
    assert len(built) == 1  # the kept page's second view built nothing
