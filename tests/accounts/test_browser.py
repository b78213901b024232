"""The account list, the create form and the contact/contract edit pages in a real browser
(Chromium via Playwright)."""

from __future__ import annotations

import re

import pytest

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login, signed_in_page
from tests.factories import AccountFactory, ContactFactory, ContractFactory

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


# --- contact and contract edit pages, in Japanese and in English --------------------------------

TEXT = {
    "ja": {
        "add_contact": "担当者を追加",
        "edit_contact": "担当者を編集",
        "delete_contact": "担当者を削除",
        "manager": "管理職",
        "english": "英語",
        "contact_saved": "担当者「佐藤 花子」を保存しました。",
        "really_delete": (
            "「佐藤 花子」を削除しますか？ごみ箱に移り、30 日間は管理者が復元できます。"
        ),
        "no_contacts": "担当者はまだ登録されていません。",
        "invalid_email": "有効なメールアドレスを入力してください。",
        "add_contract": "契約を追加",
        "edit_contract": "契約を編集",
        "contract_saved": "契約を保存しました。",
        "next_renewal": "次回更新日",
        "renew": "更新する",
        "renews": "更新 Standard (¥1,200,000)",
        "history_updated": "契約履歴を更新しました。",
        "renewal_before_start": "更新日は開始日より前にできません。",
        "negative_arr": "ARRはマイナスにできません。",
    },
    "en": {
        "add_contact": "Add a contact",
        "edit_contact": "Edit the contact",
        "delete_contact": "Delete the contact",
        "manager": "Manager",
        "english": "English",
        "contact_saved": "The contact 佐藤 花子 was saved.",
        "really_delete": (
            "Delete “佐藤 花子”? It goes to the trash, where an admin can restore it for 30 days."
        ),
        "no_contacts": "No contacts yet.",
        "invalid_email": "Enter a valid email address.",
        "add_contract": "Add a contract",
        "edit_contract": "Edit the contract",
        "contract_saved": "The contract was saved.",
        "next_renewal": "Next renewal",
        "renew": "Renew",
        "renews": "renews Standard (¥1,200,000)",
        "history_updated": "The contract history was updated.",
        "renewal_before_start": "The renewal date must not be before the start date.",
        "negative_arr": "ARR must not be negative.",
    },
}
LANGUAGES = ["ja", "en"]


def _account_360(page, live_server, account) -> None:
    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")


def _back_on_account_360(page, account) -> None:
    page.wait_for_url(re.compile(rf"/t/acme/accounts/{account.pk}/$"))


def _contact_row(page, name: str):
    return page.locator("[data-testid=contacts] tbody tr").filter(has_text=name)


def _header_fact(page, label: str):
    return page.locator("[data-testid=account-header] .fact").filter(has_text=label)


