"""The backtest page in a real browser (ja and en): figures, charts, and a suggestion that an
admin turns into the draft."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cs_platform.scoping import tenant_scope
from healthscore.services.backtest import backtest_execute, backtest_request
from tests.browser.conftest import login
from tests.healthscore.test_backtest import _world

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_admin_reads_the_backtest_and_adopts_the_suggestion(
    make_page, live_server, admin_user, tenant, language
):
    with tenant_scope(tenant):
        card, _today = _world(accounts=300)
        run, _ = backtest_request(scorecard=card, version=card.current_version)
        run = backtest_execute(run=run)
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, admin_user.email)
    page.goto(
        live_server.url
        + reverse("healthscore:scorecard_backtest", kwargs={"tenant_slug": "acme", "pk": card.pk})
    )
    heading = page.locator("[data-testid=backtest-horizon-90] h2").inner_text()
    assert heading == ("90 日以内の解約" if language == "ja" else "Churn within 90 days")
    auc = run.result["horizons"][0]["churn"]["auc"]["value"]
    assert page.locator("[data-testid=backtest-auc-90]").inner_text() == f"{auc:.2f}"
    page.locator("[data-testid=backtest-deciles-90] canvas").wait_for(state="visible")
    assert page.locator("[data-testid=backtest-calibration-90] canvas").is_visible()
    assert page.locator("[data-testid=suggestion-weights] tbody tr").count() == 2
    page.locator("[data-testid=suggestion-adopt] button").click()
    page.wait_for_url(lambda url: url.endswith("/preview/"))
    assert page.locator("[data-testid=preview-weights]").is_visible()
