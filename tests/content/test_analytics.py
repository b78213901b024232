from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from content import selectors
from healthscore.models import UsageDaily
from tests.content.factories import (
    ArticleFactory,
    ArticleFeedbackFactory,
    ArticleTranslationFactory,
    ArticleViewFactory,
)
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from tests.journeys.factories import AccountPhaseFactory, PhaseFactory

pytestmark = pytest.mark.django_db

READ_DAY = dt.date(2026, 3, 1)
TODAY = READ_DAY + dt.timedelta(days=40)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)


def test_reach_counts_views_unique_readers_accounts_and_helpful_ratio(scoped):
    article = ArticleFactory()
    contact = ContactFactory()
    ArticleViewFactory(article=article, contact=contact, session_hash="a")
    ArticleViewFactory(article=article, contact=contact, session_hash="b")
    ArticleViewFactory(article=article, session_hash="anon")
    ArticleFeedbackFactory(article=article, helpful=True)
    ArticleFeedbackFactory(article=article, helpful=True)
    ArticleFeedbackFactory(article=article, helpful=False)
    row = selectors.article_reach()[article.pk]
    assert (row.views, row.unique_readers, row.accounts_reached, row.known_views) == (3, 2, 1, 2)
    assert row.helpful_ratio == pytest.approx(0.667)


def test_section_reach_counts_a_reader_of_two_articles_once(scoped):
    first = ArticleFactory()
    second = ArticleFactory(section=first.section)
    contact = ContactFactory()
    ArticleViewFactory(article=first, contact=contact)
    ArticleViewFactory(article=second, contact=contact)
    row = selectors.section_reach()[first.section_id]
    assert (row.views, row.unique_readers, row.accounts_reached) == (2, 1, 1)


def test_track_list_follows_next_article_links(scoped):
    third = ArticleFactory()
    second = ArticleFactory(next_article=third)
    first = ArticleFactory(next_article=second)
    ArticleFactory()
    assert selectors.track_list() == [[first, second, third]]


@pytest.fixture
def effect_fixture(scoped):
    """Reader A and non-readers B, C in one phase; D in another phase (ignored)."""
    phase, other_phase = PhaseFactory(), PhaseFactory()
    reader, b, c, d = (AccountFactory() for _ in range(4))
    for account in (reader, b, c):
        AccountPhaseFactory(account=account, phase=phase)
    AccountPhaseFactory(account=d, phase=other_phase)
    article = ArticleTranslationFactory().article
    contact = ContactFactory(account=reader)
    ArticleViewFactory(article=article, contact=contact, viewed_at=_at(READ_DAY))
    ArticleViewFactory(
        article=article, contact=contact, viewed_at=_at(READ_DAY + dt.timedelta(days=3))
    )
    version = ScorecardVersionFactory()
    scores = {
        reader: (50, 60, 70),
        b: (40, 42, 44),
        c: (60, 60, 62),
        d: (10, 90, 90),
    }
    for account, (before, after14, after30) in scores.items():
        for offset, score in ((-1, before), (14, after14), (30, after30)):
            HealthScoreFactory(
                account=account,
                version=version,
                day=READ_DAY + dt.timedelta(days=offset),
                score=score,
            )
    rows = []
    for offset in range(-30, 30):
        day = READ_DAY + dt.timedelta(days=offset)
        rows.append(
            UsageDaily(account=reader, day=day, event="login", count=1 if offset < 0 else 3)
        )
        rows.append(UsageDaily(account=b, day=day, event="login", count=2))
    UsageDaily.objects.bulk_create(rows)
    return article


def test_reading_effect_compares_readers_with_same_phase_non_readers(effect_fixture):
    effect = selectors.reading_effect(article_ids=[effect_fixture.pk], today=TODAY)
    assert (effect.reader_accounts, effect.control_accounts) == (1, 2)
    w14, w30 = effect.windows
    assert (w14.readers_health_delta, w14.control_health_delta, w14.health_lift) == (10, 1, 9)
    assert (w30.readers_health_delta, w30.control_health_delta, w30.health_lift) == (20, 3, 17)


def test_reading_effect_compares_usage_before_and_after(effect_fixture):
    w14 = selectors.reading_effect(article_ids=[effect_fixture.pk], today=TODAY).windows[0]
    assert (w14.readers_usage_before, w14.readers_usage_after) == (1, 3)
    assert w14.readers_usage_change == 200.0
    # Controls: B uses 2/day, C nothing → mean 1/day before and after.
    assert (w14.control_usage_before, w14.control_usage_after) == (1, 1)


def test_reading_effect_leaves_out_readers_whose_window_has_not_ended(effect_fixture):
    effect = selectors.reading_effect(
        article_ids=[effect_fixture.pk], today=READ_DAY + dt.timedelta(days=20)
    )
    assert [w.readers for w in effect.windows] == [1, 0]


def test_reading_effect_without_readers_is_empty(scoped):
    effect = selectors.reading_effect(article_ids=[ArticleFactory().pk])
    assert effect.reader_accounts == 0
    assert all(w.readers == 0 for w in effect.windows)


def test_reading_for_account_lists_what_its_contacts_read(scoped):
    contact = ContactFactory()
    article = ArticleFactory()
    ArticleViewFactory(article=article, contact=contact)
    ArticleViewFactory(article=article, contact=contact)
    ArticleViewFactory(article=ArticleFactory())
    rows = selectors.reading_for_account(
        account_id=contact.account_id, since=timezone.now() - dt.timedelta(days=30)
    )
    assert [(r.article, r.views, r.readers) for r in rows] == [(article, 2, 1)]


def test_segment_rule_finds_accounts_that_read_an_article(scoped):
    from accounts.models import Account
    from content.plugins import apply_read_article

    reader = ContactFactory()
    AccountFactory()
    ArticleViewFactory(article=ArticleFactory(slug="edit-company-page"), contact=reader)
    found = apply_read_article(Account.objects.all(), "edit-company-page")
    assert list(found) == [reader.account]
