"""A CSM drives an account's journey in a real browser, in Japanese and in English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Account
from cs_platform.scoping import tenant_scope
from journeys.services import phases_seed_defaults
from tests.browser.conftest import login
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {
        "onboarding": "導入",
        "move": "フェーズを移動",
        "add_milestone": "マイルストーンを追加",
        "add_step_summary": "ステップを追加",
        "log_meeting": "ミーティングを記録",
        "milestone": "名刺を週100枚スキャン",
        "goal": "営業全員の名刺を共有したい",
        "step": "週次のスキャン枚数をダッシュボードで共有",
        "agenda": "キックオフ会議",
        "next_step": "管理者トレーニングの日程調整",
    },
    "en": {
        "onboarding": "Onboarding",
        "move": "Move phase",
        "add_milestone": "Add milestone",
        "add_step_summary": "Add a step",
        "log_meeting": "Log meeting",
        "milestone": "Scan 100 cards a week",
        "goal": "Every rep shares their cards",
        "step": "Show the weekly scan count on the dashboard",
        "agenda": "Kick-off meeting",
        "next_step": "Schedule the admin training",
    },
}


def _create_account_through_the_form(page, live_server, tenant, name: str) -> int:
    """accounts' create form; it lands on Account 360, where journeys' panels live."""
    page.goto(f"{live_server.url}{reverse('accounts:create', kwargs={'tenant_slug': 'acme'})}")
    form = page.locator("[data-testid=account-form]")
    form.locator("#id_name").fill(name)
    form.locator("#id_external_id").fill(f"ext-{name}")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/t/acme/accounts/\d+/$"))
    with tenant_scope(tenant):
        account = Account.objects.get(name=name)
        ContactFactory(account=account, name="田中 一郎")
    page.reload()
    return account.pk


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_moves_an_account_plans_its_journey_and_logs_a_meeting(
    make_page, live_server, tenant, csm_user, language
):
    text = TEXT[language]
    csm_user.language = language
    csm_user.save()
    with tenant_scope(tenant):
        phases_seed_defaults()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)
    assert page.locator("html").get_attribute("lang") == language

    _create_account_through_the_form(page, live_server, tenant, f"株式会社ブラウザ{language}")

    move = page.locator("[data-testid=phase-move-form]")
    move.locator("select").select_option(label=text["onboarding"])
    move.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=current-phase]").inner_text() == text["onboarding"]

    milestone_form = page.locator("[data-testid=milestone-form]")
    milestone_form.locator("[name=title]").fill(text["milestone"])
    milestone_form.locator("[name=customer_goal]").fill(text["goal"])
    milestone_form.locator("[name=target_score]").fill("70")
    milestone_form.get_by_role("button", name=text["add_milestone"]).click()
    page.wait_for_load_state()
    milestone = page.locator("[data-testid=milestone]").filter(has_text=text["milestone"])
    assert milestone.get_by_text(text["goal"]).is_visible()

    milestone.locator("summary", has_text=text["add_step_summary"]).click()
    step_form = milestone.locator("[data-testid=step-form]")
    step_form.locator("[name=description]").fill(text["step"])
    step_form.locator("[name=owner]").select_option(label="田中 一郎")
    step_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    plan = page.locator("[data-testid=milestone]").filter(has_text=text["milestone"])
    assert plan.locator("[data-testid=action-plan]").get_by_text(text["step"]).is_visible()

    timeline = page.locator("[data-testid=timeline-panel]")
    timeline.locator("summary").click()
    meeting_form = timeline.locator("[data-testid=meeting-form]")
    meeting_form.locator("[name=agenda]").fill(text["agenda"])
    meeting_form.get_by_label("田中 一郎").check()
    meeting_form.locator("[name=next_steps]").fill(text["next_step"])
    meeting_form.get_by_role("button", name=text["log_meeting"]).click()
    page.wait_for_load_state()

    entries = page.locator("[data-testid=timeline-panel] [data-testid=activity]")
    assert entries.filter(has_text=text["agenda"]).count() == 1
    assert page.locator("[data-testid=tasks-panel]").get_by_text(text["next_step"]).is_visible()
