"""The core pages in a real browser: sign in, switch workspace, switch language, no-JS reading."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cs_platform.models import Role
from tests.browser.conftest import login, signed_in_page
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def two_tenant_user(admin_user, other_tenant):
    MembershipFactory(tenant=other_tenant, user=admin_user, role=Role.VIEWER)
    return admin_user


def test_signing_in_shows_the_dashboard_of_the_users_workspace(page, live_server, admin_user):
    login(page, live_server, admin_user.email)

    assert "/t/acme/" in page.url
    assert page.locator("main h1").inner_text() == "アクメ株式会社"


def test_a_wrong_password_keeps_the_user_on_the_sign_in_page(page, live_server, admin_user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.email)
    page.fill("#id_password", "wrong")
    page.locator("form button[type=submit].primary").click()

    expect(page.locator("[role=alert]")).to_be_visible()
    assert "/login/" in page.url


def test_the_tenant_switcher_moves_to_the_other_workspace(page, live_server, two_tenant_user):
    login(page, live_server, two_tenant_user.email)

    page.select_option("#tenant-select", "globex")
    page.locator("[data-testid=tenant-switcher] button").click()

    page.wait_for_url("**/t/globex/")
    assert page.locator("main h1").inner_text() == "Globex Corp"
    assert page.locator("#tenant-select").input_value() == "globex"


def test_the_language_switcher_changes_the_page_language(page, live_server, admin_user):
    login(page, live_server, admin_user.email)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(".mainnav").get_by_text("ダッシュボード", exact=True)).to_be_visible()

    page.locator("[data-testid=language-switcher] button[value=en]").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".mainnav").get_by_text("Dashboard", exact=True)).to_be_visible()

    page.locator("[data-testid=language-switcher] button[value=ja]").click()

    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_signing_in_uses_the_language_saved_on_the_user(page, live_server, admin_user):
    admin_user.language = "en"
    admin_user.save()

    login(page, live_server, admin_user.email)

    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_signed_in_pages_are_readable_without_javascript(make_page, live_server, admin_user):
    no_js = make_page(java_script_enabled=False)

    login(no_js, live_server, admin_user.email)

    assert no_js.locator("main h1").inner_text() == "アクメ株式会社"
    no_js.goto(f"{live_server.url}/t/acme/settings/api-keys/")
    assert no_js.locator("main h1").is_visible()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_signing_in_again_lands_on_the_workspace_used_last(
    make_page, live_server, two_tenant_user, language
):
    page = signed_in_page(make_page, live_server, two_tenant_user, language)
    first = "globex" if "/t/globex/" in page.url else "acme"  # the first by name
    other = {"acme": "globex", "globex": "acme"}[first]
    page.select_option("#tenant-select", other)
    page.locator("[data-testid=tenant-switcher] button").click()
    page.wait_for_url(f"**/t/{other}/")

    page.context.clear_cookies(name="sessionid")  # signed out (the session ends)
    login(page, live_server, two_tenant_user.email)

    assert f"/t/{other}/" in page.url
