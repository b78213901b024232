"""The audit log in a real browser (ja and en): an admin issues and revokes an API key, finds
both in the audit log through the navigation, filters them and downloads the CSV."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import signed_in_page

pytestmark = [pytest.mark.browser]

TEXT = {
    "ja": {
        "nav": "監査ログ",
        "issue": "発行する",
        "revoke": "無効にする",
        "issued": "APIキー: 発行",
        "revoked": "APIキー: 無効化",
        "signed_in": "ログイン: ログイン",
        "show": "表示",
        "csv": "CSV をダウンロード",
    },
    "en": {
        "nav": "Audit log",
        "issue": "Issue key",
        "revoke": "Revoke",
        "issued": "API key: issued",
        "revoked": "API key: revoked",
        "signed_in": "Sign-in: signed in",
        "show": "Show",
        "csv": "Download CSV",
    },
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_admin_finds_filters_and_exports_what_was_done(
    make_page, live_server, admin_user, language
):
    text = TEXT[language]
    page = signed_in_page(make_page, live_server, admin_user, language)

    page.goto(f"{live_server.url}/t/acme/settings/api-keys/")
    page.fill("#id_name", "CRM sync")
    page.get_by_role("button", name=text["issue"]).click()
    expect(page.get_by_test_id("new-api-key")).to_be_visible()
    page.get_by_role("button", name=text["revoke"]).click()

    page.locator(".mainnav").get_by_text(text["nav"], exact=True).click()
    page.wait_for_url("**/t/acme/settings/audit/")
    assert page.locator("main h1").inner_text() == text["nav"]
    rows = page.get_by_test_id("audit-event")
    expect(rows.filter(has_text=text["issued"])).to_have_count(1)
    expect(rows.filter(has_text=text["signed_in"])).to_have_count(1)
    revoked = rows.filter(has_text=text["revoked"])
    expect(revoked).to_have_count(1)
    expect(revoked).to_contain_text("admin@acme.example")
    expect(revoked).to_contain_text("CRM sync")
    expect(revoked).to_contain_text("127.0.0.1")

    page.select_option("#id_action", "api_key.revoked")
    page.get_by_role("button", name=text["show"]).click()
    expect(page.get_by_test_id("audit-event")).to_have_count(1)
    expect(page.get_by_test_id("audit-event")).to_contain_text(text["revoked"])

    with page.expect_download() as info:
        page.get_by_test_id("audit-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("audit-log-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        body = handle.read()
    lines = body.strip().splitlines()
    assert lines[0].startswith("at,action,actor")
    assert len(lines) == 2 and "api_key.revoked" in lines[1]
