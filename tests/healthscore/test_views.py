"""The health pages: portfolio, Account 360 panels, scorecard admin, preview, publish, recompute."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cs_platform.scoping import tenant_scope
from healthscore.forms import ScorecardEditor
from healthscore.models import (
    AlertKind,
    HealthAlert,
    HealthScore,
    HealthSettings,
    RecomputeJob,
    Scorecard,
)
from healthscore.services.recompute import healthscore_recompute
from healthscore.services.scorecards import scorecard_publish
from journeys.services import phases_seed_defaults
from tests.factories import AccountFactory, ContractFactory
from tests.healthscore.factories import HealthAlertFactory

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"tenant_slug": "acme", **kwargs})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scored(defaults):
    """Three accounts with contracts, scored 30, 7 and 0 days ago (default scorecard v1)."""
    phases_seed_defaults()
    today = timezone.localdate()
    accounts = [AccountFactory(name=f"株式会社ヘルス{i}") for i in range(3)]
    for i, account in enumerate(accounts):
        ContractFactory(
            account=account, arr=1_000_000 * (i + 1), renewal_date=today + dt.timedelta(days=20)
        )
    for days_ago in (30, 7, 0):
        healthscore_recompute(day=today - dt.timedelta(days=days_ago))
    return accounts


@pytest.fixture
def card(defaults) -> Scorecard:
    return Scorecard.objects.get(is_default=True)


def editor_post(card: Scorecard, **changes: Any) -> dict[str, Any]:
    """The edit form as the browser would post it unchanged, with `changes` applied."""
    editor = ScorecardEditor(card)
    data: dict[str, Any] = {}
    for form in (editor.assignment, editor.bands):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            data[form.add_prefix(name)] = "" if value is None else value
    data.update(_formset_post(editor.groups))
    data.update(_formset_post(editor.components))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


def _formset_post(formset) -> dict[str, Any]:
    """A formset as the page renders it (with each component's ranges table)."""
    management = formset.management_form
    data = {
        management.add_prefix(name): management.initial.get(name, 0)
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
    }
    for form in formset.forms:
        for name in form.fields:
            value = form[name].value()  # what the page renders, field defaults included
            if name == "DELETE" or value is False:
                continue
            data[form.add_prefix(name)] = (
                "on" if value is True else ("" if value is None else value)
            )
        if hasattr(form, "ranges"):
            data.update(_formset_post(form.ranges))
    return data


def component_index(card: Scorecard, key: str) -> int:
    return [c["key"] for c in card.draft["components"]].index(key)


# --- portfolio and dashboard ----------------------------------------------------------------


def test_a_viewer_sees_the_portfolio_with_its_charts(viewer_user, scored):
    response = client_for(viewer_user).get(url("healthscore:portfolio"))
    assert response.status_code == 200
    body = response.content.decode()
    for section in ("bands", "average", "phases", "segments", "at-risk", "renewals"):
        assert f'data-testid="portfolio-{section}"' in body
    assert body.count('<figure class="chart"') == 2
    assert "vendor/chartjs/chart.umd.min.js" in body


def test_the_portfolio_lists_renewals_with_links_to_account_360(viewer_user, scored):
    body = client_for(viewer_user).get(url("healthscore:portfolio")).content.decode()
    renewals = body.split('data-testid="portfolio-renewals"')[1]
    for account in scored:
        assert url("accounts:detail", pk=account.pk) in renewals


def test_at_risk_accounts_are_sorted_by_arr(viewer_user, scored):
    with tenant_scope(scored[0].tenant):
        HealthScore.objects.update(band="red")
    body = client_for(viewer_user).get(url("healthscore:portfolio")).content.decode()
    at_risk = body.split('data-testid="portfolio-at-risk"')[1].split("</section>")[0]
    names = re.findall(r"株式会社ヘルス\d", at_risk)
    assert names == ["株式会社ヘルス2", "株式会社ヘルス1", "株式会社ヘルス0"]


def test_the_portfolio_without_scores_says_so(viewer_user, defaults):
    response = client_for(viewer_user).get(url("healthscore:portfolio"))
    assert response.status_code == 200
    assert 'data-testid="portfolio-empty"' in response.content.decode()


def test_the_portfolio_marks_the_day_a_new_version_took_effect(viewer_user, scored, card):
    scorecard_publish(scorecard=card)
    healthscore_recompute(day=timezone.localdate())
    response = client_for(viewer_user).get(url("healthscore:portfolio"))
    markers = [c["config"]["markers"] for c in _charts(response) if c["config"]["kind"] == "line"]
    assert markers == [[{"x": timezone.localdate().isoformat(), "label": f"{card.name} v2"}]]


def _charts(response) -> list[dict[str, Any]]:
    """The configs of the page's `{% chart %}`s (their json_script blocks)."""
    scripts = re.findall(
        r'<script id="chart-\d+" type="application/json">(.*?)</script>',
        response.content.decode(),
    )
    return [{"config": json.loads(script)} for script in scripts]


def test_an_outsider_gets_a_404_for_the_portfolio(outsider, scored):
    assert client_for(outsider).get(url("healthscore:portfolio")).status_code == 404


def test_the_portfolio_query_count_does_not_grow_with_accounts(
    viewer_user, scored, django_assert_max_num_queries
):
    for _ in range(20):
        account = AccountFactory()
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=5))
    healthscore_recompute(day=timezone.localdate())
    client = client_for(viewer_user)
    client.get(url("healthscore:portfolio"))  # warm the session
    with django_assert_max_num_queries(25):
        response = client.get(url("healthscore:portfolio"))
    assert response.status_code == 200


