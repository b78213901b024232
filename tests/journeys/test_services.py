from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cs_platform.scoping import cross_tenant
from cs_platform.services import tenant_create
from journeys.models import (
    AccountPhase,
    Activity,
    ActivityKind,
    JourneyMap,
    Meeting,
    Milestone,
    MilestoneStatus,
    Phase,
    PhaseTransition,
    Sentiment,
    Task,
    TaskStatus,
)
from journeys.services import (
    action_step_create,
    action_step_set_done,
    journey_map_create,
    journey_template_create,
    meeting_log,
    milestone_create,
    milestone_set_status,
    phase_transition,
    phases_seed_defaults,
    task_complete,
)
from tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.journeys.factories import MilestoneFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_a_new_tenant_gets_the_four_default_phases(db):
    tenant = tenant_create(name="新テナント", slug="new-tenant")
    with cross_tenant("tenant-admin"):
        rows = list(Phase.objects.unscoped().filter(tenant=tenant).order_by("order"))
    assert [(p.name_ja, p.name_en) for p in rows] == [
        ("契約", "Contract"),
        ("導入", "Onboarding"),
        ("活用", "Adoption"),
        ("継続", "Renewal"),
    ]


def test_seeding_default_phases_twice_keeps_four(scoped):
    phases_seed_defaults()
    phases_seed_defaults()
    assert Phase.objects.count() == 4


def test_phase_transition_records_from_to_who_and_why(phases):
    account, user = AccountFactory(), UserFactory()
    transition = phase_transition(
        account=account, to_phase=phases["onboarding"], actor=user, reason="契約締結"
    )
    assert (transition.from_phase, transition.to_phase) == (
        phases["contract"],
        phases["onboarding"],
    )
    assert (transition.actor, transition.reason) == (user, "契約締結")
    assert AccountPhase.objects.get(account=account).phase == phases["onboarding"]


def test_phase_transition_writes_a_phase_change_activity(phases):
    account = AccountFactory()
    phase_transition(account=account, to_phase=phases["onboarding"], actor=None)
    activity = Activity.objects.get()
    assert activity.kind == ActivityKind.PHASE_CHANGE
    assert activity.data["to_phase"] == phases["onboarding"].pk


def test_moving_to_the_current_phase_is_refused(phases):
    account = AccountFactory()
    with pytest.raises(ValidationError):
        phase_transition(account=account, to_phase=phases["contract"], actor=None)
    assert PhaseTransition.objects.count() == 0


def test_a_second_transition_starts_from_the_previous_target(phases):
    account = AccountFactory()
    phase_transition(account=account, to_phase=phases["onboarding"], actor=None)
    second = phase_transition(account=account, to_phase=phases["adoption"], actor=None)
    assert second.from_phase == phases["onboarding"]
    assert AccountPhase.objects.count() == 1


def test_journey_map_from_a_template_copies_its_milestones(scoped):
    template = journey_template_create(
        name="標準",
        milestones=[
            {"title": "初期設定", "target_score": 40, "due_after_days": 14},
            {"title": "全社展開", "target_score": 70, "due_after_days": 90},
        ],
    )
    account = AccountFactory()
    journey_map = journey_map_create(account=account, template=template, start=dt.date(2026, 4, 1))
    milestones = list(journey_map.milestones.order_by("order"))
    assert [(m.title, m.target_score, m.due_date) for m in milestones] == [
        ("初期設定", 40, dt.date(2026, 4, 15)),
        ("全社展開", 70, dt.date(2026, 6, 30)),
    ]


def test_an_account_has_one_journey_map(scoped):
    account = AccountFactory()
    journey_map_create(account=account)
    with pytest.raises(ValidationError):
        journey_map_create(account=account)


def test_milestone_create_makes_a_blank_map_when_the_account_has_none(scoped):
    account = AccountFactory()
    milestone = milestone_create(
        account=account, title="名刺を週100枚", customer_goal="営業の名刺を全部共有したい"
    )
    assert JourneyMap.objects.get().pk == milestone.journey_map_id
    assert milestone.customer_goal == "営業の名刺を全部共有したい"


