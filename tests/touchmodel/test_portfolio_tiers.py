"""Health by touch tier on the portfolio page, registered by touchmodel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, LifecycleStatus
from tests.factories import AccountFactory
from tests.healthscore.factories import HealthScoreFactory
from touchmodel.models import AccountTier, TouchSettings
from touchmodel.selectors import health_by_tier

pytestmark = pytest.mark.django_db


def _scored(score: float, band: str, tier: str | None, version=None):
    account = AccountFactory()
    row = HealthScoreFactory(
        account=account,
        day=timezone.localdate(),
        score=score,
        band=band,
        **({"version": version} if version else {}),
    )
    if tier:
        AccountTier.objects.create(account=account, tier=tier, source="manual")
    return row


@pytest.fixture
def three_tiers(scoped):
    first = _scored(80, "green", "high")
    version = first.version
    _scored(30, "red", "high", version)
    _scored(50, "amber", "low", version)
    _scored(90, "green", None, version)  # no stored tier: the default (tech)
    return version


def test_health_by_tier_groups_latest_scores_by_tier_with_the_default_for_the_rest(
    three_tiers,
):
    rows = {r["tier"]: r for r in health_by_tier()}
    assert [r["tier"] for r in health_by_tier()] == ["high", "low", "tech"]
    assert rows["high"]["accounts"] == 2
    assert rows["high"]["average"] == 55
    assert rows["high"]["bands"] == {"green": 1, "amber": 0, "red": 1}
    assert rows["low"]["bands"] == {"green": 0, "amber": 1, "red": 0}
    assert rows["tech"]["accounts"] == 1


def test_accounts_without_a_tier_follow_the_tenants_default_tier(three_tiers):
    TouchSettings.objects.update_or_create(defaults={"default_tier": "low"})
    rows = {r["tier"]: r for r in health_by_tier()}
    assert "tech" not in rows
    assert rows["low"]["accounts"] == 2
    assert rows["low"]["average"] == 70


def test_health_by_tier_is_empty_before_any_score(scoped):
    AccountFactory()
    assert health_by_tier() == []


def test_health_by_tier_costs_three_queries_whatever_the_accounts(
    three_tiers, django_assert_num_queries
):
    for _ in range(10):
        _scored(60, "amber", "tech", three_tiers)
    with django_assert_num_queries(4):  # latest day, latest scores, default tier, stored tiers
        health_by_tier()


def test_the_portfolio_page_shows_health_by_tier_and_no_could_add_text(three_tiers, viewer_user):
    client = Client()
    client.force_login(viewer_user)
    body = client.get(
        reverse("healthscore:portfolio", kwargs={"tenant_slug": "acme"})
    ).content.decode()
    assert 'data-testid="portfolio-tiers"' in body
    assert body.count("data-tier=") == 3
    assert "can add" not in body
    assert "追加できます" not in body


def _tier_row(body: str, tier: str) -> str:
    return body.split(f'data-tier="{tier}"')[1].split("</tr>")[0]


def test_the_cached_tier_panels_show_a_changed_tier_and_a_new_score_at_once(
    three_tiers, manager_user
):
    """Health by tier (portfolio) and accounts per tier (dashboard) are cached under the data
    version: a tier moved, a score written and an account paused show on the next view."""
    client = Client()
    client.force_login(manager_user)
    portfolio = reverse("healthscore:portfolio", kwargs={"tenant_slug": "acme"})
    dashboard = reverse("dashboard", kwargs={"tenant_slug": "acme"})

    def accounts_per_tier() -> list[str]:
        body = client.get(dashboard).content.decode()
        panel = body.split('data-testid="touch-dashboard"')[1].split("</section>")[0]
        return [part.split("</p>")[0] for part in panel.split("<p>")[1:4]]

    assert ">2<" in _tier_row(client.get(portfolio).content.decode(), "high")
    assert accounts_per_tier() == ["2", "1", "1"]
    AccountTier.objects.filter(tier="low").update(tier="high")
    assert ">3<" in _tier_row(client.get(portfolio).content.decode(), "high")
    assert accounts_per_tier() == ["3", "0", "1"]
    _scored(70, "green", "low", three_tiers)
    assert 'data-tier="low"' in client.get(portfolio).content.decode()
    assert accounts_per_tier() == ["3", "1", "1"]
    low = AccountTier.objects.filter(tier="low").values_list("account_id", flat=True)
    Account.objects.filter(pk__in=list(low)).update(lifecycle_status=LifecycleStatus.PAUSED)
    assert accounts_per_tier() == ["3", "0", "1"]
