from __future__ import annotations

import pytest

from content.models import Article, ArticleFeedback, ArticleTranslation, ArticleView, Section
from cs_platform.scoping import tenant_scope
from demo.content import content_seed_demo
from journeys.models import Activity
from tests.factories import ContactFactory, TenantFactory

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Section.objects.count(),
        Article.objects.count(),
        ArticleTranslation.objects.count(),
        ArticleView.objects.count(),
        ArticleFeedback.objects.count(),
        Activity.objects.filter(kind="content_view").count(),
    )


def test_seed_demo_writes_articles_in_both_languages_and_views_idempotently():
    tenant = TenantFactory(slug="hanamaru", name="はなまる採用株式会社")
    with tenant_scope(tenant):
        for _ in range(20):
            ContactFactory()
        content_seed_demo(tenant=tenant, log=lambda message: None)
        first = _counts()
        content_seed_demo(tenant=tenant, log=lambda message: None)
        assert _counts() == first
        published = Article.objects.filter(status="published")
        assert set(published.values_list("section__key", flat=True)) == {
            "get-started",
            "best-practices",
            "customer-stories",
        }
        assert all(a.translations.count() == 2 for a in published)
        assert ArticleView.objects.filter(contact__isnull=False).count() == first[5] > 0
        assert Article.objects.get(slug="edit-company-page").next_article.slug == (
            "register-members"
        )
        # The review page has anonymous answers waiting in the demo.
        assert ArticleFeedback.objects.filter(moderation="pending").count() == 3


def test_seed_demo_adapts_to_other_tenants():
    tenant = TenantFactory(slug="northwind", name="Northwind Analytics Inc.")
    with tenant_scope(tenant):
        content_seed_demo(tenant=tenant, log=lambda message: None)
        title = ArticleTranslation.objects.get(article__slug="first-steps", language="en").title
        assert "Northwind Analytics" in title


def test_seed_demo_adds_known_readers_once_contacts_exist():
    tenant = TenantFactory(slug="meishi-cloud", name="名刺クラウド株式会社")
    with tenant_scope(tenant):
        content_seed_demo(tenant=tenant, log=lambda message: None)
        assert not ArticleView.objects.filter(contact__isnull=False).exists()
        for _ in range(10):
            ContactFactory()
        content_seed_demo(tenant=tenant, log=lambda message: None)
        assert ArticleView.objects.filter(contact__isnull=False).exists()
