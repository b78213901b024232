from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content import services
from content.models import Article, ArticleFeedback, ArticleView
from cs_platform.scoping import tenant_scope
from journeys.models import Activity, FeedbackItem
from tests.agents import BROWSER_USER_AGENT
from tests.content.factories import (
    ArticleFactory,
    ArticleImageFactory,
    ArticleTranslationFactory,
    SectionFactory,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(scoped):
    section = SectionFactory(key="get-started", name_ja="はじめに", name_en="Get Started")
    article = ArticleFactory(section=section, slug="edit-company-page")
    ArticleTranslationFactory(article=article, language="ja", title="会社ページを編集する")
    ArticleTranslationFactory(article=article, language="en", title="Edit your company page")
    return article


def _html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.content.decode())[1]


# --- reachability -----------------------------------------------------------------------------


def test_public_home_lists_published_articles(client, published):
    response = client.get("/learn/acme/")
    assert response.status_code == 200
    assert "会社ページを編集する" in response.content.decode()


def test_article_page_shows_the_article(client, published):
    response = client.get("/learn/acme/a/edit-company-page/")
    assert response.status_code == 200
    assert "会社ページを編集する" in response.content.decode()


def test_draft_article_is_404(client, published):
    Article.objects.filter(pk=published.pk).update(status="draft")
    assert client.get("/learn/acme/a/edit-company-page/").status_code == 404


def test_archived_article_is_404(client, published):
    Article.objects.filter(pk=published.pk).update(status="archived")
    assert client.get("/learn/acme/a/edit-company-page/").status_code == 404


def test_other_tenants_article_is_404(client, published, other_tenant):
    with tenant_scope(other_tenant):
        theirs = ArticleTranslationFactory(article__slug="their-secret").article
    assert client.get(f"/learn/acme/a/{theirs.slug}/").status_code == 404
    assert client.get(f"/learn/globex/a/{theirs.slug}/").status_code == 200


def test_unknown_tenant_slug_is_404(client, db):
    assert client.get("/learn/nope/").status_code == 404


def test_draft_article_is_not_listed_on_home(client, published):
    ArticleTranslationFactory(article__status="draft", title="秘密の下書き")
    assert "秘密の下書き" not in client.get("/learn/acme/").content.decode()


