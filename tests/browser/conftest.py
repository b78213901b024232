"""Playwright fixtures for every app's browser tests (Debian's Chromium, headless).

They are registered for the whole suite by `tests/conftest.py`, so `tests/<app>/test_browser.py`
can use them directly:

    @pytest.mark.browser
    def test_the_account_list_shows_accounts(page, live_server, admin_user):
        login(page, live_server, admin_user.email, PASSWORD)
        page.goto(f"{live_server.url}/t/acme/accounts/")
        ...

`page` opens a fresh browser context (locale ja-JP) on the live server; `make_page(**options)`
opens more (e.g. `java_script_enabled=False`, `locale="en-US"`). Every page opened by a test
is screenshotted into `test-results/` when the test fails, and a test fails when the browser
refused anything under the Content-Security-Policy (so every browser test checks it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents import BROWSER_USER_AGENT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
RESULTS_DIR = Path(__file__).resolve().parent.parent.parent / "test-results"
# Milliseconds a page action may take; raise it on a machine busy with other work.
TIMEOUT_MS = int(os.environ.get("JUNKAN_BROWSER_TIMEOUT_MS", "10000"))
# The factories' default password (tests.factories.UserFactory).
PASSWORD = "pw-for-tests-1"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise
    # refuse to run next to it (SynchronousOnlyOperation).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def make_page(request: pytest.FixtureRequest, browser: Any, live_server: Any) -> Iterator[Callable]:
    """Open a page in a new browser context; all are screenshotted if the test fails."""
    contexts: list[Any] = []
    pages: list[Any] = []
    refused: list[str] = []

    def open_page(**options: Any) -> Any:
        options.setdefault("locale", "ja-JP")
        options.setdefault("viewport", {"width": 1280, "height": 800})
        # Headless Chromium names itself HeadlessChrome, which the public site takes for a bot.
        options.setdefault("user_agent", BROWSER_USER_AGENT)
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        new_page = context.new_page()
        new_page.set_default_timeout(TIMEOUT_MS)
        new_page.on("console", lambda message: _note_csp_refusal(message, new_page, refused))
        pages.append(new_page)
        return new_page

    yield open_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for i, failed_page in enumerate(pages):
            failed_page.screenshot(path=str(RESULTS_DIR / f"{name}-{i}.png"), full_page=True)
    for context in contexts:
        context.close()
    if refused and not (report is not None and report.failed):
        pytest.fail("Content-Security-Policy refusals:\n" + "\n".join(refused))


def _note_csp_refusal(message: Any, page: Any, refused: list[str]) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        refused.append(f"{page.url}: {message.text}")


@pytest.fixture
def page(make_page: Callable) -> Any:
    return make_page()


def login(page: Any, live_server: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait until the signed-in page has loaded."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("form button[type=submit].primary").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def signed_in_page(make_page: Callable, live_server: Any, user: Any, language: str) -> Any:
    """A page in `language` (the user's choice and the browser's), signed in as `user`."""
    user.language = language
    user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, user.email)
    return page
