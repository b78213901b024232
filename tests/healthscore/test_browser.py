"""The health pages in a real browser: the portfolio charts, and an admin who edits a weight,
reads the preview and publishes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.models import Scorecard
from healthscore.services.recompute import healthscore_recompute
from healthscore.services.scorecards import healthscore_tenant_defaults
from journeys.services import phases_seed_defaults
from tests.browser.conftest import login
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.browser


def url(name: str, **kwargs) -> str:
    return reverse(name, kwargs={"tenant_slug": "acme", **kwargs})


@pytest.fixture
def scored(tenant):
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        phases_seed_defaults()
        today = timezone.localdate()
        for i in range(3):
            ContractFactory(
                account=AccountFactory(name=f"株式会社ブラウザ{i}"),
                renewal_date=today + dt.timedelta(days=30),
            )
        for days_ago in (14, 7, 0):
            healthscore_recompute(day=today - dt.timedelta(days=days_ago))
    return tenant


def test_the_portfolio_draws_its_charts(page, live_server, viewer_user, scored):
    login(page, live_server, viewer_user.email)
    page.goto(f"{live_server.url}{url('healthscore:portfolio')}")
    average = page.locator("[data-testid=portfolio-average] figure.chart")
    average.locator(".chart-canvas canvas").wait_for(state="visible")
    assert average.locator("table.chart-data").is_hidden()
    box = average.locator("canvas").bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100
    assert page.locator("[data-testid=portfolio-bands] canvas").is_visible()
    assert (
        page.locator("[data-testid=portfolio-renewals]")
        .get_by_text("株式会社ブラウザ1")
        .is_visible()
    )


def test_the_portfolio_reads_without_javascript(make_page, live_server, viewer_user, scored):
    page = make_page(java_script_enabled=False)
    login(page, live_server, viewer_user.email)
    page.goto(f"{live_server.url}{url('healthscore:portfolio')}")
    table = page.locator("[data-testid=portfolio-average] table.chart-data")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 3


def test_an_admin_edits_a_weight_previews_and_publishes_without_javascript(
    make_page, live_server, admin_user, scored
):
    """The plain number inputs post as typed: the server checks the sums (with JavaScript, the
    editor keeps them at 100: test_browser_editor.py)."""
    page = make_page(java_script_enabled=False)
    with tenant_scope(scored):
        card = Scorecard.objects.get(is_default=True)
        keys = [c["key"] for c in card.draft["components"]]
    first, second = keys.index("active_users"), keys.index("active_days")
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}{url('healthscore:scorecards')}")
    page.locator("[data-testid=scorecard-row] a", has_text=card.name).first.click()
    page.wait_for_url(re.compile(r"/scorecards/\d+/$"))

    page.fill(f"#id_components-{first}-weight", "45")
    page.locator("[data-testid=save-and-preview]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=definition-errors]").is_visible()
    assert "110" in page.locator("[data-testid=definition-errors]").inner_text()

    page.fill(f"#id_components-{second}-weight", "15")
    page.locator("[data-testid=save-and-preview]").click()
    page.wait_for_url(re.compile(r"/preview/$"))
    assert page.locator("[data-testid=preview-accounts]").inner_text() == "3"
    assert re.fullmatch(r"\d+", page.locator("[data-testid=preview-band-changes]").inner_text())
    assert page.locator("[data-testid=preview-histogram] table.chart-data").is_visible()
    assert page.locator("[data-testid=preview-weights] tr.changed").count() == 2

    page.locator("[data-testid=publish-button]").click()
    page.wait_for_url(re.compile(r"/scorecards/$"))
    assert page.locator("[data-testid=scorecard-row]").filter(has_text="v2").count() == 1
    with tenant_scope(scored):
        card.refresh_from_db()
        assert card.current_version.number == 2
        weights = {c["key"]: c["weight"] for c in card.current_version.definition["components"]}
    assert (weights["active_users"], weights["active_days"]) == (45, 15)


def test_the_job_page_follows_a_recompute_until_it_is_done(page, live_server, admin_user, scored):
    # The job is run here rather than by "Recompute now": no Celery task leaves the test.
    from healthscore.services.recompute import recompute_job_create, recompute_job_run_sync

    with tenant_scope(scored):
        job = recompute_job_create(day=timezone.localdate())
    login(page, live_server, admin_user.email)
    page.goto(f"{live_server.url}{url('healthscore:recompute_job', pk=job.pk)}")
    assert page.locator("[data-testid=recompute-job]").get_attribute("data-status") == "running"
    assert "0%" in page.locator("[data-testid=recompute-progress]").inner_text()
    with tenant_scope(scored):
        recompute_job_run_sync(job=job)
    page.locator("[data-testid=recompute-job][data-status=done]").wait_for(timeout=10_000)
    assert "100%" in page.locator("[data-testid=recompute-progress]").inner_text()
    assert page.url.endswith(url("healthscore:recompute_job", pk=job.pk))