def test_image_of_a_published_article_is_served(client, published):
    image = ArticleImageFactory(article=published)
    response = client.get(f"/learn/acme/images/{image.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_image_of_a_draft_is_404_for_the_public(client, scoped):
    image = ArticleImageFactory(article=ArticleFactory(status="draft"))
    assert client.get(f"/learn/acme/images/{image.pk}/").status_code == 404


def test_a_public_page_does_not_read_a_signed_in_staff_user(client, published, csm_user):
    """Nothing on the public site shows the staff user: their session's user is not read
    (a statement on every view, #16)."""
    client.force_login(csm_user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/learn/acme/a/edit-company-page/").status_code == 200
    assert not [q for q in captured.captured_queries if "user" in q["sql"]]


# --- language -----------------------------------------------------------------------------------


def test_accept_language_picks_the_first_visits_language(client, published):
    response = client.get("/learn/acme/a/edit-company-page/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert _html_lang(response) == "en"
    assert "Edit your company page" in response.content.decode()


def test_without_accept_language_the_tenant_default_is_used(client, published):
    response = client.get("/learn/acme/")
    assert _html_lang(response) == "ja"


def test_switcher_choice_is_remembered_over_accept_language(client, published):
    client.get("/learn/acme/?lang=en")
    response = client.get("/learn/acme/a/edit-company-page/", HTTP_ACCEPT_LANGUAGE="ja")
    assert _html_lang(response) == "en"
    assert "Edit your company page" in response.content.decode()


def test_missing_translation_falls_back_to_the_other_language(client, scoped):
    ArticleTranslationFactory(article__slug="ja-only", language="ja", title="日本語だけ")
    response = client.get("/learn/acme/a/ja-only/?lang=en")
    assert response.status_code == 200
    assert "日本語だけ" in response.content.decode()
    assert _html_lang(response) == "en"


# --- search -------------------------------------------------------------------------------------


def test_search_page_finds_a_two_character_word(client, scoped):
    ArticleTranslationFactory(title="応募者を集める", body_markdown="採用を成功させる")
    response = client.get("/learn/acme/search/", {"q": "採用"})
    assert "応募者を集める" in response.content.decode()


# --- readers ------------------------------------------------------------------------------------


def test_anonymous_view_is_counted_without_timeline(client, published):
    client.get("/learn/acme/a/edit-company-page/")
    view = ArticleView.objects.get()
    assert view.contact_id is None and view.session_hash
    assert not Activity.objects.exists()


def test_anonymous_readers_get_a_visitor_cookie_not_a_database_session(client, published):
    client.get("/learn/acme/")
    client.get("/learn/acme/a/edit-company-page/?lang=en")
    client.get("/learn/acme/a/edit-company-page/")
    assert not Session.objects.exists()
    assert client.cookies["junkan_visitor"]["httponly"]
    assert ArticleView.objects.count() == 1  # a reload in the window counts once


def test_each_visitor_counts_once_per_window_and_again_after_it(client, published, settings):
    settings.CONTENT_VIEW_WINDOW_SECONDS = 60
    other = Client(HTTP_USER_AGENT=BROWSER_USER_AGENT)
    for browser in (client, client, other):
        browser.get("/learn/acme/a/edit-company-page/")
    views = list(ArticleView.objects.values_list("session_hash", flat=True))
    assert len(views) == 2 and len(set(views)) == 2
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        cache.clear()  # the local cache's expiry reads the real clock
        client.get("/learn/acme/a/edit-company-page/")
    assert ArticleView.objects.count() == 3


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
    ],
)
def test_obvious_bots_read_the_page_but_are_not_counted(published, agent):
    response = Client(HTTP_USER_AGENT=agent).get("/learn/acme/a/edit-company-page/")
    assert response.status_code == 200
    assert not ArticleView.objects.exists()
    assert "junkan_visitor" not in response.cookies


def test_an_address_beyond_the_view_rate_is_served_but_not_counted(published, settings):
    settings.CONTENT_VIEWS_PER_MINUTE = 3
    browsers = [Client(HTTP_USER_AGENT=BROWSER_USER_AGENT) for _ in range(5)]
    answers = [b.get("/learn/acme/a/edit-company-page/").status_code for b in browsers]
    assert answers == [200] * 5
    assert ArticleView.objects.count() == 3


def test_a_forged_visitor_cookie_is_replaced(client, published):
    client.cookies["junkan_visitor"] = "someone-else"
    response = client.get("/learn/acme/a/edit-company-page/")
    assert response.cookies["junkan_visitor"].value != "someone-else"
    assert ArticleView.objects.count() == 1


def test_signed_link_signs_the_reader_in_and_opens_the_article(client, published):
    contact = ContactFactory()
    path = services.reader_link_path(contact=contact, article_slug=published.slug)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].endswith("/learn/acme/a/edit-company-page/")
    client.get(response["Location"])
    view = ArticleView.objects.get()
    assert (view.contact_id, view.account_id) == (contact.pk, contact.account_id)
    assert Activity.objects.filter(kind="content_view", account=contact.account).count() == 1


def test_tampered_signed_link_shows_a_clear_error(client, published):
    token = services.reader_link_token(contact=ContactFactory())
    response = client.get(f"/learn/acme/go/{token[:-3]}abc/")
    assert response.status_code == 400
    assert 'data-testid="link-error"' in response.content.decode()


