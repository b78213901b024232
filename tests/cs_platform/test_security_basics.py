"""Sessions, CSRF and response headers: the ASVS requirements Django meets once configured
(docs/security.md names each)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import PASSWORD
from tests.cs_platform.test_deploy import production_env

pytestmark = pytest.mark.django_db


def test_signing_in_issues_a_new_session_key(client, csm_user):
    client.get("/login/")
    client.session.save()
    before = client.session.session_key

    client.post("/login/", {"username": csm_user.email, "password": PASSWORD})

    assert client.session.get("_auth_user_id") == str(csm_user.pk)
    assert client.session.session_key != before


def test_signing_out_ends_the_session_on_the_server(csm_user, tenant):
    client = Client()
    client.post("/login/", {"username": csm_user.email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/logout/")

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(f"/t/{tenant.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_form_post_without_the_csrf_token_is_refused(csm_user, tenant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(csm_user)

    response = client.post(f"/t/{tenant.slug}/accounts/new/", {"name": "Forged"})

    assert response.status_code == 403


def test_a_session_api_write_without_the_csrf_token_is_refused(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post("/api/v1/accounts/", {"name": "Forged"}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_every_response_carries_the_protective_headers(client):
    response = client.get("/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_signed_in_pages_vary_on_the_cookie_and_are_never_public(client, csm_user, tenant):
    client.force_login(csm_user)

    response = client.get(f"/t/{tenant.slug}/")

    assert response.status_code == 200
    assert "Cookie" in response["Vary"]
    assert "public" not in response.get("Cache-Control", "")


def test_the_api_sends_no_cross_origin_permission(admin_api):
    response = admin_api.get("/api/v1/accounts/", HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 200
    assert not any(header.startswith("Access-Control-") for header in response.headers)


def test_production_cookies_are_secure_http_only_and_same_site():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "Lax", "True", "True", "True"]
