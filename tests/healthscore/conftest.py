from __future__ import annotations

import datetime as dt

import pytest

from healthscore.services.partitions import partitions_forget_cache


@pytest.fixture(autouse=True)
def _forget_partitions():
    """Partitions created inside a rolled-back test transaction must not stay cached."""
    partitions_forget_cache()
    yield
    partitions_forget_cache()


@pytest.fixture
def defaults(scoped):
    """What `on_tenant_created` seeds (the shared tenant fixture skips the hooks)."""
    from healthscore.services.scorecards import healthscore_tenant_defaults

    healthscore_tenant_defaults(tenant=scoped)
    return scoped


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English messages (the default language is Japanese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


RED_ALERT_DAY = dt.date(2026, 11, 20)


@pytest.fixture
def red_task(tenant, csm_user, defaults):
    """A health alert opened by a nightly run (in a worker speaking English), its task for the
    CSM: score 30, red, on RED_ALERT_DAY."""
    from django.utils import translation

    from cs_platform.scoping import tenant_scope
    from healthscore.services.alerts import alerts_evaluate
    from journeys.models import Task
    from tests.factories import AccountFactory

    from .factories import HealthScoreFactory, ScorecardVersionFactory

    with tenant_scope(tenant):
        account = AccountFactory(owner=csm_user, name="株式会社テスト")
        HealthScoreFactory(
            account=account,
            version=ScorecardVersionFactory(),
            day=RED_ALERT_DAY,
            score=30,
            band="red",
        )
        with translation.override("en"):  # the worker's language does not matter
            alerts_evaluate(day=RED_ALERT_DAY)
        return Task.objects.get()