def test_an_app_above_can_add_a_section_to_the_portfolio(viewer_user, scored):
    from healthscore import extensions

    extensions.register_portfolio_section(
        extensions.PortfolioSection(
            key="test_tiers",
            template="healthscore/panels/dashboard.html",  # any template reading `ctx`
            get_context=lambda request: {"day": None},
        )
    )
    try:
        body = client_for(viewer_user).get(url("healthscore:portfolio")).content.decode()
    finally:
        extensions._portfolio_sections.pop("test_tiers")
    assert 'data-testid="health-dashboard-panel"' in body


def test_the_tenant_dashboard_shows_the_health_panel(viewer_user, scored):
    body = client_for(viewer_user).get(url("dashboard")).content.decode()
    assert 'data-testid="health-dashboard-panel"' in body
    assert url("healthscore:portfolio") in body


def test_the_health_dashboard_panel_costs_one_query_from_the_cache(
    scored, django_assert_num_queries
):
    from django.test import RequestFactory

    from cs_platform.datacache import data_version
    from healthscore.plugins import dashboard_context

    data_version()  # its row exists, as once any cached page was read
    # The data version; then the latest day, its scores, and the customers they are out of.
    with django_assert_num_queries(4):
        context = dashboard_context(RequestFactory().get("/"))
    assert context["accounts"] == context["customers"] == 3
    assert sum(context["bands"].values()) == 3
    with django_assert_num_queries(1):  # the data version
        assert dashboard_context(RequestFactory().get("/")) == context


def test_the_account_health_panels_cost_a_fixed_number_of_queries(
    viewer_user, scored, django_assert_max_num_queries
):
    from django.test import RequestFactory

    from healthscore.plugins import header_context, health_panel_context

    request = RequestFactory().get("/")
    with django_assert_max_num_queries(8):
        header_context(request, scored[0])
        context = health_panel_context(request, scored[0])
    assert len(context["components"]) == 9


def test_the_health_nav_item_is_shown_to_viewers_and_scorecards_only_to_admins(
    viewer_user, admin_user, scored
):
    viewer_body = client_for(viewer_user).get(url("dashboard")).content.decode()
    admin_body = client_for(admin_user).get(url("dashboard")).content.decode()
    assert url("healthscore:portfolio") in viewer_body
    assert url("healthscore:scorecards") not in viewer_body
    assert url("healthscore:scorecards") in admin_body


