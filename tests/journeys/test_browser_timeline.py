"""Account 360's timeline in a browser: milestones added and changed, and tasks completed, each
read as what happened, in the reader's language (ja and en)."""

from __future__ import annotations

import pytest
from django.utils import translation

from cs_platform.scoping import tenant_scope
from journeys.models import MilestoneStatus
from journeys.services import milestone_create, milestone_set_status, task_complete, task_create
from tests.browser.conftest import login
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": [
        "マイルストーン追加: 研修",
        "マイルストーン「研修」: 予定 → 進行中",
        "タスク完了: 請求先登録",
    ],
    "en": [
        "Milestone added: 研修",
        "Milestone 研修: Planned → In progress",
        "Task completed: 請求先登録",
    ],
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_timeline_reads_what_happened(make_page, live_server, csm_user, tenant, language):
    with tenant_scope(tenant), translation.override("en" if language == "ja" else "ja"):
        account = AccountFactory(owner=csm_user)
        milestone = milestone_create(account=account, title="研修")
        milestone_set_status(milestone=milestone, status=MilestoneStatus.IN_PROGRESS, actor=None)
        task_complete(task=task_create(account=account, title="請求先登録"))
    csm_user.language = language
    csm_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)

    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")

    titles = page.locator("[data-testid=timeline-panel] [data-testid=activity-title]")
    shown = titles.all_inner_texts()
    for expected in TEXT[language]:
        assert expected in shown, shown
