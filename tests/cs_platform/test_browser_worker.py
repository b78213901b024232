"""No worker alive: the dashboard and the pages that start background work say so, and a job
nobody took reads as queued, not running (ja and en).

CI runs no worker: each test writes the heartbeat it needs into the cache."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from cs_platform.tasks import HEARTBEAT_CACHE_KEY
from tests.browser.conftest import login
from tests.factories import AccountFactory

pytestmark = pytest.mark.browser

TEXT = {
    "ja": {
        "down": "バックグラウンドワーカーが動いていません。",
        "ago": "ワーカーの最後の応答は 28 分前",
        "queued": "待機中：ワーカーが処理を始めるのを待っています",
        "running": "実行中",
    },
    "en": {
        "down": "No background worker is running.",
        "ago": "The last worker heartbeat was 28 minutes ago",
        "queued": "Queued: waiting for a worker to take it",
        "running": "Running",
    },
}


@pytest.fixture
def heartbeat():
    def set_age(minutes: int) -> None:
        stamp = timezone.now() - dt.timedelta(minutes=minutes)
        cache.set(HEARTBEAT_CACHE_KEY, stamp.isoformat())

    yield set_age
    cache.delete(HEARTBEAT_CACHE_KEY)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_with_no_fresh_heartbeat_pages_say_no_worker_runs_and_jobs_read_queued(
    make_page, live_server, admin_user, tenant, heartbeat, language
):
    from healthscore.services.recompute import (
        recompute_chunk_claim,
        recompute_job_create,
    )

    text = TEXT[language]
    admin_user.language = language
    admin_user.save()
    with tenant_scope(tenant):
        AccountFactory()
        job = recompute_job_create(day=timezone.localdate())
    heartbeat(28)
    page = make_page(locale="ja-JP" if language == "ja" else "en-US")
    login(page, live_server, admin_user.email)

    notice = page.locator("[data-testid=worker-down]")
    assert text["down"] in notice.inner_text()
    assert text["ago"] in notice.inner_text()
    for path in ("/t/acme/healthscore/scorecards/", "/t/acme/accounts/import/"):
        page.goto(f"{live_server.url}{path}")
        assert text["down"] in page.locator("[data-testid=worker-down]").inner_text()

    page.goto(f"{live_server.url}/t/acme/healthscore/recompute/{job.pk}/")
    assert page.locator("[data-testid=recompute-status]").inner_text() == text["queued"]
    assert page.locator("[data-testid=recompute-job]").get_attribute("data-waiting") == "true"
    assert page.locator("[data-testid=worker-down]").is_visible()

    # A worker comes back and takes the first chunk: the notice goes, the job is running.
    heartbeat(0)
    with tenant_scope(tenant):
        assert recompute_chunk_claim(job=job, index=0, worker="w1:1") is not None
    page.locator("[data-testid=recompute-job][data-waiting=false]").wait_for()
    assert page.locator("[data-testid=recompute-status]").inner_text() == text["running"]
    assert page.locator("[data-testid=worker-down]").count() == 0
    page.goto(f"{live_server.url}/t/acme/")
    assert page.locator("[data-testid=worker-down]").count() == 0
