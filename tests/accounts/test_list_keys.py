"""The account list's sort keys of phase, band and tier are account columns the owning apps keep
exact by trigger (accounts 0012, journeys 0013/0014, healthscore 0024, touchmodel 0014): after
each kind of write they equal what the apps compute, nothing else writes them, and every sort
by them pages through the right accounts in the right order, ties and NULLs included (issue
#16). The phase's order is read from the phases (accounts 0014): reordering them writes no
account, and the sort follows at once.
"""

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_update
from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_delete, trash_restore
from healthscore.models import HealthScore, LatestScore
from journeys.models import AccountPhase, Phase
from journeys.selectors import current_phase_by_account
from journeys.services import phase_transition, phases_seed_defaults
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from touchmodel.models import AccountTier, TouchSettings
from touchmodel.selectors.tiers import default_tier, tier_by_account
from touchmodel.services.tiers import tier_override, tier_override_clear

pytestmark = pytest.mark.django_db

RANKS = {"red": 1, "amber": 2, "green": 3}


@pytest.fixture
def scoped(tenant):
    with tenant_scope(tenant):
        yield tenant


@pytest.fixture
def phases(scoped) -> dict[str, Phase]:
    return {p.key: p for p in phases_seed_defaults()}


def _kept(accounts) -> dict[int, tuple]:
    """(phase id, its order, band rank, tier) as the list reads them: the kept phase id (NULL:
    the first phase) with the order of that phase now."""
    rows = Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list(
        "pk", "list_phase_id", "list_health_rank", "list_tier"
    )
    phases = list(Phase.objects.order_by("order", "pk"))
    by_id = {p.pk: p for p in phases}
    first = phases[0] if phases else None
    kept = {}
    default = default_tier()
    for pk, phase_id, rank, tier in rows:
        phase = by_id.get(phase_id, first) if phase_id is not None else first
        kept[pk] = (phase.pk if phase else None, phase.order if phase else 0, rank, tier or default)
    return kept


def _computed(accounts) -> dict[int, tuple]:
    """What the apps say each account's phase, band and tier are (their own selectors)."""
    ids = [a.pk for a in accounts]
    phases = current_phase_by_account(account_ids=ids)
    tiers = tier_by_account(account_ids=ids)
    result = {}
    for pk in ids:
        latest = HealthScore.objects.filter(account_id=pk).order_by("-day").first()
        phase = phases.get(pk)
        result[pk] = (
            phase.pk if phase else None,
            phase.order if phase else 0,
            RANKS[latest.band] if latest else None,
            tiers[pk],
        )
    return result


def _row_phase(account) -> int | None:
    return Account.objects.values_list("list_phase_id", flat=True).get(pk=account.pk)


def _check(*accounts) -> None:
    assert _kept(accounts) == _computed(accounts)


def test_phase_moves_reorders_and_new_phases_keep_the_phase_key(phases, manager_user):
    placed, unplaced = AccountFactory(), AccountFactory()
    assert _kept([unplaced])[unplaced.pk][:2] == (phases["contract"].pk, phases["contract"].order)
    phase_transition(account=placed, to_phase=phases["adoption"], actor=manager_user)
    _check(placed, unplaced)
    phase_transition(account=placed, to_phase=phases["renewal"], actor=manager_user)
    assert _kept([placed])[placed.pk][:2] == (phases["renewal"].pk, phases["renewal"].order)
    assert _row_phase(unplaced) == 0 and _row_phase(placed) == phases["renewal"].pk
    # Reordered: the accounts in the phase follow, and so do those in the first phase.
    Phase.objects.filter(pk=phases["renewal"].pk).update(order=5)
    Phase.objects.filter(pk=phases["contract"].pk).update(order=50)
    _check(placed, unplaced)
    assert _kept([unplaced])[unplaced.pk][:2] == (phases["renewal"].pk, 5)
    # A new first phase takes the accounts with no phase row.
    first = Phase.objects.create(key="lead", name_ja="見込み", name_en="Lead", order=1)
    _check(placed, unplaced)
    assert _kept([unplaced])[unplaced.pk][:2] == (first.pk, 1)
    AccountPhase.objects.filter(account=placed).delete()
    _check(placed, unplaced)
    first.delete()
    _check(placed, unplaced)


