"""A CSM drives an account's journey in a real browser, in Japanese and in English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Account
from cs_platform.scoping import tenant_scope
from journeys.models import JourneyTemplate
from journeys.services import journey_map_apply_template, phases_seed_defaults
from tests.browser.conftest import login, signed_in_page
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import JourneyTemplateFactory, TemplateMilestoneFactory

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
    timeline.locator("summary").first.click()  # log a meeting
    meeting_form = timeline.locator("[data-testid=meeting-form]")
    meeting_form.locator("[name=agenda]").fill(text["agenda"])
    meeting_form.get_by_label("田中 一郎").check()
    meeting_form.locator("[name=next_steps]").fill(text["next_step"])
    meeting_form.get_by_role("button", name=text["log_meeting"]).click()
    page.wait_for_load_state()

    entries = page.locator("[data-testid=timeline-panel] [data-testid=activity]")
    assert entries.filter(has_text=text["agenda"]).count() == 1
    assert page.locator("[data-testid=tasks-panel]").get_by_text(text["next_step"]).is_visible()


# --- journey templates: create, edit, apply; a viewer only reads ---------------------------------

TEMPLATE_TEXT = {
    "ja": {
        "templates": "ジャーニーテンプレート",
        "new_template": "新しいテンプレート",
        "edit": "編集",
        "saved": "ジャーニーテンプレートを保存しました。",
        "template": "標準オンボーディング",
        "description": "中堅企業向けの導入計画",
        "first": "初期設定の完了",
        "first_prompt": "誰が何を設定するか",
        "second": "全社展開",
        "renamed": "初期設定と管理者トレーニング",
        "added": "活用状況の定例レビュー",
        "edit_heading": "「標準オンボーディング」を編集",
        "apply": "このテンプレートでマップを作成",
        "applied": "テンプレートからジャーニーマップを作成しました。",
        "target": "目標スコア {score}",
        "add_step_summary": "ステップを追加",
        "step_added": "アクションプランにステップを追加しました。",
        "step": "管理者アカウントを発行する",
    },
    "en": {
        "templates": "Journey templates",
        "new_template": "New template",
        "edit": "Edit",
        "saved": "Journey template saved.",
        "template": "Standard onboarding",
        "description": "The onboarding plan for mid-sized customers",
        "first": "Set-up complete",
        "first_prompt": "Who sets up what",
        "second": "Company-wide roll-out",
        "renamed": "Set-up and admin training",
        "added": "Regular adoption review",
        "edit_heading": "Edit “Standard onboarding”",
        "apply": "Start the map from this template",
        "applied": "Journey map created from the template.",
        "target": "Target score {score}",
        "add_step_summary": "Add a step",
        "step_added": "Step added to the action plan.",
        "step": "Issue the admin accounts",
    },
}


def _template(tenant, text: dict) -> JourneyTemplate:
    with tenant_scope(tenant):
        template = JourneyTemplateFactory(name=text["template"])
        TemplateMilestoneFactory(
            template=template, title=text["first"], order=0, target_score=50, due_after_days=14
        )
        TemplateMilestoneFactory(
            template=template, title=text["second"], order=1, target_score=70, due_after_days=60
        )
    return template


def _template_rows(page) -> list[str]:
    return page.locator("[data-testid=template-milestones] tbody tr").all_inner_texts()


def _fill_template_row(form, index: int, **values: str) -> None:
    for field, value in values.items():
        form.locator(f"[name=milestones-{index}-{field}]").fill(value)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_manager_creates_a_journey_template_with_ordered_milestones(
    make_page, live_server, tenant, manager_user, language
):
    text = TEMPLATE_TEXT[language]
    page = signed_in_page(make_page, live_server, manager_user, language)
    page.goto(f"{live_server.url}/t/acme/")
    page.locator("nav.mainnav").get_by_role("link", name=text["templates"]).click()
    page.get_by_test_id("template-new").click()
    assert page.locator("h1").inner_text() == text["new_template"]

    form = page.get_by_test_id("template-form")
    form.locator("[name=name]").fill(text["template"])
    form.locator("[name=description]").fill(text["description"])
    # Typed second, ordered first: the order column decides.
    _fill_template_row(
        form, 0, title=text["second"], target_score="70", due_after_days="60", ORDER="2"
    )
    _fill_template_row(
        form,
        1,
        title=text["first"],
        description=text["first_prompt"],
        target_score="50",
        due_after_days="14",
        ORDER="1",
    )
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/t/acme/journeys/templates/\d+/$"))

    assert text["saved"] in page.locator("ul.messages").inner_text()
    assert page.locator("h1").inner_text() == text["template"]
    rows = _template_rows(page)
    assert [row.split("\t")[1] for row in rows] == [text["first"], text["second"]]
    assert rows[0].split("\t")[2:] == [text["first_prompt"], "50", "14"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_manager_renames_deletes_and_adds_template_milestones_on_the_edit_page(
    make_page, live_server, tenant, manager_user, language
):
    text = TEMPLATE_TEXT[language]
    template = _template(tenant, text)
    page = signed_in_page(make_page, live_server, manager_user, language)
    page.goto(f"{live_server.url}/t/acme/journeys/templates/{template.pk}/")
    page.get_by_role("link", name=text["edit"], exact=True).click()
    page.wait_for_url(re.compile(rf"/templates/{template.pk}/edit/$"))
    assert page.locator("h1").inner_text() == text["edit_heading"]

    form = page.get_by_test_id("template-form")
    assert form.locator("[name=milestones-0-title]").input_value() == text["first"]
    _fill_template_row(form, 0, title=text["renamed"], target_score="55")
    form.locator("[name=milestones-1-DELETE]").check()
    _fill_template_row(form, 2, title=text["added"], due_after_days="90", ORDER="3")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/templates/{template.pk}/$"))

    assert text["saved"] in page.locator("ul.messages").inner_text()
    rows = [row.split("\t") for row in _template_rows(page)]
    assert [(row[1], row[3], row[4]) for row in rows] == [
        (text["renamed"], "55", "14"),
        (text["added"], "60", "90"),
    ]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_starts_an_accounts_journey_map_from_a_template_on_account_360(
    make_page, live_server, tenant, csm_user, language
):
    text = TEMPLATE_TEXT[language]
    template = _template(tenant, text)
    with tenant_scope(tenant):
        account = AccountFactory(name=f"株式会社テンプレート{language}", owner=csm_user)
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")
    panel = page.get_by_test_id("journey-map-panel")
    assert panel.get_by_test_id("milestone").count() == 0

    apply_form = panel.get_by_test_id("apply-template-form")
    apply_form.locator("select[name=template]").select_option(label=template.name)
    apply_form.get_by_role("button", name=text["apply"]).click()
    page.wait_for_url(re.compile(rf"/t/acme/accounts/{account.pk}/#journey-map$"))

    assert text["applied"] in page.locator("ul.messages").inner_text()
    milestones = page.get_by_test_id("journey-map-panel").get_by_test_id("milestone")
    assert milestones.count() == 2
    assert text["first"] in milestones.nth(0).locator("h3").inner_text()
    assert text["target"].format(score=50) in milestones.nth(0).inner_text()
    assert text["second"] in milestones.nth(1).locator("h3").inner_text()
    assert text["target"].format(score=70) in milestones.nth(1).inner_text()
    assert page.get_by_test_id("apply-template-form").count() == 0


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_milestone_started_from_a_template_takes_an_action_step(
    make_page, live_server, tenant, csm_user, language
):
    text = TEMPLATE_TEXT[language]
    template = _template(tenant, text)
    with tenant_scope(tenant):
        account = AccountFactory(name=f"株式会社テンプレート{language}", owner=csm_user)
        journey_map_apply_template(account=account, template=template)
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")

    milestone = page.get_by_test_id("milestone").filter(has_text=text["first"])
    milestone.locator("summary", has_text=text["add_step_summary"]).click()
    step_form = milestone.get_by_test_id("step-form")
    step_form.locator("[name=description]").fill(text["step"])
    step_form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/t/acme/accounts/{account.pk}/#journey-map$"))

    assert text["step_added"] in page.locator("ul.messages").inner_text()
    milestone = page.get_by_test_id("milestone").filter(has_text=text["first"])
    assert milestone.get_by_test_id("action-plan").get_by_text(text["step"]).is_visible()
    other = page.get_by_test_id("milestone").filter(has_text=text["second"])
    assert other.get_by_test_id("action-plan").get_by_text(text["step"]).count() == 0


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_viewer_reads_a_template_but_cannot_reach_its_edit_page(
    make_page, live_server, tenant, viewer_user, language
):
    text = TEMPLATE_TEXT[language]
    template = _template(tenant, text)
    page = signed_in_page(make_page, live_server, viewer_user, language)
    page.goto(f"{live_server.url}/t/acme/journeys/templates/")
    assert page.locator("h1").inner_text() == text["templates"]
    assert page.get_by_test_id("template-new").count() == 0
    page.get_by_test_id("template-list").get_by_role("link", name=template.name).click()
    page.wait_for_url(re.compile(rf"/templates/{template.pk}/$"))

    assert [row.split("\t")[1] for row in _template_rows(page)] == [text["first"], text["second"]]
    assert page.get_by_role("link", name=text["edit"], exact=True).count() == 0
    assert page.get_by_test_id("template-delete").count() == 0
    response = page.goto(f"{live_server.url}/t/acme/journeys/templates/{template.pk}/edit/")
    assert response.status == 403
    assert page.get_by_test_id("template-form").count() == 0
