"""Anonymous "not helpful" answers and comments: throttled, held for review, and only an
approved one reaches the voice of the customer; each decision is in the audit log."""

from __future__ import annotations

import pytest
from django.test import override_settings

from content import services
from content.models import ArticleFeedback
from cs_platform.models import AuditEvent
from cs_platform.ratelimit import Limit, rate_limit_clear
from journeys.models import FeedbackItem
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, SectionFactory
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

PAGE = "/t/acme/content/feedback/"


@pytest.fixture
def article(scoped):
    section = SectionFactory(key="get-started", name_ja="はじめに", name_en="Get Started")
    article = ArticleFactory(section=section, slug="edit-company-page")
    ArticleTranslationFactory(article=article, language="ja", title="会社ページを編集する")
    ArticleTranslationFactory(article=article, language="en", title="Edit your company page")
    return article


def _anonymous(article, helpful=False, comment=""):
    return services.article_feedback_submit(
        article=article, language="ja", helpful=helpful, comment=comment
    )


def test_anonymous_no_and_comments_wait_for_review_yes_and_known_readers_do_not(article):
    held_no = _anonymous(article)
    held_comment = _anonymous(article, helpful=True, comment="もっと例がほしい")
    plain_yes = _anonymous(article, helpful=True)
    known = services.article_feedback_submit(
        article=article,
        language="ja",
        helpful=False,
        comment="分からない",
        contact=ContactFactory(),
    )

    assert [f.moderation for f in (held_no, held_comment, plain_yes, known)] == [
        "pending",
        "pending",
        "",
        "",
    ]
    assert list(FeedbackItem.objects.values_list("quote", flat=True)) == ["分からない"]


def test_approving_puts_it_in_the_voice_of_the_customer_once_and_audits_it(article, csm_user):
    feedback = _anonymous(article, comment="ロゴが消えた")

    services.article_feedback_moderate(feedback=feedback, approve=True, actor=csm_user)
    services.article_feedback_moderate(feedback=feedback, approve=False, actor=csm_user)

    feedback.refresh_from_db()
    assert (feedback.moderation, feedback.moderated_by) == ("approved", csm_user)
    item = FeedbackItem.objects.get()
    assert (item.pk, item.quote, item.kind) == (
        feedback.feedback_item_id,
        "ロゴが消えた",
        "pain_point",
    )
    event = AuditEvent.objects.get(target_id=feedback.pk)
    assert (event.action, event.actor_user, event.changes["moderation"]) == (
        "article_feedback.approved",
        csm_user,
        ["pending", "approved"],
    )


def test_rejecting_keeps_it_out_of_the_voice_and_of_the_helpful_ratio(article, csm_user):
    from content.selectors import article_reach

    feedback = _anonymous(article, comment="spam spam")
    _anonymous(article, helpful=True)

    services.article_feedback_moderate(feedback=feedback, approve=False, actor=csm_user)

    assert not FeedbackItem.objects.exists()
    assert AuditEvent.objects.get(target_id=feedback.pk).action == "article_feedback.rejected"
    row = article_reach()[article.pk]
    assert (row.helpful_yes, row.helpful_no) == (1, 0)


def test_the_review_page_counts_lists_and_decides(client, article, csm_user):
    keep, drop = _anonymous(article, comment="例がほしい"), _anonymous(article, comment="宣伝です")
    _anonymous(article, helpful=True)  # nothing to review
    client.force_login(csm_user)

    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="count-pending">2<' in page
    assert "例がほしい" in page and "宣伝です" in page

    client.post(PAGE, {"feedback": keep.pk, "decision": "approve"})
    client.post(PAGE, {"feedback": drop.pk, "decision": "reject"})

    page = client.get(PAGE).content.decode()
    assert 'data-testid="count-pending">0<' in page
    assert 'data-testid="count-approved">1<' in page
    assert 'data-testid="count-rejected">1<' in page
    rejected = client.get(PAGE, {"status": "rejected"}).content.decode()
    assert "宣伝です" in rejected and "例がほしい" not in rejected
    assert FeedbackItem.objects.get().quote == "例がほしい"


def test_a_bad_decision_is_refused_and_an_unknown_or_unheld_answer_is_404(
    client, article, csm_user
):
    plain_yes = _anonymous(article, helpful=True)
    client.force_login(csm_user)

    bad = client.post(PAGE, {"feedback": "x", "decision": "approve"}, follow=True)
    assert bad.status_code == 200 and "承認か却下を選んでください" in bad.content.decode()
    assert client.post(PAGE, {"feedback": plain_yes.pk, "decision": "approve"}).status_code == 404
    assert client.post(PAGE, {"feedback": 999999, "decision": "reject"}).status_code == 404
    assert not FeedbackItem.objects.exists()


def test_a_viewer_may_not_review(client, article, viewer_user):
    feedback = _anonymous(article, comment="x")
    client.force_login(viewer_user)

    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"feedback": feedback.pk, "decision": "approve"}).status_code == 403
    assert ArticleFeedback.objects.get().moderation == "pending"


def test_another_tenants_feedback_is_404(client, article, csm_user, other_tenant):
    from cs_platform.scoping import tenant_scope

    with tenant_scope(other_tenant):
        theirs = _anonymous(ArticleTranslationFactory().article, comment="theirs")
    client.force_login(csm_user)

    assert client.post(PAGE, {"feedback": theirs.pk, "decision": "approve"}).status_code == 404


@pytest.fixture
def low_limits(article):
    addresses = ["198.51.100.7", "198.51.100.8", "198.51.100.9"]
    limits = [Limit("content-feedback-address", a, 0, 3600) for a in addresses] + [
        Limit("content-feedback-article", f"{article.tenant_id}:{article.pk}", 0, 3600)
    ]
    rate_limit_clear(*limits)
    with override_settings(
        CONTENT_FEEDBACK_PER_ADDRESS_PER_HOUR=2, CONTENT_FEEDBACK_PER_ARTICLE_PER_HOUR=3
    ):
        yield addresses
    rate_limit_clear(*limits)


URL = "/learn/acme/a/edit-company-page/feedback/"


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("ja", "短時間に多くの回答"), ("en", "Too many answers were sent")],
)
def test_one_address_is_throttled_with_a_429_that_says_when(client, low_limits, language, sentence):
    client.defaults.update(REMOTE_ADDR=low_limits[0])
    answers = [client.post(URL, {"helpful": "no", "lang": language}).status_code for _ in range(3)]
    refused = client.post(f"{URL}?lang={language}", {"helpful": "no"})

    assert answers == [302, 302, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3601
    assert sentence in refused.content.decode()
    assert ArticleFeedback.objects.count() == 2


def test_one_article_is_throttled_whatever_the_address(client, low_limits):
    answers = [
        client.post(URL, {"helpful": "no"}, REMOTE_ADDR=address).status_code
        for address in [*low_limits, low_limits[2]]
    ]

    assert answers == [302, 302, 302, 429]
    assert ArticleFeedback.objects.count() == 3
