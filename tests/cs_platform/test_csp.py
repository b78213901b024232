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
