"""Custom domains in a real browser: an admin verifies a domain, a reader browses the site on it
(Chromium resolves the custom host name to the live server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from content.services import domains as domain_services
from content.services import sections_seed_defaults
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, login
from tests.content.factories import ArticleFactory, ArticleTranslationFactory, SiteDomainFactory

pytestmark = pytest.mark.browser

HOST = "help.acme.example"


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-domains-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def site(scoped):
    sections = {s.key: s for s in sections_seed_defaults()}
    article = ArticleFactory(section=sections["best-practices"], slug="gather-applicants")
    ArticleTranslationFactory(article=article, language="ja", title="応募者を集めるコツ")
    ArticleTranslationFactory(article=article, language="en", title="Tips to gather applicants")
    return article


@pytest.fixture
def custom_host_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page in a browser that resolves HOST to the live server, as DNS would."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
    )
    context = chromium.new_context(locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    chromium.close()


def test_an_admin_adds_and_verifies_a_domain(page, live_server, admin_user, tenant, monkeypatch):
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}/t/acme/content/")
    page.get_by_role("link", name="独自ドメイン").click()
    page.fill("#id_domain", "Help.Acme.example")
    page.locator("form.card button.primary").click()
    page.wait_for_load_state()

    row = page.locator(f"[data-testid='domain-{HOST}']")
    assert "_junkan-verify.help.acme.example" in row.inner_text()
    token = row.locator("[data-testid=txt-record] code").nth(2).inner_text()
    monkeypatch.setattr(domain_services, "dns_txt_lookup", lambda name: [])
    row.get_by_role("button", name="今すぐ確認").click()
    page.wait_for_load_state()
    assert "TXT レコードが見つかりませんでした" in page.locator(".messages").inner_text()

    monkeypatch.setattr(domain_services, "dns_txt_lookup", lambda name: [token])
    page.locator(f"[data-testid='domain-{HOST}']").get_by_role("button", name="今すぐ確認").click()
    page.wait_for_load_state()
    assert "確認しました" in page.locator(".messages").inner_text()
    assert "メイン" in page.locator(f"[data-testid='domain-{HOST}']").inner_text()


def test_a_reader_browses_the_site_on_the_custom_domain(custom_host_page, live_server, site):
    SiteDomainFactory(tenant=site.tenant, domain=HOST, verified_at=timezone.now(), is_primary=True)
    page = custom_host_page
    port = urlsplit(live_server.url).port
    page.goto(f"http://{HOST}:{port}/")
    assert page.locator("html").get_attribute("lang") == "ja"

    page.fill("#q", "応募")
    page.locator("form.search button").click()
    page.locator("[data-testid=search-results] a").first.click()
    assert page.locator("main h1").inner_text() == "応募者を集めるコツ"
    assert page.url == f"http://{HOST}:{port}/a/gather-applicants/"

    page.locator("[data-testid=lang-switcher] a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == "Tips to gather applicants"
    assert urlsplit(page.url).path == "/a/gather-applicants/"
