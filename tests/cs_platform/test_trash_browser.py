"""The trash page in a real browser (ja and en): a manager deletes a contact from Account 360,
the admin finds it in the trash through the navigation and restores it; a viewer has no way in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cs_platform.scoping import tenant_scope
from cs_platform.trash.services import trash_delete
from tests.browser.conftest import signed_in_page
from tests.factories import AccountFactory, ContactFactory, SegmentFactory

pytestmark = [pytest.mark.browser]

TEXT = {
    "ja": {
        "trash": "ごみ箱",
        "kind": "担当者",
        "restore": "復元",
        "restored": "「佐藤 花子」を復元しました。",
        "empty": "ごみ箱は空です。",
        "deleted": "削除",
        "restored_log": "復元",
        "conflict": "同じ名前のセグメントがすでにあります",
    },
    "en": {
        "trash": "Trash",
        "kind": "contact",
        "restore": "Restore",
        "restored": "“佐藤 花子” was restored.",
        "empty": "The trash is empty.",
        "deleted": "Deleted",
        "restored_log": "Restored",
        "conflict": "Another segment now has the same name",
    },
}
LANGUAGES = ["ja", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_deleted_contact_is_restored_from_the_trash_page(
    make_page, live_server, tenant, manager_user, admin_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社採用ラボ")
        ContactFactory(account=account, name="佐藤 花子", email="hanako@saiyo.example")

    manager = signed_in_page(make_page, live_server, manager_user, language)
    manager.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")
    row = manager.locator("[data-testid=contacts] tbody tr").filter(has_text="佐藤 花子")
    row.get_by_test_id("contact-delete").click()
    manager.get_by_test_id("confirm-delete").locator("button[type=submit]").click()
    manager.wait_for_url(re.compile(rf"/t/acme/accounts/{account.pk}/$"))
    expect(
        manager.locator("[data-testid=contacts] tbody tr").filter(has_text="佐藤 花子")
    ).to_have_count(0)

    admin = signed_in_page(make_page, live_server, admin_user, language)
    admin.locator(".mainnav").get_by_text(text["trash"], exact=True).click()
    admin.wait_for_url("**/t/acme/settings/trash/")
    assert admin.locator("main h1").inner_text() == text["trash"]
    entry = admin.get_by_test_id("trash-entry").filter(has_text="佐藤 花子")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(text["kind"])
    expect(entry).to_contain_text("manager@acme.example")
    expect(entry).to_contain_text("2026-12-23")  # purged 30 days after the pinned "now"
    expect(admin.get_by_test_id("change-deleted")).to_contain_text(text["deleted"])

    entry.get_by_role("button", name=text["restore"]).click()
    admin.wait_for_url("**/t/acme/settings/trash/")
    expect(admin.locator(".messages")).to_contain_text(text["restored"])
    expect(admin.get_by_test_id("trash-table")).to_contain_text(text["empty"])
    expect(admin.get_by_test_id("change-restored")).to_contain_text(text["restored_log"])

    admin.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")
    restored = admin.locator("[data-testid=contacts] tbody tr").filter(has_text="佐藤 花子")
    expect(restored).to_have_count(1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_restore_that_conflicts_says_why_and_keeps_the_entry(
    make_page, live_server, tenant, admin_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        trash_delete(obj=SegmentFactory(name="大口顧客"))
        SegmentFactory(name="大口顧客")
    admin = signed_in_page(make_page, live_server, admin_user, language)
    admin.goto(f"{live_server.url}/t/acme/settings/trash/")

    admin.get_by_test_id("trash-entry").get_by_role("button", name=text["restore"]).click()

    expect(admin.locator(".messages")).to_contain_text(text["conflict"])
    expect(admin.get_by_test_id("trash-entry")).to_have_count(1)


def test_a_viewer_has_no_trash_link_and_no_access(make_page, live_server, viewer_user):
    page = signed_in_page(make_page, live_server, viewer_user, "en")
    expect(page.locator(".mainnav").get_by_text("Trash", exact=True)).to_have_count(0)
    response = page.goto(f"{live_server.url}/t/acme/settings/trash/")
    assert response.status == 403


ARTICLE_TEXT = {
    "ja": {"move": "ごみ箱に移す", "moved": "ごみ箱に移しました", "restored": "を復元しました"},
    "en": {
        "move": "Move to the trash",
        "moved": "was moved to the trash",
        "restored": "was restored",
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_article_moved_to_the_trash_leaves_the_public_site_until_restored(
    make_page, live_server, tenant, csm_user, admin_user, language
):
    from tests.content.factories import ArticleFactory, ArticleTranslationFactory

    text = ARTICLE_TEXT[language]
    with tenant_scope(tenant):
        article = ArticleFactory(slug="scan-cards")
        ArticleTranslationFactory(article=article, language="ja", title="名刺をスキャンする")
        ArticleTranslationFactory(article=article, language="en", title="Scan business cards")
    public = f"{live_server.url}/learn/acme/a/scan-cards/"

    csm = signed_in_page(make_page, live_server, csm_user, language)
    csm.goto(f"{live_server.url}/t/acme/content/articles/{article.pk}/")
    csm.get_by_test_id("article-delete").click()
    csm.wait_for_url("**/t/acme/content/")
    expect(csm.locator(".messages")).to_contain_text(text["moved"])
    assert csm.goto(public).status == 404

    admin = signed_in_page(make_page, live_server, admin_user, language)
    admin.goto(f"{live_server.url}/t/acme/settings/trash/")
    title = {"ja": "名刺をスキャンする", "en": "Scan business cards"}[language]
    entry = admin.get_by_test_id("trash-entry").filter(has_text=f"{title} (scan-cards)")
    expect(entry).to_contain_text("csm@acme.example")
    entry.get_by_role("button").click()
    expect(admin.locator(".messages")).to_contain_text(text["restored"])

    assert csm.goto(public).status == 200
    expect(csm.locator("main h1")).to_be_visible()
