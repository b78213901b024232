"""Learn & Support's home and articles are cached under the tenant's data version and show
a change to a section, an article or a translation at once (issue #16)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from content import services
from content.models import ArticleTranslation
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(scoped):
    section = SectionFactory(key="get-started", name_ja="はじめに", name_en="Get Started")
    article = ArticleFactory(section=section, slug="edit-company-page")
    ArticleTranslationFactory(article=article, language="ja", title="会社ページを編集する")
    return article


def _get(path: str) -> str:
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_home_view_reads_no_articles(article):
    _get("/learn/acme/")
    with CaptureQueriesContext(connection) as captured:
        body = _get("/learn/acme/")
    assert "会社ページを編集する" in body
    assert not [q for q in captured.captured_queries if '"content_article"' in q["sql"]]


def test_the_home_shows_a_new_title_section_and_article_at_once(article):
    assert "会社ページを編集する" in _get("/learn/acme/")
    ArticleTranslation.objects.filter(article=article).update(title="会社ページの編集")
    assert "会社ページの編集" in _get("/learn/acme/")
    services.section_update(section=article.section, name_ja="まずはここから")
    assert "まずはここから" in _get("/learn/acme/")
    newer = ArticleFactory(section=article.section, slug="invite-members")
    ArticleTranslationFactory(article=newer, language="ja", title="メンバーを招待する")
    assert "メンバーを招待する" in _get("/learn/acme/")


def test_an_article_shows_its_new_body_and_goes_when_unpublished(article):
    assert "本文です。" in _get("/learn/acme/a/edit-company-page/")
    ArticleTranslation.objects.filter(article=article).update(body_html="<p>新しい本文</p>")
    assert "新しい本文" in _get("/learn/acme/a/edit-company-page/")
    services.article_unpublish(article=article)
    response = Client().get("/learn/acme/a/edit-company-page/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 404
