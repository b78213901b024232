"""A CS manager works the account list in a real browser (Japanese and English): sorts,
filters, saves and shares a view, and reassigns ticked accounts after a confirmation that
says how many."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Account, SavedView
from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {"save": "このビューを保存", "continue": "次へ", "confirm": "実行する", "count": "2 件"},
    "en": {
        "save": "Save this view",
        "continue": "Continue",
        "confirm": "Confirm",
        "count": "2 accounts",
    },
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_manager_saves_a_shared_view_and_reassigns_ticked_accounts(
    make_page, live_server, tenant, manager_user, csm_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        for name in ("青空商事", "海山物産", "森林工業"):
            AccountFactory(name=name, market_segment="smb", owner=manager_user)
        AccountFactory(name="大手銀行", market_segment="enterprise", owner=manager_user)
    manager_user.language = language
    manager_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, manager_user.email)
    page.goto(reverse("accounts:list", kwargs={"tenant_slug": "acme"}))

    # Filter and sort; the URL keeps both, so the view can be shared as a link.
    filters = page.get_by_test_id("account-filters")
    filters.locator("[name=market_segment]").select_option("smb")
    filters.locator("[name=sort]").select_option("-name")
    filters.locator("button[type=submit]").click()
    page.wait_for_url("**market_segment=smb**")
    assert "sort=-name" in page.url
    expect(page.get_by_test_id("account-row")).to_have_count(3)

    # Save it as a shared view.
    form = page.get_by_test_id("save-view-form")
    form.locator("[name=name]").fill("SMB")
    form.locator("[name=shared]").check()
    form.get_by_role("button", name=text["save"]).click()
    expect(page.get_by_test_id("saved-view")).to_have_text("SMB")
    with tenant_scope(tenant):
        view = SavedView.objects.get()
    assert view.shared and "market_segment=smb" in view.query

    # Tick two accounts, assign them to the CSM: the confirmation says how many.
    rows = page.get_by_test_id("account-row")
    ticked = {rows.nth(i).locator("td a").first.inner_text() for i in (0, 1)}
    rows.nth(0).get_by_test_id("select-account").check()
    rows.nth(1).get_by_test_id("select-account").check()
    bulk = page.get_by_test_id("bulk-form")
    bulk.locator("[name=action]").select_option("assign_owner")
    bulk.get_by_test_id("bulk-value-assign_owner").select_option(str(csm_user.pk))
    bulk.get_by_role("button", name=text["continue"]).click()
    confirm = page.get_by_test_id("bulk-confirm")
    expect(confirm.get_by_test_id("bulk-count")).to_contain_text(text["count"])
    confirm.get_by_role("button", name=text["confirm"]).click()
    page.wait_for_url("**market_segment=smb**")
    with tenant_scope(tenant):
        moved = set(Account.objects.filter(owner=csm_user).values_list("name", flat=True))
    assert moved == ticked and len(moved) == 2
