"""The account list and the create form in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import re

import pytest

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login
from tests.factories import AccountFactory, ContractFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def accounts(transactional_db, tenant):
    with tenant_scope(tenant):
        ContractFactory(account=AccountFactory(name="株式会社採用ラボ"), arr=2_400_000)
        AccountFactory(name="名刺商事株式会社")


def test_searching_the_account_list_for_a_japanese_word(page, live_server, csm_user, accounts):
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/accounts/")
    page.fill("#id_q", "採用")
    page.locator("[data-testid=account-filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=%E6%8E%A1%E7%94%A8"))

    table = page.locator("[data-testid=account-table]")
    assert "株式会社採用ラボ" in table.inner_text()
    assert "名刺商事株式会社" not in table.inner_text()
    assert "¥2,400,000" in table.inner_text()


def test_the_create_form_creates_an_account_and_opens_it(
    page, live_server, csm_user, transactional_db
):
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/accounts/")
    page.locator("[data-testid=new-account]").click()
    page.fill("#id_name", "株式会社はじまり")
    page.fill("#id_external_id", "NEW-001")
    page.select_option("#id_owner", str(csm_user.pk))
    page.locator("[data-testid=account-form] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/t/acme/accounts/\d+/$"))

    assert page.locator("[data-testid=account-name]").inner_text() == "株式会社はじまり"
    assert "NEW-001" in page.locator("[data-testid=account-header]").inner_text()


def test_the_create_form_shows_a_missing_name_as_an_error(
    page, live_server, csm_user, transactional_db
):
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/accounts/new/")
    page.fill("#id_external_id", "NEW-002")
    page.locator("[data-testid=account-form] button[type=submit]").click()

    assert page.locator(".errorlist").first.is_visible()
    assert page.url.endswith("/accounts/new/")


def test_the_account_list_reads_without_javascript(make_page, live_server, csm_user, accounts):
    page = make_page(java_script_enabled=False)
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/accounts/?q=%E6%8E%A1%E7%94%A8")

    assert "株式会社採用ラボ" in page.locator("[data-testid=account-table]").inner_text()


def test_a_contact_added_as_english_shows_its_email_language_on_account_360(
    page, live_server, csm_user, transactional_db, tenant
):
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")
    page.get_by_role("link", name=re.compile("担当者を追加|Add a contact")).click()
    page.fill("#id_name", "Jane Smith")
    page.fill("#id_email", "jane@customer.example")
    page.select_option("#id_language", "en")
    page.locator("form.acc-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/t/acme/accounts/{account.pk}/$"))

    assert page.locator("[data-testid=contact-language]").inner_text() == "英語"