def test_magic_link_signs_in_then_refuses_reuse(client, published, mailoutbox):
    contact = ContactFactory(email="hr@customer.example")
    services.magic_link_send(email=contact.email, base_url="http://testserver/", language="ja")
    link = re.search(r"http://testserver(\S+)", mailoutbox[0].body)[1]
    assert client.get(link).status_code == 302
    client.get("/learn/acme/a/edit-company-page/")
    assert ArticleView.objects.get().contact_id == contact.pk
    again = Client().get(link)
    assert again.status_code == 400


def test_reader_of_one_tenant_is_anonymous_on_another(client, published, other_tenant):
    contact = ContactFactory()
    client.get(services.reader_link_path(contact=contact))
    with tenant_scope(other_tenant):
        ArticleTranslationFactory(article__slug="globex-article")
    client.get("/learn/globex/a/globex-article/")
    with tenant_scope(other_tenant):
        assert ArticleView.objects.get().contact_id is None


# --- feedback -----------------------------------------------------------------------------------


def test_anonymous_feedback_post_is_recorded_and_held_for_review(client, published):
    response = client.post(
        "/learn/acme/a/edit-company-page/feedback/", {"helpful": "no", "comment": "ロゴが消えた"}
    )
    assert response.status_code == 302
    feedback = ArticleFeedback.objects.get()
    assert (feedback.helpful, feedback.moderation) == (False, "pending")
    assert not FeedbackItem.objects.exists()  # tests/content/test_feedback_moderation.py


def test_feedback_on_a_draft_is_404(client, published):
    Article.objects.filter(pk=published.pk).update(status="draft")
    response = client.post("/learn/acme/a/edit-company-page/feedback/", {"helpful": "yes"})
    assert response.status_code == 404


# --- staff pages --------------------------------------------------------------------------------


def test_staff_index_lists_articles(client, published, viewer_user):
    client.force_login(viewer_user)
    response = client.get("/t/acme/content/")
    assert response.status_code == 200
    assert "会社ページを編集する" in response.content.decode()


def test_viewer_cannot_create_articles(client, published, viewer_user):
    client.force_login(viewer_user)
    assert client.get("/t/acme/content/articles/new/").status_code == 403


def test_outsider_gets_404_on_staff_pages(client, published, outsider):
    client.force_login(outsider)
    assert client.get("/t/acme/content/").status_code == 404


