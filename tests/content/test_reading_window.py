"""Account 360's reading panel looks back over the engagement measure's window, so "nothing
read" there and an engagement of 0 in the score mean the same days (issue #17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content.plugins import account_reading_context, success_plan_panel_context
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from healthscore.selectors import engagement_default_days, engagement_window
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


def test_the_window_and_the_reading_are_one_statement_per_page_view(scoped, rf):
    """The success plan's and reading panels' contexts both ask; the window is worked out in
    the reading's call (no read of the latest score before it)."""
    contact = ContactFactory()
    _scored_with_engagement_days(contact.account, 60)
    request = rf.get("/")
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        for context in (success_plan_panel_context, account_reading_context):
            found = context(request, contact.account)
    statements = [q["sql"] for q in captured.captured_queries]
    assert len([s for s in statements if "junkan_account_reading(" in s]) == 1
    assert not [s for s in statements if "healthscore" in s]
    assert found["window_days"] == 60


@pytest.mark.parametrize(
    "components",
    [
        None,
        [],
        [{"measure": "usage", "weight": 1}],
        [{"measure": "engagement", "weight": 1}],
        [{"measure": "engagement", "weight": 1, "params": {"days": 0}}],
        [{"measure": "engagement", "weight": 1, "params": {"days": None}}],
        [{"measure": "engagement", "weight": 1, "params": {"days": 45}}],
        [
            {"measure": "usage", "weight": 1, "params": {"days": 7}},
            {"measure": "engagement", "weight": 1, "params": {"days": 14}},
            {"measure": "engagement", "weight": 1, "params": {"days": 90}},
        ],
    ],
)
def test_the_sql_window_is_engagement_windows(scoped, components):
    """`junkan_engagement_days` (healthscore 0038) gives `engagement_window`'s days."""
    account = AccountFactory()
    if components is not None:
        version = ScorecardVersionFactory(definition={"components": components})
        HealthScoreFactory(account=account, version=version, day=timezone.localdate())
        older = ScorecardVersionFactory(definition=default_definition())
        HealthScoreFactory(
            account=account, version=older, day=timezone.localdate() - dt.timedelta(days=1)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT junkan_engagement_days(%s, %s, %s)",
            [scoped.pk, account.pk, engagement_default_days()],
        )
        [(days,)] = cursor.fetchall()
    assert days == engagement_window(account=account).days


def test_the_window_ends_today_in_the_tenants_time_zone(scoped, rf):
    """A view at the window's first instant is read, one just before it is not."""
    contact = ContactFactory()
    _scored_with_engagement_days(contact.account, 7)
    since = engagement_window(account=contact.account).since
    for title, at in (("first", since), ("before", since - dt.timedelta(microseconds=1))):
        article = ArticleFactory()
        ArticleTranslationFactory(article=article, language="ja", title=title)
        ArticleViewFactory(article=article, contact=contact, viewed_at=at)
    context = account_reading_context(rf.get("/"), contact.account)
    assert [r["title"] for r in context["reading"]] == ["first"]


def test_the_reading_function_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(other_tenant):
        contact = ContactFactory()
        _read(contact, days_ago=1, title="theirs")
        _scored_with_engagement_days(contact.account, 60)
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT junkan_engagement_days(%s, %s, 30),"
            " (SELECT r_reading FROM junkan_account_reading(%s, %s, %s, 'UTC', 30, 20))",
            [other_tenant.pk, contact.account_id] * 2 + [timezone.localdate()],
        )
        assert cursor.fetchall() == [(30, None)]


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
