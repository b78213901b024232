"""The accounts API's search pages by keyset, as the list page does (issue #16): the same rows
in the same order, `next` / `previous` links with cursors, nothing counted; a cursor or a
search text PostgreSQL cannot take is refused, never a 500."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.selectors import account_filter
from cs_platform.scoping import tenant_scope
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("account-list")


@pytest.fixture
def accounts(tenant):
    with tenant_scope(tenant):
        for i in range(8):
            account = AccountFactory(
                name=f"株式会社さくら{'物流' if i % 2 else '商事'}{i % 3}",
                market_segment="smb" if i % 3 else "enterprise",
            )
            ContractFactory(account=account, arr=1_000 * (i % 3))
        AccountFactory(name="別の会社")
    return tenant


def _query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def _walk(api, params: dict[str, str]) -> tuple[list[int], list[dict]]:
    """Every page by its `next` links, then back by `previous`: the ids and the bodies."""
    bodies = [api.get(ACCOUNTS, params).json()]
    while bodies[-1]["next"]:
        bodies.append(api.get(ACCOUNTS, _query(bodies[-1]["next"])).json())
    back = bodies[-1]
    while back["previous"]:
        back = api.get(ACCOUNTS, _query(back["previous"])).json()
        bodies.append(back)
    forward = [row["id"] for body in bodies[: len(bodies) // 2 + 1] for row in body["results"]]
    return forward, bodies


@pytest.mark.parametrize(
    "params",
    [
        {"q": "さくら"},  # by similarity, from the name grams
        {"q": "さく", "ordering": "-name"},  # by name, from the name grams
        {"q": "さくら", "ordering": "-arr"},  # the search over the accounts
        {"q": "さくら", "market_segment": "smb"},
    ],
)
def test_a_search_pages_by_cursor_in_the_list_pages_order(viewer_api, accounts, params):
    ordering = {"-name": "-name", "-arr": "-arr"}.get(params.get("ordering", ""), "")
    with tenant_scope(accounts):
        filters = {"market_segment": params["market_segment"]} if "market_segment" in params else {}
        expected = list(
            account_filter(q=params["q"], ordering=ordering, **filters).values_list("pk", flat=True)
        )
    pages = (len(expected) + 2) // 3
    assert pages >= 2
    ids, bodies = _walk(viewer_api, {**params, "page_size": "3"})

    assert ids[: len(expected)] == expected
    assert all(body["count"] is None for body in bodies)
    # Forward page by page, then back to the first: the same pages in reverse.
    forward = [[r["id"] for r in body["results"]] for body in bodies[:pages]]
    backward = [[r["id"] for r in body["results"]] for body in bodies[pages:]]
    assert backward == forward[-2::-1]
    assert "after" in _query(bodies[0]["next"]) if pages > 1 else bodies[0]["next"] is None


def test_a_search_counts_nothing_and_an_explicit_page_number_still_counts(viewer_api, accounts):
    with CaptureQueriesContext(connection) as captured:
        body = viewer_api.get(ACCOUNTS, {"q": "さくら", "page_size": "3"}).json()
    assert body["count"] is None and len(body["results"]) == 3
    assert not [q for q in captured.captured_queries if '"__count"' in q["sql"]]

    numbered = viewer_api.get(ACCOUNTS, {"q": "さくら", "page_size": "3", "page": "2"}).json()
    assert numbered["count"] == 8
    assert "page=3" in numbered["next"]


def _cursor(values) -> str:
    raw = json.dumps(values, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("key", ["after", "before"])
def test_a_nul_character_in_a_cursor_is_a_400_that_names_it(viewer_api, accounts, key):
    response = viewer_api.get(ACCOUNTS, {"q": "さくら", key: "WzAuNSwi\x00"})

    assert response.status_code == 400
    assert key in response.json()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor([0.5, "株式会社\x00", 1]),  # a NUL inside: PostgreSQL would refuse the text
        _cursor(["株式会社さくら商事0", 1]),  # the name order's, not the similarity's
        "bm90LWEtY3Vyc29y",
    ],
)
def test_a_cursor_this_list_did_not_give_is_a_404_not_a_500(viewer_api, accounts, cursor):
    response = viewer_api.get(ACCOUNTS, {"q": "さくら", "after": cursor})

    assert response.status_code == 404
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()["detail"]


def test_a_nul_character_in_the_search_is_a_400_that_names_q(viewer_api, accounts):
    for q in ("a\x00b", "さくら\x00", "\x00"):
        response = viewer_api.get(ACCOUNTS, {"q": q})
        assert response.status_code == 400, q
        assert "q" in response.json()


def test_the_schema_documents_the_cursors_and_a_count_that_may_be_null(viewer_api):
    schema = viewer_api.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/accounts/"]["get"]["parameters"]}
    page = schema["components"]["schemas"]["PaginatedAccountList"]["properties"]

    assert parameters["after"]["schema"]["pattern"] == "^[A-Za-z0-9_-]*$"
    assert parameters["before"]["schema"]["pattern"] == "^[A-Za-z0-9_-]*$"
    assert parameters["q"]["schema"]["pattern"] == "^[^\\u0000]*$"
    assert page["count"]["nullable"] is True
