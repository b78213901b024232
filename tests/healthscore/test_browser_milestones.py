"""Milestones against the score in a real browser, in Japanese and English: the verdict on the
journey map of Account 360 and the portfolio's milestones at risk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from tests.browser.conftest import login
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from tests.journeys.factories import MilestoneFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def at_risk(tenant):
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社リスク")
        HealthScoreFactory(account=account, day=timezone.localdate(), score=45, band="amber")
        MilestoneFactory(
            journey_map__account=account,
            title="名刺を週100枚スキャン",
            target_score=70,
            due_date=timezone.localdate() + dt.timedelta(days=4),
        )
    return account


@pytest.mark.parametrize(
    ("language", "state", "heading"),
    [("ja", "リスクあり", "リスクのあるマイルストーン"), ("en", "At risk", "Milestones at risk")],
)
def test_a_milestone_below_target_and_due_soon_shows_at_risk(
    make_page, live_server, viewer_user, at_risk, language, state, heading
):
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, viewer_user.email)
    page.goto(f"{live_server.url}{reverse('healthscore:portfolio', args=['acme'])}")
    section = page.locator("[data-testid=portfolio-milestones]")
    assert section.get_by_role("heading", name=heading).is_visible()
    row = section.locator("[data-testid=milestone-at-risk]")
    assert row.count() == 1
    assert row.get_by_text(state, exact=True).is_visible()
    row.get_by_role("link", name="株式会社リスク").click()
    page.wait_for_url(lambda url: f"/accounts/{at_risk.pk}/" in url)
    check = page.locator("[data-testid=milestone-check]")
    assert check.inner_text() == state
    assert check.get_attribute("data-state") == "at_risk"