def test_csm_creates_a_draft_with_both_languages(client, published, csm_user):
    client.force_login(csm_user)
    response = client.post(
        "/t/acme/content/articles/new/",
        {
            "section": published.section_id,
            "slug": "register-members",
            "maturity": "how_to",
            "tiers": ["tech"],
            "ja-title": "メンバーを登録する",
            "ja-body_markdown": "## 手順\n\n招待します",
            "en-title": "Register members",
            "en-body_markdown": "Invite them",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="register-members")
    assert article.status == "draft" and article.author == csm_user
    assert sorted(article.translations.values_list("language", flat=True)) == ["en", "ja"]


def test_preview_renders_without_saving(client, published, csm_user):
    client.force_login(csm_user)
    response = client.post(
        f"/t/acme/content/articles/{published.pk}/",
        {
            "section": published.section_id,
            "slug": published.slug,
            "maturity": "how_to",
            "ja-title": "変更後",
            "ja-body_markdown": "**太字** <script>x</script>",
            "preview": "1",
        },
    )
    body = response.content.decode()
    assert "<strong>太字</strong>" in body and "<script>x</script>" not in body
    assert published.translations.get(language="ja").title == "会社ページを編集する"


def test_csm_publishes_an_article(client, scoped, csm_user):
    client.force_login(csm_user)
    article = ArticleTranslationFactory(article__status="draft").article
    client.post(f"/t/acme/content/articles/{article.pk}/status/", {"action": "publish"})
    article.refresh_from_db()
    assert article.status == "published"


def test_draft_from_feedback_button_creates_a_draft(client, scoped, csm_user):
    item = FeedbackItem.objects.create(kind="question", quote="How do I add a logo?")
    client.force_login(csm_user)
    response = client.post(f"/t/acme/content/questions/{item.pk}/draft/")
    article = Article.objects.get(source_feedback_id=item.pk)
    assert response["Location"].endswith(f"/content/articles/{article.pk}/")
    assert article.translations.get().language == "en"


def test_questions_page_lists_voc_questions(client, scoped, viewer_user):
    FeedbackItem.objects.create(kind="question", quote="請求書はどこ？")
    client.force_login(viewer_user)
    assert "請求書はどこ？" in client.get("/t/acme/content/questions/").content.decode()


def test_analytics_pages_render(client, published, viewer_user):
    client.force_login(viewer_user)
    assert client.get("/t/acme/content/analytics/").status_code == 200
    assert client.get(f"/t/acme/content/articles/{published.pk}/analytics/").status_code == 200


def test_staff_image_upload_rejects_non_images(client, published, csm_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(csm_user)
    client.post(
        f"/t/acme/content/articles/{published.pk}/images/",
        {"file": SimpleUploadedFile("x.png", b"not an image")},
    )
    assert not published.images.exists()


def test_known_reader_sees_articles_for_their_phase(client, scoped):
    from tests.journeys.factories import AccountPhaseFactory, PhaseFactory

    phase = PhaseFactory(key="adoption")
    contact = ContactFactory()
    AccountPhaseFactory(account=contact.account, phase=phase)
    ArticleTranslationFactory(article__phases=["adoption"], title="活用のコツ")
    client.get(services.reader_link_path(contact=contact))
    body = client.get("/learn/acme/").content.decode()
    assert 'data-testid="recommended"' in body and "活用のコツ" in body


def test_anonymous_reader_gets_no_recommendations(client, scoped):
    ArticleTranslationFactory(article__phases=["adoption"])
    assert 'data-testid="recommended"' not in client.get("/learn/acme/").content.decode()


def test_account_panel_lists_the_accounts_reading(rf, scoped, tenant):
    from django.template.loader import render_to_string

    from content.plugins import account_reading_context

    contact = ContactFactory()
    article = ArticleTranslationFactory(title="会社ページを編集する").article
    services.article_view_record(article=article, language="ja", contact=contact)
    request = rf.get("/")
    request.tenant = tenant
    context = account_reading_context(request, contact.account)
    html = render_to_string("content/staff/account_panel.html", {"ctx": context}, request=request)
    assert "会社ページを編集する" in html


def test_a_search_with_a_nul_character_is_a_400_not_a_server_error(client, published):
    response = client.get("/learn/acme/search/", {"q": "採用\x00"})

    assert response.status_code == 400


def test_a_malformed_sign_in_address_is_a_400_with_the_form_error(client, published):
    for email in ("not-an-email", "hr\x00@customer.example"):
        response = client.post("/learn/acme/signin/", {"email": email})
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()


def test_saving_the_editor_writes_a_revision_only_for_the_language_that_changed(
    client, published, csm_user
):
    from content.forms import TranslationForm
    from content.models import ArticleRevision

    client.force_login(csm_user)
    data = {"section": published.section_id, "slug": published.slug, "maturity": "how_to"}
    for tr in published.translations.all():
        for name in TranslationForm.base_fields:
            data[f"{tr.language}-{name}"] = getattr(tr, name)

    def revisions() -> dict[str, int]:
        rows = ArticleRevision.objects.values_list("translation__language", flat=True)
        return {code: list(rows).count(code) for code in ("ja", "en")}

    before = revisions()
    data["ja-title"] = "会社ページを更新する"
    response = client.post(f"/t/acme/content/articles/{published.pk}/", data)
    assert response.status_code == 302
    assert published.translations.get(language="ja").title == "会社ページを更新する"
    after = revisions()
    assert (after["ja"] - before["ja"], after["en"] - before["en"]) == (1, 0)
