"""Account 360's reading panel looks back over the engagement measure's window, so "nothing
read" there and an engagement of 0 in the score mean the same days (issue #17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from content.plugins import account_reading_context, success_plan_panel_context
from cs_platform.requestmemo import request_memo_scope
from healthscore.selectors import engagement_window
from healthscore.services.scorecards import default_definition
from tests.browser.conftest import signed_in_page
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, ArticleViewFactory
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.django_db


def _read(contact, *, days_ago: int, title: str) -> None:
    article = ArticleFactory()
    ArticleTranslationFactory(article=article, language="ja", title=title)
    ArticleTranslationFactory(article=article, language="en", title=title)
    ArticleViewFactory(
        article=article, contact=contact, viewed_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def _scored_with_engagement_days(account, days: int) -> None:
    definition = default_definition()
    for component in definition["components"]:
        if component["measure"] == "engagement":
            component["params"] = {"days": days}
    HealthScoreFactory(account=account, version=ScorecardVersionFactory(definition=definition))


def test_an_account_without_a_score_reads_over_the_measures_default_window(scoped, rf):
    contact = ContactFactory()
    _read(contact, days_ago=3, title="最近")
    _read(contact, days_ago=45, title="昔")
    context = account_reading_context(rf.get("/"), contact.account)
    assert context["window_days"] == 30
    assert [r["title"] for r in context["reading"]] == ["最近"]


def test_the_panel_follows_the_engagement_window_of_the_version_that_scored_the_account(scoped, rf):
    contact = ContactFactory()
    _read(contact, days_ago=3, title="最近")
    _read(contact, days_ago=45, title="昔")
    _scored_with_engagement_days(contact.account, 60)
    window = engagement_window(account=contact.account)
    assert window.days == 60
    assert window.since == dt.datetime.combine(
        timezone.localdate() - dt.timedelta(days=59), dt.time(), timezone.get_current_timezone()
    )
    context = account_reading_context(rf.get("/"), contact.account)
    assert [r["title"] for r in context["reading"]] == ["最近", "昔"]


def test_the_window_is_worked_out_once_per_page_view(scoped, rf, monkeypatch):
    """The success plan's and reading panels' contexts and their read all ask for it."""
    account = ContactFactory().account
    asked = []
    monkeypatch.setattr(
        "content.plugins.engagement_window",
        lambda *, account: asked.append(account.pk) or engagement_window(account=account),
    )
    request = rf.get("/")
    with request_memo_scope():
        for context in (success_plan_panel_context, account_reading_context):
            context(request, account)
    assert asked == [account.pk]


SAYS = {
    "ja": "直近 60 日間に読まれた記事（ヘルススコアがエンゲージメントを数える期間）",
    "en": "Read in the last 60 days, the window the health score counts engagement over.",
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ja", "en"])
def test_account_360_says_the_window_it_reads_over(
    make_page, live_server, tenant, csm_user, language
):
    from cs_platform.scoping import tenant_scope

    with tenant_scope(tenant):
        contact = ContactFactory(account=AccountFactory(owner=csm_user))
        _read(contact, days_ago=45, title="昔の記事")
        _scored_with_engagement_days(contact.account, 60)
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": contact.account_id}))
    panel = page.get_by_test_id("content-reading")
    assert panel.get_by_test_id("reading-window").inner_text() == SAYS[language]
    assert "昔の記事" in panel.inner_text()
