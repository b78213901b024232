"""The health API: account health, history, portfolio, scorecards, jobs, permissions."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.utils import timezone

from cs_platform.models import ApiKeyScope
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthScore, KeyEvent, RecomputeJob, Scorecard
from healthscore.services.recompute import healthscore_recompute, recompute_job_run_sync
from healthscore.services.scorecards import healthscore_tenant_defaults
from tests.conftest import api_key_client
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(defaults):
    account = AccountFactory(external_id="acc-1")
    today = timezone.localdate()
    for days_ago in (30, 7, 0):
        healthscore_recompute(day=today - dt.timedelta(days=days_ago))
    return account


def test_account_health_returns_score_band_version_components_and_trend(viewer_api, scored):
    response = viewer_api.get(f"/api/v1/accounts/{scored.pk}/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["band"] in ("green", "amber", "red")
    assert body["version"] == 1
    assert {c["key"] for c in body["components"]} >= {"active_users", "renewal"}
    assert set(body["trend"]) == {"7", "30", "90"}
    assert body["trend"]["7"]["change"] == 0
    assert body["trend"]["90"] is None


def test_account_without_score_is_a_404_with_a_reason(viewer_api, defaults):
    account = AccountFactory()
    response = viewer_api.get(f"/api/v1/accounts/{account.pk}/health/")
    assert response.status_code == 404


def test_account_health_history_lists_days_oldest_first(viewer_api, scored):
    response = viewer_api.get(f"/api/v1/accounts/{scored.pk}/health/history/")
    days = [row["day"] for row in response.json()]
    assert len(days) == 3
    assert days == sorted(days)


def test_history_marks_the_day_a_new_version_took_effect(viewer_api, scored):
    from healthscore.services.scorecards import scorecard_publish

    scorecard_publish(scorecard=Scorecard.objects.get(is_default=True))
    healthscore_recompute(day=timezone.localdate())
    rows = viewer_api.get(f"/api/v1/accounts/{scored.pk}/health/history/").json()
    assert [r["version_changed"] for r in rows] == [False, False, True]


def test_outsider_gets_404_for_another_tenants_account_health(outsider_api, scored):
    assert outsider_api.get(f"/api/v1/accounts/{scored.pk}/health/").status_code == 404
    assert outsider_api.get(f"/api/v1/accounts/{scored.pk}/health/history/").status_code == 404


def test_read_key_can_read_health(tenant, scored):
    client = api_key_client(tenant, ApiKeyScope.READ)
    assert client.get(f"/api/v1/accounts/{scored.pk}/health/").status_code == 200


def test_ingest_key_cannot_read_health(tenant, scored):
    client = api_key_client(tenant, ApiKeyScope.INGEST)
    assert client.get(f"/api/v1/accounts/{scored.pk}/health/").status_code == 403


def test_portfolio_has_bands_trend_phases_risk_and_renewals(viewer_api, scored):
    ContractFactory(
        account=scored, renewal_date=timezone.localdate() + dt.timedelta(days=20), arr=5_000_000
    )
    body = viewer_api.get("/api/v1/health/portfolio/").json()
    assert sum(body["bands"].values()) == 1
    assert len(body["average_over_time"]) == 3
    assert body["renewals"][0]["account_id"] == scored.pk
    assert body["renewals"][0]["band"] in ("green", "amber", "red")
    assert "by_phase" in body and "at_risk" in body


def test_admin_can_edit_and_publish_a_scorecard(admin_api, defaults):
    card = Scorecard.objects.get(is_default=True)
    draft = copy.deepcopy(card.draft)
    draft["bands"]["green"] = 75
    response = admin_api.patch(
        f"/api/v1/health/scorecards/{card.pk}/", {"draft": draft}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["has_unpublished_changes"] is True
    published = admin_api.post(f"/api/v1/health/scorecards/{card.pk}/publish/")
    assert published.status_code == 201
    assert published.json()["number"] == 2


def test_draft_with_bad_weights_is_a_400(admin_api, defaults):
    card = Scorecard.objects.get(is_default=True)
    draft = copy.deepcopy(card.draft)
    draft["components"][-1]["weight"] = 99
    response = admin_api.patch(
        f"/api/v1/health/scorecards/{card.pk}/", {"draft": draft}, format="json"
    )
    assert response.status_code == 400
    assert "draft" in response.json()


def test_csm_cannot_change_scorecards(csm_api, defaults):
    card = Scorecard.objects.get(is_default=True)
    assert csm_api.get("/api/v1/health/scorecards/").status_code == 403
    assert csm_api.post(f"/api/v1/health/scorecards/{card.pk}/publish/").status_code == 403


def test_preview_shows_distribution_and_band_changes(admin_api, scored):
    card = Scorecard.objects.get(is_default=True)
    strict = copy.deepcopy(card.draft)
    strict["bands"] = {"green": 99, "amber": 98}
    response = admin_api.post(
        f"/api/v1/health/scorecards/{card.pk}/preview/", {"definition": strict}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accounts"] == 1
    assert body["distribution"]["red"] == 1
    current_band = HealthScore.objects.filter(account=scored).order_by("-day").first().band
    assert body["band_changes"] == (0 if current_band == "red" else 1)
    assert HealthScore.objects.filter(account=scored).count() == 3


def test_admin_starts_recompute_now_and_reads_progress(admin_api, defaults):
    AccountFactory()
    response = admin_api.post("/api/v1/health/recompute-jobs/", {}, format="json")
    assert response.status_code == 201
    job = RecomputeJob.objects.get()
    assert (job.total, job.trigger) == (1, "manual")
    progress = admin_api.get(f"/api/v1/health/recompute-jobs/{job.pk}/").json()
    assert progress["total"] == 1 and progress["progress"] == 0.0
    # No worker took it (none runs here): queued, not running.
    assert (progress["status"], progress["waiting_for_worker"]) == ("running", True)
    listed = admin_api.get("/api/v1/health/recompute-jobs/").json()["results"]
    assert [j["waiting_for_worker"] for j in listed] == [True]
    recompute_job_run_sync(job=job)
    assert (
        admin_api.get(f"/api/v1/health/recompute-jobs/{job.pk}/").json()["waiting_for_worker"]
        is False
    )


def test_csm_cannot_start_a_recompute(csm_api, defaults):
    assert csm_api.post("/api/v1/health/recompute-jobs/", {}, format="json").status_code == 403


def test_key_events_are_listed_and_admin_adds_one(admin_api, viewer_api, defaults):
    assert viewer_api.get("/api/v1/health/key-events/").status_code == 200
    response = admin_api.post(
        "/api/v1/health/key-events/", {"name": "card_scanned", "label": "名刺スキャン"}
    )
    assert response.status_code == 201
    assert KeyEvent.objects.filter(name="card_scanned").exists()


def test_viewer_cannot_add_key_events(viewer_api, defaults):
    response = viewer_api.post("/api/v1/health/key-events/", {"name": "x"})
    assert response.status_code == 403


def test_write_key_records_a_survey_response(tenant, defaults):
    account = AccountFactory()
    client = api_key_client(tenant, ApiKeyScope.WRITE)
    response = client.post(
        "/api/v1/health/survey-responses/",
        {"account": account.pk, "score": 9, "responded_on": "2026-11-20"},
        format="json",
    )
    assert response.status_code == 201


def test_survey_score_above_ten_is_a_400(csm_api, defaults):
    account = AccountFactory()
    response = csm_api.post(
        "/api/v1/health/survey-responses/",
        {"account": account.pk, "score": 11, "responded_on": "2026-11-20"},
        format="json",
    )
    assert response.status_code == 400


def test_survey_for_another_tenants_account_is_a_409(csm_api, defaults, other_tenant):
    with tenant_scope(other_tenant):
        foreign = AccountFactory()
    response = csm_api.post(
        "/api/v1/health/survey-responses/",
        {"account": foreign.pk, "score": 5, "responded_on": "2026-11-20"},
        format="json",
    )
    assert response.status_code == 409


def test_admin_edits_alert_settings(admin_api, defaults):
    response = admin_api.put(
        "/api/v1/health/settings/",
        {"drop_points": 20, "drop_window_days": 7, "alert_on_red": True, "task_due_days": 2},
        format="json",
    )
    assert response.status_code == 200
    assert admin_api.get("/api/v1/health/settings/").json()["drop_points"] == 20


def test_csm_cannot_read_alert_settings(csm_api, defaults):
    assert csm_api.get("/api/v1/health/settings/").status_code == 403


def test_outsider_settings_are_their_own(outsider_api, other_tenant, defaults):
    with tenant_scope(other_tenant):
        healthscore_tenant_defaults(tenant=other_tenant)
    assert outsider_api.get("/api/v1/health/settings/").json()["drop_points"] == 15


def test_account_list_filters_by_health_band(viewer_api, scored):
    band = HealthScore.objects.filter(account=scored).order_by("-day").first().band
    other = next(b for b in ("green", "amber", "red") if b != band)
    assert viewer_api.get(f"/api/v1/accounts/?health_band={band}").json()["count"] == 1
    assert viewer_api.get(f"/api/v1/accounts/?health_band={other}").json()["count"] == 0


def test_preview_compares_with_the_published_version_on_the_same_data_not_stored_scores(
    admin_api, defaults
):
    for n in range(4):
        AccountFactory(external_id=f"acc-{n}")
    healthscore_recompute(day=timezone.localdate())
    # Stored scores from another day's data (here: made up) must not count as band changes.
    HealthScore.objects.update(score=95, band="green")
    card = Scorecard.objects.get(is_default=True)
    url = f"/api/v1/health/scorecards/{card.pk}/preview/"

    same = admin_api.post(url, {"definition": card.current_version.definition}, format="json")

    body = same.json()
    assert (body["band_changes"], body["compared_with"]) == (0, "published")
    assert body["average"] == body["average_published"]
    assert all(c["change"] == 0 for c in body["components"])

    shifted = copy.deepcopy(card.current_version.definition)
    first, second = shifted["components"][0], shifted["components"][1]
    moved = min(5, second["weight"])
    first["weight"] += moved
    second["weight"] -= moved
    body = admin_api.post(url, {"definition": shifted}, format="json").json()
    explained = sum(c["change"] for c in body["components"])
    assert abs((body["average"] - body["average_published"]) - explained) < 0.1
    assert {c["key"] for c in body["components"] if c["change"]} <= {first["key"], second["key"]}
