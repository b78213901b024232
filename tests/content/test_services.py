from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts.models import Contact
from content import selectors, services
from content.models import Article, ArticleRevision, ArticleView, Section
from cs_platform.scoping import cross_tenant, tenant_scope
from journeys.models import FeedbackItem
from journeys.selectors import activity_list_for_account
from tests.content.factories import (
    PNG_BYTES,
    ArticleFactory,
    ArticleTranslationFactory,
    SectionFactory,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_render_strips_script_tags():
    html = services.markdown_render(text="Hello <script>alert('x')</script> **world**")
    assert "<script" not in html
    assert "<strong>world</strong>" in html


def test_markdown_render_removes_javascript_urls_and_event_handlers():
    html = services.markdown_render(
        text='[click](javascript:alert(1)) <img src="/a.png" onerror="alert(1)">'
    )
    assert "javascript:" not in html
    assert "onerror" not in html


def test_saving_a_translation_stores_sanitised_html(scoped):
    article = services.article_create(
        section=SectionFactory(),
        author=None,
        translations={"ja": {"title": "テスト", "body_markdown": "<script>x()</script>本文"}},
    )
    translation = article.translations.get()
    assert "<script" not in translation.body_html
    assert "本文" in translation.body_html


# --- sections and authoring -------------------------------------------------------------------


def test_default_sections_are_seeded_once(scoped):
    services.sections_seed_defaults()
    services.sections_seed_defaults()
    assert list(Section.objects.values_list("key", flat=True)) == [
        "get-started",
        "best-practices",
        "customer-stories",
    ]


def test_tenant_creation_seeds_the_three_sections(db):
    from cs_platform.services import tenant_create

    tenant = tenant_create(name="New", slug="new-co")
    with tenant_scope(tenant):
        assert Section.objects.count() == 3


def test_section_move_swaps_order(scoped):
    first, second = SectionFactory(position=10), SectionFactory(position=20)
    services.section_move(section=second, direction=-1)
    assert list(Section.objects.order_by("position")) == [second, first]


def test_every_save_of_a_translation_keeps_a_revision(scoped, csm_user):
    article = services.article_create(
        section=SectionFactory(), author=csm_user, translations={"ja": {"title": "一版"}}
    )
    services.translation_save(article=article, language="ja", author=csm_user, title="二版")
    revisions = ArticleRevision.objects.filter(translation__article=article).order_by("number")
    assert [(r.number, r.title, r.author_id) for r in revisions] == [
        (1, "一版", csm_user.pk),
        (2, "二版", csm_user.pk),
    ]


def test_article_needs_a_title(scoped):
    with pytest.raises(ValidationError):
        services.article_create(section=SectionFactory(), author=None, translations={})


def test_publishing_sets_published_at(scoped):
    article = services.article_create(
        section=SectionFactory(), author=None, translations={"en": {"title": "Hello"}}
    )
    services.article_publish(article=article)
    article.refresh_from_db()
    assert article.status == "published" and article.published_at is not None


def test_unknown_tier_is_refused(scoped):
    with pytest.raises(ValidationError):
        services.article_create(
            section=SectionFactory(), author=None, translations={"en": {"title": "x"}}, tiers=["x"]
        )


def test_draft_from_question_creates_one_draft_per_question(scoped):
    item = FeedbackItem.objects.create(kind="question", quote="求人の公開方法は？")
    first = services.article_draft_from_question(
        feedback_id=item.pk, quote=item.quote, language="ja", author=None
    )
    again = services.article_draft_from_question(
        feedback_id=item.pk, quote=item.quote, language="ja", author=None
    )
    assert first == again
    assert first.status == "draft"
    assert first.translations.get().title == "求人の公開方法は？"


# --- images -----------------------------------------------------------------------------------


def test_png_image_is_accepted_and_stored_under_a_random_name(scoped):
    article = ArticleFactory()
    image = services.image_upload(
        article=article,
        file=SimpleUploadedFile("my photo.png", PNG_BYTES, content_type="image/png"),
        uploaded_by=None,
    )
    assert image.content_type == "image/png"
    assert image.file.name.startswith(f"content/{article.tenant_id}/")
    assert "my photo" not in image.file.name


def test_file_named_png_that_is_not_an_image_is_refused(scoped):
    with pytest.raises(ValidationError):
        services.image_upload(
            article=ArticleFactory(),
            file=SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>", content_type="image/png"),
            uploaded_by=None,
        )


def test_too_large_image_is_refused(scoped):
    big = PNG_BYTES + b"\x00" * services.MAX_IMAGE_BYTES
    with pytest.raises(ValidationError):
        services.image_upload(
            article=ArticleFactory(),
            file=SimpleUploadedFile("big.png", big, content_type="image/png"),
            uploaded_by=None,
        )


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7", None),
    ],
)
def test_image_type_is_sniffed_from_magic_bytes(head, expected):
    assert services.image_sniff_type(head=head) == expected


