"""seed_demo: usage through the ingestion service, 91 days of scores, idempotent."""

from __future__ import annotations

import pytest

from demo.content import content_seed_demo
from demo.healthscore import healthscore_seed_demo, healthscore_seed_demo_scores
from healthscore.models import HealthScore, UsageDaily
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_ingests_usage_scores_history_and_is_idempotent(scoped):
    for _ in range(5):
        AccountFactory(licensed_seats=20)
    healthscore_seed_demo(tenant=scoped, log=lambda message: None)
    assert not HealthScore.objects.exists()  # scored once every app has seeded
    healthscore_seed_demo_scores(tenant=scoped, log=lambda message: None)
    scores = HealthScore.objects.count()
    usage = sum(UsageDaily.objects.values_list("count", flat=True))
    assert scores == 5 * 91
    assert usage > 0
    healthscore_seed_demo(tenant=scoped, log=lambda message: None)
    healthscore_seed_demo_scores(tenant=scoped, log=lambda message: None)
    assert HealthScore.objects.count() == scores
    assert sum(UsageDaily.objects.values_list("count", flat=True)) == usage
    assert HealthScore.objects.values("band").distinct().count() >= 2


def test_demo_scores_count_the_reading_the_demo_put_on_the_timeline():
    """Seeded in the product's order (the scores come last): an account whose contacts
    read articles in the last 30 days has a non-zero engagement measure today."""
    import datetime as dt

    from django.utils import timezone

    from cs_platform.scoping import tenant_scope
    from journeys.models import Activity
    from tests.factories import ContactFactory, TenantFactory

    tenant = TenantFactory(slug="hanamaru", name="はなまる採用株式会社")
    log = lambda message: None  # noqa: E731
    with tenant_scope(tenant):
        for _ in range(12):
            ContactFactory(external_id="")
        healthscore_seed_demo(tenant=tenant, log=log)
        content_seed_demo(tenant=tenant, log=log)
        healthscore_seed_demo_scores(tenant=tenant, log=log)

        today = timezone.localdate(timezone=tenant.tzinfo)
        since = timezone.now() - dt.timedelta(days=29)
        readers = set(
            Activity.objects.filter(kind="content_view", occurred_at__gte=since).values_list(
                "account_id", flat=True
            )
        )
        assert readers
        engagement = dict(
            HealthScore.objects.filter(day=today, account_id__in=readers).values_list(
                "account_id", "components__engagement__value"
            )
        )
        assert engagement and all(value > 0 for value in engagement.values()), engagement
