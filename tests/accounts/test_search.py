"""The account search through the name grams (issue #16): exactly the answer of the operators
it replaces (`name ILIKE '%q%' OR external_id = q`, and from 3 characters `OR name % q`,
ranked by similarity), with the grams following every write at once, tenant by tenant."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import FloatField, Q
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, AccountNameGram
from accounts.selectors import account_filter, account_search
from accounts.selectors import accounts as search
from accounts.selectors.accounts import MIN_SIMILARITY_QUERY
from cs_platform.keyset import keyset_page
from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_delete, trash_restore
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "株式会社さくら物流",
    "株式会社さくら商事",
    "さくら",
    "桜物流",
    "物流センター東日本",
    "株式会社ひかり物流 12",
    "ひかりシステムズ",
    "株式会社採用ラボ",
    "採用ラボ",
    "株式会社採用ラボ東日本支社",
    "名刺商事",
    "ＡＢＣ商事",  # full-width letters: lower() folds them too
    "ａｂｃ物流",
    "Acme Corporation",
    "ACME Japan K.K.",
    "acme",
    "AcMe-Tools",
    "Sakura Logistics",
    "sakura logistics",
    "SAKURA",
    "100% Juice",
    "50%_off",
    "under_score Inc",
    "back\\slash Ltd",
    "a\\%b",
    "Ölwerk GmbH",
    "ölwerk",
    "ÉCOLE",
    "x",
    "xy",
    "  spaced  name  ",
    "Straße Berlin",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "カタカナ商会",
    "ｶﾀｶﾅ商会",
    "株式会社",
    "株式会社あおぞら工業",
    "株式会社あおぞら工業 2",
]
EXTERNAL_IDS = {"Acme Corporation": "ACME-1", "さくら": "物流"}

QUERIES = [
    # 1 character
    "a",
    "A",
    "x",
    "物",
    "さ",
    "%",
    "_",
    "\\",
    "ö",
    "Ö",
    "σ",
    "Σ",
    "ｶ",
    " ",
    "ß",
    "1",
    "z",
    # 2 characters
    "物流",
    "さく",
    "ac",
    "AC",
    "aC",
    "%_",
    "0%",
    "\\s",
    "ab",
    "ＡＢ",
    "ａｂ",
    "ol",
    "öl",
    "ÖL",
    "xy",
    "yx",
    "会社",
    "商事",
    "東日",
    "ラボ",
    # 3 characters
    "さくら",
    "acm",
    "ACM",
    "Acm",
    "物流セ",
    "株式会",
    "ラボ東",
    "% J",
    "_of",
    "ölw",
    "ÖLW",
    "ｶﾀｶ",
    "σίσ",
    "ΣΊΣ",
    "xyz",
    "abc",
    "ABC",
    "ａｂｃ",
    "50%",
    "\\%b",
    "e_s",
    # 4 characters and more
    "株式会社さくら物流",
    "株式会社さくら",
    "さくら物流",
    "さくら商事",
    "採用ラボ",
    "Acme Corp",
    "acme japan",
    "SAKURA LOG",
    "sakura",
    "Sakura",
    "100% Juice",
    "50%_off",
    "under_score",
    "back\\slash",
    "a\\%b",
    "Ölwerk",
    "ÖLWERK",
    "spaced  name",
    "Straße",
    "STRASSE",
    "ΣΊΣΥΦΟΣ",
    "σίσυφος",
    "カタカナ",
    "ｶﾀｶﾅ商会",
    "株式会社あおぞら工業",
    "あおぞら工業 2",
    "nothing like it",
    "ACME-1",
    "acme-1",
]


def _before(q: str):
    """The search as it was: the operators over every account of the tenant."""
    q = q.strip()
    if not q:
        return Account.objects.order_by("name", "id")
    matches = Q(name__ilike_contains=q) | Q(external_id=q)
    qs = Account.objects.all()
    if len(q) < MIN_SIMILARITY_QUERY:
        return qs.filter(matches).order_by("name", "id")
    return (
        qs.filter(matches | Q(name__trigram_similar=q))
        .annotate(similarity=Cast(TrigramSimilarity("name", q), FloatField()))
        .order_by("-similarity", "name", "id")
    )


def _found(q: str, *, by_name: bool = False):
    """The search now, in the order the list shows it (as `account_filter` orders it)."""
    found = account_search(Account.objects.all(), q)
    if by_name or len(q.strip()) < MIN_SIMILARITY_QUERY:
        return found.order_by("name", "id")
    return found


def _create_names(names=NAMES):
    # One statement for most (the insert trigger sees them together), one at a time for some.
    Account.objects.bulk_create(
        Account(name=n, external_id=EXTERNAL_IDS.get(n, f"ext-{i}"), tenant_id=_tenant_id())
        for i, n in enumerate(names[:-3])
    )
    for n in names[-3:]:
        AccountFactory(name=n)


def _tenant_id() -> int:
    from cs_platform.scoping import require_current_tenant

    return require_current_tenant().pk


def _ids(qs) -> list[int]:
    return list(qs.values_list("pk", flat=True))


def _stored_grams() -> set[tuple[int, int, int]]:
    return set(AccountNameGram.objects.values_list("account_id", "gram", "name_trigrams"))


def _grams_of_the_names() -> set[tuple[int, int, int]]:
    """What the grams of every account should be, from the SQL functions over the names (the
    pg_trgm trigram count on the pg_trgm grams, 0 on the padded trigrams: migration 0019)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, g, CASE WHEN g < 0 THEN cardinality(show_trgm(name)) ELSE 0 END"
            " FROM accounts_account, unnest(accounts_name_grams(name)) AS g"
        )
        return set(cursor.fetchall())