def _field_error(page, field_id: str) -> str:
    """The error Django ties to the field (aria-describedby → the list just before it)."""
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true"
    described_by = field.get_attribute("aria-describedby") or ""
    error_ids = [i for i in described_by.split() if i.endswith("_error")]
    assert error_ids, f"{field_id} names no error list"
    return page.locator(f"#{error_ids[0]}").inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_csm_edits_a_contacts_name_level_and_language_and_account_360_shows_them(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)
    page.get_by_role("link", name=text["add_contact"]).click()
    page.fill("#id_name", "佐藤 花")
    page.fill("#id_email", "sato@customer.example")
    page.select_option("#id_relationship_level", "field")
    page.select_option("#id_language", "ja")
    page.locator("form.acc-form button[type=submit]").click()
    _back_on_account_360(page, account)

    _contact_row(page, "佐藤 花").get_by_test_id("contact-edit").click()
    assert page.locator("h1").inner_text() == text["edit_contact"]
    assert page.input_value("#id_name") == "佐藤 花"
    page.fill("#id_name", "佐藤 花子")
    page.select_option("#id_relationship_level", "manager")
    page.select_option("#id_language", "en")
    page.locator("form.acc-form button[type=submit]").click()
    _back_on_account_360(page, account)

    assert text["contact_saved"] in page.locator("ul.messages").inner_text()
    row = _contact_row(page, "佐藤 花子")
    assert row.count() == 1
    cells = row.locator("td")
    assert cells.nth(2).inner_text() == text["manager"]
    assert row.get_by_test_id("contact-language").inner_text() == text["english"]
    assert (
        "known"
        in (
            page.locator("[data-testid=coverage] [data-level=manager]").get_attribute("class") or ""
        ).split()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_deletes_a_contact_after_the_confirm_page_and_it_is_gone(
    make_page, live_server, tenant, manager_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
        ContactFactory(account=account, name="佐藤 花子")
    page = signed_in_page(make_page, live_server, manager_user, language)
    _account_360(page, live_server, account)

    _contact_row(page, "佐藤 花子").get_by_test_id("contact-delete").click()
    page.wait_for_url(re.compile(r"/contacts/\d+/delete/$"))
    assert page.locator("h1").inner_text() == text["delete_contact"]
    confirm = page.get_by_test_id("confirm-delete")
    assert text["really_delete"] in confirm.inner_text()
    confirm.locator("button[type=submit]").click()
    _back_on_account_360(page, account)

    assert _contact_row(page, "佐藤 花子").count() == 0
    assert text["no_contacts"] in page.get_by_test_id("contacts").inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invalid_contact_email_is_shown_at_the_field_and_the_typed_values_stay(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
        contact = ContactFactory(account=account, name="佐藤 花子")
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)
    _contact_row(page, "佐藤 花子").get_by_test_id("contact-edit").click()
    page.fill("#id_name", "佐藤 花子（人事部）")
    page.fill("#id_email", "not-an-address")
    page.select_option("#id_relationship_level", "executive")
    page.select_option("#id_language", "en")
    page.locator("form.acc-form button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.endswith(f"/contacts/{contact.pk}/edit/")
    assert _field_error(page, "id_email") == text["invalid_email"]
    assert page.input_value("#id_name") == "佐藤 花子（人事部）"
    assert page.input_value("#id_email") == "not-an-address"
    assert page.input_value("#id_relationship_level") == "executive"
    assert page.input_value("#id_language") == "en"


def _contract_row(page, plan: str):
    return page.locator("[data-testid=contracts] tbody tr").filter(has_text=plan)


def _submit_contract_form(page) -> None:
    page.locator("form.acc-form button[type=submit]").click()


def _add_contract(page, text: dict, *, renewal_date: str) -> None:
    """An Enterprise contract of ¥3,600,000 from 2026-04-01, through the new-contract form."""
    page.get_by_role("link", name=text["add_contract"]).click()
    page.fill("#id_plan", "Enterprise")
    page.fill("#id_arr", "3600000")
    page.fill("#id_start_date", "2026-04-01")
    page.fill("#id_renewal_date", renewal_date)
    _submit_contract_form(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_csm_adds_a_contract_and_account_360_shows_its_arr_and_renewal_date(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)
    _add_contract(page, text, renewal_date="2027-03-31")
    _back_on_account_360(page, account)

    assert page.get_by_test_id("account-arr").inner_text() == "¥3,600,000"
    assert _header_fact(page, text["next_renewal"]).locator("strong").inner_text() == "2027-03-31"
    row = _contract_row(page, "Enterprise")
    assert "2026-04-01 – 2027-03-31" in row.inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_csm_edits_a_contracts_arr_and_renewal_date_and_account_360_updates(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
        ContractFactory(account=account, plan="Standard", arr=1_200_000)
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)
    assert page.get_by_test_id("account-arr").inner_text() == "¥1,200,000"

    _contract_row(page, "Standard").get_by_test_id("contract-edit").click()
    assert page.locator("h1").inner_text() == text["edit_contract"]
    assert page.input_value("#id_arr") == "1200000"
    page.fill("#id_arr", "1800000")
    page.fill("#id_renewal_date", "2027-06-30")
    _submit_contract_form(page)
    _back_on_account_360(page, account)

    assert text["contract_saved"] in page.locator("ul.messages").inner_text()
    assert page.get_by_test_id("account-arr").inner_text() == "¥1,800,000"
    assert _header_fact(page, text["next_renewal"]).locator("strong").inner_text() == "2027-06-30"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_csm_renews_a_contract_at_a_new_arr_and_account_360_shows_the_next_term(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
        contract = ContractFactory(account=account, plan="Standard", arr=1_200_000)
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)

    page.fill(f"#renew-arr-{contract.pk}", "1500000")
    page.get_by_role("button", name=text["renew"], exact=True).click()
    _back_on_account_360(page, account)

    assert text["history_updated"] in page.locator("ul.messages").inner_text()
    assert page.get_by_test_id("account-arr").inner_text() == "¥1,500,000"
    # The same one-year term again, starting when the old one ends.
    assert _header_fact(page, text["next_renewal"]).locator("strong").inner_text() == "2028-01-01"
    successor = _contract_row(page, "2027-01-01 – 2028-01-01")
    assert text["renews"] in successor.inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_renewal_date_before_the_start_is_shown_at_the_field_and_the_values_stay(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)
    _add_contract(page, text, renewal_date="2026-03-31")
    page.wait_for_load_state()

    assert page.url.endswith(f"/accounts/{account.pk}/contracts/new/")
    assert _field_error(page, "id_renewal_date") == text["renewal_before_start"]
    assert page.input_value("#id_plan") == "Enterprise"
    assert page.input_value("#id_arr") == "3600000"
    assert page.input_value("#id_start_date") == "2026-04-01"
    assert page.input_value("#id_renewal_date") == "2026-03-31"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_negative_arr_on_the_contract_edit_page_is_shown_and_nothing_changes(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
        ContractFactory(account=account, plan="Standard", arr=1_200_000)
    page = signed_in_page(make_page, live_server, csm_user, language)
    _account_360(page, live_server, account)
    _contract_row(page, "Standard").get_by_test_id("contract-edit").click()
    page.fill("#id_arr", "-1")
    _submit_contract_form(page)
    page.wait_for_load_state()

    assert _field_error(page, "id_arr") == text["negative_arr"]
    assert page.input_value("#id_arr") == "-1"
    page.get_by_role("link", name="← 株式会社採用ラボ").click()
    _back_on_account_360(page, account)
    assert page.get_by_test_id("account-arr").inner_text() == "¥1,200,000"
