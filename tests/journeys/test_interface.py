"""The interface apps above journeys build on (healthscore, touchmodel, content)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account
from cs_platform.scoping import cross_tenant, tenant_scope
from journeys.models import Activity, ActivityKind, FeedbackKind, MilestoneStatus, Task
from journeys.selectors import (
    activity_count_by_account,
    current_phase_by_account,
    milestone_progress_by_account,
    phase_list,
)
from journeys.services import (
    activity_record,
    activity_record_bulk,
    feedback_create,
    phase_transition,
    task_create,
    task_create_bulk,
)
from tests.factories import AccountFactory, UserFactory
from tests.journeys.factories import MilestoneFactory

pytestmark = pytest.mark.django_db


def test_activity_record_writes_one_timeline_entry(scoped):
    account = AccountFactory()
    activity = activity_record(account=account, kind=ActivityKind.NOTE, title="メモ")
    assert Activity.objects.get().pk == activity.pk
    assert activity.tenant_id == scoped.pk


def test_activity_record_with_the_same_source_key_returns_the_existing_row(scoped):
    account = AccountFactory()
    first = activity_record(
        account=account, kind=ActivityKind.CONTENT_VIEW, title="a", source_key="view:1"
    )
    second = activity_record(
        account=account, kind=ActivityKind.CONTENT_VIEW, title="b", source_key="view:1"
    )
    assert second.pk == first.pk
    assert Activity.objects.count() == 1


def test_activity_record_refuses_an_unknown_kind(scoped):
    with pytest.raises(ValueError):
        activity_record(account=AccountFactory(), kind="gossip", title="x")


def test_activity_record_bulk_skips_existing_source_keys_and_counts_inserts(scoped):
    account = AccountFactory()
    activity_record(account=account, kind=ActivityKind.HEALTH_ALERT, title="x", source_key="k1")
    rows = [
        {"account": account, "kind": ActivityKind.HEALTH_ALERT, "title": "x", "source_key": "k1"},
        {
            "account_id": account.pk,
            "kind": ActivityKind.HEALTH_ALERT,
            "title": "y",
            "source_key": "k2",
        },
        {"account": account, "kind": ActivityKind.NOTE, "title": "z", "data": {"a": 1}},
    ]
    assert activity_record_bulk(rows=rows) == 2
    assert activity_record_bulk(rows=rows[:2]) == 0
    assert Activity.objects.count() == 3


def test_activity_record_bulk_refuses_another_tenants_account(scoped, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    with pytest.raises(ValueError):
        activity_record_bulk(rows=[{"account_id": theirs.pk, "kind": "note", "title": "x"}])


def test_activity_count_by_account_counts_kinds_in_the_window(scoped):
    a, b = AccountFactory(), AccountFactory()
    now = timezone.now()
    activity_record(account=a, kind=ActivityKind.MEETING, title="m", occurred_at=now)
    activity_record(account=a, kind=ActivityKind.SEMINAR_ATTENDANCE, title="s", occurred_at=now)
    activity_record(account=a, kind=ActivityKind.NOTE, title="n", occurred_at=now)
    activity_record(
        account=b, kind=ActivityKind.MEETING, title="old", occurred_at=now - dt.timedelta(days=40)
    )
    counts = activity_count_by_account(
        kinds=[ActivityKind.MEETING, ActivityKind.SEMINAR_ATTENDANCE],
        since=now - dt.timedelta(days=30),
        until=now + dt.timedelta(seconds=1),
    )
    assert counts == {a.pk: 2}


def test_task_create_assigns_the_account_owner_by_default(scoped):
    owner = UserFactory()
    account = AccountFactory(owner=owner)
    task = task_create(account=account, title="フォロー", checklist=["資料送付"])
    assert task.assignee == owner
    assert task.checklist == [{"text": "資料送付", "done": False}]


def test_task_create_is_idempotent_on_source_key(scoped):
    account = AccountFactory()
    first = task_create(account=account, title="a", source_key="alert:1")
    second = task_create(account=account, title="b", source_key="alert:1")
    assert first.pk == second.pk
    assert Task.objects.count() == 1


def test_task_create_bulk_assigns_each_accounts_owner_and_skips_used_keys(scoped):
    owner = UserFactory()
    owned, unowned = AccountFactory(owner=owner), AccountFactory(owner=None)
    task_create(account=owned, title="既存", source_key="alert:1")
    task_create_bulk(
        specs=[
            {"account_id": owned.pk, "title": "再送", "source_key": "alert:1"},
            {"account_id": owned.pk, "title": "新規", "source_key": "alert:2", "origin": "x"},
            {"account_id": unowned.pk, "title": "担当なし", "source_key": "alert:3"},
        ]
    )
    tasks = {t.source_key: t for t in Task.objects.all()}
    assert {k: (t.title, t.assignee_id) for k, t in tasks.items()} == {
        "alert:1": ("既存", owner.pk),
        "alert:2": ("新規", owner.pk),
        "alert:3": ("担当なし", None),
    }
    assert tasks["alert:2"].origin == "x"


def test_task_create_bulk_returns_the_task_id_of_each_source_key(scoped):
    account = AccountFactory()
    existing = task_create(account=account, title="既存", source_key="alert:1")
    ids = task_create_bulk(
        specs=[
            {"account_id": account.pk, "title": "再送", "source_key": "alert:1"},
            {"account_id": account.pk, "title": "新規", "source_key": "alert:2"},
        ]
    )
    assert ids == {"alert:1": existing.pk, "alert:2": Task.objects.get(source_key="alert:2").pk}


def test_task_create_bulk_stores_each_tasks_checklist(scoped):
    account = AccountFactory()
    task_create_bulk(
        specs=[
            {
                "account_id": account.pk,
                "title": "x",
                "source_key": "k",
                "checklist": ["資料送付", "電話"],
            }
        ]
    )
    assert Task.objects.get().checklist == [
        {"text": "資料送付", "done": False},
        {"text": "電話", "done": False},
    ]


def test_task_create_bulk_refuses_another_tenants_account(scoped, other_tenant):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
    with pytest.raises(Account.DoesNotExist):
        task_create_bulk(specs=[{"account_id": theirs.pk, "title": "x", "source_key": "k"}])
    with cross_tenant("tenant-admin"):
        assert not Task.objects.unscoped().filter(source_key="k").exists()


def test_feedback_create_records_the_item_and_a_feedback_activity(scoped):
    account = AccountFactory()
    item = feedback_create(account=account, kind=FeedbackKind.PAIN_POINT, quote="使いにくい")
    assert item.kind == FeedbackKind.PAIN_POINT
    assert Activity.objects.get().kind == ActivityKind.FEEDBACK


def test_phase_list_is_ordered(phases):
    assert [p.key for p in phase_list()] == ["contract", "onboarding", "adoption", "renewal"]


def test_an_account_without_a_phase_row_is_in_the_first_phase(phases):
    account = AccountFactory()
    assert current_phase_by_account(account_ids=[account.pk]) == {account.pk: phases["contract"]}


def test_current_phase_follows_transitions(phases):
    moved, stayed = AccountFactory(), AccountFactory()
    phase_transition(account=moved, to_phase=phases["onboarding"], actor=None, reason="契約締結")
    assert current_phase_by_account() == {
        moved.pk: phases["onboarding"],
        stayed.pk: phases["contract"],
    }


def test_milestone_progress_counts_done_overdue_and_on_time(scoped):
    today = timezone.localdate()
    first = MilestoneFactory(
        status=MilestoneStatus.DONE, due_date=today, completed_on=today - dt.timedelta(days=1)
    )
    account = first.account
    MilestoneFactory(journey_map=first.journey_map, due_date=today - dt.timedelta(days=1))
    MilestoneFactory(journey_map=first.journey_map, due_date=today + dt.timedelta(days=10))
    progress = milestone_progress_by_account(as_of=today)
    assert progress[account.pk] == {
        "total": 3,
        "done": 1,
        "overdue": 1,
        "on_time": 1,
        "on_time_ratio": 0.5,
    }


def test_milestone_progress_on_a_past_day_uses_nothing_learnt_after_it(scoped):
    today = timezone.localdate()
    past = today - dt.timedelta(days=20)
    # Done today, due 30 days ago: on the past day it was open and overdue.
    late = MilestoneFactory(
        status=MilestoneStatus.DONE, due_date=today - dt.timedelta(days=30), completed_on=today
    )
    account = late.account
    # Done on time before the past day.
    MilestoneFactory(
        journey_map=late.journey_map,
        status=MilestoneStatus.DONE,
        due_date=past - dt.timedelta(days=5),
        completed_on=past - dt.timedelta(days=6),
    )
    # Marked missed, due after the past day: not judged yet then; judged now.
    MilestoneFactory(
        journey_map=late.journey_map,
        status=MilestoneStatus.MISSED,
        due_date=today - dt.timedelta(days=2),
    )
    then = milestone_progress_by_account(as_of=past)[account.pk]
    assert (then["done"], then["overdue"], then["on_time"]) == (1, 1, 1)
    assert then["on_time_ratio"] == 0.5
    now = milestone_progress_by_account(as_of=today)[account.pk]
    assert (now["done"], now["overdue"], now["on_time"]) == (2, 1, 1)
    assert now["on_time_ratio"] == pytest.approx(1 / 3)
