import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account
from accounts.segments import segment_rules_apply
from accounts.selectors import account_list_annotated
from cs_platform.scoping import cross_tenant
from tests.factories import AccountFactory, ContractFactory
from tests.healthscore.factories import RecomputeJobFactory
from touchmodel import tasks
from touchmodel.models import AccountTier, RuleEvaluation, RuleFiring

from .factories import AccountTierFactory, RuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_broker(monkeypatch):
    sent = []
    for task in (tasks.flush_emails, tasks.evaluate_rules, tasks.send_email):
        monkeypatch.setattr(task, "delay", lambda *a, _t=task, **kw: sent.append((_t.name, kw)))
    return sent


def test_the_evaluate_rules_task_assigns_tiers_and_fires_rules(tenant, no_broker):
    from cs_platform.scoping import tenant_scope

    with tenant_scope(tenant):
        account = AccountFactory()
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=5))
        RuleFactory(trigger="renewal_due", params={"days": 30}, act_tech=False)
    result = tasks.evaluate_rules.apply(
        kwargs={"tenant_id": tenant.pk, "reassign_tiers": True}
    ).get()
    assert result["fired"] == 1
    with tenant_scope(tenant):
        assert AccountTier.objects.filter(account=account).exists()
        assert RuleFiring.objects.get().action == "none"


def test_rules_are_evaluated_once_a_day_after_the_recompute_is_done(tenant, no_broker):
    from cs_platform.scoping import tenant_scope

    assert tasks.evaluate_rules_after_recompute() == 0
    with tenant_scope(tenant):
        RecomputeJobFactory(day=timezone.localdate(timezone=tenant.tzinfo), status="done")
    assert tasks.evaluate_rules_after_recompute() == 1
    assert tasks.evaluate_rules_after_recompute() == 0
    with cross_tenant("tenant-admin"):
        evaluation = RuleEvaluation.objects.unscoped().get()
    assert no_broker == [
        (
            "touchmodel.evaluate_rules",
            {"tenant_id": tenant.pk, "reassign_tiers": True, "evaluation_id": evaluation.pk},
        )
    ]


def test_a_nightly_evaluation_whose_worker_died_runs_again_once(tenant, no_broker):
    import datetime as dt

    from cs_platform.scoping import tenant_scope
    from touchmodel.services.evaluations import rule_evaluation_claim_day

    with tenant_scope(tenant):
        account = AccountFactory()
        ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=5))
        RuleFactory(trigger="renewal_due", params={"days": 30}, act_tech=False)
        evaluation_id = rule_evaluation_claim_day(day=timezone.localdate())
    # A worker claims it and is SIGKILLed: its lease runs out.
    with tenant_scope(tenant):
        RuleEvaluation.objects.filter(pk=evaluation_id).update(
            status="running", attempts=1, lease_expires_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        )
    kwargs = {"tenant_id": tenant.pk, "reassign_tiers": True, "evaluation_id": evaluation_id}
    assert tasks.evaluate_rules.apply(kwargs=kwargs).get() is None  # not ours: hands off
    assert tasks.sweep_rule_evaluations() == 1
    assert no_broker[-1] == ("touchmodel.evaluate_rules", kwargs)
    assert tasks.evaluate_rules.apply(kwargs=kwargs).get()["fired"] == 1
    assert tasks.evaluate_rules.apply(kwargs=kwargs).get() is None  # done: never twice
    with cross_tenant("tenant-admin"):
        evaluation = RuleEvaluation.objects.unscoped().get(pk=evaluation_id)
    assert (evaluation.status, evaluation.attempts, evaluation.stalls) == ("done", 2, 1)
    with tenant_scope(tenant):
        assert RuleFiring.objects.count() == 1


def test_segments_can_target_a_tier(scoped):
    high = AccountTierFactory(tier="high").account
    AccountTierFactory(tier="tech")
    narrowed = segment_rules_apply(account_list_annotated(), {"tier": ["high"]})
    assert list(narrowed.values_list("pk", flat=True)) == [high.pk]


def test_accounts_without_a_tier_row_count_as_the_default_tier(scoped):
    account = AccountFactory()
    narrowed = segment_rules_apply(Account.objects.all(), {"tier": "tech"})
    assert list(narrowed.values_list("pk", flat=True)) == [account.pk]
