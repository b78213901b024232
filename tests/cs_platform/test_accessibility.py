"""WCAG 2.1 AA on every staff and public page, in Japanese and in English (axe-core).

The pages are found as the fuzz test's crawl finds them (every page route of a tenant with rows
of every model, one URL per route), then opened in Chromium as a tenant admin (staff pages) or a
visitor (public pages), and axe-core checks each against the WCAG 2.0/2.1 A and AA rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.browser.conftest import login
from tests.cs_platform import fuzzing

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR, "node_modules", "axe-core", "axe.min.js")
AXE_SOURCE = AXE.read_text() if AXE.exists() else ""
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations.map(v => ({
        rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.length, first: v.nodes[0].target.join(" "),
        why: v.nodes[0].failureSummary, html: v.nodes[0].html.slice(0, 200),
    }));
}"""


def _one_url_per_route(tenant: Any, client: Client) -> list[str]:
    result = fuzzing.crawl(tenant=tenant, clients=[client], per_route=1)
    by_route: dict[str, str] = {}
    for url, code in sorted(result.visited.items()):
        route = fuzzing._route_of(url)
        if code == 200 and route and route not in by_route and _is_a_page(client, url):
            by_route[route] = url
    return sorted(by_route.values())


def _is_a_page(client: Client, url: str) -> bool:
    """HTML, not a download (CSV exports, calendar files)."""
    return "text/html" in client.get(url).get("Content-Type", "")


def _violations(page: Any, url: str) -> list[dict]:
    response = page.goto(url)
    if (
        response is None
        or response.status != 200
        or "html" not in response.headers.get("content-type", "")
    ):
        return []
    # A panel htmx is still loading is dimmed on purpose (its old content is out of date): check
    # the page as it settles.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.evaluate(AXE_SOURCE)
    return page.evaluate(RUN_AXE, WCAG_AA)


@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_every_page_meets_wcag_21_aa(make_page, live_server, tenant, admin_user, locale):
    fuzzing.seed_tenant(tenant)
    staff = Client()
    staff.force_login(admin_user)
    urls = _one_url_per_route(tenant, staff)
    assert len(urls) > 60

    page = make_page(locale=locale)
    login(page, live_server, admin_user.email)
    found = {}
    for url in urls:
        if violations := _violations(page, live_server.url + url):
            found[url] = violations
    report = "\n".join(
        f"{url}: {v['rule']} ({v['impact']}, {v['nodes']}×, e.g. {v['first']}): {v['help']}"
        f"\n    {v['html']}\n    {v['why']}"
        for url, violations in found.items()
        for v in violations
    )
    assert not found, f"{len(found)} of {len(urls)} pages break WCAG 2.1 AA:\n{report}"
