"""The planner and playbook pages in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login
from tests.factories import AccountFactory, ContractFactory
from touchmodel.models import Rule, SeminarRegistration

from .factories import AccountTierFactory, SeminarFactory, TouchProgramFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def programs(transactional_db, tenant):
    with tenant_scope(tenant):
        TouchProgramFactory(
            name_ja="導入コンサル", tier="high", value_per_customer=5, reach_per_month=5
        )
        TouchProgramFactory(
            name_ja="ウェビナー", tier="low", value_per_customer=3, reach_per_month=150
        )
        TouchProgramFactory(
            name_ja="ヘルプ記事", tier="tech", value_per_customer=2, reach_per_month=900
        )


def test_the_planner_plots_programs_without_javascript(make_page, live_server, csm_user, programs):
    page = make_page(java_script_enabled=False)
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/touchmodel/")
    chart = page.locator("[data-testid=planner-chart]")
    assert chart.locator("[data-testid=planner-point]").count() == 3
    assert "導入コンサル" in chart.text_content()
    assert page.locator("[data-testid=capacity]").is_visible()


def test_the_nav_leads_to_the_planner(page, live_server, csm_user, programs):
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/")
    page.get_by_role("link", name="タッチモデル").first.click()
    page.wait_for_url("**/touchmodel/")
    assert page.locator("h1").inner_text() == "タッチモデル・プランナー"


@pytest.fixture
def renewing(transactional_db, tenant):
    with tenant_scope(tenant):
        account = AccountFactory(name="更新間近商事")
        AccountTierFactory(account=account, tier="high")
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=20))
    return account


def test_an_admin_writes_a_rule_and_tests_it(page, live_server, admin_user, renewing, tenant):
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/t/acme/touchmodel/rules/")
    page.locator("[data-testid=new-rule]").click()
    page.fill("#id_name_ja", "更新60日前フォロー")
    page.select_option("#id_trigger", "renewal_due")
    page.fill("#id_days", "60")
    page.fill("#id_checklist_text", "利用状況を確認\n決裁者と面談")
    page.locator("[data-testid=touch-form] button[type=submit]").click()
    page.wait_for_url("**/touchmodel/rules/*/")
    assert page.locator("[data-testid=rule-name]").inner_text() == "更新60日前フォロー"

    page.locator("[data-testid=test-rule]").click()
    results = page.locator("[data-testid=test-results]")
    assert "更新間近商事" in results.inner_text()
    with tenant_scope(tenant):
        rule = Rule.objects.get()
        assert (rule.params, rule.checklist, rule.firings.count()) == (
            {"days": 60},
            ["利用状況を確認", "決裁者と面談"],
            0,
        )


def test_an_admin_turns_a_rule_off(page, live_server, admin_user, transactional_db, tenant):
    with tenant_scope(tenant):
        rule = Rule.objects.create(name_ja="停止テスト", trigger="no_activity", params={"days": 30})
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/t/acme/touchmodel/rules/{rule.pk}/")
    page.locator("[data-testid=toggle-rule]").click()
    page.wait_for_load_state()
    with tenant_scope(tenant):
        rule.refresh_from_db()
    assert not rule.is_active


PENDING = {"ja": "確認メールをお送りしました", "en": "we have sent you an e-mail"}
CONFIRMED = {"ja": "お申し込みが確定しました", "en": "is confirmed"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_customer_registers_on_the_public_seminar_page_and_confirms_by_e_mail(
    make_page, live_server, transactional_db, tenant, language
):
    from django.core import mail

    from touchmodel.models import SeminarSignup
    from touchmodel.services.signups import seminar_signup_mail_send

    with tenant_scope(tenant):
        seminar = SeminarFactory(title_ja="はじめてのセミナー", title_en="First seminar")
    page = make_page(java_script_enabled=False, locale="ja-JP" if language == "ja" else "en-US")
    page.goto(f"{live_server.url}/seminars/acme/")
    page.get_by_role("link", name=seminar.title_ja if language == "ja" else "First seminar").click()
    page.fill("#id_name", "山田 花子")
    page.fill("#id_email", "hanako@customer.example")
    page.locator("form button[type=submit].primary").click()
    assert PENDING[language] in page.locator("[data-testid=pending]").inner_text()

    with tenant_scope(tenant):
        assert not SeminarRegistration.objects.exists()
        signup = SeminarSignup.objects.get(seminar=seminar)
        assert signup.language == language
        seminar_signup_mail_send(signup_id=signup.pk, nonce=signup.nonce)
    link = mail.outbox[-1].body.split("http://localhost:8000", 1)[1].split()[0]
    page.goto(f"{live_server.url}{link}")
    page.locator("[data-testid=confirm]").click()
    assert CONFIRMED[language] in page.locator("[data-testid=confirmed]").inner_text()
    with tenant_scope(tenant):
        assert SeminarRegistration.objects.get(seminar=seminar).source == "public"


TOO_MANY = {"ja": "短時間に多くの登録", "en": "Too many registrations were sent"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_public_seminar_page_says_when_to_try_again_after_too_many_registrations(
    make_page, live_server, transactional_db, tenant, language, settings
):
    from cs_platform.ratelimit import Limit, rate_limit_clear

    with tenant_scope(tenant):
        seminar = SeminarFactory()
    limit = Limit("seminar-signup-seminar", f"{tenant.pk}:{seminar.pk}", 0, 3600)
    rate_limit_clear(limit)
    settings.SEMINAR_SIGNUPS_PER_SEMINAR_PER_HOUR = 0
    page = make_page(java_script_enabled=False, locale="ja-JP" if language == "ja" else "en-US")
    page.goto(f"{live_server.url}/seminars/acme/{seminar.pk}/")
    page.fill("#id_name", "山田 花子")
    page.fill("#id_email", "hanako@customer.example")
    page.locator("form button[type=submit].primary").click()
    assert TOO_MANY[language] in page.locator("[data-testid=too-many]").inner_text()
    rate_limit_clear(limit)


WAITING = {"ja": "確認待ちです", "en": "wait for their address to confirm"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_staff_seminar_page_says_how_many_registrations_wait_to_confirm(
    page, live_server, manager_user, transactional_db, tenant, language
):
    from touchmodel.services.signups import seminar_signup_request

    with tenant_scope(tenant):
        seminar = SeminarFactory()
        for n in ("a", "b"):
            seminar_signup_request(seminar=seminar, email=f"{n}@x.example", name=n)
    manager_user.language = language
    manager_user.save(update_fields=["language"])
    login(page, live_server, manager_user.email)
    page.goto(f"{live_server.url}/t/acme/touchmodel/seminars/{seminar.pk}/")
    assert WAITING[language] in page.locator("[data-testid=pending-signups]").inner_text()
