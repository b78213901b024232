"""What journeys' Account 360 panels read of one account comes in one statement
(`journeys.selectors.account_panel_reads`, the PL/pgSQL function of journeys 0018, issue #16):
the rows, their order and limits, and the loaded actors, owners and phases are what the ORM
reads, and the function sees only the tenant in scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cs_platform.requestmemo import request_memo_scope
from cs_platform.scoping import tenant_scope
from journeys.models import (
    AccountPhase,
    Activity,
    FeedbackItem,
    JourneyMap,
    PhaseTransition,
    Task,
    TaskStatus,
)
from journeys.selectors import account_panel_reads, phase_list, success_plan_share_counts
from journeys.selectors.account_panels import (
    FEEDBACK_PANEL_SIZE,
    PHASE_HISTORY_PANEL_SIZE,
    TIMELINE_PANEL_SIZE,
)
from tests.factories import AccountFactory, ContactFactory
from tests.journeys.factories import (
    AccountPhaseFactory,
    ActionStepFactory,
    ActivityFactory,
    FeedbackItemFactory,
    JourneyMapFactory,
    MilestoneFactory,
    PhaseFactory,
    PhaseTransitionFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def _fields(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _same(lean: list[Model], orm: list[Model]) -> None:
    assert [_fields(x) for x in lean] == [_fields(x) for x in orm]


@pytest.fixture
def account(tenant, csm_user):
    """An account with a row of every kind the panels show, more than they show of some."""
    now = timezone.now()
    with tenant_scope(tenant):
        first, second, third = (PhaseFactory(order=n) for n in (1, 2, 3))
        account = AccountFactory()
        contact = ContactFactory(account=account, name="山田 太郎")
        AccountPhaseFactory(account=account, phase=third)
        for n, (before, after) in enumerate([(None, first), (first, second), (second, third)]):
            PhaseTransitionFactory(
                account=account,
                from_phase=before,
                to_phase=after,
                actor=csm_user if n else None,
                occurred_at=now - dt.timedelta(days=30 - n),
            )
        journey_map = JourneyMapFactory(account=account, shared_with_customer=True)
        late = MilestoneFactory(journey_map=journey_map, order=2, status="done")
        early = MilestoneFactory(journey_map=journey_map, order=1, due_date=None)
        ActionStepFactory(milestone=early, owner_user=csm_user, order=2, done=True)
        ActionStepFactory(milestone=early, owner_contact=contact, order=1)
        ActionStepFactory(milestone=late, due_date=None)
        for n in range(TIMELINE_PANEL_SIZE + 3):
            ActivityFactory(
                account=account,
                actor=csm_user if n % 2 else None,
                contact=contact if n % 3 else None,
                occurred_at=now - dt.timedelta(hours=n % 5),  # ties: newest id first
                data={"n": n, "list": [1, "二"]},
            )
        TaskFactory(account=account, assignee=csm_user, checklist=[{"text": "a", "done": True}])
        TaskFactory(account=account, due_date=None)
        TaskFactory(account=account, status=TaskStatus.DONE, done_at=now)
        for n in range(FEEDBACK_PANEL_SIZE + 2):
            FeedbackItemFactory(account=account, contact=contact if n % 2 else None)
        AccountFactory()  # another account's rows are not read
    return account


def test_the_reads_are_what_the_orm_reads(tenant, account, csm_user):
    with tenant_scope(tenant):
        reads = account_panel_reads(account=account)

        assert reads.current is not None
        assert reads.current.phase.order == 3
        assert reads.current.entered_at == AccountPhase.objects.get(account=account).entered_at

        orm_map = JourneyMap.objects.get(account=account)
        assert _fields(reads.journey_map) == _fields(orm_map)
        milestones = list(reads.journey_map.milestones.all())
        _same(milestones, list(orm_map.milestones.order_by("order", "due_date", "pk")))
        for milestone in milestones:
            steps = list(milestone.steps.all())
            _same(steps, list(milestone.steps.model.objects.filter(milestone=milestone)
                              .order_by("order", "due_date", "pk")))  # fmt: skip
            for step in steps:
                assert str(step.owner_user or "") == str((step.owner_user_id and csm_user) or "")
                assert (step.owner_contact.name if step.owner_contact else "") == (
                    "山田 太郎" if step.owner_contact_id else ""
                )

        orm_tasks = list(
            Task.objects.filter(account=account, status=TaskStatus.OPEN)
            .select_related("assignee")
            .order_by("status", "due_date", "pk")
        )
        _same(reads.tasks, orm_tasks)
        assert [str(t.assignee or "") for t in reads.tasks] == [
            str(t.assignee or "") for t in orm_tasks
        ]

        orm_activities = list(
            Activity.objects.filter(account=account)
            .select_related("actor", "contact")
            .order_by("-occurred_at", "-pk")[: TIMELINE_PANEL_SIZE + 1]
        )
        _same(reads.activities, orm_activities)
        assert [str(a.actor or "") for a in reads.activities] == [
            str(a.actor or "") for a in orm_activities
        ]

        orm_transitions = list(
            PhaseTransition.objects.filter(account=account)
            .select_related("from_phase", "to_phase", "actor")
            .order_by("-occurred_at", "-pk")[:PHASE_HISTORY_PANEL_SIZE]
        )
        _same(reads.transitions, orm_transitions)
        assert [
            (t.from_phase and t.from_phase.name, t.to_phase.name, str(t.actor or ""))
            for t in reads.transitions
        ] == [
            (t.from_phase and t.from_phase.name, t.to_phase.name, str(t.actor or ""))
            for t in orm_transitions
        ]

        _same(
            reads.feedback,
            list(
                FeedbackItem.objects.filter(account=account).order_by("-created_at", "-pk")[
                    :FEEDBACK_PANEL_SIZE
                ]
            ),
        )


def test_each_member_the_rows_name_is_sent_once(tenant, account, csm_user):
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT users FROM junkan_journeys_account_panels(%s, %s, 16, 50, 30, 10)",
            [tenant.pk, account.pk],
        )
        (users,) = cursor.fetchone()
        reads = account_panel_reads(account=account)
    assert [u["id"] for u in _parsed(users)] == [csm_user.pk]
    named = [t.assignee for t in reads.tasks] + [a.actor for a in reads.activities]
    assert len({id(user) for user in named if user is not None}) == 1  # one instance


def test_the_timeline_entries_contacts_are_not_read(tenant, account):
    with tenant_scope(tenant):
        activities = account_panel_reads(account=account).activities
    assert any(a.contact_id for a in activities)
    assert not any(Activity.contact.is_cached(a) for a in activities)


def test_an_account_with_nothing_is_in_the_first_phase_since_its_creation(tenant):
    with tenant_scope(tenant):
        PhaseFactory(order=2)
        PhaseFactory(order=1)
        account = AccountFactory()
        reads = account_panel_reads(account=account)
        assert reads.current.phase == phase_list()[0]
        assert reads.current.entered_at == account.created_at
        assert reads.journey_map is None
        assert (reads.tasks, reads.activities, reads.transitions, reads.feedback) == (
            [],
            [],
            [],
            [],
        )


def test_a_page_view_reads_them_once_in_one_statement(tenant, account):
    with tenant_scope(tenant), request_memo_scope():
        phase_list()  # kept for page views: not this read's statement
        with CaptureQueriesContext(connection) as queries:
            first = account_panel_reads(account=account)
            again = account_panel_reads(account=account)
    assert first is again
    assert len(queries) == 1
    assert "junkan_journeys_account_panels(" in queries[0]["sql"]


def test_the_success_plan_counts_come_from_the_same_read(tenant, account):
    with tenant_scope(tenant), request_memo_scope():
        phase_list()
        with CaptureQueriesContext(connection) as queries:
            account_panel_reads(account=account)
            counts = success_plan_share_counts(account=account)
    assert len(queries) == 1
    assert counts == {"exists": True, "map": True, "milestones": 0, "steps": 0}


def test_a_phase_the_kept_list_does_not_hold_yet_is_read(tenant, csm_user):
    with tenant_scope(tenant), request_memo_scope():
        first = PhaseFactory(order=1)
        account = AccountFactory()
        assert phase_list() == [first]  # kept for the page view from here on
        later = PhaseFactory(order=2, name_ja="新しい段階")
        PhaseTransitionFactory(account=account, from_phase=first, to_phase=later)
        AccountPhaseFactory(account=account, phase=later)
        reads = account_panel_reads(account=account)
    assert reads.current.phase.name_ja == "新しい段階"
    assert [t.to_phase.pk for t in reads.transitions] == [later.pk]


def test_the_function_sees_only_the_tenant_in_scope(tenant, other_tenant, account):
    with tenant_scope(other_tenant):
        theirs = AccountFactory()
        ActivityFactory(account=theirs)
        TaskFactory(account=theirs)
        FeedbackItemFactory(account=theirs)
        MilestoneFactory(journey_map=JourneyMapFactory(account=theirs))
    with tenant_scope(tenant), connection.cursor() as cursor:
        # Their tenant's id, in our scope: row-level security holds inside the function.
        cursor.execute(
            "SELECT * FROM junkan_journeys_account_panels(%s, %s, 16, 50, 30, 10)",
            [other_tenant.pk, theirs.pk],
        )
        assert [_parsed(v) for v in cursor.fetchone()] == [None, None, [], [], [], [], [], [], []]
        # Our account under their tenant's id: the function filters on the tenant it is given.
        cursor.execute(
            "SELECT * FROM junkan_journeys_account_panels(%s, %s, 16, 50, 30, 10)",
            [other_tenant.pk, account.pk],
        )
        assert [_parsed(v) for v in cursor.fetchone()] == [None, None, [], [], [], [], [], [], []]


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_the_function_keeps_its_generic_plan_from_the_first_call():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = 'junkan_journeys_account_panels'"
        )
        (config,) = cursor.fetchall()
    assert "plan_cache_mode=force_generic_plan" in (config[0] or [])
