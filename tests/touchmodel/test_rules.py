"""Actions by tier, the once-per-episode guarantee, and the record of every firing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.extensions import (
    Recommendation,
    RecommendedArticle,
    register_content_recommender,
    unregister_content_recommender,
)
from cs_platform.scoping import tenant_scope
from cs_platform.sql import insert_ignore_returning
from journeys.models import Task
from tests.factories import AccountFactory, ContactFactory, ContractFactory, UserFactory
from touchmodel.models import OutboundEmail, RuleFiring, SeminarRegistration
from touchmodel.selectors import rule_test
from touchmodel.services import rules_evaluate

from .factories import AccountTierFactory, EmailOptOutFactory, RuleFactory, SeminarFactory

pytestmark = pytest.mark.django_db


def _renewing(tier: str, **account_fields):
    account = AccountFactory(**account_fields)
    AccountTierFactory(account=account, tier=tier)
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=10))
    return account


@pytest.fixture
def rule(scoped):
    return RuleFactory(trigger="renewal_due", params={"days": 30}, due_in_days=5)


def test_high_touch_creates_a_task_for_the_owner_with_due_date_and_checklist(rule):
    owner = UserFactory()
    account = _renewing("high", owner=owner)
    rules_evaluate()
    firing = RuleFiring.objects.get()
    task = Task.objects.get(account=account)
    assert (task.assignee, task.due_date, task.source_key) == (
        owner,
        timezone.localdate() + dt.timedelta(days=5),
        firing.source_key,
    )
    assert [item["text"] for item in task.checklist] == ["Review usage", "Book a call"]
    assert (firing.status, firing.action, firing.result["task_id"]) == ("done", "task", task.pk)


def test_low_touch_invites_contacts_to_the_next_fitting_seminar(rule):
    account = _renewing("low")
    contact = ContactFactory(account=account)
    SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=20))
    soonest = SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=3))
    rules_evaluate()
    registration = SeminarRegistration.objects.get()
    assert (registration.seminar, registration.contact, registration.status) == (
        soonest,
        contact,
        "invited",
    )
    email = OutboundEmail.objects.get()
    assert (email.template, email.to_email) == ("seminar_invitation", contact.email)


def test_low_touch_skips_a_full_seminar(rule):
    account = _renewing("low")
    ContactFactory(account=account)
    full = SeminarFactory(capacity=0, starts_at=timezone.now() + dt.timedelta(days=2))
    later = SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=9))
    rules_evaluate()
    assert RuleFiring.objects.get().result["seminar_id"] == later.pk
    assert full.registrations.count() == 0


def test_low_touch_without_a_seminar_is_recorded_as_skipped(rule):
    ContactFactory(account=_renewing("low"))
    rules_evaluate()
    firing = RuleFiring.objects.get()
    assert firing.status == "skipped"
    assert "seminar" in firing.result["reason"]


def test_tech_touch_emails_recommended_articles_to_the_contacts(rule):
    account = _renewing("tech")
    contact = ContactFactory(account=account)

    def recommend(readers):
        guide = RecommendedArticle(
            "start", "はじめてのガイド", "https://help.example/getting-started"
        )
        return {r.contact.pk: Recommendation(articles=[guide]) for r in readers}

    register_content_recommender(recommend)
    try:
        rules_evaluate()
    finally:
        unregister_content_recommender(recommend)
    email = OutboundEmail.objects.get()
    assert email.to_email == contact.email
    assert "https://help.example/getting-started" in email.body_text
    assert email.firing == RuleFiring.objects.get()


def test_tech_touch_without_articles_links_the_learn_site_signed_for_the_contact(rule, tenant):
    ContactFactory(account=_renewing("tech"))
    rules_evaluate()
    assert f"/learn/{tenant.slug}/go/" in OutboundEmail.objects.get().body_text


def test_tech_touch_never_emails_an_opted_out_contact(rule):
    account = _renewing("tech")
    contact = ContactFactory(account=account)
    EmailOptOutFactory(email=contact.email)
    rules_evaluate()
    assert OutboundEmail.objects.count() == 0
    assert RuleFiring.objects.get().status == "skipped"


def test_an_action_turned_off_for_the_tier_is_skipped(rule):
    rule.act_high = False
    rule.save()
    _renewing("high")
    rules_evaluate()
    assert (RuleFiring.objects.get().action, Task.objects.count()) == ("none", 0)


def test_a_rule_fires_once_per_account_per_episode(rule):
    _renewing("high")
    rules_evaluate()
    rules_evaluate()
    assert (RuleFiring.objects.count(), Task.objects.count()) == (1, 1)


def test_a_new_episode_fires_again(rule):
    account = _renewing("high")
    rules_evaluate()
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=3))
    rules_evaluate()
    assert RuleFiring.objects.filter(account=account).count() == 2


def test_a_second_claim_of_the_same_episode_inserts_nothing(rule):
    account = AccountFactory()

    def claim():
        return insert_ignore_returning(
            [RuleFiring(rule=rule, account=account, episode_key="e1", tier="high")]
        )

    assert len(claim()) == 1
    assert claim() == []


def test_a_claim_pointing_at_another_tenants_account_is_refused(rule, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    ours = AccountFactory()
    claims = [
        RuleFiring(rule=rule, account_id=ours.pk, episode_key="e1", tier="high"),
        RuleFiring(rule=rule, account_id=theirs.pk, episode_key="e1", tier="high"),
    ]
    with pytest.raises(ValidationError):
        insert_ignore_returning(claims)
    assert RuleFiring.objects.count() == 0


def test_a_failing_action_is_recorded_and_not_retried(rule, monkeypatch):
    _renewing("high")

    def boom(**kwargs):
        raise RuntimeError("journeys is down")

    monkeypatch.setattr("touchmodel.integrations.create_task", boom)
    monkeypatch.setattr("touchmodel.integrations.create_tasks", boom)
    rules_evaluate()
    rules_evaluate()
    firing = RuleFiring.objects.get()
    assert firing.status == "failed"
    assert "journeys is down" in firing.error


def test_inactive_rules_do_not_fire(rule):
    rule.is_active = False
    rule.save()
    _renewing("high")
    assert rules_evaluate().fired == 0


def test_test_mode_lists_accounts_and_actions_without_side_effects(rule):
    high = _renewing("high", name="高")
    rows = rule_test(rule=rule)
    assert [(r["account_id"], r["action"]) for r in rows] == [(high.pk, "task")]
    assert (RuleFiring.objects.count(), Task.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("language", "says"), [("ja", "に更新日を迎えます。"), ("en", "Renews on ")]
)
def test_test_mode_says_why_in_the_readers_language(rule, language, says):
    _renewing("high", name="高")
    with translation.override(language):
        (row,) = rule_test(rule=rule)
    assert says in row["detail"]
    assert row["why"]["why"] == "renewal_due"
    assert row["why"]["on"] in row["detail"]


def test_a_reason_stored_before_reasons_were_data_keeps_its_text():
    from touchmodel.selectors import why_text

    assert why_text("renews 2026-12-01") == "renews 2026-12-01"
    with translation.override("en"):
        assert why_text({"why": "health_below", "score": 35, "threshold": 40}) == (
            "Health score 35, below 40."
        )


@pytest.mark.parametrize(
    ("language", "seminar", "contact"),
    [
        (
            "ja",
            "セミナー「説明会」を欠席しました。",
            "経営層の新しい担当者が加わりました: 山田 太郎。",
        ),
        ("en", "Missed the seminar “Briefing”.", "New executive-level contact: 山田 太郎."),
    ],
)
def test_a_reason_names_the_seminar_and_the_contact_not_their_ids(
    scoped, language, seminar, contact
):
    from touchmodel.selectors.rules import why_texts

    held = SeminarFactory(title_ja="説明会", title_en="Briefing")
    person = ContactFactory(name="山田 太郎")
    details = [
        {"why": "seminar_missed", "seminar": held.pk},
        {"why": "executive_contact", "contact": person.pk},
    ]
    with translation.override(language):
        assert why_texts(details) == [seminar, contact]


def test_test_mode_leaves_out_episodes_already_fired(rule):
    _renewing("high")
    rules_evaluate()
    assert rule_test(rule=rule) == []


# --- e-mails in each contact's own language -----------------------------------------------------


@pytest.fixture
def recommender():
    def recommend(readers):
        return {
            r.contact.pk: Recommendation(
                articles=[
                    RecommendedArticle(
                        f"start-{r.language}",
                        f"guide-{r.language}",
                        f"https://help.example/{r.language}/start",
                    )
                ]
            )
            for r in readers
        }

    register_content_recommender(recommend)
    yield
    unregister_content_recommender(recommend)


@pytest.fixture
def japanese_tenant(tenant):
    tenant.default_language = "ja"
    tenant.save()
    return tenant


def test_tech_touch_writes_to_an_english_contact_of_a_japanese_tenant_in_english(
    rule, japanese_tenant, recommender
):
    contact = ContactFactory(account=_renewing("tech"), language="en")
    rules_evaluate()
    email = OutboundEmail.objects.get()
    assert (email.language, email.body_text.splitlines()[0]) == ("en", f"Hello {contact.name},")
    assert "https://help.example/en/start" in email.body_text
    assert "Let's follow up." in email.body_text


def test_tech_touch_writes_to_a_contact_without_a_language_in_the_tenants(
    rule, japanese_tenant, recommender
):
    contact = ContactFactory(account=_renewing("tech"), language="")
    rules_evaluate()
    email = OutboundEmail.objects.get()
    assert (email.language, email.body_text.splitlines()[0]) == ("ja", f"{contact.name} 様")
    assert "https://help.example/ja/start" in email.body_text
    assert "フォローしましょう。" in email.body_text


def test_tech_touch_records_the_articles_of_every_language_it_wrote_in(
    rule, japanese_tenant, recommender
):
    account = _renewing("tech")
    ContactFactory(account=account, language="en")
    ContactFactory(account=account)
    rules_evaluate()
    languages = sorted(OutboundEmail.objects.values_list("language", flat=True))
    assert languages == ["en", "ja"]
    assert sorted(RuleFiring.objects.get().result["articles"]) == ["start-en", "start-ja"]


def test_low_touch_invites_an_english_contact_in_english_with_the_english_message(
    rule, japanese_tenant
):
    contact = ContactFactory(account=_renewing("low"), language="en")
    SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=3))
    rules_evaluate()
    email = OutboundEmail.objects.get()
    assert (email.language, email.to_email) == ("en", contact.email)
    assert "Let's follow up." in email.body_text


# --- a chunk acts set-based, and falls back to one firing at a time ------------------------------


@pytest.fixture
def evaluated_queries(monkeypatch):
    """rules_evaluate() and the number of statements it ran, counting those that
    cs_platform.sql sends through psycopg2's execute_values (Django does not see them)."""
    from cs_platform import sql

    raw: list[int] = []
    real = sql.execute_values

    def counted(cursor, statement, rows, **kwargs):
        raw.append(-(-len(rows) // kwargs.get("page_size", 100)))
        return real(cursor, statement, rows, **kwargs)

    monkeypatch.setattr(sql, "execute_values", counted)

    def evaluate() -> int:
        raw.clear()
        with CaptureQueriesContext(connection) as queries:
            rules_evaluate()
        return len(queries.captured_queries) + sum(raw)

    return evaluate


def test_the_queries_of_a_chunk_of_task_firings_do_not_grow_with_its_size(rule, evaluated_queries):
    for _ in range(2):
        _renewing("high")
    few = evaluated_queries()
    for _ in range(8):
        _renewing("high")
    many = evaluated_queries()
    assert (Task.objects.count(), many) == (10, few)


def test_the_queries_of_a_chunk_of_email_firings_do_not_grow_with_its_size(rule, evaluated_queries):
    for _ in range(2):
        ContactFactory(account=_renewing("tech"))
    few = evaluated_queries()
    for _ in range(6):
        ContactFactory(account=_renewing("tech"))
    many = evaluated_queries()
    assert (OutboundEmail.objects.count(), many) == (8, few)


def test_each_email_firing_records_the_ids_of_its_own_emails(rule):
    accounts = [_renewing("tech"), _renewing("tech")]
    for account in accounts:
        ContactFactory(account=account)
        ContactFactory(account=account)
    rules_evaluate()
    for firing in RuleFiring.objects.all():
        emails = OutboundEmail.objects.filter(account_id=firing.account_id)
        assert sorted(firing.result["email_ids"]) == sorted(e.pk for e in emails)
        assert {e.firing_id for e in emails} == {firing.pk}


def test_each_seminar_firing_records_the_ids_of_its_own_invitations(rule):
    SeminarFactory(starts_at=timezone.now() + dt.timedelta(days=3))
    accounts = [_renewing("low"), _renewing("low")]
    for account in accounts:
        ContactFactory(account=account)
    rules_evaluate()
    for firing in RuleFiring.objects.all():
        email = OutboundEmail.objects.get(account_id=firing.account_id)
        assert (firing.status, firing.result["email_ids"]) == ("done", [email.pk])


def test_each_task_firing_records_its_own_task_and_assignee(rule):
    owners = [UserFactory(), UserFactory()]
    accounts = [_renewing("high", owner=owner) for owner in owners]
    rules_evaluate()
    results = {f.account_id: f.result for f in RuleFiring.objects.all()}
    for account, owner in zip(accounts, owners, strict=True):
        task = Task.objects.get(account=account)
        assert (results[account.pk]["task_id"], results[account.pk]["assignee_id"]) == (
            task.pk,
            owner.pk,
        )
        assert task.origin == "touchmodel"


def test_a_firing_whose_action_raises_fails_alone_and_the_others_are_done(rule, monkeypatch):
    from touchmodel.services import email as email_module

    high = _renewing("high")
    broken, fine = _renewing("tech"), _renewing("tech")
    ContactFactory(account=broken)
    ContactFactory(account=fine)
    real_render = email_module._render

    def render(template, language, context):
        if context["account"].pk == broken.pk:
            raise RuntimeError("template broken")
        return real_render(template, language, context)

    monkeypatch.setattr(email_module, "_render", render)
    rules_evaluate()
    statuses = {f.account_id: f.status for f in RuleFiring.objects.all()}
    assert statuses == {high.pk: "done", broken.pk: "failed", fine.pk: "done"}
    assert "template broken" in RuleFiring.objects.get(account=broken).error
    assert (Task.objects.count(), OutboundEmail.objects.get().account) == (1, fine)
