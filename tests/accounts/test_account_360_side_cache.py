"""Account 360's side panels (touch tier and relationship map, survey answers, voice of the
customer, success plan, Learn & Support reading), its health header and its own contacts and
contracts are kept as HTML per account under the account's version (issue #16): a repeat view
reads none of their tables, and each kind of write that changes what they show is on the page
at the next view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import views as account_views
from accounts.models import Account
from accounts.services import contact_create, contact_delete, contact_update, contract_renew
from content.models import SiteDomain
from cs_platform.degraded import FailOpenRedisCache
from cs_platform.models import Tenant, User
from cs_platform.scoping import tenant_scope
from tests.accounts.account_360 import panel, view, without_tokens
from tests.content.factories import (
    ArticleTranslationFactory,
    ArticleViewFactory,
    SiteDomainFactory,
)
from tests.factories import AccountFactory, ContactFactory, ContractFactory
from tests.healthscore.factories import (
    HealthScoreFactory,
    HealthScoreNowFactory,
    ScorecardVersionFactory,
    SurveyResponseFactory,
)
from tests.journeys.factories import FeedbackItemFactory
from tests.touchmodel.factories import (
    AccountTierFactory,
    ChampionNominationFactory,
    TierRuleFactory,
    UserGroupFactory,
    UserGroupMemberFactory,
)
from touchmodel.models import TierRule, UserGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def seen(tenant, manager_user):
    """An account with a contact, a tier by rule, a nightly score, viewed once."""
    with tenant_scope(tenant):
        account = AccountFactory(owner=manager_user)
        contact = ContactFactory(account=account, name="鈴木 一郎", relationship_level="manager")
        rule = TierRuleFactory(name="大口の規則")
        AccountTierFactory(account=account, tier="high", source="rule", rule=rule)
        version = ScorecardVersionFactory()
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        HealthScoreFactory(account=account, version=version, day=yesterday, score=71)
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": account, "contact": contact, "rule": rule}
    state["version"] = version
    view(state)
    return state


SIDE_TABLES = (
    "touchmodel_",
    "healthscore_surveyresponse",
    "journeys_feedbackitem",
    "content_",
    "healthscore_healthscorenow",
    "journeys_journeymap",
)


def test_a_repeat_view_reads_none_of_the_side_panels_tables(seen):
    before = view(seen)
    with CaptureQueriesContext(connection) as again:
        after = view(seen)
    assert without_tokens(after) == without_tokens(before)
    read = [q["sql"] for q in again if any(t in q["sql"] for t in SIDE_TABLES)]
    assert not read, read


def test_a_survey_answer_shows_at_once(tenant, seen):
    with tenant_scope(tenant):
        SurveyResponseFactory(account=seen["account"], score=3, comment="遅い")
    assert "遅い" in panel(view(seen), "surveys-panel")


def test_feedback_shows_at_once(tenant, seen):
    with tenant_scope(tenant):
        FeedbackItemFactory(account=seen["account"], quote="CSV出力がほしい")
    assert "CSV出力がほしい" in panel(view(seen), "feedback-panel")


def test_an_award_a_group_and_its_new_name_show_at_once(tenant, seen):
    with tenant_scope(tenant):
        ChampionNominationFactory(contact=seen["contact"], status="awarded", award_title="年間MVP")
    assert "年間MVP" in panel(view(seen), "touch-panel")
    with tenant_scope(tenant):
        group = UserGroupFactory(name_ja="分科会A")
        UserGroupMemberFactory(contact=seen["contact"], group=group)
    assert "分科会A" in panel(view(seen), "touch-panel")
    with tenant_scope(tenant):
        UserGroup.objects.filter(pk=group.pk).update(name_ja="分科会B")
    assert "分科会B" in panel(view(seen), "touch-panel")


def test_a_renamed_tier_rule_shows_at_once(tenant, seen):
    assert "大口の規則" in panel(view(seen), "touch-panel")
    with tenant_scope(tenant):
        TierRule.objects.filter(pk=seen["rule"].pk).update(name="新しい規則")
    assert "新しい規則" in panel(view(seen), "touch-panel")


def test_a_primary_domain_shows_as_the_success_plans_address_at_once(tenant, seen):
    with tenant_scope(tenant):
        domain = SiteDomainFactory(domain="help.customer.example", verified_at=timezone.now())
    assert "help.customer.example" not in panel(view(seen), "plan-panel")
    with tenant_scope(tenant):
        SiteDomain.objects.filter(pk=domain.pk).update(is_primary=True)
    assert "help.customer.example" in panel(view(seen), "plan-panel")


def test_an_article_read_shows_at_once(tenant, seen):
    with tenant_scope(tenant):
        article = ArticleTranslationFactory(title="請求書の見方").article
    assert "請求書の見方" not in panel(view(seen), "content-reading")  # kept after the article
    with tenant_scope(tenant):
        ArticleViewFactory(article=article, contact=seen["contact"])
    assert "請求書の見方" in panel(view(seen), "content-reading")


def test_an_intra_day_score_shows_in_the_header_at_once(tenant, seen):
    with tenant_scope(tenant):
        HealthScoreNowFactory(account=seen["account"], version=seen["version"], score=33.0)
    body = view(seen)
    assert 'data-testid="health-now-score">33<' in body


def test_another_accounts_writes_keep_this_accounts_panels(tenant, seen):
    with tenant_scope(tenant):
        other = AccountFactory()
        SurveyResponseFactory(account=other, score=3)
        FeedbackItemFactory(account=other)
    view(seen)
    with CaptureQueriesContext(connection) as again:
        view(seen)
    read = [q["sql"] for q in again if any(t in q["sql"] for t in SIDE_TABLES)]
    assert not read, read


# The page's own contacts and contracts (accounts.views.RELATIONS) -------------------------


def test_a_repeat_view_reads_only_the_signed_in_member_and_the_versions(seen):
    view(seen)
    with CaptureQueriesContext(connection) as again:
        view(seen)
    assert len(again) <= 2, [q["sql"][:120] for q in again]


def test_a_renamed_account_or_owner_shows_at_once(tenant, seen, manager_user):
    with tenant_scope(tenant):
        Account.objects.filter(pk=seen["account"].pk).update(name="改名後の会社")
    assert "改名後の会社" in panel(view(seen), "account-header")
    User.objects.filter(pk=manager_user.pk).update(full_name="新しい 担当者")
    assert "新しい 担当者" in panel(view(seen), "account-header")


def test_an_account_deleted_is_a_404_at_once_and_an_id_made_later_is_its_page(tenant, seen):
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": seen["account"].pk})
    with tenant_scope(tenant):
        Account.objects.filter(pk=seen["account"].pk).delete()
    assert seen["client"].get(url).status_code == 404
    with tenant_scope(tenant):
        AccountFactory(pk=seen["account"].pk, name="同じ番号の新しい会社")
    assert "同じ番号の新しい会社" in view(seen)


def test_another_tenants_account_is_a_404(other_tenant, seen):
    with tenant_scope(other_tenant):
        foreign = AccountFactory()
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": foreign.pk})
    assert seen["client"].get(url).status_code == 404
    assert seen["client"].get(url).status_code == 404


def test_a_repeat_view_in_the_same_process_asks_the_cache_for_no_panel(seen, monkeypatch):
    view(seen)
    asked: list[str] = []
    get_many = FailOpenRedisCache.get_many

    def recording(self, keys, *args, **kwargs):
        asked.extend(keys)
        return get_many(self, keys, *args, **kwargs)

    monkeypatch.setattr(FailOpenRedisCache, "get_many", recording)
    view(seen)
    assert not [key for key in asked if ":accounts.panel." in key], asked


def test_a_repeat_view_serves_its_kept_content_without_reading_its_panels(seen, monkeypatch):
    before = view(seen)
    monkeypatch.setattr(account_views, "_panels", lambda *args: pytest.fail("panels read"))
    assert without_tokens(view(seen)) == without_tokens(before)


def test_the_workspaces_new_currency_shows_at_once(tenant, seen):
    assert "¥" in panel(view(seen), "account-header")
    Tenant.objects.filter(pk=tenant.pk).update(currency="USD")
    assert "$" in panel(view(seen), "account-header")


def test_a_contact_added_edited_or_deleted_shows_at_once(tenant, seen):
    with tenant_scope(tenant):
        added = contact_create(account=seen["account"], name="高橋 三郎")
    assert "高橋 三郎" in panel(view(seen), "contacts")
    with tenant_scope(tenant):
        contact_update(contact=added, name="高橋 四郎", relationship_level="executive")
    body = panel(view(seen), "contacts")
    assert "高橋 四郎" in body and "高橋 三郎" not in body
    with tenant_scope(tenant):
        contact_delete(contact=added)
    assert "高橋 四郎" not in panel(view(seen), "contacts")


def test_a_contract_added_or_renewed_shows_at_once(tenant, seen):
    with tenant_scope(tenant):
        today = timezone.localdate()
        contract = ContractFactory(
            account=seen["account"],
            plan="Gold",
            start_date=today - dt.timedelta(days=30),
            renewal_date=today + dt.timedelta(days=335),
        )
    assert "Gold" in panel(view(seen), "contracts")
    with tenant_scope(tenant):
        contract_renew(contract=contract, plan="Platinum")
    assert "Platinum" in panel(view(seen), "contracts")


def test_each_role_sees_its_own_actions(tenant, seen, viewer_user):
    assert 'data-testid="contact-edit"' in view(seen)
    viewer = Client()
    viewer.force_login(viewer_user)
    body = view({**seen, "client": viewer})
    assert 'data-testid="contact-edit"' not in body and "鈴木 一郎" in body
