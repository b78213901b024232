"""The CSV of a list view and its bulk actions read the view as the page does (issue #16): a sort
by groups (the phases' order, the tiers) group by group from the sort's index, with no CASE over
every account; the CSV's order is the page's order across all its pages, and a bulk action over
"all accounts of this view" changes exactly the page's accounts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.selectors import account_filter
from cs_platform.scoping import tenant_scope
from journeys.models import Phase
from journeys.services import phase_transition, phases_seed_defaults
from tests.accounts.conftest import url
from tests.conftest import client_for
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from touchmodel.services.tiers import tier_override

pytestmark = pytest.mark.django_db

PAGE = 3
SORTS = ["phase", "-phase", "-tier", "health_band"]  # by groups, and by a kept key


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)


@pytest.fixture
def listed(tenant, manager_user):
    """Accounts in every phase (and none: the first), every tier (and the default), every
    band (and none), with names that tie on the sort key."""
    with tenant_scope(tenant):
        phases = {p.key: p for p in phases_seed_defaults()}
        version = ScorecardVersionFactory()
        for i in range(11):
            account = AccountFactory(
                name=f"株式会社{'いろはに'[i % 4]}{i % 3}", external_id=f"x{i}"
            )
            key = [None, "onboarding", "adoption", "renewal", "contract"][i % 5]
            if key not in (None, "contract"):
                phase_transition(account=account, to_phase=phases[key], actor=manager_user)
            tier = [None, "high", "low", "tech"][i % 4]
            if tier:
                tier_override(account=account, tier=tier, user=manager_user, reason="t")
            if i % 3:
                band = ["red", "amber", "green"][i % 3]
                HealthScoreFactory(account=account, version=version, band=band)
    return tenant


def _page_order(client, tenant, query: str) -> list[int]:
    """The ids the page shows, page after page."""
    ids: list[int] = []
    link = "?" + query
    while link:
        body = client.get(url(tenant, "list") + link).content.decode()
        ids += [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', body)]
        found = re.search(r'href="(\?[^"]*after=[^"]+)"', body)
        link = found[1].replace("&amp;", "&") if found else ""
    return ids


def _csv_order(client, tenant, query: str) -> tuple[list[int], list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(tenant, "list_csv") + "?" + query)
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    with tenant_scope(tenant):
        by_external = dict(Account.objects.values_list("external_id", "pk"))
    return [by_external[row["external_id"]] for row in rows], [q["sql"] for q in captured]


@pytest.mark.parametrize("sort", SORTS)
def test_the_csv_is_in_the_pages_order_without_a_case_over_the_accounts(listed, manager_user, sort):
    client = client_for(manager_user)
    for query in (f"sort={sort}", f"sort={sort}&x_phase=20&q=株式"):
        page = _page_order(client, listed, query)
        exported, queries = _csv_order(client, listed, query)
        assert exported == page, query
        assert page, query
        assert not [sql for sql in queries if "CASE" in sql.upper()], query
    with tenant_scope(listed):
        every = list(account_filter(ordering=sort).values_list("pk", flat=True))
    assert _csv_order(client, listed, f"sort={sort}")[0] == every  # the queryset's own order


def test_a_reordered_phase_moves_its_accounts_in_the_page_and_the_csv(listed, manager_user):
    client = client_for(manager_user)
    before = _page_order(client, listed, "sort=phase")
    with tenant_scope(listed):
        Phase.objects.filter(key="renewal").update(order=1)
    after = _page_order(client, listed, "sort=phase")
    assert after != before
    assert _csv_order(client, listed, "sort=phase")[0] == after


def test_a_bulk_action_on_all_of_a_sorted_view_changes_the_pages_accounts(listed, manager_user):
    client = client_for(manager_user)
    query = "sort=-phase&x_phase=30"
    page = _page_order(client, listed, query)
    post = {
        "action": "assign_owner",
        "value": str(manager_user.pk),
        "scope": "all",
        "query": query,
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url(listed, "bulk"), post)
    assert response.status_code == 200 and response.context["count"] == len(page) > 0
    assert not [q for q in captured if "CASE" in q["sql"].upper()]
    response = client.post(url(listed, "bulk"), {**post, "confirm": "yes"})
    assert response.status_code == 302
    with tenant_scope(listed):
        owned = set(Account.objects.filter(owner=manager_user).values_list("pk", flat=True))
    assert owned == set(page)
