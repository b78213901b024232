from __future__ import annotations

import pytest

from content.models import Article
from cs_platform.scoping import tenant_scope
from tests.conftest import api_key_client
from tests.content.factories import (
    ArticleFactory,
    ArticleTranslationFactory,
    ArticleViewFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/content"


@pytest.fixture
def section(scoped):
    return SectionFactory()


def _payload(section) -> dict:
    return {
        "section": section.pk,
        "slug": "publish-a-posting",
        "tiers": ["tech"],
        "translations": [
            {
                "language": "ja",
                "title": "求人を公開する",
                "body_markdown": "<script>x</script>手順",
            },
            {"language": "en", "title": "Publish a posting", "body_markdown": "Steps"},
        ],
    }


def test_article_list_nests_translations(viewer_api, scoped):
    ArticleTranslationFactory(title="会社ページ")
    response = viewer_api.get(f"{BASE}/articles/")
    assert response.status_code == 200
    assert response.json()["results"][0]["translations"][0]["title"] == "会社ページ"


def test_csm_creates_an_article_with_translations(csm_api, section):
    response = csm_api.post(f"{BASE}/articles/", _payload(section), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    ja = next(t for t in body["translations"] if t["language"] == "ja")
    assert "<script" not in ja["body_html"]


def test_viewer_cannot_create_an_article(viewer_api, section):
    response = viewer_api.post(f"{BASE}/articles/", _payload(section), format="json")
    assert response.status_code == 403


def test_read_api_key_cannot_publish(tenant, scoped):
    article = ArticleTranslationFactory(article__status="draft").article
    client = api_key_client(tenant, "read")
    assert client.post(f"{BASE}/articles/{article.pk}/publish/").status_code == 403


def test_csm_publishes_through_the_api(csm_api, scoped):
    article = ArticleTranslationFactory(article__status="draft").article
    response = csm_api.post(f"{BASE}/articles/{article.pk}/publish/")
    assert response.status_code == 200
    assert response.json()["status"] == "published"


def test_outsider_gets_404_for_an_article(outsider_api, scoped):
    article = ArticleFactory()
    assert outsider_api.get(f"{BASE}/articles/{article.pk}/").status_code == 404


def test_section_of_another_tenant_is_a_409(csm_api, tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = SectionFactory()
    response = csm_api.post(f"{BASE}/articles/", _payload(theirs), format="json")
    assert response.status_code == 409
    with tenant_scope(tenant):
        assert not Article.objects.exists()


def test_duplicate_language_is_a_409(csm_api, section):
    payload = _payload(section)
    payload["translations"][1]["language"] = "ja"
    assert csm_api.post(f"{BASE}/articles/", payload, format="json").status_code == 409


def test_update_saves_a_translation_revision(csm_api, scoped):
    translation = ArticleTranslationFactory(title="旧")
    response = csm_api.patch(
        f"{BASE}/articles/{translation.article_id}/",
        {"translations": [{"language": "ja", "title": "新"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    translation.refresh_from_db()
    assert translation.title == "新" and translation.revisions.count() == 1


def test_viewer_reads_views_but_cannot_write(viewer_api, scoped):
    ArticleViewFactory()
    assert viewer_api.get(f"{BASE}/views/").json()["count"] == 1
    assert viewer_api.post(f"{BASE}/views/", {}).status_code in (403, 405)


def test_article_analytics_endpoint_returns_reach(viewer_api, scoped):
    view = ArticleViewFactory()
    rows = viewer_api.get(f"{BASE}/articles/analytics/").json()
    assert rows == [
        {
            "id": view.article_id,
            "views": 1,
            "unique_readers": 1,
            "accounts_reached": 0,
            "known_views": 0,
            "helpful_yes": 0,
            "helpful_no": 0,
            "helpful_ratio": None,
        }
    ]


def test_section_analytics_and_effect_endpoints_answer(viewer_api, scoped):
    view = ArticleViewFactory()
    assert viewer_api.get(f"{BASE}/sections/analytics/").status_code == 200
    effect = viewer_api.get(f"{BASE}/articles/{view.article_id}/effect/").json()
    assert [w["days"] for w in effect["windows"]] == [14, 30]
    assert viewer_api.get(f"{BASE}/articles/tracks/").status_code == 200


def test_viewer_cannot_create_a_section(viewer_api, scoped):
    payload = {"key": "faq", "name_ja": "よくある質問", "name_en": "FAQ"}
    assert viewer_api.post(f"{BASE}/sections/", payload).status_code == 403


def test_csm_creates_a_section(csm_api, scoped):
    payload = {"key": "faq", "name_ja": "よくある質問", "name_en": "FAQ"}
    assert csm_api.post(f"{BASE}/sections/", payload).status_code == 201
