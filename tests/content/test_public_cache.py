"""Learn & Support's home and articles are cached under the tenant's data version and show
a change to a section, an article or a translation at once (issue #16)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Contact
from content import public_views, services
from content.models import Article, ArticleTranslation
from tests.content.factories import (
    ArticleFactory,
    ArticleTranslationFactory,
    SectionFactory,
    SiteDomainFactory,
)
from tests.factories import ContactFactory

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


def test_a_second_home_view_renders_no_section_block(article, monkeypatch):
    rendered: list[str] = []
    real = public_views.render_to_string
    monkeypatch.setattr(
        public_views,
        "render_to_string",
        lambda template, *a, **k: rendered.append(template) or real(template, *a, **k),
    )
    first = _get("/learn/acme/")
    assert rendered == ["content/public/_home_blocks.html"]
    assert _get("/learn/acme/") == first
    assert rendered == ["content/public/_home_blocks.html"]


def test_the_home_blocks_links_follow_the_host_and_the_workspace(article, tenant):
    on_junkan = _get("/learn/acme/")
    assert 'href="/learn/acme/a/edit-company-page/"' in on_junkan
    SiteDomainFactory(
        tenant=tenant, domain="help.acme.example", verified_at=timezone.now(), is_primary=True
    )
    response = Client().get("/", HTTP_HOST="help.acme.example", HTTP_ACCEPT_LANGUAGE="ja")
    assert 'href="/a/edit-company-page/"' in response.content.decode()
    tenant.slug = "acme-renamed"
    tenant.save()
    assert 'href="/learn/acme-renamed/a/edit-company-page/"' in _get("/learn/acme-renamed/")


def test_each_reader_language_gets_its_own_home_blocks(article):
    assert "はじめに" in _get("/learn/acme/")
    body = Client().get("/learn/acme/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Get Started" in body and "はじめに" not in body


def test_a_signed_in_readers_contact_is_kept_and_a_change_to_it_shows_at_once(article):
    """The reader's contact and account are kept per contact under the data and work
    versions: a warm view reads neither, a renamed or removed contact shows on the next."""
    contact = ContactFactory(name="山田 花子")
    client = Client()
    client.get(services.reader_link_path(contact=contact))
    path = "/learn/acme/a/edit-company-page/"
    assert "山田 花子" in client.get(path).content.decode()
    with CaptureQueriesContext(connection) as captured:
        assert "山田 花子" in client.get(path).content.decode()
    assert not [q for q in captured.captured_queries if "accounts_contact" in q["sql"]]

    Contact.objects.filter(pk=contact.pk).update(name="山田 花")
    assert "山田 花<" in client.get(path).content.decode()
    Contact.objects.filter(pk=contact.pk).delete()
    assert "山田 花<" not in client.get(path).content.decode()


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_second_article_view_renders_no_article_part_and_a_change_to_it_shows(
    article, monkeypatch
):
    """The article's own part (path, title, body, next step) is rendered once per data
    version and language; its next article's title, or the next one unpublished, shows on
    the next view."""
    following = ArticleFactory(section=article.section, slug="invite-members")
    ArticleTranslationFactory(article=following, language="ja", title="メンバーを招待する")
    Article.objects.filter(pk=article.pk).update(next_article=following)
    rendered: list[str] = []
    real = public_views.render_to_string
    monkeypatch.setattr(
        public_views,
        "render_to_string",
        lambda template, *a, **k: rendered.append(template) or real(template, *a, **k),
    )
    path = "/learn/acme/a/edit-company-page/"
    first = _get(path)
    assert "メンバーを招待する" in first
    assert _without_csrf(_get(path)) == _without_csrf(first)
    assert rendered == ["content/public/_article_main.html"]

    ArticleTranslation.objects.filter(article=following).update(title="メンバーを招く")
    assert "メンバーを招く" in _get(path)
    services.article_unpublish(article=following)
    assert 'data-testid="next-article"' not in _get(path)
