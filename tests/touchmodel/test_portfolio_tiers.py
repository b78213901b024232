"""Health by touch tier on the portfolio page, registered by touchmodel."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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
