"""The list's rows are kept with its page (`accounts.listing.list_rows_kept`, issue #16): the
same page again reads no account row and is the same page; what the data version does not
watch (the owners' names, the intra-day score) still shows on the next view."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from cs_platform.models import User
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScoreNow
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.django_db

ROWS_READ = re.compile(r"FROM accounts_account a .* a\.id = ANY")


@pytest.fixture
def page(tenant, manager_user, csm_user):
    """Three accounts, one owned by the manager, one by the CSM, one by nobody."""
    with tenant_scope(tenant):
        for name, owner in (("みなと物流", manager_user), ("さくら商事", csm_user), ("東西", None)):
            AccountFactory(name=name, owner=owner)
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(manager_user)
    return client, reverse("accounts:list", kwargs={"tenant_slug": tenant.slug}) + "?sort=name"


def _view(client: Client, url: str) -> tuple[str, int]:
    """The page's table and how many times it read account rows."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    table = body[body.index('<table class="table"') : body.index("</table>")]
    return table, sum(bool(ROWS_READ.search(q["sql"])) for q in queries.captured_queries)


def test_the_same_page_again_reads_no_account_row_and_is_the_same(page):
    client, url = page
    first, reads = _view(client, url)
    assert reads == 1 and first.count('data-testid="account-row"') == 3
    again, reads = _view(client, url)
    assert (again, reads) == (first, 0)


def test_a_renamed_owner_shows_on_the_next_view(page, csm_user):
    """A member's name raises the work version only: the kept row is checked against the
    members' names the page reads anyway."""
    client, url = page
    _view(client, url)
    User.objects.filter(pk=csm_user.pk).update(full_name="新しい 名前")
    table, reads = _view(client, url)
    assert "新しい 名前" in table and reads == 1


def test_an_owner_who_is_no_longer_an_active_member_is_read_each_time(page, csm_user):
    client, url = page
    User.objects.filter(pk=csm_user.pk).update(is_active=False, full_name="休職中")
    _view(client, url)
    User.objects.filter(pk=csm_user.pk).update(full_name="休職中 2")
    table, reads = _view(client, url)
    assert "休職中 2" in table and reads == 1


def test_the_intra_day_score_shows_on_the_next_view(page, tenant):
    """The health column is not kept: an intra-day score raises no version."""
    client, url = page
    with tenant_scope(tenant):
        account = Account.objects.get(name="東西")
        version = ScorecardVersionFactory()
        HealthScoreFactory(
            account=account, version=version, day=timezone.localdate(), band="red", score=20
        )
    before, _reads = _view(client, url)
    assert 'data-testid="health-now-cell"' not in before
    with tenant_scope(tenant):
        HealthScoreNow.objects.create(
            account=account,
            day=timezone.localdate() + dt.timedelta(days=1),
            version=version,
            score=80.0,
            band="green",
            computed_at=timezone.now(),
        )
    after, reads = _view(client, url)
    assert 'data-testid="health-now-cell"' in after and reads == 0


def test_rows_kept_by_another_release_are_not_read(page, monkeypatch):
    """A kept row is a pickled `ListRow`: the key names its fields, so rows kept before a
    release that changed them are not unpickled into the new shape."""
    from accounts import listing

    client, url = page
    _view(client, url)
    monkeypatch.setattr(listing.ListRow, "_fields", (*listing.ListRow._fields, "added"))
    _table, reads = _view(client, url)
    assert reads == 1


@pytest.mark.parametrize("query", ["q=物流&sort=name", "q=さくら商"])
def test_a_search_reads_its_rows_in_its_seeks_statement(page, query, monkeypatch):
    """A search's first view (by name; by similarity from 3 characters) reads the list's
    rows of its page in the statement that finds the page, and shows what a read of its
    own shows."""
    from django.core.cache import cache

    from accounts import views
    from accounts.selectors import account_search_seek

    client, url = page
    url = url.replace("sort=name", query)
    first, reads = _view(client, url)
    assert reads == 0 and first.count('data-testid="account-row"') == 1
    cache.clear()
    monkeypatch.setattr(
        views,
        "account_search_seek",
        lambda **kwargs: account_search_seek(**{**kwargs, "rows": False}),
    )
    again, reads = _view(client, url)
    assert (again, reads) == (first, 1)
