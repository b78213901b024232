"""In a real browser, in Japanese and English: a CSM logs a 1:1 meeting against a programme on
Account 360, and the planner shows that programme's measured reach beside its estimate, flagged
as far off."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cs_platform.scoping import tenant_scope
from journeys.models import Meeting
from tests.browser.conftest import login
from tests.factories import AccountFactory

from .factories import TouchProgramFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {
        "log": "ミーティングを記録",
        "programme": "プログラム",
        "flag": "見積が実測と大きくずれています",
    },
    "en": {
        "log": "Log meeting",
        "programme": "Programme",
        "flag": "Estimate far off the measured effect",
    },
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_meeting_logged_against_a_programme_shows_in_the_planner(
    make_page, live_server, csm_user, tenant, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(name="株式会社ミーティング")
        program = TouchProgramFactory(
            kind="one_to_one",
            tier="high",
            name_ja="導入1on1",
            name_en="Onboarding 1:1",
            reach_per_month=50,
        )
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)
    page.goto(f"{live_server.url}{reverse('accounts:detail', args=['acme', account.pk])}")
    timeline = page.locator("[data-testid=timeline-panel]")
    timeline.locator("summary").first.click()  # log a meeting
    form = timeline.locator("[data-testid=meeting-form]")
    form.locator("[name=agenda]").fill("Kick-off")
    form.get_by_label(text["programme"]).select_option(str(program.pk))
    form.get_by_role("button", name=text["log"]).click()
    page.wait_for_load_state()
    with tenant_scope(tenant):
        assert Meeting.objects.get().program_id == program.pk

    page.goto(f"{live_server.url}{reverse('touchmodel:planner', args=['acme'])}")
    row = page.locator(f"[data-testid=program-row][data-program='{program.pk}']")
    assert row.locator("[data-testid=program-reach]").inner_text().startswith("50 · 0.3")
    assert row.get_by_text(text["flag"]).is_visible()
