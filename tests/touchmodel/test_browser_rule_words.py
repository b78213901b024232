"""Playbooks: a CS manager designs them; the form shows only the chosen trigger's settings;
the rule page and its test say it in words; a CSM sees no button it may not press (ja, en)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import signed_in_page
from tests.factories import AccountFactory, ContractFactory
from touchmodel.models import Rule

from .factories import AccountTierFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {"tier": "ハイタッチ", "action": "担当CSMへのタスク", "why": "に更新日を迎えます。"},
    "en": {"tier": "High touch", "action": "a task for the owner CSM", "why": "Renews on "},
}


@pytest.fixture
def renewing(tenant):
    with tenant_scope(tenant):
        account = AccountFactory(name="更新間近商事")
        AccountTierFactory(account=account, tier="high")
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=20))
    return account


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_cs_manager_designs_a_rule_in_words(
    make_page, live_server, manager_user, renewing, tenant, language
):
    page = signed_in_page(make_page, live_server, manager_user, language)
    page.goto(f"{live_server.url}/t/acme/touchmodel/rules/")
    page.locator("[data-testid=new-rule]").click()
    # expect() waits: the form's script may run after the select changed (it is deferred, and
    # syncs the settings with the chosen trigger when the page has loaded).
    page.select_option("#id_trigger", "health_below")
    expect(page.locator("#id_threshold")).to_be_visible()
    expect(page.locator("#id_days")).to_be_hidden()
    expect(page.locator("#id_article")).to_be_hidden()
    page.select_option("#id_trigger", "renewal_due")
    expect(page.locator("#id_days")).to_be_visible()
    expect(page.locator("#id_threshold")).to_be_hidden()

    page.fill("#id_name_ja", "更新60日前フォロー")
    page.fill("#id_days", "60")
    page.locator("[data-testid=touch-form] button[type=submit]").click()
    page.wait_for_url("**/touchmodel/rules/*/")

    settings = page.locator("[data-testid=rule-settings]").inner_text()
    assert "60" in settings and "days=" not in settings
    assert "—" not in page.locator("[data-testid=rule-actions]").inner_text()
    page.locator("[data-testid=test-rule]").click()
    row = page.locator("[data-testid=test-row]").filter(has_text="更新間近商事")
    assert TEXT[language]["tier"] in row.inner_text()
    assert TEXT[language]["action"] in row.inner_text()
    assert TEXT[language]["why"] in row.inner_text()
    assert "high" not in row.inner_text()
    assert "renews" not in row.inner_text()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_sees_no_button_a_csm_may_not_press(
    make_page, live_server, csm_user, tenant, language
):
    with tenant_scope(tenant):
        rule = Rule.objects.create(name_ja="見るだけ", trigger="no_activity", params={"days": 30})
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(f"{live_server.url}/t/acme/touchmodel/rules/")
    assert page.locator("[data-testid=new-rule]").count() == 0
    page.goto(f"{live_server.url}/t/acme/touchmodel/rules/{rule.pk}/")
    assert page.locator("[data-testid=toggle-rule]").count() == 0
    assert page.locator("[data-testid=test-rule]").is_visible()
