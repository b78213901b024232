"""Account 360's content panels read the site's primary domain and the account's reading in
one call of `junkan_account_content` (content 0007), planned once per connection: what
`site_domain_primary` and `reading_for_account` read, and no other tenant's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.selectors import reading_for_account, site_domain_primary, translation_pick
from content.selectors.account_page import account_reading_in_window
from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from healthscore.selectors import engagement_window
from tests.content.factories import (
    ArticleFactory,
    ArticleTranslationFactory,
    ArticleViewFactory,
    SiteDomainFactory,
)
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def _reading(rows, language: str) -> list[tuple]:
    return [
        (r.article.pk, r.article.slug, r.views, r.readers, r.last_read,
         translation_pick(article=r.article, language=language).title)
        for r in rows
    ]  # fmt: skip


def _account_that_read():
    account = AccountFactory()
    ana, ben = ContactFactory(account=account), ContactFactory(account=account)
    now = timezone.now()
    both, ja_only, old = ArticleFactory(), ArticleFactory(), ArticleFactory()
    ArticleTranslationFactory(article=both, language="en", title="Getting started")
    ArticleTranslationFactory(article=both, language="ja", title="はじめに")
    ArticleTranslationFactory(article=ja_only, language="ja", title="請求")
    ArticleViewFactory(article=both, contact=ana, viewed_at=now - dt.timedelta(days=5))
    ArticleViewFactory(article=both, contact=ben, viewed_at=now - dt.timedelta(days=1))
    ArticleViewFactory(article=ja_only, contact=ana, viewed_at=now - dt.timedelta(days=2))
    ArticleViewFactory(article=old, contact=ana, viewed_at=now - dt.timedelta(days=40))
    ArticleViewFactory(article=ja_only, contact=ContactFactory())  # another account's
    return account


def test_the_content_panels_read_the_domain_and_reading_in_one_call(scoped):
    account = _account_that_read()
    SiteDomainFactory(domain="b.example", is_primary=True, verified_at=timezone.now())
    with request_memo_scope(), CaptureQueriesContext(connection) as captured:
        reading = account_reading_in_window(account_id=account.pk).reading
        domain = site_domain_primary()
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert "junkan_account_reading(" in statement
    since = engagement_window(account=account).since
    assert domain == site_domain_primary() == "b.example"
    expected = reading_for_account(account_id=account.pk, since=since)
    assert len(reading) == 2
    for language in ("ja", "en"):
        assert _reading(reading, language) == _reading(expected, language)


def test_no_reading_and_no_verified_domain(scoped):
    SiteDomainFactory(domain="a.example", is_primary=False, verified_at=None)
    with request_memo_scope():
        found = account_reading_in_window(account_id=AccountFactory().pk)
        assert found.reading == [] and site_domain_primary() is None


def test_the_content_function_sees_only_the_tenant_in_scope(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = _account_that_read()
        SiteDomainFactory(is_primary=True, verified_at=timezone.now())
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM junkan_account_content(%s, %s, now() - interval '30 days', 20)",
            [other_tenant.pk, theirs.pk],
        )
        assert cursor.fetchall() == [(None, None)]