# --- Account 360 ----------------------------------------------------------------------------


def test_account_360_shows_score_band_trend_and_explanation(viewer_user, scored):
    account = scored[0]
    response = client_for(viewer_user).get(url("accounts:detail", pk=account.pk))
    body = response.content.decode()
    assert 'data-testid="health-header"' in body
    assert re.search(r'class="band-(green|amber|red)" data-testid="health-score"', body)
    assert 'data-testid="health-panel"' in body
    assert 'data-testid="health-components"' in body
    assert "Compared with" in body or "と比較" in body
    [config] = [c["config"] for c in _charts(response)]
    assert config["kind"] == "line" and len(config["labels"]) == 3


def test_account_360_trend_range_is_selectable(viewer_user, scored):
    response = client_for(viewer_user).get(
        url("accounts:detail", pk=scored[0].pk) + "?health_range=30"
    )
    [config] = [c["config"] for c in _charts(response)]
    assert config["labels"] == [
        (timezone.localdate() - dt.timedelta(days=7)).isoformat(),
        timezone.localdate().isoformat(),
    ]


def test_account_360_marks_a_new_scorecard_version_on_the_trend(viewer_user, scored, card):
    scorecard_publish(scorecard=card)
    healthscore_recompute(day=timezone.localdate())
    response = client_for(viewer_user).get(url("accounts:detail", pk=scored[0].pk))
    [config] = [c["config"] for c in _charts(response)]
    assert config["markers"] == [{"x": timezone.localdate().isoformat(), "label": "v2"}]


def test_account_360_names_the_scorecard_and_version_of_the_score_as_they_are_now(
    viewer_user, scored, card
):
    """The line under the score is kept per day, scorecard name and version (issue #16): a
    renamed scorecard and a new version show on the next view, of another account too."""
    client = client_for(viewer_user)

    def line(account):
        body = client.get(url("accounts:detail", pk=account.pk)).content.decode()
        return body.split('data-testid="health-panel-score"')[1].split("</p>")[0]

    assert f"{card.name} v1" in line(scored[0])
    Scorecard.objects.filter(pk=card.pk).update(name="Renamed card")
    assert "Renamed card v1" in line(scored[1])
    scorecard_publish(scorecard=card)
    healthscore_recompute(day=timezone.localdate())
    assert "Renamed card v2" in line(scored[0])


def test_account_360_lists_open_health_alerts(viewer_user, scored):
    HealthAlert.objects.filter(account=scored[0]).delete()
    HealthAlertFactory(account=scored[0], kind=AlertKind.DROP, score=12.0, previous_score=47.0)
    body = client_for(viewer_user).get(url("accounts:detail", pk=scored[0].pk)).content.decode()
    alerts = body.split('data-testid="health-alerts"')[1].split("</ul>")[0]
    assert "12" in alerts and "47" in alerts


def test_an_unscored_account_says_not_scored_yet(viewer_user, defaults):
    account = AccountFactory()
    body = client_for(viewer_user).get(url("accounts:detail", pk=account.pk)).content.decode()
    assert 'data-testid="health-not-scored"' in body


# --- scorecard admin ------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["manager_user", "csm_user", "viewer_user"])
def test_only_admins_reach_the_scorecard_pages(request, role_user, card):
    client = client_for(request.getfixturevalue(role_user))
    assert client.get(url("healthscore:scorecards")).status_code == 403
    assert client.get(url("healthscore:scorecard_edit", pk=card.pk)).status_code == 403
    assert client.get(url("healthscore:scorecard_preview", pk=card.pk)).status_code == 403
    assert client.post(url("healthscore:scorecard_publish", pk=card.pk)).status_code == 403
    assert client.post(url("healthscore:recompute_now")).status_code == 403


