"""Content in every tech touch: touchmodel's e-mails carry each recipient's picks as links
signed for them, and a click makes the reader known (timeline, engagement, analytics)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import time_machine
from django.utils import timezone

from content.models import ArticleView
from content.selectors import article_reach, reading_effect
from content.services import article_view_record, reader_link_consume
from cs_platform.scoping import tenant_scope
from healthscore.engine.measures import Spec, measure_frame
from journeys.models import Activity
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, SiteDomainFactory
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.touchmodel.factories import AccountTierFactory, RuleFactory, TouchProgramFactory
from touchmodel.models import OutboundEmail, RuleFiring
from touchmodel.selectors import program_effect, rule_effect
from touchmodel.services import rules_evaluate

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/go/\S+")


def _tech_account(**fields):
    account = AccountFactory(**fields)
    AccountTierFactory(account=account, tier="tech")
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=10))
    return account


def _article(slug: str, **fields):
    article = ArticleFactory(slug=slug, **fields)
    ArticleTranslationFactory(article=article, language="ja", title=f"{slug}の記事")
    ArticleTranslationFactory(article=article, language="en", title=f"{slug} article")
    return article


@pytest.fixture
def rule(scoped):
    return RuleFactory(trigger="renewal_due", params={"days": 30})


def _links(email: OutboundEmail) -> list[str]:
    return LINK.findall(email.body_text)


def test_each_recipient_gets_the_picked_articles_as_links_signed_for_them(rule, tenant):
    _article("get-started", tiers=["tech"])
    _article("for-high-touch", tiers=["high"])
    account = _tech_account()
    first, second = ContactFactory(account=account), ContactFactory(account=account)
    rules_evaluate()
    for contact in (first, second):
        email = OutboundEmail.objects.get(contact=contact)
        assert "get-startedの記事" in email.body_text
        assert "for-high-touch" not in email.body_text
        [link] = _links(email)
        url = urlsplit(link)
        assert url.path.startswith(f"/learn/{tenant.slug}/go/")
        assert parse_qs(url.query) == {"next": ["get-started"]}
        assert reader_link_consume(token=url.path.split("/")[-2]) == contact
        assert link in email.body_html
    assert _links(OutboundEmail.objects.get(contact=first)) != _links(
        OutboundEmail.objects.get(contact=second)
    )
    assert RuleFiring.objects.get().result["articles"] == ["get-started"]


def test_an_english_recipient_gets_the_english_titles(rule):
    _article("get-started")
    contact = ContactFactory(account=_tech_account(), language="en")
    rules_evaluate()
    email = OutboundEmail.objects.get(contact=contact)
    assert "get-started article" in email.body_text and "の記事" not in email.body_text


def test_a_recipient_who_read_everything_gets_a_signed_link_to_the_home_page(rule, tenant):
    contact = ContactFactory(account=_tech_account())
    rules_evaluate()
    [link] = _links(OutboundEmail.objects.get())
    url = urlsplit(link)
    assert (url.path.startswith(f"/learn/{tenant.slug}/go/"), url.query) == (True, "")
    assert reader_link_consume(token=url.path.split("/")[-2]) == contact


def test_links_point_at_the_primary_custom_domain(rule):
    SiteDomainFactory(domain="help.customer.example", verified_at=timezone.now(), is_primary=True)
    _article("get-started")
    ContactFactory(account=_tech_account())
    rules_evaluate()
    [link] = _links(OutboundEmail.objects.get())
    assert link.startswith("https://help.customer.example/go/")
    assert link.endswith("/?next=get-started")


def _follow(client, link: str, **headers):
    url = urlsplit(link)
    return client.get(f"{url.path}?{url.query}" if url.query else url.path, **headers)


def test_a_click_signs_the_reader_in_and_records_the_read_on_the_accounts_timeline(
    rule, client, tenant
):
    _article("get-started")
    contact = ContactFactory(account=_tech_account())
    rules_evaluate()
    [link] = _links(OutboundEmail.objects.get())
    response = _follow(client, link)
    assert (response.status_code, response["Location"]) == (302, "/learn/acme/a/get-started/")
    assert client.get(response["Location"]).status_code == 200
    view = ArticleView.objects.get()
    assert (view.contact, view.account, view.article.slug) == (
        contact,
        contact.account,
        "get-started",
    )
    activity = Activity.objects.get(account=contact.account, kind="content_view")
    assert (activity.contact, activity.data["slug"]) == (contact, "get-started")


def test_an_expired_link_is_refused_with_a_page_that_says_so(rule, client):
    _article("get-started")
    ContactFactory(account=_tech_account())
    rules_evaluate()
    [link] = _links(OutboundEmail.objects.get())
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        response = _follow(client, link, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This link has expired" in response.content.decode()
    assert ArticleView.objects.count() == 0


def test_a_link_of_another_tenant_is_refused_on_this_tenants_site(rule, client, other_tenant):
    _article("get-started")
    ContactFactory(account=_tech_account())
    rules_evaluate()
    [link] = _links(OutboundEmail.objects.get())
    token = urlsplit(link).path.split("/")[-2]
    with tenant_scope(other_tenant):
        ArticleFactory(slug="get-started")
    response = client.get(
        f"/learn/{other_tenant.slug}/go/{token}/?next=get-started", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "This link is not valid for this site." in response.content.decode()
    with tenant_scope(other_tenant):
        assert ArticleView.objects.count() == 0


def test_a_read_from_an_email_counts_in_engagement_and_in_the_content_analytics(
    rule, client, tenant
):
    article = _article("get-started")
    contact = ContactFactory(account=_tech_account())
    rules_evaluate()
    [link] = _links(OutboundEmail.objects.get())
    client.get(_follow(client, link)["Location"])

    spec = Spec("engagement", 30)
    accounts = pd.DataFrame({"seats": [50.0]}, index=[contact.account_id])
    frame = measure_frame(
        tenant_id=tenant.pk,
        tz=tenant.tzinfo,
        accounts=accounts,
        as_of=timezone.localdate(),
        specs={spec},
    )
    assert frame.loc[contact.account_id, spec] == 1
    reach = article_reach()[article.pk]
    assert (reach.known_views, reach.accounts_reached) == (1, 1)
    assert reading_effect(article_ids=[article.pk]).reader_accounts == 1


def test_reads_an_email_brought_count_for_its_rules_program_in_the_effect_chain(scoped, client):
    # An e-mail campaign: reads count for it only when its e-mails brought them (a content
    # track counts every known read, e-mailed or not).
    program = TouchProgramFactory(kind="email_campaign", tier="tech")
    rule = RuleFactory(trigger="renewal_due", params={"days": 30}, program=program)
    other = TouchProgramFactory(kind="email_campaign", tier="tech")
    article = _article("get-started")
    contact = ContactFactory(account=_tech_account())
    rules_evaluate()
    firing = RuleFiring.objects.get()
    [link] = _links(OutboundEmail.objects.get())
    client.get(_follow(client, link)["Location"])
    activity = Activity.objects.get(account=contact.account, kind="content_view")
    assert activity.data["ref"] == f"firing:{firing.pk}"

    # An organic read by the same known reader, without an e-mail link, is nobody's touch.
    article_view_record(article=article, language="ja", contact=contact)
    assert program_effect(program=program)["activity"]["by_kind"] == {
        "email": 1,
        "article_read": 1,
    }
    assert rule_effect(rule=rule)["activity"]["by_kind"] == {"email": 1, "article_read": 1}
    assert program_effect(program=other)["activity"]["touches"] == 0


def test_reads_a_day_after_the_click_are_the_readers_own(rule, client):
    _article("get-started")
    later = _article("later")
    contact = ContactFactory(account=_tech_account())
    rules_evaluate()
    link = next(u for u in _links(OutboundEmail.objects.get()) if u.endswith("=get-started"))
    client.get(_follow(client, link)["Location"])
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        assert client.get(f"/learn/acme/a/{later.slug}/").status_code == 200
    reads = Activity.objects.filter(account=contact.account, kind="content_view")
    refs = {a.data["slug"]: a.data.get("ref") for a in reads}
    assert refs == {"get-started": f"firing:{RuleFiring.objects.get().pk}", "later": None}
    assert {a.contact for a in reads} == {contact}
