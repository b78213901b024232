"""Playwright (ja and en): an admin adds an endpoint, rotates its secret, sees the log."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login


@pytest.mark.browser
@pytest.mark.parametrize(
    "locale,add,rotate",
    [("ja-JP", "追加", "シークレットを更新"), ("en-US", "Add endpoint", "Rotate secret")],
)
def test_an_admin_adds_an_endpoint_and_rotates_its_secret(
    make_page, live_server, transactional_db, admin_user, locale, add, rotate
):
    page = make_page(locale=locale)
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/t/acme/webhooks/")
    page.fill("input[name=url]", "https://hooks.example.com/junkan")
    page.check("input[name=events][value='task.created']")
    page.get_by_role("button", name=add, exact=True).click()
    secret = page.get_by_test_id("endpoint-secret").inner_text()
    assert secret.startswith("whsec_")
    page.get_by_role("button", name=rotate).click()
    assert page.get_by_test_id("endpoint-secret").inner_text() != secret
    assert page.get_by_test_id("delivery-log").is_visible()
