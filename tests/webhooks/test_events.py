"""Each event is raised where it happens, with its documented payload, only for subscribers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from healthscore.services.alerts import alerts_evaluate
from journeys.services import (
    feedback_create,
    milestone_set_status,
    phase_transition,
    task_create,
    task_create_bulk,
)
from tests.factories import AccountFactory, ContactFactory, ContractFactory, UserFactory
from tests.healthscore.factories import HealthScoreFactory, ScorecardVersionFactory
from tests.journeys.factories import MilestoneFactory, PhaseFactory
from tests.touchmodel.factories import AccountTierFactory, RuleFactory, SeminarFactory
from touchmodel.services import rules_evaluate, seminar_register
from webhooks.events import DATA_SERIALIZERS, EVENT_TYPES, payload_serializer
from webhooks.models import WebhookDelivery, WebhookMessage
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(scoped):
    return webhook_endpoint_create(url="https://hooks.example.com/all", events=EVENT_TYPES)


@pytest.fixture
def account(scoped):
    return AccountFactory(name="アクメ商事", external_id="org-1", owner=UserFactory())


def sent(event_type):
    payloads = [m.payload for m in WebhookMessage.objects.filter(event_type=event_type)]
    for payload in payloads:
        # Every payload matches its documented (OpenAPI) schema.
        assert payload_serializer(event_type)(data=payload).is_valid(), payload
        assert DATA_SERIALIZERS[event_type](data=payload["data"]).is_valid(), payload
    return [p["data"] for p in payloads]


def test_task_created(endpoint, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        task = task_create(account=account, title="Call", due_date=dt.date(2026, 12, 1))
    [data] = sent("task.created")
    assert (data["task_id"], data["title"], data["due_date"]) == (task.pk, "Call", "2026-12-01")
    assert data["account"]["name"] == "アクメ商事"
    assert data["owner_email"] == account.owner.email
    assert len(callbacks) == 1
    assert WebhookDelivery.objects.get().endpoint == endpoint


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Health moved into red (30)"), ("ja", "ヘルススコアがレッドになりました（30）")],
)
def test_task_created_carries_what_happened_and_the_title_in_the_workspaces_language(
    endpoint, account, scoped, language, title
):
    scoped.default_language = language
    scoped.save(update_fields=["default_language"])
    red = {"kind": "red", "score": 30.0, "previous": None}
    task_create_bulk(
        specs=[
            {
                "account_id": account.pk,
                "title": "ヘルススコアがレッドになりました（30）",  # stored by a Japanese run
                "source_key": "health-alert-task:1",
                "kind": "health_alert",
                "data": red,
            }
        ]
    )
    task_create(account=account, title="電話する")
    generated, by_hand = sorted(sent("task.created"), key=lambda d: d["task_id"])
    assert (generated["kind"], generated["data"]) == ("health_alert", red)
    assert generated["title"] == title
    assert (by_hand["kind"], by_hand["data"], by_hand["title"]) == ("", {}, "電話する")


def test_task_completed_says_who_and_when_and_what_happened(endpoint, account, scoped):
    from journeys.services import task_complete

    scoped.default_language = "en"
    scoped.save(update_fields=["default_language"])
    red = {"kind": "red", "score": 30.0, "previous": None}
    task = task_create(
        account=account,
        title="ヘルススコアがレッドになりました（30）",
        source_key="health-alert-task:1",
        kind="health_alert",
        data=red,
    )
    closer = UserFactory(email="closer@example.com")
    task_complete(task=task, actor=closer)
    task_complete(task=task, actor=closer)  # already done: nothing more
    [data] = sent("task.completed")
    assert (data["task_id"], data["kind"], data["data"]) == (task.pk, "health_alert", red)
    assert data["title"] == "Health moved into red (30)"
    assert data["completed_by_email"] == "closer@example.com"
    assert data["owner_email"] == account.owner.email
    task.refresh_from_db()
    completed_at = dt.datetime.fromisoformat(data["completed_at"])
    assert abs(completed_at - task.done_at) < dt.timedelta(milliseconds=1)


def test_a_keyed_task_already_there_is_not_raised_again(endpoint, account):
    task_create(account=account, title="Once", source_key="k-1")
    task_create(account=account, title="Once", source_key="k-1")
    task_create_bulk(
        specs=[
            {"account_id": account.pk, "title": "Once", "source_key": "k-1"},
            {"account_id": account.pk, "title": "New", "source_key": "k-2"},
        ]
    )
    assert sorted(d["title"] for d in sent("task.created")) == ["New", "Once"]


def test_no_subscriber_no_message(scoped, account):
    webhook_endpoint_create(url="https://hooks.example.com/f", events=["feedback.created"])
    task_create(account=account, title="Quiet")
    assert not WebhookMessage.objects.exists()


def test_phase_changed(endpoint, account):
    PhaseFactory(key="contract", order=0)
    onboarding = PhaseFactory(key="onboarding", order=1)
    phase_transition(account=account, to_phase=onboarding, actor=None)
    [data] = sent("account.phase_changed")
    assert (data["from_phase"], data["to_phase"]) == ("contract", "onboarding")


def test_milestone_status_changed(endpoint, scoped):
    milestone = MilestoneFactory()
    before = milestone.status
    milestone_set_status(milestone=milestone, status="done", actor=None)
    [data] = sent("milestone.status_changed")
    assert before != "done"
    assert (data["milestone_id"], data["previous_status"], data["status"]) == (
        milestone.pk,
        before,
        "done",
    )


def test_feedback_created(endpoint, account):
    item = feedback_create(account=account, kind="request", quote="CSV export, please")
    [data] = sent("feedback.created")
    assert (data["feedback_id"], data["title"]) == (item.pk, "CSV export, please")


def test_seminar_registered(endpoint, account):
    seminar = SeminarFactory()
    contact = ContactFactory(account=account, email="aiko@example.jp")
    seminar_register(seminar=seminar, email="aiko@example.jp", name="Aiko", contact=contact)
    [data] = sent("seminar.registered")
    assert (data["seminar_id"], data["contact_email"], data["account"]["id"]) == (
        seminar.pk,
        "aiko@example.jp",
        account.pk,
    )


def test_health_alert_opened(endpoint, account):
    from healthscore.services.scorecards import healthscore_tenant_defaults

    healthscore_tenant_defaults(tenant=account.tenant)
    day = timezone.localdate()
    HealthScoreFactory(
        account=account, version=ScorecardVersionFactory(), day=day, score=30, band="red"
    )
    alerts_evaluate(day=day)
    [data] = sent("health.alert_opened")
    assert (data["kind"], data["score"], data["account"]["external_id"]) == ("red", 30, "org-1")
    # The alert's task is raised too.
    assert len(sent("task.created")) == 1


def test_rule_fired(endpoint, account):
    rule = RuleFactory(trigger="renewal_due", params={"days": 30}, due_in_days=5)
    AccountTierFactory(account=account, tier="high")
    ContractFactory(account=account, renewal_date=timezone.localdate() + dt.timedelta(days=10))
    rules_evaluate()
    [data] = sent("rule.fired")
    assert (data["rule_id"], data["action"], data["account"]["id"]) == (rule.pk, "task", account.pk)


def test_health_band_changed_once_per_account_and_day(endpoint, account):
    version = ScorecardVersionFactory()
    day = timezone.localdate()
    HealthScoreFactory(account=account, version=version, day=day - dt.timedelta(days=1),
                       score=55, band="amber")  # fmt: skip
    HealthScoreFactory(account=account, version=version, day=day, score=35, band="red")
    steady = AccountFactory()
    HealthScoreFactory(account=steady, version=version, day=day - dt.timedelta(days=1),
                       score=80, band="green")  # fmt: skip
    HealthScoreFactory(account=steady, version=version, day=day, score=82, band="green")
    alerts_evaluate(day=day)
    alerts_evaluate(day=day)  # a rerun of the night raises nothing new
    [data] = sent("health.band_changed")
    assert (data["previous_band"], data["band"], data["account"]["id"]) == (
        "amber",
        "red",
        account.pk,
    )