def test_score_writes_keep_the_band_rank(scoped):
    today = timezone.localdate()
    version = ScorecardVersionFactory()
    account, unscored = AccountFactory(), AccountFactory()
    _check(account, unscored)
    old = HealthScoreFactory(account=account, version=version, day=today - dt.timedelta(1))
    _check(account)
    new = HealthScoreFactory(account=account, version=version, day=today, band="red", score=20)
    assert _kept([account])[account.pk][2] == 1
    # The day's recompute replaces its score (an upsert over many accounts).
    HealthScore.objects.bulk_create(
        [HealthScore(account=account, version=version, day=today, score=55, band="amber")],
        update_conflicts=True,
        unique_fields=["tenant", "account", "day"],
        update_fields=["score", "band"],
    )
    assert _kept([account])[account.pk][2] == 2
    HealthScore.objects.filter(pk=new.pk).delete()
    _check(account, unscored)
    HealthScore.objects.filter(pk=old.pk).delete()
    assert _kept([account])[account.pk][2] is None
    _check(account, unscored)


def test_tier_changes_and_the_default_tier_keep_the_tier_key(scoped, manager_user):
    placed, unplaced = AccountFactory(), AccountFactory()
    _check(placed, unplaced)
    tier_override(account=placed, tier="high", user=manager_user, reason="大口")
    assert _kept([placed])[placed.pk][3] == "high"
    AccountTier.objects.filter(account=placed).update(tier="low")
    _check(placed, unplaced)
    settings, _created = TouchSettings.objects.get_or_create(defaults={"default_tier": "tech"})
    TouchSettings.objects.filter(pk=settings.pk).update(default_tier="low")
    assert _kept([unplaced])[unplaced.pk][3] == "low"
    _check(placed, unplaced)
    tier_override_clear(account=placed)
    _check(placed, unplaced)
    AccountTier.objects.filter(account=placed).delete()
    assert _kept([placed])[placed.pk][3] == "low"
    TouchSettings.objects.all().delete()
    _check(placed, unplaced)
    assert [key[3] for key in _kept([placed, unplaced]).values()] == ["tech", "tech"]


def test_an_account_deleted_and_restored_gets_its_keys_back(phases, manager_user):
    version = ScorecardVersionFactory()
    account = AccountFactory()
    phase_transition(account=account, to_phase=phases["onboarding"], actor=manager_user)
    HealthScoreFactory(account=account, version=version, day=timezone.localdate(), band="red")
    tier_override(account=account, tier="high", user=manager_user, reason="大口")
    before = _kept([account])
    assert before[account.pk] == (phases["onboarding"].pk, phases["onboarding"].order, 1, "high")
    pk = account.pk
    trash_delete(obj=account, actor=manager_user)
    assert not Account.objects.filter(pk=pk).exists()
    entry = TrashEntry.objects.get(object_id=pk, model="accounts.account")
    trash_restore(entry_id=entry.pk, actor=manager_user)
    restored = Account.objects.get(pk=pk)
    assert LatestScore.objects.filter(account=restored).exists()
    assert _kept([restored]) == before
    _check(restored)


def test_nothing_else_writes_the_keys(phases, manager_user):
    account = AccountFactory()
    stale = Account.objects.get(pk=account.pk)  # read before the phase move
    phase_transition(account=account, to_phase=phases["adoption"], actor=manager_user)
    tier_override(account=account, tier="high", user=manager_user, reason="大口")
    stale.industry = "製造"
    stale.save()
    account_update(account=stale, industry="物流")
    Account.objects.filter(pk=account.pk).update(
        list_tier="low", list_phase_id=phases["renewal"].pk
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET list_health_rank = 1 WHERE id = %s", [account.pk]
        )
    _check(account)
    created = Account.objects.create(name="x", external_id="x-1", list_tier="high")
    contract = phases["contract"]
    assert _kept([created])[created.pk] == (contract.pk, contract.order, None, "tech")


