"""Playwright (ja and en): a CSM creates their calendar feed URL, then revokes it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login


@pytest.mark.browser
@pytest.mark.parametrize(
    "locale,create,revoke,none",
    [
        ("ja-JP", "フィード URL を作成", "無効にする", "フィード URL はありません。"),
        ("en-US", "Create a feed URL", "Revoke", "You have no feed URL."),
    ],
)
def test_a_csm_creates_and_revokes_a_feed_url(
    make_page, live_server, transactional_db, csm_user, locale, create, revoke, none
):
    page = make_page(locale=locale)
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/calendars/")
    page.get_by_role("button", name=create).click()
    url = page.get_by_test_id("feed-url").inner_text()
    assert url.startswith(live_server.url + "/calendar/") and url.endswith(".ics")
    assert page.request.get(url).status == 200
    page.get_by_role("button", name=revoke).click()
    assert page.get_by_test_id("feed-status").inner_text() == none
    assert page.request.get(url).status == 404
