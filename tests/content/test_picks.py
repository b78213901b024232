"""Which articles a known reader is recommended: phase, touch tier, maturity, language, unread."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import Article
from content.selectors import PickRequest, article_picks, article_picks_for_reader
from content.services import reader_link_path
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, ArticleViewFactory
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import AccountPhaseFactory, PhaseFactory
from tests.touchmodel.factories import AccountTierFactory

pytestmark = pytest.mark.django_db


def _article(slug: str, *, languages: tuple[str, ...] = ("ja", "en"), **fields):
    article = ArticleFactory(slug=slug, **fields)
    for language in languages:
        ArticleTranslationFactory(article=article, language=language, title=f"{slug}-{language}")
    return article


def _reader(*, phase=None, tier: str = "tech", stage: int = 0, language: str = "ja", contact=None):
    if contact is None:
        account = AccountFactory(maturity_stage=stage)
        if phase is not None:
            AccountPhaseFactory(account=account, phase=phase)
        contact = ContactFactory(account=account)
    return PickRequest(
        contact_id=contact.pk,
        account_id=contact.account_id,
        language=language,
        tier=tier,
        maturity_stage=contact.account.maturity_stage,
    )


def _slugs(reader: PickRequest, limit: int = 3) -> list[str]:
    picks = article_picks(readers=[reader], limit=limit)[reader.contact_id]
    return [p.article.slug for p in picks]


@pytest.fixture
def phases(scoped):
    return {
        "onboarding": PhaseFactory(key="onboarding", order=100),
        "adoption": PhaseFactory(key="adoption", order=101),
    }


def test_only_articles_for_the_accounts_phase_or_for_every_phase_are_picked(phases):
    _article("setup", phases=["onboarding"])
    _article("tips", phases=["adoption"])
    _article("faq")
    assert _slugs(_reader(phase=phases["onboarding"])) == ["setup", "faq"]
    assert _slugs(_reader(phase=phases["adoption"])) == ["tips", "faq"]


def test_only_articles_for_the_accounts_tier_or_for_every_tier_are_picked(scoped):
    _article("consulting", tiers=["high"])
    _article("self-serve", tiers=["tech"])
    _article("faq")
    assert _slugs(_reader(tier="tech")) == ["self-serve", "faq"]
    assert _slugs(_reader(tier="high")) == ["consulting", "faq"]


def test_articles_of_the_accounts_maturity_come_first(scoped):
    _article("first-steps", maturity="how_to")
    _article("why-culture-matters", maturity="way_of_thinking")
    assert _slugs(_reader(stage=0), limit=1) == ["first-steps"]
    assert _slugs(_reader(stage=1), limit=1) == ["first-steps"]
    assert _slugs(_reader(stage=3), limit=1) == ["why-culture-matters"]
    assert _slugs(_reader(stage=3)) == ["why-culture-matters", "first-steps"]


def test_targeted_articles_come_before_general_ones(phases):
    _article("general")
    _article("for-onboarding", phases=["onboarding"])
    assert _slugs(_reader(phase=phases["onboarding"])) == ["for-onboarding", "general"]


def test_only_articles_with_a_translation_in_the_readers_language_are_picked(scoped):
    _article("japanese-only", languages=("ja",))
    _article("both")
    assert _slugs(_reader(language="en")) == ["both"]
    assert _slugs(_reader(language="ja")) == ["japanese-only", "both"]
    picks = article_picks(readers=[_reader(language="en")])
    assert [p.translation.title for p in next(iter(picks.values()))] == ["both-en"]


def test_an_article_the_contact_read_is_not_picked_again_for_them_only(scoped):
    read = _article("read-already")
    _article("unread")
    contact = ContactFactory()
    colleague = ContactFactory(account=contact.account)
    ArticleViewFactory(article=read, contact=contact, account=contact.account)
    assert _slugs(_reader(contact=contact)) == ["unread"]
    assert _slugs(_reader(contact=colleague)) == ["read-already", "unread"]


def test_drafts_and_archived_articles_are_never_picked(scoped):
    _article("draft", status="draft")
    _article("archived", status="archived")
    _article("live")
    assert _slugs(_reader()) == ["live"]


def test_picks_for_many_readers_take_as_many_queries_as_for_one(phases):
    _article("setup", phases=["onboarding"])
    _article("tips", phases=["adoption"], tiers=["tech"])
    readers = [_reader(phase=phases["adoption"], stage=n % 5) for n in range(12)]
    with CaptureQueriesContext(connection) as one:
        article_picks(readers=readers[:1])
    with CaptureQueriesContext(connection) as many:
        picks = article_picks(readers=readers)
    assert len(many.captured_queries) == len(one.captured_queries)
    assert all([p.article.slug for p in picks[r.contact_id]] == ["tips"] for r in readers)


def test_a_known_readers_picks_use_the_tier_touchmodel_assigned(scoped):
    _article("consulting", tiers=["high"])
    _article("self-serve", tiers=["tech"])
    contact = ContactFactory()
    AccountTierFactory(account=contact.account, tier="high")
    picks = article_picks_for_reader(contact=contact, language="ja")
    assert [p.article.slug for p in picks] == ["consulting"]


# --- the public site's picks: what fits the account is cached, what the reader read is not ----


def _home_picks(client) -> list[str]:
    return [card.slug for card in client.get("/learn/acme/").context["recommended"]]


def test_the_home_pages_picks_follow_the_readers_reads_and_the_accounts_tier(client, phases):
    _article("consulting", tiers=["high"])
    _article("self-serve", tiers=["tech"])
    _article("faq")
    contact = ContactFactory()
    tier = AccountTierFactory(account=contact.account, tier="tech")
    client.get(reader_link_path(contact=contact))
    assert _home_picks(client) == ["self-serve", "faq"]

    ArticleViewFactory(article=Article.objects.get(slug="self-serve"), contact=contact)
    assert _home_picks(client) == ["faq"]  # a read is never hidden by the cache

    tier.tier = "high"
    tier.save()  # a watched table: the account's ranking is computed again
    assert _home_picks(client) == ["consulting", "faq"]


def test_readers_of_one_account_share_its_ranking_but_not_their_reads(client, phases):
    _article("tips")
    _article("faq")
    first = ContactFactory()
    second = ContactFactory(account=first.account)
    ArticleViewFactory(article=Article.objects.get(slug="tips"), contact=first)
    client.get(reader_link_path(contact=first))
    assert _home_picks(client) == ["faq"]
    client.get(reader_link_path(contact=second))
    assert _home_picks(client) == ["tips", "faq"]


def test_a_warm_home_page_reads_the_data_version_once_and_no_catalogue(client, phases):
    _article("tips")
    contact = ContactFactory()
    client.get(reader_link_path(contact=contact))
    client.get("/learn/acme/")
    with CaptureQueriesContext(connection) as queries:
        assert _home_picks(client) == ["tips"]
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("junkan_versions(" in q for q in sql) == 1  # the versions (cs_platform 0013)
    assert not [q for q in sql if '"content_article"' in q or "touchmodel_accounttier" in q]


def test_the_cached_home_holds_cards_not_article_bodies(client, phases):
    """The home's cached sections and a reader's cached picks are read on every view: they
    hold what a card shows, not the articles' bodies (#16)."""
    import pickle

    from django.core.cache import cache

    from cs_platform.datacache import data_version
    from cs_platform.scoping import tenant_scope

    article = _article("tips")
    article.translations.update(body_markdown="本文マーカー" * 50, body_html="本文マーカー" * 50)
    contact = ContactFactory()
    client.get(reader_link_path(contact=contact))
    assert _home_picks(client) == ["tips"]

    with tenant_scope(article.tenant):
        prefix = f"datacache:{article.tenant_id}:{data_version()}:ja:content."
    picks = cache.get(f"{prefix}picks_ranked_cards:{contact.account_id}")
    blocks = cache.get(f"{prefix}home_blocks.cards:ja")
    cached = pickle.dumps((picks, blocks))
    assert picks and blocks and b"tips-ja" in cached  # the cards are there
    assert "本文マーカー".encode() not in cached
