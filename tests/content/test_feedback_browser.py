"""Readers' feedback in a real browser, in Japanese and English: a CSM approves an anonymous
comment on the review page; a reader who sent too many answers reads when to try again."""

from __future__ import annotations

import pytest

from content import services
from cs_platform.ratelimit import Limit, rate_limit_clear
from journeys.models import FeedbackItem
from tests.browser.conftest import login
from tests.content.factories import ArticleFactory, ArticleTranslationFactory

pytestmark = pytest.mark.browser

REVIEW = {"ja": "確認待ちの読者の声", "en": "Readers' feedback to review"}
APPROVED = {"ja": "顧客の声に加わりました", "en": "now in the voice of the customer"}
TOO_MANY = {"ja": "短時間に多くの回答", "en": "Too many answers were sent"}


@pytest.fixture
def article(scoped):
    article = ArticleFactory(slug="edit-company-page")
    ArticleTranslationFactory(article=article, language="ja", title="会社ページを編集する")
    ArticleTranslationFactory(article=article, language="en", title="Edit your company page")
    return article


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_approves_an_anonymous_comment(page, live_server, csm_user, article, language):
    services.article_feedback_submit(
        article=article, language="ja", helpful=False, comment="ロゴの変え方が分からない"
    )
    csm_user.language = language
    csm_user.save(update_fields=["language"])
    login(page, live_server, csm_user.email)

    page.goto(f"{live_server.url}/t/acme/content/")
    page.get_by_role("link", name=REVIEW[language]).click()
    assert page.locator("[data-testid=count-pending]").inner_text() == "1"
    page.locator("[data-testid=approve]").click()

    assert APPROVED[language] in page.locator("main").inner_text()
    assert page.locator("[data-testid=count-approved]").inner_text() == "1"
    assert FeedbackItem.objects.get().quote == "ロゴの変え方が分からない"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_reader_over_the_limit_reads_when_to_try_again(
    page, live_server, article, language, settings
):
    limit = Limit("content-feedback-article", f"{article.tenant_id}:{article.pk}", 0, 3600)
    rate_limit_clear(limit)
    settings.CONTENT_FEEDBACK_PER_ARTICLE_PER_HOUR = 0

    page.goto(f"{live_server.url}/learn/acme/a/edit-company-page/?lang={language}")
    page.locator("#feedback button[value=no]").click()

    assert TOO_MANY[language] in page.locator("[data-testid=too-many]").inner_text()
    rate_limit_clear(limit)