@pytest.fixture(params=["grams", "operators"])
def path(request, monkeypatch):
    """Each search through the grams (the caps never reached here), or through the operators
    over every account (a cap of 0: every query is "in most accounts")."""
    if request.param == "operators":
        monkeypatch.setattr(search, "GRAMS_READ_MIN", 0)
        monkeypatch.setattr(search, "GRAMS_READ_SHARE", {"ilike": 0, "similar": 0})
    return request.param


def _reads_the_grams(q: str) -> bool:
    with CaptureQueriesContext(connection) as queries:
        list(_found(q))
    return AccountNameGram._meta.db_table in queries.captured_queries[-1]["sql"]


def test_every_query_finds_what_the_operators_found_in_the_same_order(scoped, path):
    _create_names()
    for q in QUERIES:
        assert _ids(_found(q)) == _ids(_before(q)), q
        assert _ids(_found(q, by_name=True)) == _ids(_before(q).order_by("name", "id")), q
    # The list page's own query, as it sorts by default and by name.
    for q in ("さくら", "物流", "Acme Corp"):
        assert _ids(account_filter(q=q)) == _ids(_before(q)), q
        assert _ids(account_filter(q=q, ordering="name")) == _ids(_found(q, by_name=True)), q
    # The corpus does exercise each kind of match.
    assert Account.objects.get(name="さくら").pk in _ids(_found("物流"))
    assert len(_ids(account_filter(q="a"))) > 10


def test_fuzzy_matches_are_found_and_ranked_by_similarity(scoped):
    _create_names()
    found = list(account_filter(q="株式会社さくら物流"))
    names = [a.name for a in found]
    # Not a substring, but similar enough by trigrams.
    assert "株式会社さくら商事" in names
    assert names[0] == "株式会社さくら物流"
    assert [a.similarity for a in found] == sorted((a.similarity for a in found), reverse=True)


