"""Account 360's timeline in a browser: milestones added and changed, tasks added and completed
(a generated one named from its kind + data, written in the other language), each read as what
happened, in the reader's language (ja and en)."""

from __future__ import annotations

import pytest
from django.utils import translation

from cs_platform.scoping import tenant_scope
from healthscore.services.alerts import alert_title
from journeys.models import MilestoneStatus
from journeys.services import milestone_create, milestone_set_status, task_complete, task_create
from tests.browser.conftest import login
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": [
        "マイルストーン追加: 研修",
        "マイルストーン「研修」: 予定 → 進行中",
        "タスク追加: 請求先登録",
        "タスク完了: 請求先登録",
        "タスク完了: ヘルススコアがレッドになりました（30）",
    ],
    "en": [
        "Milestone added: 研修",
        "Milestone 研修: Planned → In progress",
        "Task added: 請求先登録",
        "Task completed: 請求先登録",
        "Task completed: Health moved into red (30)",
    ],
}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_timeline_reads_what_happened(make_page, live_server, csm_user, tenant, language):
    with tenant_scope(tenant), translation.override("en" if language == "ja" else "ja"):
        account = AccountFactory(owner=csm_user)
        milestone = milestone_create(account=account, title="研修")
        milestone_set_status(milestone=milestone, status=MilestoneStatus.IN_PROGRESS, actor=None)
        task_complete(task=task_create(account=account, title="請求先登録", actor=csm_user))
        alert = task_create(
            account=account,
            title=alert_title(kind="red", score=30.0, previous=None),  # the other language
            source_key="health-alert-task:1",
            kind="health_alert",
            data={"kind": "red", "score": 30.0, "previous": None},
        )
        task_complete(task=alert)
    csm_user.language = language
    csm_user.save()
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, csm_user.email)

    page.goto(f"{live_server.url}/t/acme/accounts/{account.pk}/")

    titles = page.locator("[data-testid=timeline-panel] [data-testid=activity-title]")
    shown = titles.all_inner_texts()
    for expected in TEXT[language]:
        assert expected in shown, shown
