"""Learn & Support in a real browser: authoring (create + publish) and reading (search, read,
switch language), including a page without JavaScript."""

from __future__ import annotations

import pytest

from content.models import Article
from content.services import sections_seed_defaults
from tests.browser.conftest import login
from tests.content.factories import ArticleFactory, ArticleTranslationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def site(scoped):
    sections = {s.key: s for s in sections_seed_defaults()}
    article = ArticleFactory(section=sections["best-practices"], slug="gather-applicants")
    ArticleTranslationFactory(
        article=article,
        language="ja",
        title="応募者を集めるコツ",
        body_markdown="採用を成功させるには、求人票に**一緒に働く人**を載せましょう。",
    )
    ArticleTranslationFactory(
        article=article,
        language="en",
        title="Tips to gather applicants",
        body_markdown="Show the **people** candidates will work with.",
    )
    return sections


def test_a_csm_writes_and_publishes_an_article(page, live_server, csm_user, site):
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}/t/acme/content/")
    page.locator("[data-testid=new-article]").click()

    page.select_option("#id_section", str(site["get-started"].pk))
    page.fill("#id_slug", "publish-a-posting")
    page.fill("#id_ja-title", "求人を公開する")
    page.fill("#id_ja-body_markdown", "## 手順\n\n1. **求人 → 新しい求人** を押します。")
    page.fill("#id_en-title", "Publish a job posting")
    page.fill("#id_en-body_markdown", "1. Press **New posting**.")
    page.locator("button[name=preview]").click()
    assert "求人 → 新しい求人" in page.locator("[data-testid=preview-ja]").inner_text()

    page.locator("[data-testid=save]").click()
    page.wait_for_url("**/content/articles/*/")
    page.locator("[data-testid=publish]").click()
    page.wait_for_load_state()

    public = page.locator("[data-testid=public-link]").get_attribute("href")
    page.goto(f"{live_server.url}{public}")
    assert page.locator("main h1").inner_text() == "求人を公開する"
    assert Article.objects.get(slug="publish-a-posting").author == csm_user


def test_a_reader_searches_reads_and_switches_language(page, live_server, site):
    page.goto(f"{live_server.url}/learn/acme/")
    assert page.locator("html").get_attribute("lang") == "ja"

    page.fill("#q", "採用")
    page.locator("form.search button").click()
    results = page.locator("[data-testid=search-results] a")
    assert results.first.inner_text() == "応募者を集めるコツ"

    results.first.click()
    assert page.locator("main h1").inner_text() == "応募者を集めるコツ"
    page.locator("[data-testid=lang-switcher] a[hreflang=en]").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main h1").inner_text() == "Tips to gather applicants"
    page.goto(f"{live_server.url}/learn/acme/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_site_reads_in_english_for_an_english_browser_without_javascript(
    make_page, live_server, site
):
    page = make_page(
        locale="en-US", java_script_enabled=False, viewport={"width": 375, "height": 740}
    )
    page.goto(f"{live_server.url}/learn/acme/a/gather-applicants/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main h1").inner_text() == "Tips to gather applicants"
    page.locator("button[name=helpful][value=yes]").click()
    assert page.locator("[role=status]").is_visible()