# --- every sort, page after page ------------------------------------------------------------

PAGE = 3


@pytest.fixture
def listed(phases, manager_user):
    """Thirteen accounts with ties on every key (equal names too) and NULL bands (unscored)."""
    today = timezone.localdate()
    version = ScorecardVersionFactory()
    for i in range(13):
        account = AccountFactory(name=f"株式会社つばさ{i % 3}")
        if i % 3:
            key = ("onboarding", "adoption", "renewal")[i % 3]
            phase_transition(account=account, to_phase=phases[key], actor=manager_user)
        if i % 4:
            band = ("red", "amber", "green")[i % 3]
            HealthScoreFactory(account=account, version=version, day=today, band=band)
        if i % 5:
            tier = ("high", "low")[i % 2]
            tier_override(account=account, tier=tier, user=manager_user, reason="理由")
    return phases


def _walk(client, tenant, query: str) -> list[int]:
    url = reverse("accounts:list", kwargs={"tenant_slug": tenant.slug})
    response = client.get(url + query)
    ids = []
    while True:
        assert response.status_code == 200
        ids += [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', response.text)]
        found = re.search(r'<a href="([^"]+)" rel="next"', response.text)
        if found is None:
            return ids
        response = client.get(url + unescape(found[1]))


def _expected(sort: str, filters: dict | None = None) -> list[int]:
    """The order computed in Python from the apps' own values: the key (NULLs last going up,
    first going down), then the name and the id, always ascending."""
    accounts = list(Account.objects.all())
    computed = _computed(accounts)
    column = {"phase": 1, "health_band": 2, "tier": 3}[sort.lstrip("-")]
    descending = sort.startswith("-")
    rows = [(computed[a.pk][column], a.name, a.pk) for a in accounts]
    if filters and "health_band" in filters:
        rows = [r for r in rows if computed[r[2]][2] == RANKS[filters["health_band"]]]
    present = sorted((r for r in rows if r[0] is not None), key=lambda r: (r[1], r[2]))
    present.sort(key=lambda r: r[0], reverse=descending)
    missing = sorted((r for r in rows if r[0] is None), key=lambda r: (r[1], r[2]))
    ordered = missing + present if descending else present + missing
    return [r[2] for r in ordered]


@pytest.mark.parametrize(
    "sort", ["phase", "-phase", "health_band", "-health_band", "tier", "-tier"]
)
def test_each_kept_key_sorts_every_page_in_order(listed, tenant, manager_user, monkeypatch, sort):
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)
    client = Client()
    client.force_login(manager_user)
    assert _walk(client, tenant, f"?sort={sort}") == _expected(sort)
    assert _walk(client, tenant, f"?sort={sort}&x_health_band=amber") == _expected(
        sort, {"health_band": "amber"}
    )


@pytest.mark.parametrize("sort", ["phase", "-phase", "tier", "-tier"])
def test_previous_links_of_a_grouped_sort_go_back_to_the_same_pages(
    listed, tenant, manager_user, monkeypatch, sort
):
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)
    client = Client()
    client.force_login(manager_user)
    url = reverse("accounts:list", kwargs={"tenant_slug": tenant.slug})

    def ids(response) -> list[int]:
        return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', response.text)]

    def link(response, rel: str) -> str | None:
        found = re.search(rf'<a href="([^"]+)" rel="{rel}"', response.text)
        return unescape(found[1]) if found else None

    response, pages = client.get(f"{url}?sort={sort}"), []
    while True:
        pages.append(ids(response))
        if (following := link(response, "next")) is None:
            break
        response = client.get(url + following)
    back = []
    while (previous := link(response, "prev")) is not None:
        response = client.get(url + previous)
        back.append(ids(response))
    assert len(pages) > 2 and back == pages[-2::-1]
    assert [pk for page in pages for pk in page] == _expected(sort)


def _xmins() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, xmin::text FROM accounts_account")
        return dict(cursor.fetchall())


