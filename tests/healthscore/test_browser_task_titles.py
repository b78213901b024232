"""A health-alert task opened by the Japanese nightly run reads in the CSM's language on My
Work and on Account 360, in a browser (ja and en)."""

from __future__ import annotations

import datetime as dt

import pytest

from cs_platform.scoping import tenant_scope
from healthscore.services.alerts import alerts_evaluate
from tests.browser.conftest import login
from tests.factories import AccountFactory

from .factories import HealthScoreFactory, ScorecardVersionFactory

pytestmark = pytest.mark.browser

DAY = dt.date(2026, 11, 20)
TITLE = {"ja": "ヘルススコアがレッドになりました（30）", "en": "Health moved into red (30)"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_alert_task_reads_in_the_csms_language(
    make_page, live_server, csm_user, tenant, defaults, language
):
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user, name="株式会社テスト")
        HealthScoreFactory(
            account=account, version=ScorecardVersionFactory(), day=DAY, score=30, band="red"
        )
        alerts_evaluate(day=DAY)
    csm_user.language = language
    csm_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)
    other = TITLE["en" if language == "ja" else "ja"]

    page.goto(f"{live_server.url}/t/acme/journeys/my-work/")
    work = page.locator("main").inner_text()
    assert TITLE[language] in work and other not in work

    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")
    tasks = page.locator("[data-testid=tasks-panel]").inner_text()
    assert TITLE[language] in tasks and other not in tasks
