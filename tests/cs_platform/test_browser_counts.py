"""One number for one thing: the dashboard, the phase funnel, the touch tiers and the planner
say what they count, and count the same accounts the same way (ja and en)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import LifecycleStatus
from cs_platform.scoping import tenant_scope
from tests.browser.conftest import signed_in_page
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {
        "dashboard": "顧客 5 件（解約済みを除く全アカウント）のうち 4 件を",
        "later": "その後に追加されたアカウントは次回の再計算で採点されます。",
        "funnel": "解約済みの 1 件は数えていません",
        "tiers": "ティアごとの稼働中アカウント数です",
    },
    "en": {
        "dashboard": "4 of 5 customers (every account but the churned) scored on",
        "later": "Accounts added since are scored in the next recompute.",
        "funnel": "(1 churned account is not counted)",
        "tiers": "Active accounts per tier",
    },
}


@pytest.fixture
def portfolio(tenant):
    from healthscore.services.recompute import healthscore_recompute
    from healthscore.services.scorecards import healthscore_tenant_defaults
    from journeys.services import phases_seed_defaults

    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        phases_seed_defaults()
        for _ in range(3):
            AccountFactory(lifecycle_status=LifecycleStatus.ACTIVE)
        AccountFactory(lifecycle_status=LifecycleStatus.PAUSED)
        AccountFactory(lifecycle_status=LifecycleStatus.CHURNED)
        healthscore_recompute(day=timezone.localdate())
        AccountFactory(lifecycle_status=LifecycleStatus.ACTIVE)  # added after the recompute
    return tenant


def _number(page, selector: str) -> int:
    return int(page.locator(selector).inner_text().replace(",", "").strip())


@pytest.mark.parametrize("language", ["ja", "en"])
def test_counts_say_what_they_count_and_agree(
    make_page, live_server, admin_user, portfolio, language
):
    text = TEXT[language]
    page = signed_in_page(make_page, live_server, admin_user, language)

    count = page.locator("[data-testid=health-dashboard-count]").inner_text()
    assert text["dashboard"] in count and text["later"] in count

    page.goto(f"{live_server.url}/t/acme/journeys/funnel/")
    assert _number(page, "[data-testid=funnel-total]") == 5  # customers: all but the churned
    assert text["funnel"] in page.locator("[data-testid=funnel-basis]").inner_text()

    page.goto(f"{live_server.url}/t/acme/touchmodel/tiers/")
    assert text["tiers"] in page.locator("[data-testid=tier-counts-basis]").inner_text()
    tiers = sum(_number(page, f"[data-testid=count-{t}]") for t in ("high", "low", "tech"))
    assert tiers == 4  # active accounts, the planner's number too


def test_tier_counts_are_the_planners_accounts_per_tier(portfolio):
    from touchmodel.selectors import capacity_overview, tier_counts

    with tenant_scope(portfolio):
        assert tier_counts() == capacity_overview().accounts_per_tier
        assert sum(tier_counts().values()) == 4
