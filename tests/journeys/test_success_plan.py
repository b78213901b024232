"""The customer's success plan: what is shared (nothing by default; map, milestone and step
each), who may tick and comment (contacts of the account, customer-owned shared steps only),
and what every customer write leaves behind (timeline entry in the reader's language, audit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cs_platform.models import AuditEvent
from cs_platform.scoping import tenant_scope
from journeys.extensions import activity_title
from journeys.models import ActionStepComment, Activity, ActivityKind
from journeys.selectors import (
    success_plan_for_account,
    success_plan_share_counts,
    success_plan_step_get,
)
from journeys.services import (
    action_step_customer_comment,
    action_step_customer_set_done,
    success_plan_share_set,
)
from tests.factories import ContactFactory
from tests.journeys.factories import ActionStepFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def _shared_step(**kwargs):
    """A customer-owned step, shared with its milestone and map."""
    step = ActionStepFactory(**kwargs)
    if "owner_contact" not in kwargs and "owner_user" not in kwargs:
        step.owner_contact = ContactFactory(account=step.milestone.account)
        step.save()
    for item in (step.milestone.journey_map, step.milestone, step):
        success_plan_share_set(item=item, shared=True)
    return step


def _audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.unscoped().filter(action=action).order_by("pk"))


# --- what is shared -----------------------------------------------------------------------------


def test_nothing_is_shared_by_default(scoped):
    step = ActionStepFactory(owner_contact=None)
    account_id = step.milestone.account_id
    assert success_plan_for_account(account_id=account_id) is None
    assert success_plan_step_get(step_id=step.pk, account_id=account_id) is None
    assert success_plan_share_counts(account=step.milestone.account) == {
        "exists": True,
        "map": False,
        "milestones": 0,
        "steps": 0,
    }


def test_the_plan_shows_only_what_is_shared_at_each_level(scoped):
    step = ActionStepFactory(description="見える手順")
    hidden_step = ActionStepFactory(milestone=step.milestone, description="社内メモ")
    hidden_milestone = MilestoneFactory(journey_map=step.milestone.journey_map, title="社内")
    journey_map = step.milestone.journey_map
    account_id = journey_map.account_id

    success_plan_share_set(item=step, shared=True)
    success_plan_share_set(item=step.milestone, shared=True)
    assert success_plan_for_account(account_id=account_id) is None  # the map is not shared

    success_plan_share_set(item=journey_map, shared=True)
    plan = success_plan_for_account(account_id=account_id)
    assert [m.pk for m in plan.plan_milestones] == [step.milestone_id]
    assert [s.description for s in plan.plan_milestones[0].plan_steps] == ["見える手順"]
    assert success_plan_step_get(step_id=hidden_step.pk, account_id=account_id) is None
    assert success_plan_share_counts(account=journey_map.account) == {
        "exists": True,
        "map": True,
        "milestones": 1,
        "steps": 1,
    }
    assert hidden_milestone.pk not in {m.pk for m in plan.plan_milestones}

    success_plan_share_set(item=step.milestone, shared=False)
    assert success_plan_for_account(account_id=account_id).plan_milestones == []
    # A shared step under a milestone that is not shared is not counted.
    assert success_plan_share_counts(account=journey_map.account)["steps"] == 0
    assert success_plan_step_get(step_id=step.pk, account_id=account_id) is None


def test_the_plan_is_read_in_four_queries(scoped, django_assert_num_queries):
    step = _shared_step()
    ActionStepFactory.create_batch(3, milestone=step.milestone, shared_with_customer=True)
    with django_assert_num_queries(4):
        plan = success_plan_for_account(account_id=step.milestone.account_id)
        for milestone in plan.plan_milestones:
            for s in milestone.plan_steps:
                list(s.comments.all())
                _ = s.owner_contact


def test_another_accounts_step_is_not_found_for_this_account(scoped):
    step = _shared_step()
    other = _shared_step()
    assert success_plan_step_get(step_id=step.pk, account_id=other.milestone.account_id) is None
    assert success_plan_step_get(step_id=step.pk, account_id=step.milestone.account_id) == step


def test_another_tenants_plan_is_invisible(tenant, other_tenant):
    with tenant_scope(tenant):
        step = _shared_step()
    with tenant_scope(other_tenant):
        account_id = step.milestone.account_id
        assert success_plan_for_account(account_id=account_id) is None
        assert success_plan_step_get(step_id=step.pk, account_id=account_id) is None


def test_sharing_is_audited_once_per_change(scoped):
    milestone = MilestoneFactory(title="導入完了")
    success_plan_share_set(item=milestone, shared=True)
    success_plan_share_set(item=milestone, shared=True)  # no change, no entry
    success_plan_share_set(item=milestone, shared=False)
    events = _audit("success_plan_share.updated")
    assert [e.changes for e in events] == [
        {"shared_with_customer": [False, True]},
        {"shared_with_customer": [True, False]},
    ]
    assert events[0].target_label == "導入完了"


# --- what the customer may change ---------------------------------------------------------------


def test_a_contact_ticks_a_customer_owned_step_and_the_csm_sees_it(scoped):
    step = _shared_step(description="管理者を登録する")
    contact = ContactFactory(account=step.milestone.account, name="山田 花子")

    action_step_customer_set_done(step=step, contact=contact, done=True)

    step.refresh_from_db()
    assert step.done and step.done_at is not None
    entry = Activity.objects.get(kind=ActivityKind.SUCCESS_PLAN)
    assert entry.account_id == step.milestone.account_id
    assert entry.contact_id == contact.pk
    assert entry.data["event"] == "step_done"
    assert entry.data["step"] == step.pk
    event = _audit("success_plan_step.updated")[0]
    assert event.changes == {"done": [False, True]}
    assert "山田 花子" in event.actor_label
    assert event.actor_user is None


def test_ticking_twice_writes_one_entry_and_unticking_another(scoped):
    step = _shared_step()
    contact = step.owner_contact
    action_step_customer_set_done(step=step, contact=contact, done=True)
    action_step_customer_set_done(step=step, contact=contact, done=True)
    action_step_customer_set_done(step=step, contact=contact, done=False)
    events = list(
        Activity.objects.filter(kind=ActivityKind.SUCCESS_PLAN)
        .order_by("pk")
        .values_list("data__event", flat=True)
    )
    assert events == ["step_done", "step_reopened"]


def test_a_staff_owned_step_cannot_be_ticked_by_the_customer(scoped, csm_user):
    step = _shared_step(owner_user=csm_user, owner_contact=None)
    contact = ContactFactory(account=step.milestone.account)
    with pytest.raises(PermissionDenied):
        action_step_customer_set_done(step=step, contact=contact, done=True)
    step.refresh_from_db()
    assert not step.done
    assert not Activity.objects.filter(kind=ActivityKind.SUCCESS_PLAN).exists()


def test_a_contact_of_another_account_cannot_tick(scoped):
    step = _shared_step()
    stranger = ContactFactory()
    with pytest.raises(PermissionDenied):
        action_step_customer_set_done(step=step, contact=stranger, done=True)
    with pytest.raises(PermissionDenied):
        action_step_customer_comment(step=step, contact=stranger, body="見えるはずがない")


def test_an_unshared_step_cannot_be_ticked(scoped):
    step = _shared_step()
    success_plan_share_set(item=step.milestone.journey_map, shared=False)
    with pytest.raises(PermissionDenied):
        action_step_customer_set_done(step=step, contact=step.owner_contact, done=True)


def test_a_comment_is_kept_on_the_step_and_on_the_timeline(scoped):
    step = _shared_step()
    contact = step.owner_contact
    comment = action_step_customer_comment(step=step, contact=contact, body="  来週やります  ")
    assert comment.body == "来週やります"
    assert list(step.comments.values_list("body", flat=True)) == ["来週やります"]
    entry = Activity.objects.get(kind=ActivityKind.SUCCESS_PLAN)
    assert entry.body == "来週やります"
    assert entry.data["event"] == "step_commented"
    assert _audit("success_plan_comment.created")[0].changes == {"comment": [None, "来週やります"]}


@pytest.mark.parametrize("body", ["", "   ", "あ" * 2001])
def test_an_empty_or_overlong_comment_is_refused(scoped, body):
    step = _shared_step()
    with pytest.raises(ValidationError):
        action_step_customer_comment(step=step, contact=step.owner_contact, body=body)
    assert not ActionStepComment.objects.exists()
    assert not Activity.objects.filter(kind=ActivityKind.SUCCESS_PLAN).exists()


def test_customer_entries_read_in_the_readers_language(scoped):
    step = _shared_step(description="管理者を登録する")
    contact = ContactFactory(account=step.milestone.account, name="山田")
    with translation.override("ja"):
        action_step_customer_set_done(step=step, contact=contact, done=True)
        action_step_customer_comment(step=step, contact=contact, body="完了しました")
    entries = list(Activity.objects.filter(kind=ActivityKind.SUCCESS_PLAN).order_by("pk"))
    with translation.override("en"):
        english = [activity_title(a) for a in entries]
    with translation.override("ja"):
        japanese = [activity_title(a) for a in entries]
    assert english == [
        "山田 ticked off “管理者を登録する” on the success plan",
        "山田 commented on “管理者を登録する” on the success plan",
    ]
    assert japanese == [
        "山田さんがサクセスプランの「管理者を登録する」を完了にしました",
        "山田さんがサクセスプランの「管理者を登録する」にコメントしました",
    ]
