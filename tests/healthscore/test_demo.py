"""seed_demo: usage through the ingestion service, 91 days of scores, idempotent."""

from __future__ import annotations

import pytest
from django.apps import apps

from healthscore.models import HealthScore, UsageDaily
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_ingests_usage_scores_history_and_is_idempotent(scoped):
    for _ in range(5):
        AccountFactory(licensed_seats=20)
    config = apps.get_app_config("healthscore")
    config.seed_demo(scoped, log=lambda message: None)
    scores = HealthScore.objects.count()
    usage = sum(UsageDaily.objects.values_list("count", flat=True))
    assert scores == 5 * 91
    assert usage > 0
    config.seed_demo(scoped, log=lambda message: None)
    assert HealthScore.objects.count() == scores
    assert sum(UsageDaily.objects.values_list("count", flat=True)) == usage
    assert HealthScore.objects.values("band").distinct().count() >= 2
