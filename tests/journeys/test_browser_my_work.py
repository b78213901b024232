"""My work's rows (written in Python) work in a browser, in Japanese and English: a checklist
item is ticked, a task and an action-plan step are done, each with the row's own form."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cs_platform.scoping import tenant_scope
from journeys.models import ActionStep, Task
from tests.browser.conftest import signed_in_page
from tests.factories import AccountFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory, TaskFactory

pytestmark = pytest.mark.browser

DONE = {"ja": "完了", "en": "Done"}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_csm_ticks_a_checklist_item_and_finishes_a_task_and_a_step(
    make_page, live_server, tenant, csm_user, language
):
    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user, name="株式会社マイワーク")
        task = TaskFactory(
            account=account,
            assignee=csm_user,
            title="議事録の共有",
            checklist=[{"text": "議事録を書く", "done": False}],
        )
        step = ActionStepFactory(
            milestone=MilestoneFactory(journey_map__account=account),
            owner_user=csm_user,
            description="管理者トレーニング",
        )
    page = signed_in_page(make_page, live_server, csm_user, language)
    page.goto(reverse("journeys:my_work", kwargs={"tenant_slug": "acme"}))
    tasks = page.get_by_test_id("my-tasks")
    expect(tasks.get_by_role("link", name="株式会社マイワーク")).to_be_visible()

    tasks.get_by_test_id("task-checklist").get_by_role("button").click()
    expect(tasks.get_by_test_id("task-checklist").locator("li.done")).to_have_count(1)
    with tenant_scope(tenant):
        assert Task.objects.get(pk=task.pk).checklist[0]["done"] is True

    tasks.locator("li").filter(has_text="議事録の共有").get_by_role(
        "button", name=DONE[language], exact=True
    ).click()
    expect(page.get_by_test_id("my-tasks")).not_to_contain_text("議事録の共有")
    page.get_by_test_id("my-steps").get_by_role("button", name=DONE[language]).click()
    expect(page.get_by_test_id("my-steps")).not_to_contain_text("管理者トレーニング")
    with tenant_scope(tenant):
        assert Task.objects.get(pk=task.pk).status == "done"
        assert ActionStep.objects.get(pk=step.pk).done