def test_milestone_target_score_above_100_is_refused(scoped):
    with pytest.raises(ValidationError):
        milestone_create(account=AccountFactory(), title="x", target_score=101)


def test_milestone_status_change_writes_a_milestone_change_activity(scoped):
    milestone = MilestoneFactory()
    milestone_set_status(milestone=milestone, status=MilestoneStatus.DONE, actor=None)
    milestone.refresh_from_db()
    assert milestone.completed_on == timezone.localdate()
    assert Activity.objects.get().kind == ActivityKind.MILESTONE_CHANGE


def test_an_action_step_is_owned_by_staff_or_a_contact_not_both(scoped):
    milestone = MilestoneFactory()
    contact = ContactFactory(account=milestone.account)
    with pytest.raises(ValidationError):
        action_step_create(
            milestone=milestone, description="x", owner_user=UserFactory(), owner_contact=contact
        )


def test_an_action_step_contact_must_belong_to_the_account(scoped):
    milestone = MilestoneFactory()
    with pytest.raises(ValidationError):
        action_step_create(milestone=milestone, description="x", owner_contact=ContactFactory())


def test_marking_an_action_step_done_records_when(scoped):
    step = action_step_create(milestone=MilestoneFactory(), description="週次レポート共有")
    action_step_set_done(step=step, done=True)
    assert step.done and step.done_at is not None


def test_meeting_log_turns_each_next_step_into_a_task(scoped):
    csm = UserFactory()
    account = AccountFactory(owner=csm)
    meeting = meeting_log(
        account=account,
        agenda="定例",
        next_steps=["資料送付", "", "トレーニング日程調整"],
        logged_by=csm,
    )
    tasks = Task.objects.filter(meeting=meeting).order_by("title")
    assert [t.title for t in tasks] == ["トレーニング日程調整", "資料送付"]
    assert {t.assignee for t in tasks} == {csm}


def test_meeting_log_records_attendees_and_a_meeting_activity(scoped):
    csm = UserFactory()
    account = AccountFactory()
    contact = ContactFactory(account=account)
    meeting = meeting_log(
        account=account,
        agenda="キックオフ",
        contacts=[contact],
        logged_by=csm,
        sentiment=Sentiment.POSITIVE,
    )
    assert list(meeting.contacts.all()) == [contact]
    assert list(meeting.staff.all()) == [csm]
    activity = Activity.objects.get()
    assert (activity.kind, activity.title) == (ActivityKind.MEETING, "キックオフ")


def test_meeting_log_updates_the_attending_contacts_last_met(scoped):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    when = timezone.now() - dt.timedelta(hours=2)
    meeting_log(account=account, occurred_at=when, contacts=[contact])
    contact.refresh_from_db()
    assert contact.last_met_at == when


def test_meeting_log_refuses_a_contact_of_another_account(scoped):
    with pytest.raises(ValidationError):
        meeting_log(account=AccountFactory(), contacts=[ContactFactory()])
    assert Meeting.objects.count() == 0


def test_completing_a_task_twice_writes_one_activity(scoped):
    task = TaskFactory()
    task_complete(task=task)
    task_complete(task=task)
    assert task.status == TaskStatus.DONE
    assert Activity.objects.filter(kind=ActivityKind.TASK).count() == 1


def test_milestone_factory_builds_a_consistent_row(scoped):
    milestone = MilestoneFactory()
    assert Milestone.objects.get().account_id == milestone.journey_map.account_id


def test_a_tenant_with_journeys_can_be_deleted(db):
    from cs_platform.scoping import tenant_scope

    tenant = tenant_create(name="消えるテナント", slug="to-delete")
    with tenant_scope(tenant):
        account = AccountFactory()
        phase_transition(account=account, to_phase=Phase.objects.get(key="adoption"), actor=None)
    tenant.delete()
    with cross_tenant("tenant-admin"):
        assert PhaseTransition.objects.unscoped().count() == 0


def test_a_phase_in_use_cannot_be_deleted(phases):
    from django.db.models import RestrictedError

    phase_transition(account=AccountFactory(), to_phase=phases["adoption"], actor=None)
    with pytest.raises(RestrictedError):
        phases["adoption"].delete()