# --- search -----------------------------------------------------------------------------------


def test_search_finds_a_two_character_japanese_word(scoped):
    ArticleTranslationFactory(title="応募を集めるコツ", body_markdown="採用の成功には…")
    ArticleTranslationFactory(title="会社ページの編集", body_markdown="ロゴを設定します")
    hits = selectors.article_search(query="採用", language="ja")
    assert [h.translation.title for h in hits] == ["応募を集めるコツ"]


def test_search_ranks_title_matches_first(scoped):
    ArticleTranslationFactory(title="メンバーの登録", body_markdown="採用チームを招待します")
    ArticleTranslationFactory(title="採用ページの作り方", body_markdown="はじめに")
    hits = selectors.article_search(query="採用", language="ja")
    assert [h.translation.title for h in hits] == ["採用ページの作り方", "メンバーの登録"]


def test_search_never_returns_drafts(scoped):
    ArticleTranslationFactory(title="採用の下書き", article=ArticleFactory(status="draft"))
    assert selectors.article_search(query="採用", language="ja") == []


def test_search_ranks_longer_queries_by_similarity(scoped):
    ArticleTranslationFactory(
        language="en", title="Publish a job posting", body_markdown="posting tips"
    )
    ArticleTranslationFactory(language="en", title="Posting etiquette", body_markdown="job")
    hits = selectors.article_search(query="job posting", language="en")
    assert hits[0].translation.title == "Publish a job posting"


# --- readers ----------------------------------------------------------------------------------


def test_reader_link_round_trip(scoped):
    contact = ContactFactory()
    token = services.reader_link_token(contact=contact)
    assert services.reader_link_consume(token=token) == contact


def test_tampered_reader_link_is_refused_with_a_clear_error(scoped):
    token = services.reader_link_token(contact=ContactFactory())
    with translation.override("en"), pytest.raises(services.ReaderLinkError) as error:
        services.reader_link_consume(token=token[:-2] + "xx")
    assert "not valid" in error.value.message


def test_expired_reader_link_is_refused(scoped, monkeypatch):
    from content.services import readers

    token = services.reader_link_token(contact=ContactFactory())
    monkeypatch.setattr(readers, "READER_LINK_MAX_AGE", -1)
    with pytest.raises(services.ReaderLinkError) as error:
        services.reader_link_consume(token=token)
    assert error.value.expired


def test_reader_link_of_another_tenant_is_refused(tenant, other_tenant):
    with tenant_scope(other_tenant):
        token = services.reader_link_token(contact=ContactFactory())
    with tenant_scope(tenant), pytest.raises(services.ReaderLinkError):
        services.reader_link_consume(token=token)


def test_magic_link_is_mailed_to_a_known_contact(scoped, mailoutbox):
    ContactFactory(email="hr@customer.example")
    sent = services.magic_link_send(
        email="HR@customer.example", base_url="http://testserver/", language="ja"
    )
    assert sent and len(mailoutbox) == 1
    assert "http://testserver/learn/acme/signin/" in mailoutbox[0].body


def test_magic_link_is_not_sent_to_an_unknown_address(scoped, mailoutbox):
    assert not services.magic_link_send(
        email="nobody@x.example", base_url="http://t/", language="ja"
    )
    assert mailoutbox == []