def test_reordering_adding_and_removing_phases_writes_no_account_and_the_sort_follows(
    listed, tenant, manager_user, monkeypatch
):
    """Phase order lives on the phases: a reorder (even of the first phase, which the
    accounts with no phase row are in), a new first phase and a removed phase write no
    account row, and every page of the phase sort, both ways, is at once in the new order."""
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)
    client = Client()
    client.force_login(manager_user)
    rows = _xmins()

    def check() -> None:
        for sort in ("phase", "-phase"):
            assert _walk(client, tenant, f"?sort={sort}") == _expected(sort), sort
        assert _walk(client, tenant, "?sort=phase&x_health_band=amber") == _expected(
            "phase", {"health_band": "amber"}
        )

    Phase.objects.filter(pk=listed["renewal"].pk).update(order=5)
    check()
    Phase.objects.filter(pk=listed["contract"].pk).update(order=50)  # no longer first
    check()
    Phase.objects.filter(pk=listed["adoption"].pk).update(order=5)  # ties with renewal
    check()
    lead = Phase.objects.create(key="lead", name_ja="見込み", name_en="Lead", order=1)
    check()
    assert _xmins() == rows  # not one account written
    lead.delete()
    check()


def test_changing_the_default_tier_writes_no_account_and_the_sort_follows(
    listed, tenant, manager_user, monkeypatch
):
    """The default tier lives in the settings: setting, changing and removing it writes no
    account row, and the tier sort and filter place the accounts with no tier row at once."""
    monkeypatch.setattr("accounts.views.PAGE_SIZE", PAGE)
    client = Client()
    client.force_login(manager_user)
    rows = _xmins()
    unplaced = set(Account.objects.exclude(pk__in=AccountTier.objects.values("account_id")))
    assert unplaced

    def check(default: str) -> None:
        for sort in ("tier", "-tier"):
            assert _walk(client, tenant, f"?sort={sort}") == _expected(sort), sort
        shown = set(_walk(client, tenant, f"?sort=name&x_tier={default}"))
        assert {a.pk for a in unplaced} <= shown
        assert shown == {
            pk for pk, kept in _computed(list(Account.objects.all())).items() if kept[3] == default
        }

    check("tech")
    settings, _created = TouchSettings.objects.get_or_create(defaults={"default_tier": "high"})
    check("high")
    TouchSettings.objects.filter(pk=settings.pk).update(default_tier="low")
    check("low")
    TouchSettings.objects.all().delete()
    check("tech")
    assert _xmins() == rows  # not one account written


def test_the_sorts_read_an_index_in_their_order(listed):
    from django.test.utils import CaptureQueriesContext

    from accounts.selectors import account_filter, list_rows, list_sort_groups
    from cs_platform.keyset import keyset_page

    def plan(sql: str, params) -> str:
        with connection.cursor() as cursor:
            # A handful of rows: left alone the planner may sort them in memory; with sorts
            # priced out it must find an index that gives the order (or fall back to a Sort).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    queryset = account_filter(ordering="-health_band", fill_later=True)[:50]
    found = plan(*queryset.query.sql_with_params())
    assert "account_health_desc_idx" in found
    assert "Sort" not in found.split("account_health_desc_idx")[0], found
    # By phase and tier, group by group: each group's accounts from (tenant, key, name, id).
    for sort, index, groups in (
        ("phase", "account_phase_idx", 4),  # the first phase's with its accounts with no row
        ("-phase", "account_phase_idx", 4),
        ("tier", "account_tier_idx", 3),  # the default tier's with its accounts with no row
        ("-tier", "account_tier_idx", 3),
    ):
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(
                account_filter(ordering=sort, fill_later=True),
                size=50,
                rows=list_rows,
                groups=list_sort_groups(sort),
            )
        assert page.rows
        key = '"accounts_account"."list_phase_id"' if "phase" in sort else "list_tier"
        reads = [
            q["sql"]
            for q in queries.captured_queries
            if key in q["sql"] and "ORDER BY" in q["sql"] and "accounts_account" in q["sql"]
        ]
        assert len(reads) == groups, reads
        for sql in reads:
            found = plan(sql.split("; ", 1)[-1], None)
            assert index in found and "Sort  (" not in found, found
            assert "account_tenant_name_idx" not in found, found
