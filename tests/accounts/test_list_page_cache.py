"""A list page's ids and sort values are kept under the tenant's data version (issue #16), and
its rows (`accounts.listing.list_rows_kept`): the same view again reads no account, and every
kind of write that changes which accounts a page shows, or their order, shows at once on the
next view."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.listing import ROWS_KEPT
from accounts.models import Account, Contract
from accounts.selectors import account_filter
from accounts.services import account_create, account_update, contract_update
from accounts.views import PAGE_KEPT
from cs_platform.degraded import FailOpenRedisCache
from cs_platform.requestmemo import in_page_view
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_delete
from journeys.models import Phase
from journeys.services import phase_transition, phases_seed_defaults
from tests.factories import AccountFactory, ContractFactory, SegmentFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from touchmodel.models import TouchSettings
from touchmodel.services.tiers import tier_override

pytestmark = pytest.mark.django_db

PAGE = 4
ACCOUNTS = re.compile(r'FROM "?accounts_account(namegram)?\b|junkan_account_search_by_name\(')


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)


@pytest.fixture
def listed(tenant, manager_user):
    today = timezone.localdate()
    with tenant_scope(tenant):
        phases = {p.key: p for p in phases_seed_defaults()}
        version = ScorecardVersionFactory()
        for i in range(9):
            account = AccountFactory(name=f"株式会社みなと{'物流' if i % 2 else '商事'}{i}")
            ContractFactory(
                account=account,
                arr=1_000_000 * (i + 1),
                start_date=today - dt.timedelta(days=100),
                renewal_date=today + dt.timedelta(days=10 * i),
            )
            if i % 3:
                key = ("onboarding", "adoption")[i % 2]
                phase_transition(account=account, to_phase=phases[key], actor=manager_user)
            HealthScoreFactory(
                account=account, version=version, day=today, band=("red", "amber", "green")[i % 3]
            )
            if i % 4 == 1:
                tier_override(account=account, tier="high", user=manager_user, reason="大口")
    return tenant


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _shown(client, tenant, query: str) -> tuple[list[int], int]:
    """The ids the page shows and how many account queries it made (of the accounts, or of
    their name grams, which a search's first step reads)."""
    url = reverse("accounts:list", kwargs={"tenant_slug": tenant.slug}) + query
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # The ORM's quoted table, or a lean read's (the rows: `accounts.selectors.list_rows`; a
    # search's first step from the name grams: `accounts.selectors.search`, a first page by
    # name a call of its function, accounts 0025).
    reads = [q for q in queries.captured_queries if ACCOUNTS.search(q["sql"])]
    return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', response.text)], len(reads)


def _expected(tenant, **filters) -> list[int]:
    with tenant_scope(tenant):
        return list(account_filter(**filters).values_list("pk", flat=True)[:PAGE])


def _rename(tenant):
    account = Account.objects.filter(name__contains="商事").order_by("pk").first()
    account_update(account=account, name="株式会社みなと物流0")


def _new_account(tenant):
    account_create(name="株式会社あさひ物流", external_id="new-1")


def _trash(tenant):
    trash_delete(obj=Account.objects.filter(name__contains="物流").order_by("name").first())


def _arr(tenant):
    contract = Contract.objects.order_by("arr").first()
    contract_update(contract=contract, arr=99_000_000)


def _reorder(tenant):
    Phase.objects.filter(key="adoption").update(order=1)


def _move(tenant):
    account = Account.objects.order_by("-name").first()
    phase_transition(account=account, to_phase=Phase.objects.get(key="contract"), actor=None)


def _default_tier(tenant):
    TouchSettings.objects.update_or_create(defaults={"default_tier": "high"})


def _score(tenant):
    account = Account.objects.order_by("name").first()
    HealthScoreFactory(
        account=account, day=timezone.localdate() + dt.timedelta(days=1), band="amber"
    )


@pytest.mark.parametrize(
    ("query", "filters", "write"),
    [
        ("?q=物流", {"q": "物流"}, _rename),
        ("?q=物流", {"q": "物流"}, _new_account),
        ("?q=物流&sort=name", {"q": "物流", "ordering": "name"}, _trash),
        ("?sort=-arr", {"ordering": "-arr"}, _arr),
        ("?sort=phase", {"ordering": "phase"}, _reorder),
        ("?sort=-phase&x_phase=10", {"ordering": "-phase", "extensions": {"phase": "10"}}, _move),
        ("?sort=tier", {"ordering": "tier"}, _default_tier),
        ("?x_health_band=amber", {"extensions": {"health_band": "amber"}}, _score),
    ],
)
def test_each_write_shows_on_the_next_view_of_a_kept_page(
    listed, manager_user, query, filters, write
):
    client = _client(manager_user)
    # The ids, then the rows; a search's seek reads both in one statement.
    first_reads = 1 if query.startswith("?q=") else 2
    before, reads = _shown(client, listed, query)
    assert before == _expected(listed, **filters) and reads >= first_reads
    again, reads = _shown(client, listed, query)
    assert again == before and reads == 0  # kept: the ids, and the rows (listing.list_rows_kept)
    with tenant_scope(listed):
        write(listed)
    after, reads = _shown(client, listed, query)
    assert after == _expected(listed, **filters) != before
    assert reads >= first_reads


def test_the_owner_sort_and_segment_filters_are_not_kept(listed, manager_user):
    """Owners' names and segments' rules are not watched by the data version."""
    with tenant_scope(listed):
        segment = SegmentFactory(rules={"arr_min": 0})
    client = _client(manager_user)
    for query in ("?sort=owner", f"?segment={segment.pk}"):
        _shown(client, listed, query)
        _ids, reads = _shown(client, listed, query)
        assert reads >= 1, query  # the ids read again (the rows of the same ids are kept)


def test_a_kept_page_builds_no_query(listed, manager_user, monkeypatch):
    """The filter's queryset is built only when the page's ids are read (keyset_page's lazy
    `queryset`), not for a page whose ids are kept."""
    import accounts.views

    built = []

    def counted(**filters):
        built.append(filters)
        return account_filter(**filters)

    monkeypatch.setattr(accounts.views, "account_filter", counted)
    client = _client(manager_user)
    for query in ("?q=物流", "?sort=-arr"):
        _shown(client, listed, query)
        assert len(built) == 1, query
        _shown(client, listed, query)
        assert len(built) == 1, query  # kept: no queryset
        built.clear()


@pytest.mark.parametrize("query", ["?q=物流", "?q=物流&sort=name", "?sort=-arr"])
def test_a_first_view_writes_its_page_and_rows_in_one_round_trip(
    listed, manager_user, monkeypatch, query
):
    """The page's ids and its rows (and a search's other kept reads): one `set_many`, no `set`,
    once the response is sent (datacache.cache_writes_together(after_response=True)); the
    same view again writes nothing."""
    writes: list[list[str]] = []
    set_one, set_many = FailOpenRedisCache.set, FailOpenRedisCache.set_many

    def recording_set(self, key, *args, **kwargs):
        writes.append([key])
        return set_one(self, key, *args, **kwargs)

    def recording_set_many(self, data, *args, **kwargs):
        writes.append(sorted(data))
        during.append(in_page_view())
        return set_many(self, data, *args, **kwargs)

    during: list[bool] = []
    monkeypatch.setattr(FailOpenRedisCache, "set", recording_set)
    monkeypatch.setattr(FailOpenRedisCache, "set_many", recording_set_many)
    client = _client(manager_user)
    shown, _reads = _shown(client, listed, query)
    assert shown
    kept = [[k for k in keys if k.startswith("datacache:")] for keys in writes]
    assert len([keys for keys in kept if keys]) == 1, kept
    assert during == [False]  # written once the view's response was sent
    written = next(keys for keys in kept if keys)
    assert any(f":{PAGE_KEPT}:" in key for key in written), written
    assert any(f":{ROWS_KEPT}:" in key for key in written), written
    writes.clear()
    _shown(client, listed, query)
    assert not [k for keys in writes for k in keys if k.startswith("datacache:")]