def test_magic_link_works_only_once(scoped):
    contact = ContactFactory()
    token = services.magic_link_token(contact=contact)
    assert services.magic_link_consume(token=token) == contact
    with translation.override("en"), pytest.raises(services.ReaderLinkError) as error:
        services.magic_link_consume(token=token)
    assert "already been used" in error.value.message


def test_reader_link_token_is_not_a_magic_link(scoped):
    token = services.reader_link_token(contact=ContactFactory())
    with pytest.raises(services.ReaderLinkError):
        services.magic_link_consume(token=token)


# --- views and feedback -----------------------------------------------------------------------


def test_known_readers_view_goes_on_the_timeline(scoped):
    contact = ContactFactory()
    article = ArticleTranslationFactory(title="会社ページの編集").article
    view = services.article_view_record(article=article, language="ja", contact=contact)
    activities = list(activity_list_for_account(account=contact.account, kinds=["content_view"]))
    assert len(activities) == 1
    assert activities[0].contact == contact
    assert activities[0].source_key == f"content_view:{view.pk}"
    assert view.account_id == contact.account_id


def test_anonymous_view_counts_in_totals_only(scoped):
    from journeys.models import Activity

    article = ArticleTranslationFactory().article
    services.article_view_record(article=article, language="ja", session_hash="abc")
    assert ArticleView.objects.count() == 1
    assert Activity.objects.count() == 0
    reach = selectors.article_reach()[article.pk]
    assert (reach.views, reach.accounts_reached) == (1, 0)


def test_bulk_views_put_known_readers_on_the_timeline(scoped):
    from journeys.models import Activity

    contact = ContactFactory()
    article = ArticleTranslationFactory().article
    now = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    services.article_view_record_bulk(
        rows=[
            {"article": article, "language": "ja", "contact": contact, "viewed_at": now},
            {"article": article, "language": "ja", "session_hash": "s", "viewed_at": now},
        ]
    )
    assert ArticleView.objects.count() == 2
    assert Activity.objects.filter(kind="content_view", contact=contact).count() == 1


def test_not_helpful_feedback_flows_to_the_voice_of_the_customer(scoped):
    contact = ContactFactory()
    article = ArticleTranslationFactory(title="求人の公開").article
    feedback = services.article_feedback_submit(
        article=article,
        language="ja",
        helpful=False,
        comment="画像の設定が分かりません",
        contact=contact,
    )
    item = FeedbackItem.objects.get(pk=feedback.feedback_item_id)
    assert (item.kind, item.quote, item.account_id) == (
        "pain_point",
        "画像の設定が分かりません",
        contact.account_id,
    )
    # Staff read the section's name as the category, never its slug.
    assert item.category == article.section.name_in("ja") != article.section.key


def test_feedback_comment_ending_with_a_question_mark_is_a_question(scoped):
    article = ArticleTranslationFactory().article
    feedback = services.article_feedback_submit(
        article=article,
        language="ja",
        helpful=True,
        comment="複数の求人を一度に公開できますか？",
        contact=ContactFactory(),
    )
    assert FeedbackItem.objects.get(pk=feedback.feedback_item_id).kind == "question"


def test_plain_helpful_vote_is_only_counted(scoped):
    article = ArticleTranslationFactory().article
    feedback = services.article_feedback_submit(article=article, language="ja", helpful=True)
    assert feedback.feedback_item_id is None
    assert FeedbackItem.objects.count() == 0


def test_contact_lookup_is_scoped(tenant, other_tenant, mailoutbox):
    with tenant_scope(other_tenant):
        ContactFactory(email="theirs@x.example")
    with tenant_scope(tenant):
        assert not services.magic_link_send(
            email="theirs@x.example", base_url="http://t/", language="en"
        )
    with cross_tenant("tenant-admin"):
        assert Contact.objects.unscoped().count() == 1
    with cross_tenant("tenant-admin"):
        assert Article.objects.unscoped().count() == 0


def test_magic_links_to_one_address_are_limited_per_hour(scoped, mailoutbox):
    ContactFactory(email="busy@customer.example")
    sent = [
        services.magic_link_send(email="busy@customer.example", base_url="http://t/", language="ja")
        for _ in range(7)
    ]
    assert sent == [True] * 5 + [False] * 2
    assert len(mailoutbox) == 5
