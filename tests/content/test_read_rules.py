"""A reading fires a playbook: "read article X" / "read in the Get Started section" → next step,
once per account, whether the rules run when the read is recorded or at night."""

from __future__ import annotations

import pytest

from content.services import article_view_record, reader_link_path, sections_seed_defaults
from tests.content.factories import ArticleFactory, ArticleTranslationFactory
from tests.factories import ContactFactory
from tests.touchmodel.factories import AccountTierFactory, RuleFactory
from touchmodel.models import Rule, RuleFiring
from touchmodel.services import rules_evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections(scoped):
    return {s.key: s for s in sections_seed_defaults()}


@pytest.fixture
def guide(sections):
    article = ArticleFactory(slug="get-started-guide", section=sections["get-started"])
    ArticleTranslationFactory(article=article, language="ja", title="はじめてのガイド")
    return article


@pytest.fixture
def story(sections):
    article = ArticleFactory(slug="a-customer-story", section=sections["customer-stories"])
    ArticleTranslationFactory(article=article, language="ja", title="導入事例")
    return article


@pytest.fixture
def reader():
    contact = ContactFactory()
    AccountTierFactory(account=contact.account, tier="high")
    return contact


def _read(article, contact):
    article_view_record(article=article, language="ja", contact=contact)


def test_reading_the_watched_article_fires_the_rule_once_at_event_time_and_at_night(guide, reader):
    rule = RuleFactory(trigger="content_read", params={"article": guide.slug})
    _read(guide, reader)
    rules_evaluate(triggers=["content_read"], account_ids=[reader.account_id])
    _read(guide, reader)
    rules_evaluate(triggers=["content_read"], account_ids=[reader.account_id])
    rules_evaluate()
    firing = RuleFiring.objects.get(rule=rule)
    assert (firing.account, firing.episode_key, firing.status) == (
        reader.account,
        "read:article:get-started-guide",
        "done",
    )


def test_a_colleague_reading_the_same_article_does_not_fire_it_again(guide, reader):
    RuleFactory(trigger="content_read", params={"article": guide.slug})
    _read(guide, reader)
    rules_evaluate()
    _read(guide, ContactFactory(account=reader.account))
    rules_evaluate()
    assert RuleFiring.objects.count() == 1


def test_reading_another_article_does_not_fire_an_article_rule(guide, story, reader):
    RuleFactory(trigger="content_read", params={"article": guide.slug})
    _read(story, reader)
    rules_evaluate()
    assert RuleFiring.objects.count() == 0


def test_reading_in_the_watched_section_fires_a_section_rule_once(guide, story, reader):
    rule = RuleFactory(trigger="content_read", params={"section": "get-started"})
    _read(story, reader)
    rules_evaluate()
    assert RuleFiring.objects.count() == 0
    _read(guide, reader)
    rules_evaluate()
    rules_evaluate()
    assert RuleFiring.objects.get(rule=rule).episode_key == "read:section:get-started"


def test_an_anonymous_read_fires_nothing(guide, reader):
    RuleFactory(trigger="content_read", params={"article": guide.slug})
    article_view_record(article=guide, language="ja", session_hash="anonymous")
    rules_evaluate()
    assert RuleFiring.objects.count() == 0


def test_a_click_from_an_email_then_the_rules_fire_the_next_step(client, guide, reader):
    RuleFactory(trigger="content_read", params={"article": guide.slug})
    response = client.get(reader_link_path(contact=reader, article_slug=guide.slug))
    client.get(response["Location"])
    rules_evaluate(triggers=["content_read"], account_ids=[reader.account_id])
    firing = RuleFiring.objects.get()
    assert (firing.account, firing.action, firing.status) == (reader.account, "task", "done")


def test_the_rule_api_accepts_a_published_article_and_refuses_an_unknown_one(admin_api, guide):
    def post(params):
        return admin_api.post(
            "/api/v1/rules/",
            {"name_ja": "ガイドを読んだ", "trigger": "content_read", "params": params},
            format="json",
        )

    assert post({"article": guide.slug}).status_code == 201
    assert post({"section": "get-started"}).status_code == 201
    refused = post({"article": "no-such-article"})
    assert refused.status_code == 400
    assert "no-such-article" in str(refused.json()["params"])
    assert post({"article": guide.slug, "section": "get-started"}).status_code == 400


def test_the_rule_form_offers_the_articles_and_saves_the_watched_one(client, admin_user, guide):
    client.force_login(admin_user)
    page = client.get("/t/acme/touchmodel/rules/new/").content.decode()
    assert 'value="get-started-guide"' in page and "はじめてのガイド" in page
    response = client.post(
        "/t/acme/touchmodel/rules/new/",
        {
            "name_ja": "ガイドを読んだら次へ",
            "trigger": "content_read",
            "article": guide.slug,
            "act_high": "on",
            "due_in_days": 7,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert RuleFiring.objects.count() == 0
    assert Rule.objects.get().params == {"article": "get-started-guide"}
