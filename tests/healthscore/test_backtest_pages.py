"""The backtest through the API, the scorecard pages and a real Celery worker."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from cs_platform.scoping import cross_tenant, tenant_scope
from healthscore.models import BacktestRun, Scorecard
from healthscore.services.backtest import backtest_execute, backtest_request
from healthscore.tasks import backtest_run_task
from tests.cs_platform.test_celery import worker_queue  # noqa: F401  (fixture)
from tests.healthscore.test_backtest import _world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant):
    with tenant_scope(tenant):
        return _world(accounts=300)


def _url(name: str, **kwargs) -> str:
    return reverse(name, kwargs={"tenant_slug": "acme", **kwargs})


def _done_run(tenant, card: Scorecard) -> BacktestRun:
    with tenant_scope(tenant):
        run, _ = backtest_request(scorecard=card, version=card.current_version)
        return backtest_execute(run=run)


# --- API ----------------------------------------------------------------------------------------


def test_api_starts_a_backtest_and_returns_the_cached_run_on_unchanged_data(
    world, admin_api, tenant, django_capture_on_commit_callbacks
):
    card, _today = world
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_api.post(
            f"/api/v1/health/scorecards/{card.pk}/backtest/", {"version": 1}, format="json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "running"
    assert response.json()["version"] == 1
    assert len(callbacks) == 1  # the task is sent once the run is committed
    with cross_tenant("tenant-admin"):
        run = BacktestRun.objects.unscoped().get(pk=response.json()["id"])
    with tenant_scope(tenant):
        backtest_execute(run=run)
    again = admin_api.post(
        f"/api/v1/health/scorecards/{card.pk}/backtest/", {"version": 1}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == run.pk
    got = admin_api.get(f"/api/v1/health/scorecards/{card.pk}/backtest/?version=1").json()
    assert got["status"] == "done" and got["progress"] == 100
    ninety = got["result"]["horizons"][0]
    assert ninety["churn"]["auc"]["value"] > 0.7
    assert {"samples", "accounts", "events", "bands", "deciles", "calibration"} <= set(
        ninety["churn"]
    )


def test_api_refuses_bad_input_with_a_message(world, admin_api):
    card, _today = world
    base = f"/api/v1/health/scorecards/{card.pk}/backtest/"
    assert admin_api.post(base, {"version": "x"}, format="json").status_code == 400
    missing = admin_api.post(base, {"version": 9}, format="json")
    # Well-formed but not a version of this scorecard: refused by the data (409), not a 400.
    assert missing.status_code == 409 and "Version 9" in missing.content.decode()
    assert admin_api.get(base + "?version=draft").status_code == 404
    assert admin_api.get(base + "?version=9").status_code == 409
    for malformed in ("abc", "", "0", "01", "1.5", "1234567890", " 1"):
        assert admin_api.get(base, {"version": malformed}).status_code == 400, malformed
    schema = admin_api.get("/api/schema/", {"format": "json"}).json()
    params = schema["paths"]["/api/v1/health/scorecards/{id}/backtest/"]["get"]["parameters"]
    version = next(p for p in params if p["name"] == "version")
    assert version["schema"]["pattern"] == "^(draft|[1-9][0-9]{0,8})$"
    adopt = f"/api/v1/health/scorecards/{card.pk}/adopt-suggestion/"
    assert admin_api.post(adopt, {}, format="json").status_code == 400
    assert admin_api.post(adopt, {"run": 999999}, format="json").status_code == 404


def test_api_adopts_a_suggestion_as_the_draft(world, admin_api, tenant):
    card, _today = world
    run = _done_run(tenant, card)
    response = admin_api.post(
        f"/api/v1/health/scorecards/{card.pk}/adopt-suggestion/", {"run": run.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["has_unpublished_changes"] is True
    assert response.json()["draft"] == run.result["suggestion"]["definition"]


def test_backtest_api_is_for_admins_of_the_tenant_only(world, viewer_api, outsider_api):
    card, _today = world
    base = f"/api/v1/health/scorecards/{card.pk}/backtest/"
    assert viewer_api.post(base, {}, format="json").status_code == 403
    assert outsider_api.post(base, {}, format="json").status_code == 404
    assert outsider_api.get(base).status_code == 404


# --- pages --------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["ja", "en"])
def test_backtest_page_shows_auc_sizes_bands_and_the_suggestion(
    world, admin_user, tenant, language
):
    card, _today = world
    run = _done_run(tenant, card)
    client = _client(admin_user)
    client.cookies["django_language"] = language
    page = client.get(
        _url("healthscore:scorecard_backtest", pk=card.pk), HTTP_ACCEPT_LANGUAGE=language
    )
    assert page.status_code == 200
    html = page.content.decode()
    auc = run.result["horizons"][0]["churn"]["auc"]["value"]
    assert f"{auc:.2f}" in html
    assert 'data-testid="backtest-bands-90"' in html
    assert 'data-testid="suggestion-weights"' in html
    assert 'data-testid="backtest-calibration-90"' in html
    # The band names head the band tables, the per-segment one included (its churn rate per
    # band beside the AUC).
    red, green = ("リスクあり", "良好") if language == "ja" else ("At risk", "Healthy")
    bands_table = html.split('data-testid="backtest-bands-90"')[1].split("</table>")[0]
    assert red in bands_table and green in bands_table
    segments = html.split('data-testid="backtest-segments-90"')[1].split("</table>")[0]
    assert red in segments
    segment = run.result["horizons"][0]["segments"][0]
    assert len(segment["bands"]) == 3
    assert 'data-testid="backtest-thinned"' not in html
    assert (
        ("の解約" in html or "以内" in html) if language == "ja" else "Churn within 90 days" in html
    )


def test_a_version_with_too_few_outcomes_says_not_enough_yet(admin_user, tenant):
    with tenant_scope(tenant):
        card, _today = _world(accounts=40, churn_share=0.05, seed=3)
    _done_run(tenant, card)
    html = _client(admin_user).get(_url("healthscore:scorecard_backtest", pk=card.pk)).content
    assert b'data-testid="backtest-not-enough-90"' in html
    assert b"Not enough outcomes yet." in html or "まだ".encode() in html


def test_starting_from_the_page_creates_one_running_run(
    world, admin_user, django_capture_on_commit_callbacks
):
    card, _today = world
    client = _client(admin_user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_url("healthscore:scorecard_backtest", pk=card.pk), {"version": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?version=1")
    assert len(callbacks) == 1
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="backtest-progress"' in page
    client.post(_url("healthscore:scorecard_backtest", pk=card.pk), {"version": "1"})
    with cross_tenant("tenant-admin"):
        assert BacktestRun.objects.unscoped().count() == 1


def test_adopting_from_the_page_leads_to_the_preview(world, admin_user, tenant):
    card, _today = world
    run = _done_run(tenant, card)
    response = _client(admin_user).post(
        _url("healthscore:scorecard_backtest_adopt", pk=card.pk), {"run": run.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == _url("healthscore:scorecard_preview", pk=card.pk)
    with tenant_scope(tenant):
        card.refresh_from_db()
    assert card.draft == run.result["suggestion"]["definition"]


def test_backtest_pages_are_for_admins(world, viewer_user, admin_user):
    card, _today = world
    assert (
        _client(viewer_user).get(_url("healthscore:scorecard_backtest", pk=card.pk)).status_code
        == 403
    )
    page = _client(admin_user).get(
        _url("healthscore:scorecard_backtest", pk=card.pk) + "?version=7"
    )
    assert page.status_code == 404


# --- a real worker ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_worker_computes_the_backtest_and_reports_progress(
    transactional_db,
    tenant,
    worker_queue,  # noqa: F811
):
    with tenant_scope(tenant):
        card, _today = _world(accounts=200)
        run, created = backtest_request(scorecard=card, version=card.current_version)
    assert created and run.progress == 0
    backtest_run_task.apply_async(
        kwargs={"tenant_id": tenant.pk, "run_id": run.pk}, queue=worker_queue
    )
    seen = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with cross_tenant("tenant-admin"):
            current = BacktestRun.objects.unscoped().get(pk=run.pk)
        seen.add(current.progress)
        if current.status != "running":
            break
        time.sleep(0.2)
    assert current.status == "done", current.error
    assert current.progress == 100
    assert current.result["horizons"][0]["churn"]["enough"] is True
    assert len(seen) >= 2  # the progress moved while it ran
