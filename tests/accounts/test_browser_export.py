"""The import page offers each export in Shift_JIS for Excel (ja and en)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

LABEL = {"ja": "Excel 用（Shift_JIS）", "en": "Shift_JIS for Excel"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_import_page_offers_a_shift_jis_export(make_page, live_server, admin_user, language):
    admin_user.language = language
    admin_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/t/acme/accounts/import/")

    link = page.locator("[data-testid=export-sjis]").first
    assert link.inner_text() == LABEL[language]
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("accounts-")
