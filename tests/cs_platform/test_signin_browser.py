"""Signing in, in the browser (ja and en): two-factor enrolment and sign-in with a real code,
the password reset request, and the lockout page."""

from __future__ import annotations

from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from django_otp.oath import TOTP

from tests.browser.conftest import PASSWORD, login

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {
        "codes": "リカバリーコード",
        "code_page": "二段階認証",
        "reset_sent": "メールを確認してください",
        "locked": "ロック",
    },
    "en": {
        "codes": "recovery codes",
        "code_page": "Two-factor sign-in",
        "reset_sent": "Check your e-mail",
        "locked": "Sign-in is locked for now",
    },
}


def code_from(secret: str) -> str:
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def locale(language: str) -> str:
    return "ja-JP" if language == "ja" else "en-US"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_two_factor_enrolment_and_sign_in_with_a_real_code(
    make_page, live_server, tenant, csm_user, language
):
    page = make_page(locale=locale(language))
    login(page, live_server, csm_user.email)

    page.goto(f"{live_server.url}/account/two-factor/")
    secret = page.locator("[data-testid=totp-secret]").inner_text()
    assert page.locator(".qr svg").count() == 1
    page.fill("#id_code", code_from(secret))
    page.locator("form button[type=submit].primary").click()
    codes = page.locator("[data-testid=recovery-codes]")
    assert TEXT[language]["codes"] in codes.inner_text()
    assert codes.locator("li").count() == 10

    page.context.clear_cookies()
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=True):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", csm_user.email)
        page.fill("#id_password", PASSWORD)
        page.locator("form button[type=submit].primary").click()
        page.wait_for_url(lambda url: "/login/two-factor/" in url)
        assert TEXT[language]["code_page"] in page.locator("h1").inner_text()
        page.fill("#id_code", code_from(secret))
        page.locator("form button[type=submit].primary").click()
        page.wait_for_url(lambda url: "/two-factor/" not in url)
        assert f"/t/{tenant.slug}/" in page.url


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_reset_request_and_the_lockout_page(make_page, live_server, csm_user, language):
    page = make_page(locale=locale(language))
    page.goto(f"{live_server.url}/login/")
    page.locator("a[href='/password/reset/']").click()
    page.fill("#id_email", csm_user.email)
    page.locator("form button[type=submit].primary").click()
    assert TEXT[language]["reset_sent"] in page.locator("[data-testid=reset-sent]").inner_text()

    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", csm_user.email)
        page.fill("#id_password", "wrong")
        page.locator("form button[type=submit].primary").click()
    assert TEXT[language]["locked"] in page.locator("[data-testid=locked-out]").inner_text()
