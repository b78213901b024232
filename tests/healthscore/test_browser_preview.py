"""The scorecard preview compares the draft with the published version on the same data and
says why accounts move (ja and en)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScore, Scorecard
from healthscore.services.recompute import healthscore_recompute
from healthscore.services.scorecards import healthscore_tenant_defaults
from tests.browser.conftest import login
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": ("同じアカウント", "アカウントが動く理由", "平均（公開中 → 下書き）"),
    "en": ("same accounts", "Why accounts move", "average (published → draft)"),
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_preview_explains_its_band_changes(
    make_page, live_server, admin_user, tenant, language
):
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        for i in range(3):
            ContractFactory(
                account=AccountFactory(name=f"株式会社プレビュー{i}"),
                renewal_date=timezone.localdate() + dt.timedelta(days=30),
            )
        healthscore_recompute(day=timezone.localdate())
        HealthScore.objects.update(score=99, band="green")  # stored on other data
        card = Scorecard.objects.get(is_default=True)
        draft = copy.deepcopy(card.current_version.definition)
        first, second = draft["components"][0], draft["components"][1]
        moved = min(5, second["weight"])
        first["weight"] += moved
        second["weight"] -= moved
        Scorecard.objects.filter(pk=card.pk).update(draft=draft)
    admin_user.language = language
    admin_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, admin_user.email)

    page.goto(f"{live_server.url}/t/acme/healthscore/scorecards/{card.pk}/preview/")

    basis, why, average = TEXT[language]
    assert basis in page.locator("[data-testid=preview-basis]").inner_text()
    assert why in page.locator("[data-testid=preview-summary] h3").inner_text()
    assert average in page.locator("[data-testid=preview-summary]").inner_text()
    rows = page.locator("[data-testid=preview-why] tbody tr")
    assert rows.count() == len(draft["components"])
    # The two components whose weights moved lead the table; the others did not move.
    assert {rows.nth(0).get_attribute("data-key"), rows.nth(1).get_attribute("data-key")} == {
        first["key"],
        second["key"],
    } or moved == 0
    # Stored scores (all green, made up) are not what the draft is compared with.
    assert page.locator("[data-testid=preview-average-published]").inner_text() != "99"
