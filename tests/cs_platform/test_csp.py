"""The Content-Security-Policy: on every kind of response, and no template that needs more.

Every Playwright test also fails on a refusal by the browser (tests/browser/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]


def test_staff_pages_public_pages_api_and_admin_carry_the_policy(client, admin_user, tenant):
    for path in ("/login/", "/admin/login/", "/api/docs/", f"/learn/{tenant.slug}/"):
        _assert_strict(client.get(path))
    client.force_login(admin_user)
    _assert_strict(client.get(f"/t/{tenant.slug}/"))
    _assert_strict(client.get("/api/v1/accounts/", HTTP_ACCEPT="application/json"))


def test_the_kept_header_is_django_csps_own_and_follows_the_settings(client, tenant):
    """The header built once per process (cs_platform.middleware.CSPMiddleware) is the one
    django-csp builds from the settings, report-only too, and is built again when they change."""
    from csp.utils import build_policy
    from django.test import override_settings

    path = f"/learn/{tenant.slug}/"
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in response.headers
    report_only = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}}
    changed = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": ["*"]}}
    with override_settings(
        CONTENT_SECURITY_POLICY=changed, CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only
    ):
        response = client.get(path)
        assert _policy(response)["img-src"] == ["*"]
        assert response.headers["Content-Security-Policy-Report-Only"] == build_policy(
            report_only=True
        )
        assert "report-uri /csp-report/" in response.headers["Content-Security-Policy-Report-Only"]
    assert client.get(path).headers["Content-Security-Policy"] == build_policy()


def test_a_views_own_policy_and_a_nonce_still_reach_the_header(rf):
    """A response whose view set its own policy (django-csp's decorators) or whose page used
    a nonce takes django-csp's own path; an excluded prefix gets no header."""
    from csp.constants import NONCE
    from csp.decorators import csp_update
    from django.http import HttpResponse
    from django.test import override_settings

    from cs_platform.middleware import CSPMiddleware

    @csp_update({"img-src": ["https://img.example"]})
    def own_policy(request):
        return HttpResponse("x")

    def with_nonce(request):
        return HttpResponse(str(request.csp_nonce))

    request = rf.get("/p/")
    response = CSPMiddleware(own_policy)(request)
    assert "https://img.example" in _policy(response)["img-src"]
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    nonced = {"DIRECTIVES": {**directives, "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=nonced):
        response = CSPMiddleware(with_nonce)(rf.get("/p/"))
    assert f"'nonce-{response.content.decode()}'" in _policy(response)["script-src"]
    excluded = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/p/"]}
    with override_settings(CONTENT_SECURITY_POLICY=excluded):
        response = CSPMiddleware(lambda request: HttpResponse("x"))(rf.get("/p/"))
        assert "Content-Security-Policy" not in response.headers
        response = CSPMiddleware(lambda request: HttpResponse("x"))(rf.get("/q/"))
        assert "Content-Security-Policy" in response.headers


def test_the_api_docs_start_swagger_from_a_script_file_of_our_own(client):
    page = client.get("/api/docs/").content.decode()
    sources = [m.group(1) for m in SCRIPT_TAG.finditer(page)]
    assert sources and all("src=" in attributes for attributes in sources)
    assert "cdn.jsdelivr.net" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def _templates() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]] + [
        d for d in map(Path, get_app_template_dirs("templates")) if str(settings.BASE_DIR) in str(d)
    ]
    return [
        path
        for root in roots
        for path in root.rglob("*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]


def test_no_template_has_an_inline_script_an_event_handler_or_a_javascript_url():
    templates = _templates()
    assert len(templates) > 100
    offenders = []
    for path in templates:
        text = path.read_text()
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and "application/json" not in attributes:
                offenders.append(f"{path}: inline <script{attributes}>")
        if EVENT_HANDLER.search(text):
            offenders.append(f"{path}: on…= event handler")
        if "javascript:" in text:
            offenders.append(f"{path}: javascript: URL")
    assert offenders == []


@pytest.mark.browser
def test_swagger_ui_renders_the_operations_under_the_policy(page, live_server, admin_user):
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/api/docs/", timeout=90_000)
    # The schema of every operation is generated on request: seconds on a busy machine.
    page.locator(".opblock").first.wait_for(timeout=90_000)
    assert page.locator(".opblock").count() >= 5
