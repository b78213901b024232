"""Account 360's health panel and phase header are kept as HTML per account under the tenant's
data version, and the tenant's phases, latest scored day and at-risk window are kept for page
views (issue #16): a repeat view skips their reads, and every kind of write that changes what
they show is on the page at the next view."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import views as account_views
from accounts.selectors import account_coverage, relationship_coverage
from cs_platform.datacache import account_cache_key
from cs_platform.degraded import FailOpenRedisCache
from cs_platform.scoping import tenant_scope
from healthscore.models import HealthAlert, HealthSettings, Scorecard
from journeys import services as journey_services
from journeys.models import Phase
from tests.accounts.account_360 import view, without_tokens
from tests.factories import AccountFactory, ContactFactory
from tests.healthscore.factories import (
    HealthAlertFactory,
    HealthScoreFactory,
    ScorecardVersionFactory,
)
from tests.journeys.factories import (
    AccountPhaseFactory,
    JourneyMapFactory,
    MilestoneFactory,
    PhaseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def seen(tenant, manager_user):
    """An account with a phase, a score and an alert, viewed once (its panels are kept)."""
    with tenant_scope(tenant):
        phases = [PhaseFactory(order=1, name_ja="導入", name_en="Onboarding")]
        phases.append(PhaseFactory(order=2, name_ja="活用", name_en="Adoption"))
        account = AccountFactory(owner=manager_user)
        AccountPhaseFactory(account=account, phase=phases[0])
        version = ScorecardVersionFactory(scorecard__name="標準カード")
        today = timezone.localdate()
        HealthScoreFactory(account=account, version=version, day=today, score=71.0)
        HealthScoreFactory(
            account=account, version=version, day=today - dt.timedelta(days=30), score=80.0
        )
        alert = HealthAlertFactory(account=account, score=31.0)
    client = Client()
    client.force_login(manager_user)
    state = {"client": client, "account": account, "phases": phases}
    state.update(version=version, alert=alert)
    view(state)
    return state


def panel(body: str, testid: str) -> str:
    """The HTML of the element marked `testid` up to the end of its section or div."""
    start = body.index(f'data-testid="{testid}"')
    end = min(i for i in (body.find("</section>", start), body.find("</div>", start)) if i > 0)
    return body[start:end]


def test_a_repeat_view_serves_the_kept_panels_unchanged_in_fewer_queries(seen):
    with CaptureQueriesContext(connection) as first:
        before = view(seen, health_range=30)
    with CaptureQueriesContext(connection) as again:
        after = view(seen, health_range=30)
    assert without_tokens(after) == without_tokens(before)
    # The first view reads the account and every app's rows in one statement more.
    assert len(again) <= len(first) - 2, [q["sql"][:80] for q in again]


def test_another_accounts_first_view_reads_the_kept_tenant_values_in_one_round_trip(
    tenant, manager_user, seen, monkeypatch
):
    """What the page's latest view read from the cache (the phases, the latest scored day,
    the at-risk window) is read ahead in one round trip (datacache.data_cache_read_ahead),
    not one GET each, on the first view of another account too."""
    with tenant_scope(tenant):
        first, other = AccountFactory(owner=manager_user), AccountFactory(owner=manager_user)
        for account in (first, other):
            MilestoneFactory(journey_map=JourneyMapFactory(account=account), status="planned")
    view({**seen, "account": first})  # the latest view, under the version the new rows made
    singles: list[str] = []
    get = FailOpenRedisCache.get

    def recording(self, key, *args, **kwargs):
        singles.append(key)
        return get(self, key, *args, **kwargs)

    monkeypatch.setattr(FailOpenRedisCache, "get", recording)
    assert 'data-testid="phase-panel"' in view({**seen, "account": other})
    assert not [key for key in singles if key.startswith("datacache:")], singles


def test_a_first_view_writes_its_account_and_kept_parts_in_one_round_trip(
    tenant, manager_user, seen, monkeypatch
):
    """The account's kept read, the page's content and its panels: one `set_many`, no `set`,
    once the response is sent (datacache.cache_writes_together); a repeat view writes
    nothing."""
    with tenant_scope(tenant):
        other = AccountFactory(owner=manager_user)
    writes: list[list[str]] = []
    set_one, set_many = FailOpenRedisCache.set, FailOpenRedisCache.set_many

    def recording_set(self, key, *args, **kwargs):
        writes.append([key])
        return set_one(self, key, *args, **kwargs)

    def recording_set_many(self, data, *args, **kwargs):
        writes.append(sorted(data))
        return set_many(self, data, *args, **kwargs)

    monkeypatch.setattr(FailOpenRedisCache, "set", recording_set)
    monkeypatch.setattr(FailOpenRedisCache, "set_many", recording_set_many)
    page = account_views._account_360
    written_by_the_view: list[int] = []

    def viewed(*args):
        response = page(*args)
        written_by_the_view.append(len(writes))
        return response

    monkeypatch.setattr(account_views, "_account_360", viewed)
    view({**seen, "account": other})
    assert written_by_the_view == [0]
    writes = [[k for k in keys if k.startswith("datacache:")] for keys in writes]
    assert len([keys for keys in writes if keys]) == 1, writes
    written = next(keys for keys in writes if keys)
    with tenant_scope(tenant):
        account_key = account_cache_key(other.pk, "accounts.account_for_page", str(other.pk))
    assert account_key in written
    assert any(":accounts.detail.content:" in key for key in written)
    assert any(":accounts.panel." in key for key in written)
    writes.clear()
    view({**seen, "account": other})
    assert not [k for keys in writes for k in keys if k.startswith("datacache:")]


def test_a_new_nightly_score_shows_at_once(tenant, seen):
    with tenant_scope(tenant):
        HealthScoreFactory(
            account=seen["account"],
            version=seen["version"],
            day=timezone.localdate() + dt.timedelta(days=1),
            score=42.0,
        )
    assert 'data-testid="health-panel-score">42<' in view(seen)


def test_an_alert_resolved_or_opened_shows_at_once(tenant, seen):
    assert "31" in panel(view(seen), "health-alerts")
    with tenant_scope(tenant):
        HealthAlert.objects.update(resolved_on=timezone.localdate())
    assert "31" not in panel(view(seen), "health-alerts")
    with tenant_scope(tenant):
        HealthAlertFactory(account=seen["account"], score=12.0)
    assert "12" in panel(view(seen), "health-alerts")


def test_a_renamed_scorecard_shows_at_once(tenant, seen):
    assert "標準カード" in panel(view(seen), "health-panel")
    with tenant_scope(tenant):
        Scorecard.objects.filter(pk=seen["version"].scorecard_id).update(name="新カード")
    assert "新カード" in panel(view(seen), "health-panel")


def test_each_range_of_the_trend_is_kept_apart(seen):
    assert 'aria-current="true" class="active" data-testid="health-range-90"' in view(
        seen, health_range=90
    )
    assert 'aria-current="true" class="active" data-testid="health-range-30"' in view(
        seen, health_range=30
    )


def test_a_phase_move_and_a_renamed_phase_show_at_once(tenant, manager_user, seen):
    assert "導入" in panel(view(seen), "phase-panel")
    with tenant_scope(tenant):
        journey_services.phase_transition(
            account=seen["account"], to_phase=seen["phases"][1], actor=manager_user
        )
    assert "活用" in panel(view(seen), "current-phase")
    with tenant_scope(tenant):
        Phase.objects.filter(pk=seen["phases"][1].pk).update(name_ja="定着")
    assert "定着" in panel(view(seen), "current-phase")


def test_the_days_in_a_phase_move_on_when_the_day_turns(seen):
    days = re.search(r"(\d+) ?日", panel(view(seen), "phase-panel"))
    assert days is not None
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=True):
        later = re.search(r"(\d+) ?日", panel(view(seen), "phase-panel"))
    assert later is not None and int(later[1]) == int(days[1]) + 2


def test_each_role_gets_its_own_panels(tenant, viewer_user, seen):
    assert 'data-testid="phase-move-form"' in view(seen)
    client = Client()
    client.force_login(viewer_user)
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": seen["account"].pk})
    assert 'data-testid="phase-move-form"' not in client.get(url).content.decode()


def test_a_kept_form_carries_the_viewers_own_csrf_token(tenant, manager_user, seen):
    """Kept by one session, the phase form posts from another (CSRF checked)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager_user)
    url = reverse("accounts:detail", kwargs={"tenant_slug": "acme", "pk": seen["account"].pk})
    body = client.get(url).content.decode()
    form = body[body.index('data-testid="phase-move-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    response = client.post(
        reverse("journeys:phase_move", kwargs={"tenant_slug": "acme", "pk": seen["account"].pk}),
        {"csrfmiddlewaretoken": token, "to_phase": seen["phases"][1].pk, "reason": ""},
    )
    assert response.status_code == 302
    assert "活用" in panel(view(seen), "current-phase")


def test_a_new_at_risk_window_and_a_new_latest_day_judge_the_milestones_at_once(tenant, seen):
    """The window and the tenant's latest scored day are kept for page views under the data
    version: changing either shows on the journey map's checks at the next view."""
    with tenant_scope(tenant):
        MilestoneFactory(
            journey_map=JourneyMapFactory(account=seen["account"]),
            status="in_progress",
            target_score=90,
            due_date=timezone.localdate() + dt.timedelta(days=10),
        )
    assert 'data-state="at_risk"' in view(seen)  # score 71 < 90, due within 14 days
    with tenant_scope(tenant):
        HealthSettings.objects.update_or_create(defaults={"milestone_risk_days": 7})
    assert 'data-state="on_track"' in view(seen)
    with tenant_scope(tenant):  # a newer day on which this account has no nightly score
        HealthScoreFactory(version=seen["version"], day=timezone.localdate() + dt.timedelta(2))
    assert 'data-state="no_score"' in view(seen)


def test_the_coverage_from_the_listed_contacts_is_the_coverage_counted_in_sql(tenant, seen):
    with tenant_scope(tenant):
        account = seen["account"]
        met = timezone.now() - dt.timedelta(days=3)
        ContactFactory(account=account, relationship_level="executive", is_decision_maker=True)
        ContactFactory(account=account, relationship_level="manager", last_met_at=met)
        ContactFactory(
            account=account, relationship_level="manager", is_champion=True, last_met_at=None
        )
        assert account_coverage(account=account) == relationship_coverage([account.pk])[account.pk]
