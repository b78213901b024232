"""A reader who arrives from a tech-touch e-mail is known: the public site shows picks for their
account's phase, tier and maturity, in Japanese and English, and drops what they just read."""

from __future__ import annotations

import pytest

from content.services import reader_link_path, sections_seed_defaults
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, ArticleViewFactory
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import AccountPhaseFactory, PhaseFactory
from tests.touchmodel.factories import AccountTierFactory

pytestmark = pytest.mark.browser


def _article(slug: str, ja: str, en: str, **fields):
    article = ArticleFactory(slug=slug, **fields)
    ArticleTranslationFactory(article=article, language="ja", title=ja)
    ArticleTranslationFactory(article=article, language="en", title=en)
    return article


@pytest.fixture
def reader(scoped):
    sections = {s.key: s for s in sections_seed_defaults()}
    guides, practices = sections["get-started"], sections["best-practices"]
    PhaseFactory(key="onboarding", order=1)
    adoption = PhaseFactory(key="adoption", order=2)
    account = AccountFactory(maturity_stage=3)  # tools connected: a mature user
    AccountPhaseFactory(account=account, phase=adoption)
    AccountTierFactory(account=account, tier="tech")
    contact = ContactFactory(account=account, name="山田 花子")
    _article("first-steps", "最初の一歩", "First steps", section=guides, phases=["adoption"])
    _article(
        "culture-first",
        "採用は文化から",
        "Hiring starts with culture",
        section=practices,
        phases=["adoption"],
        tiers=["tech"],
        maturity="way_of_thinking",
    )
    _article("set-up", "初期設定", "Set-up", section=guides, phases=["onboarding"])
    _article(
        "workshop", "個別ワークショップ", "One-to-one workshop", section=guides, tiers=["high"]
    )
    read = _article("read-before", "読んだ記事", "Read before", section=guides)
    ArticleViewFactory(article=read, contact=contact)
    return contact


def _picks(page) -> list[str]:
    return page.locator("[data-testid=recommended] .card h3").all_inner_texts()


def test_a_reader_from_an_email_sees_picks_for_their_account_in_japanese(
    make_page, live_server, reader
):
    page = make_page()
    page.goto(live_server.url + reader_link_path(contact=reader))
    assert page.locator("[data-testid=recommended] h2").inner_text() == "山田 花子 さんへのおすすめ"
    assert _picks(page) == ["採用は文化から", "最初の一歩"]

    page.goto(live_server.url + reader_link_path(contact=reader, article_slug="first-steps"))
    assert page.locator("main h1").inner_text() == "最初の一歩"
    page.goto(f"{live_server.url}/learn/acme/")
    assert _picks(page) == ["採用は文化から"]


def test_a_reader_from_an_email_sees_picks_for_their_account_in_english(
    make_page, live_server, reader
):
    page = make_page(locale="en-US")
    page.goto(live_server.url + reader_link_path(contact=reader))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "山田 花子" in page.locator("[data-testid=recommended] h2").inner_text()
    assert _picks(page) == ["Hiring starts with culture", "First steps"]


def test_an_anonymous_visitor_sees_no_picks(make_page, live_server, reader):
    page = make_page()
    page.goto(f"{live_server.url}/learn/acme/")
    assert page.locator("main h1").is_visible()
    assert page.locator("[data-testid=recommended]").count() == 0
