"""A CSM edits and deletes in place on Account 360 and My Work (htmx), in Japanese and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cs_platform.models import TrashEntry
from cs_platform.scoping import tenant_scope
from journeys import services
from journeys.models import Activity, Milestone, Task
from tests.browser.conftest import signed_in_page
from tests.factories import AccountFactory
from tests.journeys.factories import MilestoneFactory, TaskFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {"save": "保存", "delete": "削除", "trash": "ごみ箱", "add_touch": "タイムラインに追加"},
    "en": {
        "save": "Save",
        "delete": "Delete",
        "trash": "trash",
        "add_touch": "Add to the timeline",
    },
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_edits_a_milestone_logs_a_call_and_trashes_a_task_on_account_360(
    make_page, live_server, tenant, csm_user, manager_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user, name="株式会社ブラウザ")
        milestone = MilestoneFactory(journey_map__account=account, title="旧タイトル")
        task = TaskFactory(account=account, assignee=csm_user, title="見積もり送付")
        services.meeting_log(account=account, agenda="定例会", logged_by=csm_user)
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": account.pk}))
    address = page.url

    # The milestone's editor opens in place (htmx), and saving lands back on Account 360.
    card = page.get_by_test_id("milestone").first
    card.get_by_test_id("milestone-edit").click()
    form = card.get_by_test_id("edit-form")
    assert page.url == address  # no navigation: the form came in place
    form.locator("[name=title]").fill("新タイトル")
    form.locator("[name=target_score]").fill("85")
    form.locator("[name=due_date]").fill("2030-05-01")
    form.get_by_role("button", name=text["save"]).click()
    expect(page.get_by_test_id("journey-map-panel")).to_contain_text("新タイトル")
    with tenant_scope(tenant):
        milestone.refresh_from_db()
    assert (milestone.target_score, milestone.due_date) == (85, dt.date(2030, 5, 1))

    # A call goes on the timeline from the timeline's own form.
    timeline = page.get_by_test_id("timeline-panel")
    # Its form is fetched when its <details> opens.
    timeline.locator("details[hx-get*='/touches/'] > summary").click()
    touch = timeline.get_by_test_id("touch-form")
    touch.locator("[name=kind]").select_option("call")
    touch.locator("[name=title]").fill("更新について電話")
    touch.locator("[name=occurred_at]").fill(
        timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    touch.get_by_role("button", name=text["add_touch"]).click()
    expect(page.get_by_test_id("timeline-panel")).to_contain_text("更新について電話")
    with tenant_scope(tenant):
        assert Activity.objects.filter(account=account, kind="call").exists()

    # A task is deleted after a confirmation that says where it goes.
    row = page.get_by_test_id("task").filter(has_text="見積もり送付")
    row.get_by_test_id("task-delete").click()
    confirm = row.get_by_test_id("confirm-delete")
    assert text["trash"] in confirm.inner_text()
    confirm.get_by_role("button", name=text["delete"]).click()
    expect(page.get_by_test_id("tasks-panel")).not_to_contain_text("見積もり送付")
    with tenant_scope(tenant):
        assert not Task.objects.filter(pk=task.pk).exists()
        assert TrashEntry.objects.filter(model="journeys.task", object_id=task.pk).exists()
        assert Milestone.objects.filter(pk=milestone.pk).exists()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_reassigns_a_task_from_my_work(
    make_page, live_server, tenant, csm_user, manager_user, language
):
    text = TEXT[language]
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user)
        task = TaskFactory(account=account, assignee=csm_user, title="契約書の確認")
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(reverse("journeys:my_work", kwargs={"tenant_slug": "acme"}))
    row = page.get_by_test_id("my-tasks").locator("li").filter(has_text="契約書の確認")
    row.get_by_test_id("task-edit").click()
    form = row.get_by_test_id("edit-form")
    form.locator("[name=assignee]").select_option(str(manager_user.pk))
    form.locator("[name=due_date]").fill("2030-06-30")
    form.get_by_role("button", name=text["save"]).click()
    # Reassigned: it left this CSM's list.
    expect(page.get_by_test_id("my-tasks")).not_to_contain_text("契約書の確認")
    with tenant_scope(tenant):
        task.refresh_from_db()
    assert (task.assignee_id, task.due_date) == (manager_user.pk, dt.date(2030, 6, 30))
