"""Health by touch tier on the portfolio page, in a real browser, in Japanese and English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from touchmodel.models import AccountTier

pytestmark = pytest.mark.browser


@pytest.fixture
def tiered(tenant):
    with tenant_scope(tenant):
        version = None
        for tier, score, band in [("high", 80, "green"), ("low", 35, "red"), ("tech", 55, "amber")]:
            account = AccountFactory()
            row = HealthScoreFactory(
                account=account,
                day=timezone.localdate(),
                score=score,
                band=band,
                **({"version": version} if version else {}),
            )
            version = row.version
            AccountTier.objects.create(account=account, tier=tier, source="manual")
    return tenant


@pytest.mark.parametrize(
    ("language", "heading", "high"),
    [("ja", "タッチティア別のヘルス", "ハイタッチ"), ("en", "Health by touch tier", "High touch")],
)
def test_the_portfolio_shows_health_by_touch_tier(
    make_page, live_server, viewer_user, tiered, language, heading, high
):
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, viewer_user.email)
    page.goto(f"{live_server.url}{reverse('healthscore:portfolio', args=['acme'])}")
    section = page.locator("[data-testid=portfolio-tiers]")
    assert section.get_by_role("heading", name=heading).is_visible()
    assert section.locator("tbody tr").count() == 3
    row = section.locator("tr[data-tier=high]")
    assert row.get_by_role("link", name=high).is_visible()
    row.get_by_role("link", name=high).click()
    page.wait_for_url(lambda url: "tier=high" in url)
