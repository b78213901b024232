"""Event-time scoring end to end: the API or a phase change, a real Celery worker subprocess,
real PostgreSQL and Redis; the "now" score moves and the rule fires once, today, not again at
night."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.signals import before_task_publish
from django.test import override_settings
from django.utils import timezone

from cs_platform.scoping import cross_tenant, tenant_scope
from healthscore.models import DirtyAccount, HealthScoreNow
from healthscore.services.recompute import healthscore_recompute
from healthscore.services.scorecards import healthscore_tenant_defaults
from journeys.services import phase_transition, phases_seed_defaults
from tests.conftest import api_key_client
from tests.factories import AccountFactory, TenantFactory
from tests.touchmodel.factories import RuleFactory
from tests.workers import solo_worker
from touchmodel.models import RuleFiring
from touchmodel.services.rules import rules_evaluate

pytestmark = pytest.mark.django_db(transaction=True)

DEBOUNCE = 3.0
TIMEOUT = 60.0


@pytest.fixture
def worker(transactional_db) -> Iterator[str]:
    """One real worker on a queue of its own, on the test's clock, with a short debounce."""
    queue = f"test-now-{uuid.uuid4().hex[:10]}"
    env = {"HEALTH_NOW_QUEUE": queue, "HEALTH_NOW_DEBOUNCE_SECONDS": str(DEBOUNCE)}
    with (
        solo_worker(queue, env),
        override_settings(HEALTH_NOW_QUEUE=queue, HEALTH_NOW_DEBOUNCE_SECONDS=DEBOUNCE),
    ):
        yield queue


@pytest.fixture
def published() -> Iterator[list[str]]:
    """Names of the tasks this process sends to the broker, in order."""
    sent: list[str] = []

    def _count(sender: Any = None, **kwargs: Any) -> None:
        sent.append(str(sender))

    before_task_publish.connect(_count, weak=False)
    try:
        yield sent
    finally:
        before_task_publish.disconnect(_count)


@pytest.fixture
def tenant_ready(transactional_db):
    tenant = TenantFactory(slug="now-e2e")
    with tenant_scope(tenant):
        healthscore_tenant_defaults(tenant=tenant)
        phases = phases_seed_defaults()
    return tenant, phases


def _wait(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with cross_tenant("tenant-admin"):  # what the worker wrote
            value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {TIMEOUT:.0f} s for {what}")


def _post(tenant, account, count: int, key: str) -> None:
    stamp = timezone.now().isoformat()
    events = [
        {
            "account_id": account.external_id,
            "contact_id": f"user-{i % 3}",
            "event": "login",
            "timestamp": stamp,
            "idempotency_key": f"{key}-{i}",
        }
        for i in range(count)
    ]
    response = api_key_client(tenant, "ingest").post("/api/v1/events/", events, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == count


def test_events_move_the_now_score_once_per_window_and_the_rule_fires_once(
    worker, tenant_ready, published
):
    tenant, _phases = tenant_ready
    with tenant_scope(tenant):
        account = AccountFactory(external_id="e2e-1", licensed_seats=3)
        other = AccountFactory(external_id="e2e-2", licensed_seats=3)
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        healthscore_recompute(day=yesterday)
        # "Every scored account" (threshold above any score): fires when a score is read.
        rule = RuleFactory(trigger="health_below", params={"threshold": 101})
    with cross_tenant("tenant-admin"):
        assert not HealthScoreNow.objects.unscoped().exists()

    for batch in range(5):  # a burst within the debounce window: one recompute
        _post(tenant, account, 10, f"a{batch}")
    assert published.count("healthscore.recompute_now") == 1
    now = _wait(
        lambda: HealthScoreNow.objects.unscoped().filter(account=account).first(),
        "the now score",
    )
    assert now.day == timezone.localdate()
    firing = _wait(
        lambda: RuleFiring.objects.unscoped().filter(rule=rule, account=account).first(),
        "the rule firing",
    )
    assert firing.episode_key == f"below:101:{yesterday}"
    # Only the account the events were for was rescored and evaluated.
    with cross_tenant("tenant-admin"):
        assert not HealthScoreNow.objects.unscoped().filter(account=other).exists()
    with cross_tenant("tenant-admin"):
        assert not RuleFiring.objects.unscoped().filter(account=other).exists()

    _post(tenant, account, 30, "b")  # more events: rescored again, the episode already fired
    _wait(
        lambda: (
            HealthScoreNow.objects.unscoped().filter(pk=now.pk).first().computed_at
            > now.computed_at
        ),
        "the second rescore",
    )
    _wait(lambda: not DirtyAccount.objects.unscoped().exists(), "the run to finish")
    with cross_tenant("tenant-admin"):
        assert RuleFiring.objects.unscoped().filter(rule=rule, account=account).count() == 1

    with tenant_scope(tenant):  # tonight: the nightly scores today, then evaluates every rule
        healthscore_recompute(day=timezone.localdate())
        rules_evaluate(now=timezone.now() + dt.timedelta(days=1))
    with cross_tenant("tenant-admin"):
        assert RuleFiring.objects.unscoped().filter(rule=rule, account=account).count() == 1
    with cross_tenant("tenant-admin"):
        assert RuleFiring.objects.unscoped().filter(rule=rule, account=other).count() == 1
    assert published.count("healthscore.recompute_now") == 2


def test_a_phase_change_fires_the_onboarding_playbook_today(worker, tenant_ready):
    tenant, phases = tenant_ready
    onboarding = next(p for p in phases if p.key == "onboarding")
    with tenant_scope(tenant):
        account = AccountFactory(external_id="e2e-phase")
        rule = RuleFactory(trigger="phase_entered", params={"phase_id": onboarding.pk, "days": 7})
        phase_transition(account=account, to_phase=onboarding, actor=None)
    firing = _wait(
        lambda: RuleFiring.objects.unscoped().filter(rule=rule, account=account).first(),
        "the onboarding playbook",
    )
    assert timezone.localtime(firing.fired_at).date() == timezone.localdate()
    with tenant_scope(tenant):  # the nightly evaluation does not fire it again
        rules_evaluate(now=timezone.now() + dt.timedelta(hours=14))
    with cross_tenant("tenant-admin"):
        assert RuleFiring.objects.unscoped().filter(rule=rule).count() == 1