def test_an_admin_sees_scorecards_with_assignment_and_versions(admin_user, card):
    response = client_for(admin_user).get(url("healthscore:scorecards"))
    assert response.status_code == 200
    body = response.content.decode()
    assert card.name in body
    assert "v1" in body


def test_saving_a_weight_change_updates_only_the_draft(admin_user, card):
    first, second = component_index(card, "active_users"), component_index(card, "active_days")
    data = editor_post(
        card,
        **{f"components-{first}-weight": "25", f"components-{second}-weight": "35"},
    )
    response = client_for(admin_user).post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 302
    card.refresh_from_db()
    weights = {c["key"]: c["weight"] for c in card.draft["components"]}
    assert (weights["active_users"], weights["active_days"]) == (25, 35)
    assert card.current_version.definition["components"][first]["weight"] == 35


def test_an_unchanged_draft_round_trips_through_the_form(admin_user, card):
    before = copy.deepcopy(card.draft)
    client_for(admin_user).post(url("healthscore:scorecard_edit", pk=card.pk), editor_post(card))
    card.refresh_from_db()
    assert card.draft == before


def test_weights_not_summing_to_100_show_an_error_and_save_nothing(admin_user, card):
    before = copy.deepcopy(card.draft)
    index = component_index(card, "renewal")
    data = editor_post(
        card, **{f"components-{index}-weight": "30", "card-name": "名前を変えてみる"}
    )
    response = client_for(admin_user).post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="definition-errors"' in body
    assert "115" in body
    card.refresh_from_db()
    assert card.draft == before
    assert card.name != "名前を変えてみる"


def test_a_bad_range_is_shown_on_its_field_and_saves_nothing(admin_user, card):
    before = copy.deepcopy(card.draft)
    index = component_index(card, "active_users")
    data = editor_post(card, **{f"components-{index}-ranges-1-min": "zero"})
    response = client_for(admin_user).post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    card.refresh_from_db()
    assert card.draft == before


def test_adding_a_component_from_the_extra_row(admin_user, card):
    index = len(card.draft["components"])
    renewal = component_index(card, "renewal")
    data = editor_post(
        card,
        **{
            f"components-{renewal}-weight": "10",
            f"components-{index}-key": "postings",
            f"components-{index}-label": "求人掲載数",
            f"components-{index}-measure": "event_count",
            f"components-{index}-days": "30",
            f"components-{index}-event": "posting_published",
            f"components-{index}-weight": "5",
            f"components-{index}-scheme": "rag",
            f"components-{index}-rag_green": "10",
            f"components-{index}-rag_amber": "3",
            f"components-{index}-higher_is_better": "on",
        },
    )
    response = client_for(admin_user).post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.status_code == 302
    card.refresh_from_db()
    added = card.draft["components"][-1]
    assert added["params"] == {"days": 30, "event": "posting_published"}
    assert added["scheme"] == {"type": "rag", "green": 10, "amber": 3, "higher_is_better": True}


def test_a_scorecard_is_assigned_to_a_saved_segment_and_switched_off(admin_user, defaults):
    from healthscore.services.scorecards import scorecard_create
    from tests.factories import SegmentFactory

    segment = SegmentFactory(name="大口顧客")
    other = scorecard_create(name="大口向け", priority=5)
    data = editor_post(other, **{"card-segment": str(segment.pk)})
    data.pop("card-is_active")
    response = client_for(admin_user).post(url("healthscore:scorecard_edit", pk=other.pk), data)
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.segment, other.is_active) == (segment, False)


def test_save_and_preview_goes_to_the_preview(admin_user, card):
    data = editor_post(card, action="preview")
    response = client_for(admin_user).post(url("healthscore:scorecard_edit", pk=card.pk), data)
    assert response.headers["Location"] == url("healthscore:scorecard_preview", pk=card.pk)


