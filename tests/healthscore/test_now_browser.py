"""Account 360 and the account list show the intra-day ("now") score, in Japanese and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScoreNow
from healthscore.services.now import now_run
from healthscore.services.recompute import healthscore_recompute
from healthscore.services.scorecards import healthscore_tenant_defaults
from journeys.services import phases_seed_defaults
from tests.browser.conftest import login
from tests.factories import AccountFactory
from tests.healthscore.factories import SurveyResponseFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {"now": "現在", "at": "時点"},
    "en": {"now": "Now", "at": "at"},
}


@pytest.fixture
def now_scored(tenant):
    """Scored by the nightly yesterday; a survey answer today rescored it at event time."""
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        phases_seed_defaults()
        account = AccountFactory(name="株式会社イマスコア")
        healthscore_recompute(day=timezone.localdate() - dt.timedelta(days=1))
        SurveyResponseFactory(account=account, score=0, responded_on=timezone.localdate())
        now_run()
        return account, HealthScoreNow.objects.get(account=account)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_account_360_and_the_list_show_the_now_score(
    make_page, live_server, viewer_user, now_scored, language
):
    account, now = now_scored
    viewer_user.language = language
    viewer_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, viewer_user.email)
    page.goto(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk}))
    assert page.locator("html").get_attribute("lang") == language
    header = page.locator("[data-testid=health-now]")
    text = header.inner_text()
    assert TEXT[language]["now"] in text and TEXT[language]["at"] in text
    assert page.locator("[data-testid=health-now-score]").inner_text() == f"{now.score:.0f}"
    assert timezone.localtime(now.computed_at).strftime("%H:%M") in text
    assert page.locator("[data-testid=health-score]").is_visible()  # the nightly one stays

    page.goto(reverse("accounts:list", kwargs={"tenant_slug": "acme"}))
    row = page.locator("tr", has_text="株式会社イマスコア")
    cell = row.locator("[data-testid=health-now-cell]")
    assert f"{now.score:.0f}" in cell.inner_text()
    assert TEXT[language]["now"].lower() in cell.inner_text().lower()