def test_queries_taken_from_the_names_find_their_account(scoped):
    _create_names()
    queries: dict[str, set[int]] = {}
    for account in Account.objects.all():
        name = account.name
        for start in {0, len(name) // 2}:
            for size in (1, 2, 3, 4):
                q = name[start : start + size].strip()
                if q:
                    queries.setdefault(q, set()).add(account.pk)
    for q, owners in queries.items():
        found = _ids(_found(q, by_name=True))
        assert owners <= set(found), q
        assert found == _ids(_before(q).order_by("name", "id")), q


def test_grams_follow_inserts_renames_and_deletes_at_once(scoped):
    _create_names()
    assert _stored_grams() == _grams_of_the_names()

    account = Account.objects.get(name="採用ラボ")
    account.name = "転職ナビ"
    account.save()
    assert account.pk not in _ids(_found("採用"))
    assert account.pk in _ids(_found("転職"))
    assert account.pk in _ids(_found("ナ"))

    # A set-based rename (UPDATE … WHERE …) and a write that leaves the name alone.
    Account.objects.filter(name__startswith="株式会社さくら").update(name="株式会社もみじ物流")
    Account.objects.update(licensed_seats=7)
    assert _ids(_found("さくら物流")) == _ids(_before("さくら物流"))
    assert len(_ids(_found("もみじ"))) == 2
    assert _stored_grams() == _grams_of_the_names()

    gone = Account.objects.get(name="Sakura Logistics")
    gone.delete()
    Account.objects.filter(name__in=["acme", "SAKURA"]).delete()
    assert gone.pk not in _ids(_found("sakura"))
    assert not AccountNameGram.objects.filter(account_id=gone.pk).exists()
    assert _stored_grams() == _grams_of_the_names()
    for q in ("sakura", "acme", "さくら", "物流", "a"):
        assert _ids(_found(q)) == _ids(_before(q)), q


def test_another_tenants_accounts_are_never_found(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = {AccountFactory(name=n).pk for n in ("株式会社さくら物流", "Acme", "さくら")}
        AccountFactory(name="別の会社", external_id="shared-id")
    with tenant_scope(tenant):
        ours = AccountFactory(name="株式会社さくら商事", external_id="shared-id")
        for q in ("さくら", "さ", "株式会社さくら物流", "Acme", "a", "shared-id"):
            found = set(_ids(account_filter(q=q)))
            assert not found & theirs, q
        assert _ids(account_filter(q="shared-id")) == [ours.pk]
        # Their grams are there, and not ours to read.
        assert set(AccountNameGram.objects.values_list("account_id", flat=True)) == {ours.pk}
    with tenant_scope(other_tenant):
        assert set(_ids(account_filter(q="さくら"))) == {
            a for a in theirs if a in _ids(_before("さくら"))
        }


def test_keyset_pages_of_a_search_walk_every_match_once(scoped, path):
    for i in range(23):
        AccountFactory(name=f"株式会社さくら物流 {i:02}")
        AccountFactory(name=f"さくら商事 {i}")
    for q, ordering in (("さくら", ""), ("さくら", "name"), ("物流", ""), ("さくら物流", "-name")):
        expected = _ids(account_filter(q=q, ordering=ordering))
        walked, after = [], ""
        while True:
            page = keyset_page(account_filter(q=q, ordering=ordering), size=7, after=after)
            walked += [a.pk for a in page.rows]
            if not page.next_cursor:
                break
            after = page.next_cursor
        assert walked == expected, (q, ordering)
        assert len(expected) == account_filter(q=q, ordering=ordering).count()


def test_a_trashed_and_restored_account_is_found_again(scoped, manager_user):
    account = AccountFactory(name="株式会社ゆずりは物流")
    pk = account.pk
    trash_delete(obj=account, actor=manager_user)
    assert _ids(account_filter(q="ゆずりは")) == []
    assert not AccountNameGram.objects.filter(account_id=pk).exists()
    entry = TrashEntry.objects.get(object_id=pk, model="accounts.account")
    trash_restore(entry_id=entry.pk, actor=manager_user)
    assert _ids(account_filter(q="ゆずりは")) == [pk]
    assert _ids(account_filter(q="ゆ")) == [pk]
    assert _stored_grams() == _grams_of_the_names()


def test_the_apis_q_finds_the_same_accounts_on_keyset_pages(viewer_api, tenant, other_tenant):
    with tenant_scope(other_tenant):
        AccountFactory(name="ACME Other Tenant")
    with tenant_scope(tenant):
        _create_names()
    for q in ("a", "AC", "acme", "ACME JAPAN", "物流", "さくら", "%", "ö"):
        response = viewer_api.get(reverse("account-list"), {"q": q, "page_size": 100})
        assert response.status_code == 200, q
        with tenant_scope(tenant):
            expected = list(_before(q).values_list("name", flat=True))
        body = response.json()
        assert [row["name"] for row in body["results"]] == expected, q
        assert body["count"] is None and body["next"] is None, q  # nothing counted


def test_a_query_in_most_accounts_runs_the_operators_and_a_rarer_one_the_grams(scoped, monkeypatch):
    """The gram path reads about one gram per account found: past a share of the tenant's
    accounts one pass over them costs less, and gives the same answer."""
    _create_names()
    monkeypatch.setattr(search, "GRAMS_READ_MIN", 7)
    monkeypatch.setattr(search, "GRAMS_READ_SHARE", {"ilike": 0, "similar": 0})
    for q in ("a", "株式", "株式会社", "株式会社さくら"):
        assert not _reads_the_grams(q), q
        assert _ids(_found(q)) == _ids(_before(q)), q
    for q in ("物流", "ö", "東日本", "σίσ"):
        assert _reads_the_grams(q), q
        assert _ids(_found(q)) == _ids(_before(q)), q