def test_the_preview_shows_how_many_accounts_change_band(admin_user, scored, card):
    draft = copy.deepcopy(card.draft)
    draft["bands"] = {"green": 1, "amber": 0.5}  # every account becomes green
    Scorecard.objects.filter(pk=card.pk).update(draft=draft)
    not_green = HealthScore.objects.filter(day=timezone.localdate()).exclude(band="green").count()
    response = client_for(admin_user).get(url("healthscore:scorecard_preview", pk=card.pk))
    assert response.status_code == 200
    body = response.content.decode()
    changes = re.search(r'data-testid="preview-band-changes">(\d+)<', body).group(1)
    assert int(changes) == not_green > 0
    assert re.search(r'data-testid="preview-accounts">3<', body)
    assert 'data-testid="publish-button"' in body


def test_the_preview_of_an_invalid_draft_offers_no_publish(admin_user, card):
    draft = copy.deepcopy(card.draft)
    draft["components"][-1]["weight"] = 99
    Scorecard.objects.filter(pk=card.pk).update(draft=draft)
    body = client_for(admin_user).get(url("healthscore:scorecard_preview", pk=card.pk))
    assert 'data-testid="definition-errors"' in body.content.decode()
    assert 'data-testid="publish-button"' not in body.content.decode()


def test_publishing_creates_a_new_version(admin_user, card):
    draft = copy.deepcopy(card.draft)
    draft["bands"]["green"] = 75
    Scorecard.objects.filter(pk=card.pk).update(draft=draft)
    response = client_for(admin_user).post(url("healthscore:scorecard_publish", pk=card.pk))
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.current_version.number == 2
    assert card.current_version.definition["bands"]["green"] == 75
    assert card.current_version.published_by == admin_user


def test_an_admin_creates_a_scorecard_as_a_draft(admin_user, defaults):
    phases_seed_defaults()
    response = client_for(admin_user).post(
        url("healthscore:scorecard_new"),
        {"name": "導入期", "priority": "10", "phase_keys": ["onboarding"]},
    )
    assert response.status_code == 302
    created = Scorecard.objects.get(name="導入期")
    assert created.phase_keys == ["onboarding"]
    assert created.current_version is None


def test_a_duplicate_scorecard_name_is_refused(admin_user, card):
    response = client_for(admin_user).post(
        url("healthscore:scorecard_new"), {"name": card.name, "priority": "10"}
    )
    assert response.status_code == 400
    assert Scorecard.objects.count() == 1


def test_an_admin_changes_the_alert_threshold(admin_user, defaults):
    response = client_for(admin_user).post(
        url("healthscore:alert_settings"),
        {
            "drop_points": "10",
            "drop_window_days": "7",
            "alert_on_red": "on",
            "task_due_days": "3",
            "milestone_risk_days": "14",
        },
    )
    assert response.status_code == 302
    assert HealthSettings.objects.get().drop_points == 10


def test_an_invalid_alert_threshold_is_refused(admin_user, defaults):
    response = client_for(admin_user).post(
        url("healthscore:alert_settings"),
        {"drop_points": "0", "drop_window_days": "7", "task_due_days": "3"},
    )
    assert response.status_code == 400
    assert HealthSettings.objects.get().drop_points == 15


def test_recompute_now_creates_a_job_and_shows_its_progress(admin_user, scored):
    client = client_for(admin_user)
    response = client.post(url("healthscore:recompute_now"))
    job = RecomputeJob.objects.get(trigger="manual")
    assert response.headers["Location"] == url("healthscore:recompute_job", pk=job.pk)
    assert (job.total, job.requested_by) == (3, admin_user)
    page = client.get(response.headers["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' in page
    assert 'data-testid="recompute-progress"' in page


def test_a_finished_job_page_stops_refreshing(admin_user, scored):
    job = healthscore_recompute(day=timezone.localdate())
    page = client_for(admin_user).get(url("healthscore:recompute_job", pk=job.pk))
    body = page.content.decode()
    assert '<meta http-equiv="refresh"' not in body
    assert "100%" in body
